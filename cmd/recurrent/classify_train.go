package main

import (
	"errors"
	"fmt"
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
	train, dev, test, format, out string
	vectors                       string
	freeze, lower, bucket         bool
	backoff                       bool
	initFrom                      string
	tokenize                      string
	minCount                      int64
	cfg                           classify.Config
	tc                            classify.TrainConfig
	binary                        string
	embedDropout                  float64
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
--patience epochs without improvement. Two labels give a sigmoid output with
binary cross-entropy (unless --binary=false); more give a softmax. Interrupt
(Ctrl-C) saves a checkpoint; --resume continues it exactly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runClassifyTrain(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.train, "train", "", "training data file")
	fl.StringVar(&f.dev, "dev", "", "development data for model selection and early stopping")
	fl.StringVar(&f.test, "test", "", "test data scored after training")
	fl.StringVar(&f.format, "format", "auto", "data format: auto, tsv, sst or csv")
	fl.StringVar(&f.out, "out", "", "checkpoint directory (written atomically)")
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
	fl.IntVar(&f.tc.Epochs, "epochs", 10, "maximal number of epochs")
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
	addTrainRunFlags(cmd, &f.trainRunFlags)
	return cmd
}

// classifySummary is the result of `classify train`.
type classifySummary struct {
	Checkpoint string               `json:"checkpoint"`
	Params     int                  `json:"params"`
	Vocab      int                  `json:"vocab"`
	Coverage   *coverage            `json:"coverage,omitempty"`
	TokenRate  *float64             `json:"coverage_train_tokens,omitempty"` // share of training tokens with a vector
	Composed   int                  `json:"composed,omitempty"`              // words given a --backoff vector
	Position   classify.Position    `json:"position"`
	TrainLoss  float64              `json:"train_loss"`
	Dev        *classify.EvalResult `json:"dev,omitempty"`
	Best       *classify.EvalResult `json:"best_dev,omitempty"`
	Test       *classify.Report     `json:"test,omitempty"`
	Stopped    bool                 `json:"early_stopped"`
	Seconds    float64              `json:"seconds"`
	Interrupt  bool                 `json:"interrupted,omitempty"`
}

func runClassifyTrain(cmd *cobra.Command, f *classifyTrainFlags) error {
	if f.out == "" || f.train == "" {
		return errors.New("classify train: --train and --out are required")
	}
	f.setThreads()
	ctx := cmd.Context()
	format, err := classify.ParseFormat(f.format)
	if err != nil {
		return err
	}
	trainEx, err := classify.ReadFile(f.train, format)
	if err != nil {
		return err
	}
	var devEx, testEx []classify.Example
	if f.dev != "" {
		if devEx, err = classify.ReadFile(f.dev, format); err != nil {
			return err
		}
	}
	if f.test != "" {
		if testEx, err = classify.ReadFile(f.test, format); err != nil {
			return err
		}
	}
	var (
		tr       *classify.Trainer
		m        *classify.Model
		cov      *coverage
		sumExtra classifySummary
	)
	encode := func(m *classify.Model) (train, dev *classify.Data, err error) {
		if train, err = m.EncodeExamples(trainEx, f.train); err != nil {
			return nil, nil, err
		}
		if devEx != nil {
			if dev, err = m.EncodeExamples(devEx, f.dev); err != nil {
				return nil, nil, err
			}
		}
		if testEx != nil { // scored after training; its labels are checked now
			if _, err = m.EncodeExamples(testEx, f.test); err != nil {
				return nil, nil, err
			}
		}
		return train, dev, nil
	}
	if f.resume {
		if m, err = classify.Load(f.out); err != nil {
			return err
		}
		train, dev, err := encode(m)
		if err != nil {
			return err
		}
		if tr, err = classify.Resume(f.out, train, dev); err != nil {
			return err
		}
		if cmd.Flags().Changed("epochs") {
			tr.Config.Epochs = f.tc.Epochs
		}
		m = tr.Model
	} else {
		cfg := f.cfg
		mode, err := text.ParseMode(f.tokenize)
		if err != nil {
			return err
		}
		cfg.Tokenizer = text.Tokenizer{Mode: mode, Lower: f.lower, SkipEmpty: false}
		var vec *vectors.Vectors
		if f.vectors != "" {
			if vec, err = vectors.Load(f.vectors); err != nil {
				return err
			}
			cfg.Embed = vec.Dim
		}
		cfg.Freeze = f.freeze
		if f.embedDropout >= 0 {
			cfg.EmbedDropout = &f.embedDropout
		}
		v, err := classify.BuildVocab(trainEx, cfg.Tokenizer, classify.VocabOptions{MinCount: f.minCount, Vectors: vec})
		if err != nil {
			return err
		}
		labels := classify.LabelMapOf(trainEx, classify.Sorted).Names
		cfg.VocabSize, cfg.Classes = v.Len(), len(labels)
		switch f.binary {
		case "auto", "true":
			cfg.Binary = len(labels) == 2
			if f.binary == "true" && !cfg.Binary {
				return fmt.Errorf("classify train: --binary=true but %s has %d labels", f.train, len(labels))
			}
		case "false":
		default:
			return fmt.Errorf("classify train: --binary %q: want auto, true or false", f.binary)
		}
		if m, err = classify.New(cfg, v, labels, f.tc.Seed); err != nil {
			return err
		}
		if vec != nil {
			found := m.LoadVectors(vec, f.tc.Seed)
			composed := 0
			if f.backoff {
				composed = m.BackoffVectors(vec)
			}
			trainVocab, err := classify.BuildVocab(trainEx, cfg.Tokenizer, classify.VocabOptions{MinCount: f.minCount})
			if err != nil {
				return err
			}
			idx := vectors.NewIndex(vec).IgnoreCase()
			tf := 0
			var tokFound, tokAll int64
			ns := len(trainVocab.Specials())
			tw, tc := trainVocab.Tokens()[ns:], trainVocab.Counts()[ns:]
			for i, w := range tw {
				tokAll += tc[i]
				if _, ok := idx.Lookup(w); ok {
					tf++
					tokFound += tc[i]
				}
			}
			cov = &coverage{Found: found, Words: v.Len() - 2, Train: tf, Of: len(tw), Rate: float64(tf) / float64(max(len(tw), 1))}
			tokRate := float64(tokFound) / float64(max(tokAll, 1))
			sumExtra.TokenRate, sumExtra.Composed = &tokRate, composed
			if !f.quiet {
				fmt.Fprintf(os.Stderr, "vectors: %s (dim %d): %d of %d training words found (%.1f%%; %.1f%% of the tokens); vocabulary %d words\n",
					f.vectors, vec.Dim, tf, len(tw), 100*cov.Rate, 100*tokRate, v.Len())
				if f.backoff {
					fmt.Fprintf(os.Stderr, "vectors: %d more vocabulary words composed from their parts (--backoff)\n", composed)
				}
			}
		}
		if f.initFrom != "" {
			src, err := classify.Load(f.initFrom)
			if err != nil {
				return fmt.Errorf("classify train: --init-from: %w", err)
			}
			n, err := m.InitFrom(src)
			if err != nil {
				return fmt.Errorf("classify train: --init-from %s: %w", f.initFrom, err)
			}
			if !f.quiet {
				fmt.Fprintf(os.Stderr, "init-from: %s: recurrent weights and %d of %d embedding rows copied\n", f.initFrom, n, v.Len()-1)
			}
		}
		train, dev, err := encode(m)
		if err != nil {
			return err
		}
		if tr, err = classify.NewTrainer(m, train, dev, f.tc); err != nil {
			return err
		}
	}
	tr.Dir = f.out
	nparams := paramCount(m.Params())
	if !f.quiet {
		desc := "average of word vectors"
		if m.Config.Arch == classify.ArchRNN {
			bi := ""
			if m.Config.Bidirectional {
				bi = "bidirectional "
			}
			desc = fmt.Sprintf("%s%s, %d layers x %d, %s pooling", bi, m.Config.Cell, m.Config.Layers, m.Config.Hidden, m.Config.Pool)
		}
		fmt.Fprintf(os.Stderr, "model: %s; embed %d (frozen: %v), vocab %d, %d labels, %d parameters\n",
			desc, m.Config.Embed, m.Config.Freeze, m.Config.VocabSize, m.Config.Classes, nparams)
	}
	rep := newTrainReporter(f.quiet)
	res, err := tr.Run(ctx, func(p classify.Progress) {
		switch p.Event {
		case "step":
			rep.epochStep(p.Pos.Step, p.MaxSteps, p.Pos.Epoch, p.AvgLoss)
		case "dev":
			rep.println("epoch %d  dev loss %.4f  accuracy %.2f%%  (best %.2f%% after epoch %d; %.0fs)",
				p.Pos.Epoch, p.Dev.Loss, 100*p.Dev.Accuracy, 100*p.Best.Accuracy, p.Best.Epoch, p.Elapsed.Seconds())
		}
	})
	rep.finish()
	interrupted := isInterrupted(ctx, err)
	if err != nil && !interrupted {
		return err
	}
	sum := classifySummary{Checkpoint: f.out, Params: nparams, Vocab: m.Config.VocabSize, Coverage: cov, TokenRate: sumExtra.TokenRate,
		Composed: sumExtra.Composed, Position: res.Pos,
		TrainLoss: res.TrainLoss, Dev: res.Dev, Best: res.Best, Stopped: res.Stopped, Seconds: res.Elapsed.Seconds(), Interrupt: interrupted}
	if testEx != nil && !interrupted {
		r, err := classifyReport(ctx, m, testEx, f.test)
		if err != nil {
			return err
		}
		sum.Test = &r
	}
	out := cmd.OutOrStdout()
	if f.asJSON {
		if err := writeJSON(out, sum); err != nil {
			return err
		}
	} else {
		writeTrained(out, res.Pos.Step, res.Pos.Epoch, sum.Seconds, res.TrainLoss)
		if res.Best != nil {
			fmt.Fprintf(out, "best dev accuracy %.2f%% (epoch %d)\n", 100*res.Best.Accuracy, res.Best.Epoch)
		}
		if sum.Test != nil {
			fmt.Fprintf(out, "test accuracy %.2f%% (%d examples)\n", 100*sum.Test.Accuracy, sum.Test.N)
		}
		fmt.Fprintf(out, "checkpoint: %s\n", f.out)
	}
	if interrupted {
		return interruptedError(f.out, err)
	}
	return nil
}
