package main

import (
	"fmt"
	"io"
	"os"

	"github.com/recurrent-go/recurrent/tag"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/spf13/cobra"
)

func init() {
	tagCmd.AddCommand(newTagTrainCmd())
}

// tagTrainFlags are the flags of `recurrent tag train`.
type tagTrainFlags struct {
	train, dev, test, vectors string
	scheme, trainScheme       string
	minCount                  int64
	cfg                       tag.Config
	tc                        tag.TrainConfig
	trainRunFlags
}

func newTagTrainCmd() *cobra.Command {
	f := &tagTrainFlags{}
	cmd := &cobra.Command{
		Use:   "train --train FILE [--dev FILE] --out DIR",
		Short: "Train a BiLSTM tagger with a character-level word encoder",
		Long: `Train reads CoNLL column files (token first, tag last, blank lines between
sentences, -DOCSTART- lines ignored) and trains a tagger: word embedding
(optionally from --vectors) + character BiLSTM per word -> BiLSTM stack ->
per-token softmax, with Adam, clipping and dropout. Tags are learned in
--train-scheme (IOBES by default) and converted back to the data's scheme;
decoding keeps the tag sequence valid. After each epoch the model is scored on
--dev with conlleval's F1; the best one (a strictly better F1 counts) is kept
in DIR as model.safetensors (what --model DIR loads), the latest beside it in
last.safetensors. An existing checkpoint is never replaced unless --overwrite.
Budget: --epochs N and/or --steps N (exactly N steps; epochs unbounded unless
given); the first limit reached stops and the reason is printed. The learning
rate is --lr/(1+--decay*epoch). Training stops with an error if the loss
becomes NaN or infinite or exceeds 20 times its recent median; the checkpoint
keeps the last good state. Interrupt (Ctrl-C) saves a checkpoint; --resume
continues it exactly: the model and optimizer flags must then match the
checkpoint (an error names any that differs), while --epochs, --steps,
--patience, --clip and --save-every apply from the resumed step on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTagTrain(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.train, "train", "", "training data (CoNLL columns)")
	fl.StringVar(&f.dev, "valid", "", "development data for model selection and early stopping (--dev: old spelling)")
	deprecatedAliases(cmd, map[string]string{"dev": "valid"})
	fl.StringVar(&f.test, "test", "", "test data scored after training")
	fl.StringVar(&f.vectors, "vectors", "", "initialise the word embedding from this vector file")
	fl.BoolVar(&f.cfg.Freeze, "freeze", false, "keep the word embedding fixed")
	fl.StringVar(&f.scheme, "scheme", "auto", "tag scheme of the data: auto, iob1, iob2 or iobes")
	fl.StringVar(&f.trainScheme, "train-scheme", "iobes", "scheme the model learns: iob1, iob2 or iobes")
	fl.Int64Var(&f.minCount, "min-count", 1, "drop training words seen fewer times")
	fl.BoolVar(&f.cfg.Lower, "lower", true, "look words up lower-cased (the characters keep the case)")
	fl.BoolVar(&f.cfg.NormDigits, "norm-digits", true, "look words up with every digit replaced by 0")
	fl.IntVar(&f.cfg.WordEmbed, "word-embed", 100, "word embedding size (taken from --vectors when given)")
	fl.IntVar(&f.cfg.CharEmbed, "char-embed", 25, "character embedding size")
	fl.IntVar(&f.cfg.CharHidden, "char-hidden", 25, "character BiLSTM size per direction (0: no character encoder)")
	fl.StringVar(&f.cfg.Cell, "cell", "lstm", "sentence encoder cell: lstm, gru, rnn_tanh, ...")
	fl.IntVar(&f.cfg.Hidden, "hidden", 100, "sentence encoder size per direction")
	fl.IntVar(&f.cfg.Layers, "layers", 1, "stacked bidirectional layers")
	fl.Float64Var(&f.cfg.Dropout, "dropout", 0.5, "dropout on token features and encoder outputs")
	fl.IntVar(&f.tc.Batch, "batch", 16, "sentences per step")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Float64Var(&f.tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&f.tc.Decay, "decay", 0.05, "learning rate lr/(1+decay*epoch)")
	fl.Float64Var(&f.tc.Clip, "clip", 5, "maximal gradient L2 norm (0: no clipping)")
	fl.IntVar(&f.tc.Patience, "patience", 4, "stop after this many epochs without dev improvement (0: never)")
	fl.IntVar(&f.tc.SaveEvery, "save-every", 1, "write the checkpoint every this many epochs (and always at the end)")
	fl.Uint64Var(&f.tc.Seed, "seed", 1, "random seed")
	addTrainRunFlags(cmd, &f.trainRunFlags, 10)
	markRequired(cmd, "train")
	return cmd
}

// tagSummary is the result of `tag train`.
type tagSummary struct {
	taskSummary[tag.Metrics, tag.Metrics]
}

// tagData are the sentences of a tag train run.
type tagData = taskData[tag.Sentence]

func runTagTrain(cmd *cobra.Command, f *tagTrainFlags) error {
	var sum tagSummary
	tr, data, err := startTrainer(&f.trainRunFlags, "tag train", f.read,
		func(d tagData) (*tag.Trainer, error) { return f.resumeTrainer(cmd, d) },
		func(d tagData) (*tag.Trainer, error) { return f.newTrainer(cmd, d, &sum) })
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	m := tr.Model
	if !f.quiet {
		fmt.Fprintf(os.Stderr, "model: word %d + char BiLSTM %dx%d -> bi%s %d layers x %d -> %d tags (%s); vocab %d, %d parameters; %d sentences\n",
			m.Config.WordEmbed, m.Config.CharEmbed, m.Config.CharHidden, m.Config.Cell, m.Config.Layers, m.Config.Hidden,
			len(m.Config.Tags), m.Config.TrainScheme, m.Config.VocabSize, paramCount(m.Params()), len(data.train))
	}
	res, interrupted, err := runTrainer(ctx, &f.trainRunFlags, "tag train", "tok", map[string]string{"tokens": ""}, tr.Run)
	if err != nil {
		return err
	}
	sum.runSummary = newRunSummary(f.out, paramCount(m.Params()), res.Result, interrupted)
	sum.Vocab, sum.Valid, sum.Best = m.Config.VocabSize, res.Valid, tag.MetricsOf(res.Best)
	if data.test != nil && !interrupted {
		r, _, err := m.Score(ctx, data.test, f.test, 128)
		if err != nil {
			return err
		}
		sum.Test = &r
	}
	return f.finish(ctx, cmd.OutOrStdout(), sum, sum.write, interrupted)
}

// read reads the training, dev and test sentences.
func (f *tagTrainFlags) read() (tagData, error) {
	sets, err := readAll(func(p string) ([]tag.Sentence, error) { return tag.ReadCoNLLFile(p, tag.ReadOptions{}) }, f.train, f.dev, f.test)
	if err != nil {
		return tagData{}, err
	}
	if len(sets[0]) == 0 {
		return tagData{}, fmt.Errorf("tag train: %s has no sentences", f.train)
	}
	return tagData{sets[0], sets[1], sets[2]}, nil
}

// resumeTrainer reopens the checkpoint in --out.
func (f *tagTrainFlags) resumeTrainer(cmd *cobra.Command, d tagData) (*tag.Trainer, error) {
	m, err := tag.Load(f.out)
	if err != nil {
		return nil, err
	}
	train, err := m.EncodeSentences(d.train, f.train, true)
	if err != nil {
		return nil, err
	}
	tr, err := tag.Resume(f.out, train, d.dev)
	if err != nil {
		return nil, err
	}
	if err := f.resumeConflicts(cmd, tr); err != nil {
		return nil, fmt.Errorf("tag train --resume: %w", err)
	}
	c := &tr.Config
	f.resumeBudget(cmd, &c.Epochs, &c.MaxSteps, map[string]func(){"patience": func() { c.Patience = f.tc.Patience },
		"clip": func() { c.Clip = f.tc.Clip }, "save-every": func() { c.SaveEvery = f.tc.SaveEvery }})
	return tr, nil
}

// resumeConflicts returns an error naming the first model or optimizer
// flag given with --resume whose value differs from the checkpoint's.
func (f *tagTrainFlags) resumeConflicts(cmd *cobra.Command, tr *tag.Trainer) error {
	c, tc := tr.Model.Config, tr.Config
	err := checkResumeFlags(cmd, []resumeCheck{
		{"cell", f.cfg.Cell, c.Cell}, {"word-embed", f.cfg.WordEmbed, c.WordEmbed}, {"char-embed", f.cfg.CharEmbed, c.CharEmbed},
		{"char-hidden", f.cfg.CharHidden, c.CharHidden}, {"hidden", f.cfg.Hidden, c.Hidden}, {"layers", f.cfg.Layers, c.Layers},
		{"dropout", f.cfg.Dropout, c.Dropout}, {"freeze", f.cfg.Freeze, c.Freeze}, {"lower", f.cfg.Lower, c.Lower},
		{"norm-digits", f.cfg.NormDigits, c.NormDigits}, {"train-scheme", f.trainScheme, c.TrainScheme},
		{"batch", f.tc.Batch, tc.Batch}, {"optimizer", f.tc.Optimizer, tc.Optimizer}, {"lr", f.tc.LR, tc.LR},
		{"decay", f.tc.Decay, tc.Decay}, {"seed", f.tc.Seed, tc.Seed},
	})
	if err != nil {
		return err
	}
	return notOnResume(cmd, "vectors", "min-count", "scheme")
}

// newTrainer builds a new model from the flags and the training data.
func (f *tagTrainFlags) newTrainer(cmd *cobra.Command, d tagData, sum *tagSummary) (*tag.Trainer, error) {
	m, vec, err := f.newModel(d.train)
	if err != nil {
		return nil, err
	}
	if vec != nil {
		cov, err := m.InitVectors(vec, d.train, f.minCount, f.tc.Seed)
		if err != nil {
			return nil, err
		}
		sum.Coverage = &cov
		if !f.quiet {
			fmt.Fprintf(os.Stderr, "vectors: %s (dim %d): %d of %d training word types found (%.1f%%); vocabulary %d words\n",
				f.vectors, vec.Dim, cov.Train, cov.Of, 100*cov.Rate, m.Vocab.Len())
		}
	}
	train, err := m.EncodeSentences(d.train, f.train, true)
	if err != nil {
		return nil, err
	}
	tc := f.tc
	tc.Epochs, tc.MaxSteps, _ = f.budget(cmd)
	tr, err := tag.NewTrainer(m, train, d.dev, tc)
	if err != nil {
		return nil, err
	}
	tr.Dir, tr.Overwrite = f.out, f.overwrite
	return tr, nil
}

// newModel builds the model (and reads --vectors) from the flags.
func (f *tagTrainFlags) newModel(trainS []tag.Sentence) (*tag.Model, *vectors.Vectors, error) {
	cfg := f.cfg
	cfg.Scheme, cfg.TrainScheme = f.scheme, f.trainScheme
	var vec *vectors.Vectors
	if f.vectors != "" {
		var err error
		if vec, err = vectors.Load(f.vectors); err != nil {
			return nil, nil, err
		}
	}
	m, err := tag.Build(trainS, cfg, tag.VocabOptions{MinCount: f.minCount, Vectors: vec}, f.tc.Seed)
	return m, vec, err
}

// write prints the summary as text.
func (sum tagSummary) write(out io.Writer) error {
	writeTrained(out, sum.runSummary)
	if b := sum.Best; b != nil {
		fmt.Fprintf(out, "best dev F1 %.2f (epoch %g)\n", b.F1, sum.BestEpoch)
	}
	if sum.Test != nil {
		fmt.Fprintf(out, "test: ")
		if err := sum.Test.WriteConlleval(out); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "checkpoint: %s\n", sum.Checkpoint)
	return nil
}
