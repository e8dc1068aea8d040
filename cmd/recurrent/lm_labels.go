package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/docs"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
)

// Label-conditioned language models: `lm train-labels` trains a
// lm.CondModel on labelled text, `lm eval-labels` scores it, and
// `lm sample --label L` samples from it (runLMSampleLabel).

// lmTrainLabelsFlags are the flags of `recurrent lm train-labels`.
type lmTrainLabelsFlags struct {
	trainPath, validPath, format string
	cfg                          lm.CondConfig
	tc                           lm.CondTrainConfig
	minCount                     int64
	lower, rawLabels             bool
	trainRunFlags
}

func newLMTrainLabelsCmd() *cobra.Command {
	f := &lmTrainLabelsFlags{}
	cmd := &cobra.Command{
		Use:   "train-labels --train F [--valid F] --out DIR",
		Short: "Train a label-conditioned language model (one-to-many generation) on labelled text",
		Long:  docs.Help("lm train-labels"),
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runLMTrainLabels(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.trainPath, "train", "", "labelled training sentences")
	fl.StringVar(&f.validPath, "valid", "", "labelled validation sentences")
	fl.StringVar(&f.format, "format", "auto", "input format: auto, tsv, sst or csv")
	fl.StringVar(&f.cfg.Condition, "condition", lm.CondBoth, "label conditioning: init, input, both or none")
	fl.StringVar(&f.cfg.Cell, "cell", "lstm", "recurrent cell")
	fl.IntVar(&f.cfg.EmbedDim, "embed", 128, "token embedding size")
	fl.IntVar(&f.cfg.LabelDim, "label-dim", 16, "label embedding size (condition input/both)")
	fl.BoolVar(&f.cfg.LabelBias, "label-bias", false, "add a per-label output bias (a direct per-label shift of the next-word distribution)")
	fl.Float64Var(&f.tc.Discriminative, "discriminative", 0, "weight of the discriminative term -log p(label | sentence) (the model's own Bayes posterior) added to the likelihood loss; 0: plain maximum likelihood")
	fl.BoolVar(&f.tc.Bucket, "bucket", false, "batch sentences of similar length (less padding, faster)")
	fl.IntVar(&f.cfg.Hidden, "hidden", 256, "hidden size")
	fl.IntVar(&f.cfg.Layers, "layers", 1, "layers")
	fl.Float64Var(&f.cfg.Dropout, "dropout", 0.3, "dropout on embeddings, between layers and on outputs")
	fl.Int64Var(&f.minCount, "min-count", 2, "rarer tokens become <unk>")
	fl.BoolVar(&f.lower, "lower", false, "lowercase the text")
	fl.BoolVar(&f.rawLabels, "raw-labels", false, "keep SST labels 0/1 instead of negative/positive")
	fl.IntVar(&f.tc.Batch, "batch", 32, "sentences per batch")
	fl.Float64Var(&f.tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&f.tc.Clip, "clip", 5, "gradient-norm clip (0: none)")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Uint64Var(&f.tc.Seed, "seed", 1, "random seed")
	addTrainRunFlags(cmd, &f.trainRunFlags, 10)
	markRequired(cmd, "train")
	return cmd
}

func runLMTrainLabels(cmd *cobra.Command, f *lmTrainLabelsFlags) error {
	if err := f.checkOut(); err != nil {
		return fmt.Errorf("lm train-labels: %w", err)
	}
	switch {
	case !(f.tc.Discriminative >= 0):
		return fmt.Errorf("lm train-labels: --discriminative %v must be >= 0", f.tc.Discriminative)
	case !(f.tc.Clip >= 0):
		return fmt.Errorf("lm train-labels: --clip %v must be >= 0", f.tc.Clip)
	}
	if err := positiveFlags(cmd, "embed", "hidden", "layers", "label-dim", "batch", "lr", "epochs", "steps"); err != nil {
		return err
	}
	// The budget: --steps alone makes the epochs unbounded.
	f.tc.Epochs, f.tc.MaxSteps = f.epochs, f.steps
	if cmd.Flags().Changed("steps") && !cmd.Flags().Changed("epochs") {
		f.tc.Epochs = 0
	}
	format, err := text.ParseLabelFormat(f.format)
	if err != nil {
		return fmt.Errorf("lm train-labels: %w", err)
	}
	d, err := lm.ReadLabelledFiles(f.trainPath, f.validPath, format, f.rawLabels)
	if err != nil {
		return err
	}
	t, err := f.trainer(cmd, d)
	if err != nil {
		return err
	}
	prog := newTrainProgress(f.quiet, "tok")
	prog.labels = t.ProgressLabels()
	prog.println("%s", t.Describe())
	if f.resume {
		prog.println("resuming at step %d (epoch %d, batch %d)", t.Pos().Step, t.Pos().Epoch, t.Pos().Batch)
	}
	r := &loopRun{name: "lm train-labels", out: f.out, asJSON: f.asJSON, params: t.Model.NumParams(), prog: prog}
	return r.report(cmd, t.Run)
}

// trainer builds the vocabulary, the model and a trainer or, with
// --resume, reopens the checkpoint in --out, refusing flags that conflict
// with it and applying the budget flags given.
func (f *lmTrainLabelsFlags) trainer(cmd *cobra.Command, d *lm.LabelledFiles) (*lm.CondTrainer, error) {
	if !f.resume {
		cfg := f.cfg
		cfg.Tokenizer = text.Tokenizer{Mode: text.Whitespace, Lower: f.lower}
		v, err := lm.CondVocab(cfg.Tokenizer, d.Train, f.minCount)
		if err != nil {
			return nil, fmt.Errorf("lm train-labels: %w", err)
		}
		t, err := lm.NewCondRun(cfg, v, d, f.tc)
		if err == nil {
			t.Dir, t.Overwrite = f.out, f.overwrite
		}
		return t, err
	}
	t, err := lm.ResumeCondRun(f.out, d)
	if err != nil {
		return nil, err
	}
	if err := checkSettings(cmd, t.ResumeSettings(f.cfg, f.lower, f.tc)); err != nil {
		return nil, fmt.Errorf("lm train-labels --resume: %w", err)
	}
	t.Reconfigure(f.tc, cmd.Flags().Changed)
	return t, nil
}

// newLMEvalLabelsCmd scores a conditional model on labelled sentences.
func newLMEvalLabelsCmd() *cobra.Command {
	var (
		dir, path, format string
		asJSON, rawLabels bool
	)
	cmd := &cobra.Command{
		Use:   "eval-labels --model DIR --data F",
		Short: "Perplexity of a label-conditioned language model on labelled sentences, and its own (Bayes) label accuracy",
		Long:  docs.Help("lm eval-labels"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := text.ParseLabelFormat(format)
			if err != nil {
				return fmt.Errorf("lm eval-labels: %w", err)
			}
			m, err := lm.LoadCond(dir)
			if err != nil {
				return err
			}
			ex, err := readInput(cmd, path, func(r io.Reader, name string) ([]text.Labelled, error) {
				ex, _, err := text.ReadLabelled(r, name, f)
				return ex, err
			})
			if err != nil {
				return err
			}
			d, err := m.EncodeLabelled(ex, path, rawLabels)
			if err != nil {
				return err
			}
			res, err := m.Report(cmd.Context(), d)
			if err != nil {
				return err
			}
			return writeReport(cmd.OutOrStdout(), &res, asJSON, true)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "model", "", "conditional model directory (lm train-labels)")
	fl.StringVar(&path, "data", "", `labelled sentences ("-": standard input)`)
	fl.StringVar(&format, "format", "auto", "input format: auto, tsv, sst or csv")
	fl.BoolVar(&rawLabels, "raw-labels", false, "do not map SST labels 0/1 to negative/positive")
	fl.BoolVar(&asJSON, "json", false, "print the metrics as JSON")
	markRequired(cmd, "model", "data")
	return cmd
}
