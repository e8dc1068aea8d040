package main

import (
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/infer"
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
// read, which is given the name to use in messages (text.ReadAs).
func readInput[T any](cmd *cobra.Command, path string, read func(r io.Reader, name string) (T, error)) (T, error) {
	return text.ReadAs(stdio(cmd), path, read)
}

// loadKind loads --model with load once infer.CheckKind finds it of kind
// want (a model of another kind would fail in load on a JSON field).
func loadKind[M any](model string, want infer.Kind, load func(string) (M, error)) (M, error) {
	if err := infer.CheckKind(model, want); err != nil {
		var none M
		return none, fmt.Errorf("--model %w", err)
	}
	return load(model)
}
