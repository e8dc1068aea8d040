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

// kindNames name each kind of model with the command that writes it.
var kindNames = map[infer.Kind]string{
	infer.KindLM:          "a language model (lm train, lm import)",
	infer.KindConditional: "a conditional language model (lm train-labels)",
	infer.KindClassify:    "a classifier (classify train)",
	infer.KindTag:         "a tagger (tag train)",
	infer.KindTranslate:   "a translation model (translate train)",
}

// checkKind refuses the model given as --model when it is of another kind
// than want, whose loader would fail on the other kind's configuration
// ("config.json: json: unknown field \"arch\""). A model that cannot be
// told, or a file (DetectKind's vector file: any file but a checkpoint's
// weights), is left to the loader, which names what is missing or wrong.
func checkKind(model string, want infer.Kind) error {
	got, err := infer.DetectKind(model)
	if err != nil || got == want || got == infer.KindVectors {
		return nil
	}
	return fmt.Errorf("--model %s is %s, not %s", model, kindNames[got], kindNames[want])
}

// loadKind loads --model with load once checkKind finds it of kind want.
func loadKind[M any](model string, want infer.Kind, load func(string) (M, error)) (M, error) {
	if err := checkKind(model, want); err != nil {
		var none M
		return none, err
	}
	return load(model)
}
