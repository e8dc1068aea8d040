package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/lm/tinyshakespeare"
	"github.com/recurrent-go/recurrent/text"
)

// quickstartFlags are the flags of `recurrent quickstart`.
type quickstartFlags struct {
	out      string
	duration time.Duration
	hidden   int
	layers   int
	samples  int
	length   int
	seed     uint64
	resume   bool
}

func init() {
	rootCmd.AddCommand(newQuickstartCmd())
}

func newQuickstartCmd() *cobra.Command {
	var f quickstartFlags
	cmd := &cobra.Command{
		Use:   "quickstart",
		Short: "Train a character LSTM on tiny-shakespeare for about a minute and sample from it",
		Long: `Train a character-level LSTM language model on the embedded tiny-shakespeare
corpus (first 90% for training, last 10% for validation, as nanoGPT splits it)
for --duration, then report the validation loss and print a few samples.
The checkpoint can then be used with "recurrent lm sample", "lm score", or
continued with "recurrent lm train --resume".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runQuickstart(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", defaultQuickstartDir(), "checkpoint directory")
	fl.DurationVar(&f.duration, "duration", time.Minute, "training time")
	fl.IntVar(&f.hidden, "hidden", 256, "LSTM hidden size")
	fl.IntVar(&f.layers, "layers", 1, "LSTM layers")
	fl.IntVar(&f.samples, "samples", 3, "samples to print")
	fl.IntVar(&f.length, "length", 300, "characters per sample")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed")
	fl.BoolVar(&f.resume, "resume", false, "continue from the checkpoint in --out for another --duration")
	return cmd
}

func defaultQuickstartDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "recurrent", "quickstart-lm")
	}
	return filepath.Join(os.TempDir(), "recurrent-quickstart-lm")
}

func runQuickstart(cmd *cobra.Command, f *quickstartFlags) error {
	if err := os.MkdirAll(filepath.Dir(f.out), 0o755); err != nil {
		return fmt.Errorf("quickstart: %w", err)
	}
	tok := text.Tokenizer{Mode: text.Chars, EOS: "\n"}
	trainText, validText := tinyshakespeare.Split()
	c := text.NewCounter()
	if err := text.CountReader(c, &tok, strings.NewReader(tinyshakespeare.Text), "tinyshakespeare"); err != nil {
		return err
	}
	v, err := text.BuildVocab(c, text.VocabOptions{Specials: []string{}})
	if err != nil {
		return err
	}
	// The split falls inside a line; each part ends its last line with "\n".
	train, err := text.EncodeReader(v, &tok, strings.NewReader(trainText), "tinyshakespeare (train)")
	if err != nil {
		return err
	}
	valid, err := text.EncodeReader(v, &tok, strings.NewReader(validText), "tinyshakespeare (valid)")
	if err != nil {
		return err
	}
	var tr *lm.Trainer
	if f.resume {
		if tr, err = lm.Resume(f.out, train, valid); err != nil {
			return err
		}
		tr.Config.TimeLimit = f.duration
	} else {
		m, err := lm.New(lm.Config{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 64, Hidden: f.hidden, Layers: f.layers, Tokenizer: tok}, v, f.seed)
		if err != nil {
			return err
		}
		tr, err = lm.NewTrainer(m, train, valid, lm.TrainConfig{
			Batch: 32, BPTT: 32, Epochs: 10, Optimizer: "adam", LR: 5e-3, Clip: 1,
			EvalBatch: 64, TimeLimit: f.duration, Seed: f.seed,
		})
		if err != nil {
			return err
		}
	}
	tr.Dir = f.out
	out := cmd.OutOrStdout()
	fmt.Fprintf(cmd.ErrOrStderr(), "tiny-shakespeare: %d training and %d validation characters, %d distinct; training for %s\n",
		len(train), len(valid), v.Len(), f.duration)
	return trainAndReport(cmd.Context(), out, tr, nil, false, false, func(m *lm.Model) error {
		fmt.Fprintf(out, "\nsamples (temperature 0.8):\n")
		opt := lm.SampleOptions{MaxTokens: f.length, Temperature: 0.8, Seed: f.seed}
		if err := writeSamples(cmd.Context(), out, m, "", opt, f.samples, false); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nmore: recurrent lm sample --model %q --prompt \"ROMEO:\" --temperature 0.8\n", f.out)
		fmt.Fprintf(out, "train longer: recurrent quickstart --resume --out %q\n", f.out)
		return nil
	})
}
