package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/recurrent-go/recurrent/text"
	"github.com/spf13/cobra"
)

// Reading and writing files the same way in every command: "-" is standard
// input or output, commands that read lines read standard input when no file
// is given, and errors name the file.

// stdio gives "-" its meaning for cmd: its standard input where a file is
// read, its standard output where one is written.
func stdio(cmd *cobra.Command) text.Stdio {
	return text.Stdio{In: cmd.InOrStdin(), Out: cmd.OutOrStdout()}
}

// reportTo is where a command that writes the file out prints its report:
// standard output, or standard error when the file itself goes to standard
// output ("-").
func reportTo(cmd *cobra.Command, out string) io.Writer {
	if out == "-" {
		return cmd.ErrOrStderr()
	}
	return cmd.OutOrStdout()
}

// readInput reads path ("-": cmd's standard input; .gz decompressed) with
// read, which is given the name to use in messages.
func readInput[T any](cmd *cobra.Command, path string, read func(r io.Reader, name string) (T, error)) (T, error) {
	var v T
	err := stdio(cmd).ReadFile(path, func(r io.Reader, name string) error {
		var err error
		v, err = read(r, name)
		return err
	})
	return v, err
}

// named adapts a reader that does not name its input for readInput: its
// errors get the name in front.
func named[T any](read func(io.Reader) (T, error)) func(io.Reader, string) (T, error) {
	return func(r io.Reader, name string) (T, error) {
		v, err := read(r)
		if err != nil {
			err = fmt.Errorf("%s: %w", name, err)
		}
		return v, err
	}
}

// readLines returns the lines of path ("-": standard input).
func readLines(cmd *cobra.Command, path string) ([]string, error) {
	return readInput(cmd, path, func(r io.Reader, name string) ([]string, error) {
		var lines []string
		err := text.ReadLines(r, name, func(_ int, l string) error {
			lines = append(lines, l)
			return nil
		})
		return lines, err
	})
}

// eachInput passes read the text a command works on: each --text (named
// "--text #N") and each file ("-": standard input), or standard input when
// neither is given.
func eachInput(cmd *cobra.Command, texts, files []string, read func(r io.Reader, name string) error) error {
	for i, t := range texts {
		if err := read(strings.NewReader(t), fmt.Sprintf("--text #%d", i+1)); err != nil {
			return err
		}
	}
	if len(texts) > 0 && len(files) == 0 {
		return nil
	}
	for _, path := range inputFiles(files) {
		if err := stdio(cmd).ReadFile(path, read); err != nil {
			return err
		}
	}
	return nil
}

// inputLines returns the lines of text a command works on (see eachInput),
// blank ones skipped and surrounding white space trimmed.
func inputLines(cmd *cobra.Command, texts, files []string) ([]string, error) {
	var out []string
	err := eachInput(cmd, texts, files, func(r io.Reader, name string) error {
		return text.ReadLines(r, name, func(_ int, l string) error {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
			return nil
		})
	})
	return out, err
}

// nonEmpty returns the paths that are not "": an optional --file flag as a
// list of files.
func nonEmpty(paths ...string) []string {
	var out []string
	for _, p := range paths {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// inputFiles returns the files a command reads: its arguments, or standard
// input ("-") without any.
func inputFiles(args []string) []string {
	if len(args) == 0 {
		return []string{"-"}
	}
	return args
}
