package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/lm/tinyshakespeare"
)

func init() {
	addCommands(rootCmd, newQuickstartCmd())
}

func newQuickstartCmd() *cobra.Command {
	var (
		o       tinyshakespeare.QuickstartOptions
		samples int
		length  int
	)
	cmd := &cobra.Command{
		Use:   "quickstart",
		Short: "Train a character LSTM on tiny-shakespeare for about a minute and sample from it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := tinyshakespeare.NewQuickstart(o)
			if err != nil {
				return fmt.Errorf("quickstart: %w", err)
			}
			fmt.Fprintln(cmd.ErrOrStderr(), q.Intro())
			out := cmd.OutOrStdout()
			if err := runSession[*lm.Summary](cmd, &lm.Session{Trainer: q.Trainer}, &trainRunFlags{out: q.Dir}, "lm train", "tok", nil); err != nil {
				return err
			}
			fmt.Fprintf(out, "\nsamples (temperature 0.8):\n")
			opt := lm.SampleOptions{MaxTokens: length, Temperature: 0.8, Seed: o.Seed}
			if err := writeSamples(cmd.Context(), out, q.Trainer.Model, "", opt, samples, false); err != nil {
				return err
			}
			_, err = fmt.Fprintf(out, "\nmore: recurrent lm sample --model %[1]q --prompt \"ROMEO:\" --temperature 0.8\n"+
				"train longer: recurrent quickstart --resume --out %[1]q\n"+
				"serve it (web page and JSON API): recurrent serve --model shakespeare=%[1]q\n", o.Dir)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Dir, "out", tinyshakespeare.DefaultDir(), "checkpoint directory")
	fl.DurationVar(&o.Duration, "duration", time.Minute, "training time")
	fl.IntVar(&o.Hidden, "hidden", 256, "LSTM hidden size")
	fl.IntVar(&o.Layers, "layers", 1, "LSTM layers")
	fl.IntVar(&samples, "samples", 3, "samples to print")
	fl.IntVar(&length, "length", 300, "characters per sample")
	fl.Uint64Var(&o.Seed, "seed", 1, "random seed")
	fl.BoolVar(&o.Resume, "resume", false, "continue from the checkpoint in --out for another --duration")
	return cmd
}
