package main

import (
	"fmt"
	"io"
	"os"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/spf13/cobra"
)

func init() {
	classifyCmd.AddCommand(newClassifyTrainCmd())
}

// classifyTrainFlags are the flags of `recurrent classify train`.
type classifyTrainFlags struct {
	train, dev, test, format string
	vectors                  string
	freeze, lower, bucket    bool
	backoff                  bool
	initFrom                 string
	tokenize                 string
	minCount                 int64
	cfg                      classify.Config
	tc                       classify.TrainConfig
	binary                   string
	embedDropout             float64
	trainRunFlags
}

func newClassifyTrainCmd() *cobra.Command {
	f := &classifyTrainFlags{}
	cmd := &cobra.Command{
		Use:   "train --train FILE [--dev FILE] --out DIR",
		Short: "Train a text classifier (RNN/GRU/LSTM or word-vector averaging)",
		Long: `Train reads labelled texts (TSV "label<TAB>text", SST "<label> <text>" or CSV
"text,label", detected automatically), builds a vocabulary from the training
texts (plus every word of --vectors; training words the file lacks get the mean
vector of their parts, --backoff), and trains embedding -> recurrent layer ->
pooling -> linear head (--arch rnn) or the averaging baseline (--arch average)
with Adam, gradient clipping and dropout. After each epoch the model is scored on
--dev; the best one is kept in DIR (model.safetensors) and training stops after
--patience epochs without improvement (a strictly better accuracy counts).
Two labels give a sigmoid output with binary cross-entropy (unless
--binary=false); more give a softmax.

DIR holds config.json, vocab.json, labels.json, model.safetensors (the best
weights on --dev: what --model DIR loads), last.safetensors (the latest),
optimizer.safetensors and state.json; an existing checkpoint is never replaced
unless --overwrite. Budget: --epochs N and/or --steps N (exactly N steps;
epochs unbounded unless given); the first limit reached stops and the reason
is printed. Training stops with an error if the loss becomes NaN or infinite
or exceeds 20 times its recent median; the checkpoint keeps the last good
state. Interrupt (Ctrl-C) saves a checkpoint; --resume continues it exactly:
the model and optimizer flags must then match the checkpoint (an error names
any that differs), while --epochs, --steps, --patience, --clip and
--save-every apply from the resumed step on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runClassifyTrain(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.train, "train", "", "training data file")
	fl.StringVar(&f.dev, "valid", "", "development data for model selection and early stopping (--dev: old spelling)")
	deprecatedAliases(cmd, map[string]string{"dev": "valid"})
	fl.StringVar(&f.test, "test", "", "test data scored after training")
	fl.StringVar(&f.format, "format", "auto", "data format: auto, tsv, sst or csv")
	fl.StringVar(&f.vectors, "vectors", "", "initialise the embedding from this word-vector file")
	fl.BoolVar(&f.freeze, "freeze", false, "keep the embedding fixed")
	fl.StringVar(&f.initFrom, "init-from", "", "start from another classify model's recurrent weights and embedding rows (transfer; same cell and sizes, own head)")
	fl.BoolVar(&f.backoff, "backoff", true, "compose vectors for words --vectors lacks from their parts (coming-of-age, n't, 1930s, clichés)")
	fl.StringVar(&f.tokenize, "tokenize", "whitespace", "tokenizer: whitespace or words (words splits punctuation off)")
	fl.BoolVar(&f.lower, "lower", false, "lower-case the texts")
	fl.Int64Var(&f.minCount, "min-count", 1, "drop training words seen fewer times")
	fl.StringVar(&f.cfg.Arch, "arch", "rnn", "model: rnn or average (mean word vector -> softmax)")
	fl.StringVar(&f.cfg.Cell, "cell", "lstm", "recurrent cell: lstm, gru, rnn_tanh, rnn_relu, gru_cho, gru_minimal")
	fl.IntVar(&f.cfg.Embed, "embed", 100, "embedding size (taken from --vectors when given)")
	fl.IntVar(&f.cfg.Hidden, "hidden", 128, "hidden size per direction")
	fl.IntVar(&f.cfg.Layers, "layers", 1, "stacked recurrent layers")
	fl.BoolVar(&f.cfg.Bidirectional, "bidirectional", false, "bidirectional recurrent layers")
	fl.StringVar(&f.cfg.Pool, "pool", "last", "pooling over time: last, mean, max or meanmax ([mean; max])")
	fl.Float64Var(&f.cfg.Dropout, "dropout", 0.5, "dropout on embeddings, between layers and before the head")
	fl.Float64Var(&f.embedDropout, "embed-dropout", -1, "dropout on the embeddings (-1: --dropout)")
	fl.StringVar(&f.binary, "binary", "auto", "sigmoid output for two labels: auto (yes), true or false (softmax)")
	fl.IntVar(&f.tc.Batch, "batch", 32, "examples per step")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Float64Var(&f.tc.LR, "lr", 1e-3, "learning rate")
	fl.Float64Var(&f.tc.WeightDecay, "weight-decay", 0, "weight decay")
	fl.Float64Var(&f.tc.EmbedLR, "embed-lr", 0, "learning rate of the fine-tuned embedding (0: --lr)")
	fl.Float64Var(&f.tc.WordDropout, "word-dropout", 0, "replace training tokens by <unk> with this probability")
	fl.Float64Var(&f.tc.Clip, "clip", 5, "maximal gradient L2 norm (0: no clipping)")
	fl.IntVar(&f.tc.Patience, "patience", 3, "stop after this many epochs without dev improvement (0: never)")
	fl.BoolVar(&f.tc.Bucket, "bucket", true, "batch examples of similar length together")
	fl.IntVar(&f.tc.SaveEvery, "save-every", 1, "write the checkpoint every this many epochs (and always at the end)")
	fl.Uint64Var(&f.tc.Seed, "seed", 1, "random seed (weights, batch order, dropout)")
	addTrainRunFlags(cmd, &f.trainRunFlags, 10)
	markRequired(cmd, "train")
	return cmd
}

// classifySummary is the result of `classify train`.
type classifySummary struct {
	taskSummary[classify.Metrics, classify.Report]
	Composed int `json:"composed,omitempty"` // words given a --backoff vector
}

// classifyData are the examples of a classify train run.
type classifyData = taskData[classify.Example]

func runClassifyTrain(cmd *cobra.Command, f *classifyTrainFlags) error {
	var sum classifySummary
	tr, data, err := startTrainer(&f.trainRunFlags, "classify train", f.read,
		func(d classifyData) (*classify.Trainer, error) { return f.resumeTrainer(cmd, d) },
		func(d classifyData) (*classify.Trainer, error) { return f.newTrainer(cmd, d, &sum) })
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	m := tr.Model
	if !f.quiet {
		fmt.Fprintf(os.Stderr, "model: %s; embed %d (frozen: %v), vocab %d, %d labels, %d parameters\n",
			classifyDesc(m), m.Config.Embed, m.Config.Freeze, m.Config.VocabSize, m.Config.Classes, paramCount(m.Params()))
	}
	res, interrupted, err := runTrainer(ctx, &f.trainRunFlags, "classify train", "ex", map[string]string{"examples": ""}, tr.Run)
	if err != nil {
		return err
	}
	sum.runSummary = newRunSummary(f.out, paramCount(m.Params()), res.Result, interrupted)
	sum.Vocab, sum.Valid, sum.Best = m.Config.VocabSize, res.Valid, classify.MetricsOf(res.Best)
	if data.test != nil && !interrupted {
		r, err := m.Report(ctx, data.test, f.test)
		if err != nil {
			return err
		}
		sum.Test = &r
	}
	return f.finish(ctx, cmd.OutOrStdout(), sum, sum.write, interrupted)
}

// read reads the training, dev and test examples.
func (f *classifyTrainFlags) read() (classifyData, error) {
	format, err := classify.ParseFormat(f.format)
	if err != nil {
		return classifyData{}, err
	}
	sets, err := readAll(func(p string) ([]classify.Example, error) { return classify.ReadFile(p, format) }, f.train, f.dev, f.test)
	if err != nil {
		return classifyData{}, err
	}
	return classifyData{sets[0], sets[1], sets[2]}, nil
}

// encode encodes the training and dev examples for m and checks the test
// labels (scored after training) now.
func (f *classifyTrainFlags) encode(m *classify.Model, d classifyData) (train, dev *classify.Data, err error) {
	if train, err = m.EncodeExamples(d.train, f.train); err != nil {
		return nil, nil, err
	}
	if d.dev != nil {
		if dev, err = m.EncodeExamples(d.dev, f.dev); err != nil {
			return nil, nil, err
		}
	}
	if d.test != nil {
		if _, err = m.EncodeExamples(d.test, f.test); err != nil {
			return nil, nil, err
		}
	}
	return train, dev, nil
}

// resumeTrainer reopens the checkpoint in --out.
func (f *classifyTrainFlags) resumeTrainer(cmd *cobra.Command, d classifyData) (*classify.Trainer, error) {
	m, err := classify.Load(f.out)
	if err != nil {
		return nil, err
	}
	train, dev, err := f.encode(m, d)
	if err != nil {
		return nil, err
	}
	tr, err := classify.Resume(f.out, train, dev)
	if err != nil {
		return nil, err
	}
	if err := f.resumeConflicts(cmd, tr); err != nil {
		return nil, fmt.Errorf("classify train --resume: %w", err)
	}
	c := &tr.Config
	f.resumeBudget(cmd, &c.Epochs, &c.MaxSteps, map[string]func(){"patience": func() { c.Patience = f.tc.Patience },
		"clip": func() { c.Clip = f.tc.Clip }, "save-every": func() { c.SaveEvery = f.tc.SaveEvery }})
	return tr, nil
}

// resumeConflicts returns an error naming the first model or optimizer
// flag given with --resume whose value differs from the checkpoint's.
func (f *classifyTrainFlags) resumeConflicts(cmd *cobra.Command, tr *classify.Trainer) error {
	c, tc := tr.Model.Config, tr.Config
	err := checkResumeFlags(cmd, []resumeCheck{
		{"arch", f.cfg.Arch, c.Arch}, {"cell", f.cfg.Cell, c.Cell}, {"embed", f.cfg.Embed, c.Embed},
		{"hidden", f.cfg.Hidden, c.Hidden}, {"layers", f.cfg.Layers, c.Layers}, {"bidirectional", f.cfg.Bidirectional, c.Bidirectional},
		{"pool", f.cfg.Pool, c.Pool}, {"dropout", f.cfg.Dropout, c.Dropout}, {"freeze", f.freeze, c.Freeze},
		{"embed-dropout", f.embedDropout, c.EmbeddingDropout()}, {"lower", f.lower, c.Tokenizer.Lower},
		{"tokenize", f.tokenize, c.Tokenizer.Mode.String()}, {"binary", f.binary == "true", c.Binary},
		{"batch", f.tc.Batch, tc.Batch}, {"optimizer", f.tc.Optimizer, tc.Optimizer}, {"lr", f.tc.LR, tc.LR},
		{"weight-decay", f.tc.WeightDecay, tc.WeightDecay}, {"embed-lr", f.tc.EmbedLR, tc.EmbedLR},
		{"word-dropout", f.tc.WordDropout, tc.WordDropout}, {"bucket", f.tc.Bucket, tc.Bucket}, {"seed", f.tc.Seed, tc.Seed},
	})
	if err != nil {
		return err
	}
	return notOnResume(cmd, "vectors", "init-from", "backoff", "min-count")
}

// newTrainer builds a new model from the flags and the training data.
func (f *classifyTrainFlags) newTrainer(cmd *cobra.Command, d classifyData, sum *classifySummary) (*classify.Trainer, error) {
	m, vec, err := f.newModel(d.train)
	if err != nil {
		return nil, err
	}
	if vec != nil {
		cov, composed, err := m.InitVectors(vec, d.train, f.minCount, f.backoff, f.tc.Seed)
		if err != nil {
			return nil, err
		}
		sum.Coverage, sum.Composed = &cov, composed
		f.noteVectors(vec, cov, composed, m.Vocab.Len())
	}
	if err := f.initFromModel(m); err != nil {
		return nil, err
	}
	train, dev, err := f.encode(m, d)
	if err != nil {
		return nil, err
	}
	tc := f.tc
	tc.Epochs, tc.MaxSteps, _ = f.budget(cmd)
	tr, err := classify.NewTrainer(m, train, dev, tc)
	if err != nil {
		return nil, err
	}
	tr.Dir, tr.Overwrite = f.out, f.overwrite
	return tr, nil
}

// newModel builds the model (and reads --vectors) from the flags.
func (f *classifyTrainFlags) newModel(trainEx []classify.Example) (*classify.Model, *vectors.Vectors, error) {
	cfg := f.cfg
	mode, err := text.ParseMode(f.tokenize)
	if err != nil {
		return nil, nil, err
	}
	cfg.Tokenizer = text.Tokenizer{Mode: mode, Lower: f.lower}
	cfg.Freeze = f.freeze
	if f.embedDropout >= 0 {
		cfg.EmbedDropout = &f.embedDropout
	}
	var binary *bool
	switch f.binary {
	case "auto":
	case "true", "false":
		b := f.binary == "true"
		binary = &b
	default:
		return nil, nil, fmt.Errorf("classify train: --binary %q: want auto, true or false", f.binary)
	}
	if n := classify.LabelMapOf(trainEx, classify.Sorted).Len(); binary != nil && *binary && n != 2 {
		return nil, nil, fmt.Errorf("classify train: --binary=true but %s has %d labels", f.train, n)
	}
	var vec *vectors.Vectors
	if f.vectors != "" {
		if vec, err = vectors.Load(f.vectors); err != nil {
			return nil, nil, err
		}
	}
	m, err := classify.Build(trainEx, cfg, classify.VocabOptions{MinCount: f.minCount, Vectors: vec}, binary, f.tc.Seed)
	return m, vec, err
}

// noteVectors reports the coverage of --vectors.
func (f *classifyTrainFlags) noteVectors(vec *vectors.Vectors, cov vectors.Coverage, composed, vocab int) {
	if f.quiet {
		return
	}
	fmt.Fprintf(os.Stderr, "vectors: %s (dim %d): %d of %d training words found (%.1f%%; %.1f%% of the tokens); vocabulary %d words\n",
		f.vectors, vec.Dim, cov.Train, cov.Of, 100*cov.Rate, 100*cov.TokenRate, vocab)
	if f.backoff {
		fmt.Fprintf(os.Stderr, "vectors: %d more vocabulary words composed from their parts (--backoff)\n", composed)
	}
}

// initFromModel applies --init-from.
func (f *classifyTrainFlags) initFromModel(m *classify.Model) error {
	if f.initFrom == "" {
		return nil
	}
	src, err := classify.Load(f.initFrom)
	if err != nil {
		return fmt.Errorf("classify train: --init-from: %w", err)
	}
	n, err := m.InitFrom(src)
	if err != nil {
		return fmt.Errorf("classify train: --init-from %s: %w", f.initFrom, err)
	}
	if !f.quiet {
		fmt.Fprintf(os.Stderr, "init-from: %s: recurrent weights and %d of %d embedding rows copied\n", f.initFrom, n, m.Vocab.Len()-1)
	}
	return nil
}

// classifyDesc describes the model's architecture.
func classifyDesc(m *classify.Model) string {
	c := m.Config
	if c.Arch != classify.ArchRNN {
		return "average of word vectors"
	}
	bi := ""
	if c.Bidirectional {
		bi = "bidirectional "
	}
	return fmt.Sprintf("%s%s, %d layers x %d, %s pooling", bi, c.Cell, c.Layers, c.Hidden, c.Pool)
}

// write prints the summary as text.
func (sum classifySummary) write(out io.Writer) error {
	writeTrained(out, sum.runSummary)
	if b := sum.Best; b != nil {
		fmt.Fprintf(out, "best dev accuracy %.2f%% (epoch %g)\n", 100*b.Accuracy, sum.BestEpoch)
	}
	if sum.Test != nil {
		fmt.Fprintf(out, "test accuracy %.2f%% (%d examples)\n", 100*sum.Test.Accuracy, sum.Test.N)
	}
	fmt.Fprintf(out, "checkpoint: %s\n", sum.Checkpoint)
	return nil
}
