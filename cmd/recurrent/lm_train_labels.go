package main

import (
	"errors"
	"fmt"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
	"github.com/spf13/cobra"
)

// lmTrainLabelsFlags are the flags of `recurrent lm train-labels`.
type lmTrainLabelsFlags struct {
	trainPath, validPath, out, format string
	cfg                               lm.CondConfig
	tc                                lm.CondTrainConfig
	minCount                          int64
	lower, rawLabels                  bool
	resume, overwrite, asJSON, quiet  bool
	trainEx, validEx                  []text.Labelled
}

func newLMTrainLabelsCmd() *cobra.Command {
	f := &lmTrainLabelsFlags{}
	cmd := &cobra.Command{
		Use:   "train-labels --train F [--valid F] --out DIR",
		Short: "Train a label-conditioned language model (one-to-many generation) on labelled text",
		Long: `Train-labels reads labelled sentences (TSV "label<TAB>text", SST "<label> text"
or CSV text,label; detected automatically) and trains a sentence-level
language model conditioned on the label: --condition init sets every
layer's initial state from the label, input concatenates a label embedding
to every step's input, both does both, none ignores the label (the
unconditional baseline). --label-bias adds a per-label output bias;
--discriminative λ adds λ times the model's own -log p(label | sentence)
(Bayes' rule over its class-conditional likelihoods) to the loss, so the
model carries the label more strongly. SST labels 0/1 are named
negative/positive unless --raw-labels.

After every epoch the validation loss, perplexity and Bayes label accuracy are
printed on standard error and a checkpoint is written to --out (also on
Ctrl-C, at the exact step; --resume continues it exactly; an existing
checkpoint is replaced only with --overwrite). --model DIR loads the best
validation's weights, the latest are in last.safetensors; sample with
"recurrent lm sample --model DIR --label L". Budget: --epochs N (default 10),
--steps N (exactly N steps; epochs then unbounded unless given); the first
limit reached stops, and the reason is printed. On --resume the model flags,
--batch, --optimizer, --seed, --bucket and --discriminative are the
checkpoint's (a different value is an error); --epochs, --steps, --lr and
--clip apply from the resumed step. A loss that becomes NaN, infinite or 20 times its
recent median stops training with an error, keeping the last good checkpoint.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runLMTrainLabels(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.trainPath, "train", "", "labelled training sentences")
	fl.StringVar(&f.validPath, "valid", "", "labelled validation sentences")
	fl.StringVar(&f.out, "out", "", "checkpoint directory")
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
	fl.IntVar(&f.tc.Epochs, "epochs", 10, "passes over the training sentences (unbounded with --steps unless given)")
	fl.Int64Var(&f.tc.MaxSteps, "steps", 0, "train exactly this many steps (0: no cap)")
	fl.IntVar(&f.tc.Batch, "batch", 32, "sentences per batch")
	fl.Float64Var(&f.tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&f.tc.Clip, "clip", 5, "gradient-norm clip (0: none)")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Uint64Var(&f.tc.Seed, "seed", 1, "random seed")
	fl.BoolVar(&f.resume, "resume", false, "continue the training checkpoint in --out")
	fl.BoolVar(&f.overwrite, "overwrite", false, "replace a checkpoint already in --out (default: refuse)")
	fl.BoolVar(&f.asJSON, "json", false, "print the summary as JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
	return cmd
}

// check validates the flags before any data is read.
func (f *lmTrainLabelsFlags) check(cmd *cobra.Command) error {
	switch {
	case f.trainPath == "" || f.out == "":
		return errors.New("lm train-labels: --train and --out are required")
	case f.resume && f.overwrite:
		return errors.New("lm train-labels: --resume and --overwrite exclude each other")
	case !(f.tc.Discriminative >= 0):
		return fmt.Errorf("lm train-labels: --discriminative %v must be >= 0", f.tc.Discriminative)
	case !(f.tc.Clip >= 0):
		return fmt.Errorf("lm train-labels: --clip %v must be >= 0", f.tc.Clip)
	}
	if err := positiveFlags(cmd, "embed", "hidden", "layers", "label-dim", "batch", "lr", "epochs", "steps"); err != nil {
		return err
	}
	if !f.resume {
		if err := train.CheckDir(f.out, f.overwrite); err != nil {
			return fmt.Errorf("lm train-labels: --out: %w; --resume continues it, --overwrite replaces it", err)
		}
	}
	return nil
}

func runLMTrainLabels(cmd *cobra.Command, f *lmTrainLabelsFlags) error {
	if err := f.check(cmd); err != nil {
		return err
	}
	format, err := text.ParseLabelFormat(f.format)
	if err != nil {
		return fmt.Errorf("lm train-labels: %w", err)
	}
	f.validEx = nil
	if f.trainEx, _, err = text.ReadLabelledFile(f.trainPath, format); err != nil {
		return err
	}
	if f.validPath != "" {
		if f.validEx, _, err = text.ReadLabelledFile(f.validPath, format); err != nil {
			return err
		}
	}
	var t *lm.CondTrainer
	if f.resume {
		t, err = f.resumeTrainer(cmd)
	} else {
		t, err = f.newTrainer(cmd)
	}
	if err != nil {
		return err
	}
	return f.trainAndReport(cmd, t)
}

// newTrainer builds the labels, the vocabulary, the model and a trainer.
func (f *lmTrainLabelsFlags) newTrainer(cmd *cobra.Command) (*lm.CondTrainer, error) {
	if cmd.Flags().Changed("steps") && !cmd.Flags().Changed("epochs") {
		f.tc.Epochs = 0
	}
	cfg := f.cfg
	cfg.Labels = lm.CondLabels(f.trainEx, f.rawLabels)
	cfg.Tokenizer = text.Tokenizer{Mode: text.Whitespace, Lower: f.lower}
	v, err := lm.CondVocab(cfg.Tokenizer, f.trainEx, f.minCount)
	if err != nil {
		return nil, fmt.Errorf("lm train-labels: %w", err)
	}
	cfg.VocabSize = v.Len()
	m, err := lm.NewCond(cfg, v, f.tc.Seed)
	if err != nil {
		return nil, err
	}
	trainD, validD, err := f.data(m)
	if err != nil {
		return nil, err
	}
	t, err := lm.NewCondTrainer(m, trainD, validD, f.tc)
	if err != nil {
		return nil, err
	}
	t.Dir, t.Overwrite = f.out, f.overwrite
	return t, nil
}

// resumeTrainer reopens the checkpoint in --out, refusing flags that
// conflict with it and applying the budget flags given.
func (f *lmTrainLabelsFlags) resumeTrainer(cmd *cobra.Command) (*lm.CondTrainer, error) {
	m, err := lm.LoadCond(f.out)
	if err != nil {
		return nil, err
	}
	trainD, validD, err := f.data(m)
	if err != nil {
		return nil, err
	}
	t, err := lm.ResumeCond(f.out, trainD, validD)
	if err != nil {
		return nil, err
	}
	c, tc := m.Config, t.Config
	if err := checkResumeFlags(cmd, []resumeCheck{{"condition", f.cfg.Condition, c.Condition}, {"cell", f.cfg.Cell, c.Cell},
		{"embed", f.cfg.EmbedDim, c.EmbedDim}, {"label-dim", f.cfg.LabelDim, c.LabelDim}, {"label-bias", f.cfg.LabelBias, c.LabelBias},
		{"hidden", f.cfg.Hidden, c.Hidden}, {"layers", f.cfg.Layers, c.Layers}, {"dropout", f.cfg.Dropout, c.Dropout},
		{"lower", f.lower, c.Tokenizer.Lower}, {"batch", f.tc.Batch, tc.Batch}, {"optimizer", f.tc.Optimizer, tc.Optimizer},
		{"seed", f.tc.Seed, tc.Seed}, {"bucket", f.tc.Bucket, tc.Bucket}, {"discriminative", f.tc.Discriminative, tc.Discriminative}}); err != nil {
		return nil, fmt.Errorf("lm train-labels --resume: %w", err)
	}
	fl := cmd.Flags()
	if fl.Changed("epochs") || fl.Changed("steps") {
		t.Config.Epochs, t.Config.MaxSteps = f.tc.Epochs, f.tc.MaxSteps
		if !fl.Changed("epochs") {
			t.Config.Epochs = 0
		}
	}
	if fl.Changed("clip") {
		t.Config.Clip = f.tc.Clip
	}
	if fl.Changed("lr") {
		t.Config.LR = f.tc.LR
		t.Loop().Optimizer().SetLR(f.tc.LR)
	}
	return t, nil
}

// data encodes the training and validation sentences for m; a label the
// model does not know is an error naming the file and line.
func (f *lmTrainLabelsFlags) data(m *lm.CondModel) (trainD, validD lm.CondData, err error) {
	if trainD, err = m.EncodeLabelled(f.trainEx, f.trainPath, f.rawLabels); err != nil {
		return trainD, validD, fmt.Errorf("%w (from the training file %s)", err, f.trainPath)
	}
	if validD, err = m.EncodeLabelled(f.validEx, f.validPath, f.rawLabels); err != nil {
		return trainD, validD, fmt.Errorf("%w (from the training file %s)", err, f.trainPath)
	}
	return trainD, validD, nil
}

// trainAndReport runs the trainer with progress on standard error and
// prints the summary on standard output.
func (f *lmTrainLabelsFlags) trainAndReport(cmd *cobra.Command, t *lm.CondTrainer) error {
	m := t.Model
	prog := newTrainProgress(f.quiet, "tok")
	prog.labels = map[string]string{"tokens": "", "label_accuracy": "label accuracy (Bayes)"}
	c := m.Config
	prog.println("conditional LM: %s %dx%d, condition %s, label bias %v, discriminative %v, labels %v, vocab %d, %d parameters; %d train / %d valid sentences, %d batches/epoch",
		c.Cell, c.Layers, c.Hidden, c.Condition, c.LabelBias, t.Config.Discriminative, c.Labels, m.Vocab.Len(), nn.CountParams(m.Params()),
		len(f.trainEx), len(f.validEx), t.Batches())
	if f.resume {
		prog.println("resuming at step %d (epoch %d, batch %d)", t.Pos().Step, t.Pos().Epoch, t.Pos().Batch)
	}
	r := &loopRun{name: "lm train-labels", out: f.out, asJSON: f.asJSON, params: nn.CountParams(m.Params()), prog: prog}
	return r.report(cmd, t.Run)
}
