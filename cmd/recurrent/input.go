package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/text"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
// read, which is given the name to use in messages (text.ReadAs).
func readInput[T any](cmd *cobra.Command, path string, read func(r io.Reader, name string) (T, error)) (T, error) {
	return text.ReadAs(stdio(cmd), path, read)
}

// readLines returns the lines of path ("-": standard input).
func readLines(cmd *cobra.Command, path string) ([]string, error) {
	return readInput(cmd, path, func(r io.Reader, name string) (lines []string, err error) {
		err = text.ReadLines(r, name, func(_ int, l string) error {
			lines = append(lines, l)
			return nil
		})
		return lines, err
	})
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

// inputAnnotation marks a flag whose value names a file to read, "-" being
// standard input (inputs); argsAnnotation marks a command whose arguments
// are such files.
const (
	inputAnnotation   = "recurrent_input"
	argsAnnotation    = "recurrent_input_args"
	outputAnnotation  = "recurrent_output"
	replaceAnnotation = "recurrent_replaced_checkpoint"
)

// inputs marks cmd's flags names as files it reads ("-": standard input),
// so that stdinOnce can refuse standard input named twice.
func inputs(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		if err := cmd.Flags().SetAnnotation(n, inputAnnotation, []string{"true"}); err != nil {
			panic(err) // a flag name misspelt in the source
		}
	}
}

// inputArgs marks cmd's arguments as files it reads ("-": standard input).
func inputArgs(cmd *cobra.Command) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[argsAnnotation] = "true"
}

// stdinOnce refuses a command line that names standard input ("-") for
// more than one of cmd's inputs: the first would read it all and the
// others nothing, silently (an empty analogy or similarity file, a second
// file to score with no lines).
func stdinOnce(cmd *cobra.Command, args []string) error {
	var uses []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[inputAnnotation]; !ok {
			return
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			if v == "-" {
				uses = append(uses, "--"+f.Name)
			}
		}
	})
	if cmd.Annotations[argsAnnotation] != "" {
		for _, a := range args {
			if a == "-" {
				uses = append(uses, "argument -")
			}
		}
	}
	if len(uses) > 1 {
		return fmt.Errorf("%s all name standard input (\"-\"), which can be read only once", strings.Join(uses, ", "))
	}
	return nil
}

// outputs marks cmd's flags names as files it writes ("-": standard
// output), so that checkOutputs can refuse one that cannot be written
// before the command works for it.
func outputs(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		if err := cmd.Flags().SetAnnotation(n, outputAnnotation, []string{"true"}); err != nil {
			panic(err) // a flag name misspelt in the source
		}
	}
}

// replacesCheckpoint marks cmd's flag name as a checkpoint directory the
// command replaces as a whole (checkpoint.Save), so that checkOutputs
// refuses a directory holding anything but a checkpoint.
func replacesCheckpoint(cmd *cobra.Command, name string) {
	if err := cmd.Flags().SetAnnotation(name, replaceAnnotation, []string{"true"}); err != nil {
		panic(err) // a flag name misspelt in the source
	}
}

// checkOutputs refuses, before the command works for it, an output file
// (outputs) that is an existing directory or lies in a directory that
// does not exist, and a checkpoint directory to replace
// (replacesCheckpoint) that holds files but no checkpoint: replacing it
// would delete them.
func checkOutputs(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		p := f.Value.String()
		if err != nil || p == "" || p == "-" {
			return
		}
		if _, ok := f.Annotations[outputAnnotation]; ok {
			if st, serr := os.Stat(filepath.Dir(p)); serr != nil || !st.IsDir() {
				err = fmt.Errorf("--%s %s: directory %s does not exist", f.Name, p, filepath.Dir(p))
			} else if st, serr := os.Stat(p); serr == nil && st.IsDir() {
				err = fmt.Errorf("--%s %s is a directory; give a file name", f.Name, p)
			}
		}
		if _, ok := f.Annotations[replaceAnnotation]; ok {
			es, rerr := os.ReadDir(p)
			_, cerr := os.Stat(filepath.Join(p, checkpoint.ConfigFile))
			if rerr == nil && len(es) > 0 && cerr != nil {
				err = fmt.Errorf("--%s %s holds files but no checkpoint (%s); it would be replaced as a whole, so give a new or checkpoint directory", f.Name, p, checkpoint.ConfigFile)
			}
		}
	})
	return err
}
