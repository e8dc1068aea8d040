package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/lm"
)

// lmQuantizeFlags are the flags of `recurrent lm quantize`.
type lmQuantizeFlags struct {
	model, out string
}

func newLMQuantizeCmd() *cobra.Command {
	var f lmQuantizeFlags
	cmd := &cobra.Command{
		Use:   "quantize --model DIR --out DIR",
		Short: "Write an int8 copy of a language model for faster generation",
		Long: `Quantize the model for int8 inference, as PyTorch's quantize_dynamic does for
LSTM, GRU and Linear layers: every recurrent weight matrix and the decoder
weight become int8 with one float32 scale per row, and generation quantizes
each layer's input and state per step. The checkpoint written to --out says
"quantized": "int8" in config.json and stores those weights as I8 tensors
with F32 scales (NAME.scale); lm sample, score and eval load it as an int8
model. (--int8 on those commands quantizes a float32 model on load instead.)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLMQuantize(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	fl.StringVar(&f.out, "out", "", "directory to write the quantized model to (required; replaced if it exists)")
	return cmd
}

func runLMQuantize(cmd *cobra.Command, f *lmQuantizeFlags) error {
	if f.model == "" || f.out == "" {
		return errors.New("lm quantize: --model and --out are required")
	}
	m, err := lm.LoadPath(f.model, true)
	if err != nil {
		return err
	}
	if err := m.Save(f.out); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote int8 model to %s\n", f.out)
	return nil
}

// addInt8Flag adds --int8 to an lm command that loads a model.
func addInt8Flag(cmd *cobra.Command, on *bool) {
	cmd.Flags().BoolVar(on, "int8", false, "quantize the model to int8 on load (see lm quantize); a quantized checkpoint is int8 without it")
}
