package main

import (
	"fmt"

	"github.com/recurrent-go/recurrent/bench"
	"github.com/spf13/cobra"
)

func init() {
	benchCmd.AddCommand(newBenchRNNCmd())
}

func newBenchRNNCmd() *cobra.Command {
	c := bench.RNNConfig{}
	var (
		asJSON  bool
		profile string
	)
	cmd := &cobra.Command{
		Use:   "rnn",
		Short: "Measure language-model training steps or batch-1 sampling in tokens/s",
		Long: `Measure the embedding -> stacked RNN -> linear softmax language model
(embedding size = hidden size) on random tokens.

--mode train times one full training step on a [seq-len, batch] chunk:
forward, mean cross-entropy, backward through time, gradient clipping to
norm 5 and an Adam update; tokens/s = seq-len*batch / seconds per step.
--mode sample times batch-1 generation at temperature 1, one token at a
time, each token fed back in; tokens/s = generated tokens / seconds.

bench/rnn.sh runs PyTorch's equivalent model (bench/rnn_torch.py) beside it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if c.Threads, err = threadsFlag(cmd); err != nil {
				return fmt.Errorf("bench rnn: %w", err)
			}
			stop, err := bench.StartCPUProfile(profile)
			if err != nil {
				return fmt.Errorf("bench rnn: %w", err)
			}
			defer stop()
			res, err := bench.RNN(cmd.Context(), c)
			if err != nil {
				return err
			}
			return writeResult(cmd.OutOrStdout(), asJSON, res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Cell, "cell", "lstm", "recurrent cell: lstm, gru, gru_cho, gru_minimal, rnn_tanh or rnn_relu")
	f.IntVar(&c.Hidden, "hidden", 512, "hidden (and embedding) size H")
	f.IntVar(&c.Layers, "layers", 2, "stacked layers L")
	f.IntVar(&c.Batch, "batch", 32, "batch size B (train mode)")
	f.IntVar(&c.SeqLen, "seq-len", 100, "sequence length T (train mode)")
	f.IntVar(&c.Vocab, "vocab", 65, "vocabulary size V")
	f.StringVar(&c.Mode, "mode", "train", "train or sample")
	f.BoolVar(&c.Int8, "int8", false, "sample mode: quantize the model to int8 first (lm quantize)")
	f.IntSliceVar(&c.Adaptive, "adaptive-softmax", nil, "adaptive softmax cutoffs, e.g. 2000,10000 (default: full softmax)")
	f.Float64Var(&c.DivValue, "div-value", 4, "adaptive softmax: projection shrink factor per cluster")
	f.StringVar(&c.Tokens, "tokens", "uniform", "token distribution of the random chunk: uniform or zipf")
	f.Float64Var(&c.Seconds, "seconds", 10, "approximate measuring time in seconds (after warm-up)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&profile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	return cmd
}
