package main

import (
	"errors"
	"fmt"
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
	train, dev, test, out, vectors string
	scheme, trainScheme            string
	minCount                       int64
	cfg                            tag.Config
	tc                             tag.TrainConfig
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
--dev with conlleval's F1; the best one is kept in DIR.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTagTrain(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.train, "train", "", "training data (CoNLL columns)")
	fl.StringVar(&f.dev, "dev", "", "development data for model selection and early stopping")
	fl.StringVar(&f.test, "test", "", "test data scored after training")
	fl.StringVar(&f.out, "out", "", "checkpoint directory (written atomically)")
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
	fl.IntVar(&f.tc.Epochs, "epochs", 10, "maximal number of epochs")
	fl.IntVar(&f.tc.Batch, "batch", 16, "sentences per step")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Float64Var(&f.tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&f.tc.Decay, "decay", 0.05, "learning rate lr/(1+decay*epoch)")
	fl.Float64Var(&f.tc.Clip, "clip", 5, "maximal gradient L2 norm (0: no clipping)")
	fl.IntVar(&f.tc.Patience, "patience", 4, "stop after this many epochs without dev improvement (0: never)")
	fl.IntVar(&f.tc.SaveEvery, "save-every", 1, "write the checkpoint every this many epochs (and always at the end)")
	fl.Uint64Var(&f.tc.Seed, "seed", 1, "random seed")
	addTrainRunFlags(cmd, &f.trainRunFlags)
	return cmd
}

// tagSummary is the result of `tag train`.
type tagSummary struct {
	Checkpoint string         `json:"checkpoint"`
	Params     int            `json:"params"`
	Vocab      int            `json:"vocab"`
	Coverage   *coverage      `json:"coverage,omitempty"`
	Position   tag.Position   `json:"position"`
	TrainLoss  float64        `json:"train_loss"`
	Dev        *tag.DevResult `json:"dev,omitempty"`
	Best       *tag.DevResult `json:"best_dev,omitempty"`
	Test       *tag.Metrics    `json:"test,omitempty"`
	Stopped    bool           `json:"early_stopped"`
	Seconds    float64        `json:"seconds"`
	Interrupt  bool           `json:"interrupted,omitempty"`
}

func readCoNLL(path string) ([]tag.Sentence, error) {
	return tag.ReadCoNLLFile(path, tag.ReadOptions{})
}

func runTagTrain(cmd *cobra.Command, f *tagTrainFlags) error {
	if f.train == "" || f.out == "" {
		return errors.New("tag train: --train and --out are required")
	}
	f.setThreads()
	ctx := cmd.Context()
	trainS, err := readCoNLL(f.train)
	if err != nil {
		return err
	}
	if len(trainS) == 0 {
		return fmt.Errorf("tag train: %s has no sentences", f.train)
	}
	var devS, testS []tag.Sentence
	if f.dev != "" {
		if devS, err = readCoNLL(f.dev); err != nil {
			return err
		}
	}
	if f.test != "" {
		if testS, err = readCoNLL(f.test); err != nil {
			return err
		}
	}
	var (
		tr  *tag.Trainer
		m   *tag.Model
		cov *coverage
	)
	if f.resume {
		if m, err = tag.Load(f.out); err != nil {
			return err
		}
		train, err := m.EncodeSentences(trainS, f.train, true)
		if err != nil {
			return err
		}
		if tr, err = tag.Resume(f.out, train, devS); err != nil {
			return err
		}
		if cmd.Flags().Changed("epochs") {
			tr.Config.Epochs = f.tc.Epochs
		}
		m = tr.Model
	} else {
		cfg := f.cfg
		seqs := make([][]string, len(trainS))
		for i, s := range trainS {
			seqs[i] = s.Tags
		}
		scheme := tag.DetectScheme(seqs)
		if f.scheme != "auto" {
			if scheme, err = tag.ParseScheme(f.scheme); err != nil {
				return err
			}
		}
		ts, err := tag.ParseScheme(f.trainScheme)
		if err != nil {
			return err
		}
		cfg.Scheme, cfg.TrainScheme = scheme.String(), ts.String()
		cfg.Tags = tag.TagSet(trainS, ts)
		var vec *vectors.Vectors
		if f.vectors != "" {
			if vec, err = vectors.Load(f.vectors); err != nil {
				return err
			}
			cfg.WordEmbed = vec.Dim
		}
		words, chars, err := tag.BuildVocabs(trainS, &cfg, tag.VocabOptions{MinCount: f.minCount, Vectors: vec})
		if err != nil {
			return err
		}
		cfg.VocabSize, cfg.CharVocab = words.Len(), chars.Len()
		if m, err = tag.New(cfg, words, chars, f.tc.Seed); err != nil {
			return err
		}
		if vec != nil {
			found := m.LoadVectors(vec, f.tc.Seed)
			trainWords, _, err := tag.BuildVocabs(trainS, &cfg, tag.VocabOptions{MinCount: f.minCount})
			if err != nil {
				return err
			}
			inV := make(map[string]bool, len(vec.Words))
			for _, w := range vec.Words {
				inV[cfg.WordKey(w)] = true
			}
			tw := trainWords.Tokens()[2:]
			tf := 0
			for _, w := range tw {
				if inV[w] {
					tf++
				}
			}
			cov = &coverage{Found: found, Words: words.Len() - 2, Train: tf, Of: len(tw), Rate: float64(tf) / float64(max(len(tw), 1))}
			if !f.quiet {
				fmt.Fprintf(os.Stderr, "vectors: %s (dim %d): %d of %d training word types found (%.1f%%); vocabulary %d words\n",
					f.vectors, vec.Dim, tf, len(tw), 100*cov.Rate, words.Len())
			}
		}
		train, err := m.EncodeSentences(trainS, f.train, true)
		if err != nil {
			return err
		}
		if tr, err = tag.NewTrainer(m, train, devS, f.tc); err != nil {
			return err
		}
	}
	tr.Dir = f.out
	nparams := paramCount(m.Params())
	if !f.quiet {
		fmt.Fprintf(os.Stderr, "model: word %d + char BiLSTM %dx%d -> bi%s %d layers x %d -> %d tags (%s); vocab %d, %d parameters; %d sentences\n",
			m.Config.WordEmbed, m.Config.CharEmbed, m.Config.CharHidden, m.Config.Cell, m.Config.Layers, m.Config.Hidden,
			len(m.Config.Tags), m.Config.TrainScheme, m.Config.VocabSize, nparams, len(trainS))
	}
	rep := newTrainReporter(f.quiet)
	res, err := tr.Run(ctx, func(p tag.Progress) {
		switch p.Event {
		case "step":
			rep.epochStep(p.Pos.Step, p.MaxSteps, p.Pos.Epoch, p.AvgLoss)
		case "dev":
			rep.println("epoch %d  dev F1 %.2f  (P %.2f R %.2f; best %.2f after epoch %d; %.0fs)",
				p.Pos.Epoch, p.Dev.F1, p.Dev.Precision, p.Dev.Recall, p.Best.F1, p.Best.Epoch, p.Elapsed.Seconds())
		}
	})
	rep.finish()
	interrupted := isInterrupted(ctx, err)
	if err != nil && !interrupted {
		return err
	}
	sum := tagSummary{Checkpoint: f.out, Params: nparams, Vocab: m.Config.VocabSize, Coverage: cov, Position: res.Pos,
		TrainLoss: res.TrainLoss, Dev: res.Dev, Best: res.Best, Stopped: res.Stopped, Seconds: res.Elapsed.Seconds(), Interrupt: interrupted}
	if testS != nil && !interrupted {
		r, _, err := m.Score(ctx, testS, f.test, 128)
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
			fmt.Fprintf(out, "best dev F1 %.2f (epoch %d)\n", res.Best.F1, res.Best.Epoch)
		}
		if sum.Test != nil {
			fmt.Fprintf(out, "test: ")
			if err := sum.Test.WriteConlleval(out); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "checkpoint: %s\n", f.out)
	}
	if interrupted {
		return interruptedError(f.out, err)
	}
	return nil
}
