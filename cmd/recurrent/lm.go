package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recurrent-go/recurrent/docs"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/train"
)

// lmCmd groups the language-model subcommands.
var lmCmd = &cobra.Command{
	Use:   "lm",
	Short: "Train, sample from and score recurrent language models",
}

func init() {
	rootCmd.AddCommand(lmCmd)
	lmCmd.AddCommand(newLMTrainCmd(), newLMSampleCmd(), newLMScoreCmd(), newLMEvalCmd(), newLMQuantizeCmd(), newLMImportCmd(),
		newLMTrainLabelsCmd(), newLMEvalLabelsCmd())
}

// lmTrainFlags are the flags of `recurrent lm train`.
type lmTrainFlags struct {
	data lm.DataOptions
	tok  lm.TokenizerOptions
	cfg  lm.Config
	tc   lm.TrainConfig
	trainRunFlags
}

func newLMTrainCmd() *cobra.Command {
	var f lmTrainFlags
	cmd := &cobra.Command{
		Use:   "train --train FILE --out DIR",
		Short: "Train a language model with truncated BPTT",
		Long:  docs.Help("lm train"),
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runLMTrain(cmd, &f) },
	}
	fl := cmd.Flags()
	f.addDataFlags(fl)
	f.addModelFlags(fl)
	f.addTrainFlags(fl)
	addTrainRunFlags(cmd, &f.trainRunFlags, 0)
	markRequired(cmd, "train")
	return cmd
}

func (f *lmTrainFlags) addDataFlags(fl *pflag.FlagSet) {
	d := &f.data
	fl.StringSliceVar(&d.Train, "train", nil, "training text files, plain or .gz, read as one stream (required; repeat or comma-separate)")
	fl.StringVar(&d.Valid, "valid", "", "validation text file")
	fl.StringVar(&d.Test, "test", "", "test text file, evaluated after training")
	fl.Float64Var(&d.ValidFraction, "valid-fraction", 0.1, "without --valid, hold out this tail fraction of --train (0: no validation)")
	addTokenizerFlags(fl, &f.tok, "char", "char, word or whitespace")
	fl.BoolVar(&f.cfg.Lines, "lines", false, `the text holds one item per line (names, sentences): recorded as "lines" in config.json, lm sample then stops each sample at the end of a line`)
	fl.StringVar(&d.Specials, "specials", "auto", "comma-separated special tokens (auto: <unk> and the line markers; for char, <unk> only with --valid or --test)")
	fl.Int64Var(&d.MinCount, "min-count", 1, "drop tokens seen fewer times (they become <unk>)")
	fl.IntVar(&d.MaxVocab, "max-vocab", 0, "cap the vocabulary size, specials included (0: no cap)")
	fl.StringVar(&d.Vocab, "vocab", "", "vocabulary file (recurrent vectors vocab or recurrent-beam vocab, counted with the same tokenizer flags) instead of counting --train; --min-count, --max-vocab and --specials are then unused")
}

// addTokenizerFlags registers the tokenizer flags of lm train and lm
// import: --tokenizer (with its default and help), --level, --lower,
// --split-punct, --eos and --bos.
func addTokenizerFlags(fl *pflag.FlagSet, t *lm.TokenizerOptions, name, help string) {
	fl.StringVar(&t.Name, "tokenizer", name, help)
	fl.StringVar(&t.Level, "level", "", "char or word (Unicode words): shorthand for --tokenizer")
	fl.BoolVar(&t.Lower, "lower", false, "lowercase the text")
	fl.BoolVar(&t.SplitPunct, "split-punct", false, "word tokenizer: keep punctuation as separate tokens")
	fl.StringVar(&t.EOS, "eos", "auto", `end-of-line token ("auto": "\n" for char, <eos> otherwise; "" for none)`)
	fl.StringVar(&t.BOS, "bos", "", "beginning-of-line token (for example <bos>; default none)")
}

func (f *lmTrainFlags) addModelFlags(fl *pflag.FlagSet) {
	c := &f.cfg
	fl.StringVar(&c.Cell, "cell", "lstm", "rnn_tanh, rnn_relu, lstm, gru, gru_cho or gru_minimal")
	fl.IntVar(&c.EmbedDim, "embed", 128, "embedding size")
	fl.IntVar(&c.Hidden, "hidden", 256, "hidden size")
	fl.IntVar(&c.Layers, "layers", 2, "recurrent layers")
	fl.Float64Var(&c.Dropout, "dropout", 0, "dropout on embeddings, between layers and on outputs")
	fl.BoolVar(&c.Tied, "tied", false, "tie decoder and embedding weights (needs --embed == --hidden)")
	fl.Float64Var(&c.InitRange, "init-range", 0, "draw every parameter from uniform(-R, R) (0: default init)")
	fl.IntSliceVar(&c.AdaptiveCutoffs, "adaptive-softmax", nil, "adaptive softmax cutoffs in token ids, most frequent first, e.g. 4000,20000 (PyTorch's AdaptiveLogSoftmaxWithLoss; default: full softmax)")
	fl.Float64Var(&c.DivValue, "div-value", 4, "adaptive softmax: each further cluster's projection is this many times smaller")
}

func (f *lmTrainFlags) addTrainFlags(fl *pflag.FlagSet) {
	tc := &f.tc
	fl.IntVar(&tc.Batch, "batch", 32, "parallel streams")
	fl.IntVar(&tc.BPTT, "bptt", 64, "truncated BPTT length")
	fl.Int64Var(&f.steps, "max-steps", 0, "same as --steps")
	fl.StringVar(&tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Float64Var(&tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&tc.WeightDecay, "weight-decay", 0, "weight decay")
	fl.Float64Var(&tc.Clip, "clip", 1, "clip the global gradient norm (0: off)")
	fl.Float64Var(&tc.Anneal, "anneal", 0, "divide the learning rate by this after a validation without improvement")
	fl.StringVar(&tc.Schedule, "schedule", "", "learning-rate schedule over the step budget: linear or cosine (default: constant)")
	fl.IntVar(&tc.Warmup, "warmup", 0, "with --schedule: steps of linear warm-up from 0")
	fl.Float64Var(&tc.LRDecay, "lr-decay", 0, "multiply the learning rate by this at the end of each epoch >= --lr-decay-start (0: off)")
	fl.IntVar(&tc.LRDecayStart, "lr-decay-start", 1, "first epoch (1-based) after which --lr-decay applies")
	fl.IntVar(&tc.Patience, "patience", 0, "stop after this many validations in a row without a better loss (0: never)")
	fl.IntVar(&tc.EvalBatch, "eval-batch", 0, "validation batch size (default --batch)")
	fl.Int64Var(&tc.EvalEvery, "eval-every", 0, "also validate every this many steps")
	fl.Int64Var(&tc.CheckpointEvery, "checkpoint-every", 0, "also checkpoint every this many steps")
	fl.DurationVar(&tc.TimeLimit, "time-limit", 0, "stop training after this long (then validate and checkpoint)")
	fl.Uint64Var(&tc.Seed, "seed", 1, "random seed (weights and dropout)")
}

func runLMTrain(cmd *cobra.Command, f *lmTrainFlags) error {
	// Checked before any data is read.
	if err := f.checkOut(); err != nil {
		return fmt.Errorf("lm train: %w", err)
	}
	f.tok.NameSet = cmd.Flags().Changed("tokenizer")
	f.tc.Epochs, f.tc.MaxSteps = f.epochs, f.steps
	var tr *lm.Trainer
	var d *lm.Data
	var err error
	if f.resume {
		check := func(m *lm.Model, tc *lm.TrainConfig) error { return f.resumeConflicts(cmd, m, tc) }
		if tr, d, err = lm.ResumeRun(f.out, f.data, check); err == nil {
			// The budget and schedule flags given apply from here on.
			tr.Reconfigure(f.tc, cmd.Flags().Changed)
		}
	} else if tr, d, err = lm.NewRun(f.cfg, f.tok, f.data, f.tc); err == nil {
		tr.Overwrite = f.overwrite
	}
	if err != nil {
		return err
	}
	tr.Dir = f.out
	return trainAndReport(cmd.Context(), cmd.OutOrStdout(), tr, d.Test, f.asJSON, f.quiet, nil)
}

// resumeConflicts returns an error naming the first architecture or data
// flag given with --resume whose value differs from the checkpoint's model
// configuration and, when tc is not nil, its training configuration.
func (f *lmTrainFlags) resumeConflicts(cmd *cobra.Command, m *lm.Model, tc *lm.TrainConfig) error {
	fl := cmd.Flags()
	settings, err := lm.ResumeSettings(m, tc, f.cfg, f.tok, fl.Changed("tokenizer") || fl.Changed("level") || fl.Changed("eos"), f.tc)
	if err == nil {
		err = checkSettings(cmd, settings)
	}
	for _, name := range []string{"specials", "min-count", "max-vocab"} {
		if err == nil && fl.Changed(name) {
			err = fmt.Errorf("--%s cannot change on --resume: the vocabulary is the checkpoint's (drop the flag)", name)
		}
	}
	if err != nil {
		return fmt.Errorf("lm train --resume: %w", err)
	}
	return nil
}

// checkSettings is checkResumeFlags of a model's resume settings.
func checkSettings(cmd *cobra.Command, settings []lm.Setting) error {
	checks := make([]resumeCheck, len(settings))
	for i, s := range settings {
		checks[i] = resumeCheck{s.Flag, s.Given, s.Saved}
	}
	return checkResumeFlags(cmd, checks)
}

// trainAndReport runs the trainer with progress on stderr, evaluates the
// test stream with the best weights and prints the summary. after, if
// set, runs after the summary with the model holding the best weights.
func trainAndReport(ctx context.Context, out io.Writer, tr *lm.Trainer, test []int32, asJSON, quiet bool, after func(*lm.Model) error) error {
	prog := newTrainProgress(quiet, "tok")
	prog.labels = tr.ProgressLabels()
	prog.println("%s", tr.Describe())
	sum, err := tr.RunSummary(ctx, prog.handle, test)
	prog.finish()
	if sum.PlotErr != nil {
		prog.println("warning: %v", sum.PlotErr)
	}
	if errors.Is(err, train.ErrDiverged) {
		return fmt.Errorf("lm train: %w; lower --lr or clip the gradients (--clip)", err)
	}
	if err != nil && !sum.Interrupt {
		return err
	}
	if werr := writeReport(out, &sum, asJSON, false); werr != nil {
		return werr
	}
	if sum.Interrupt {
		return interruptedError(tr.Dir, err)
	}
	if after != nil {
		return after(tr.Model)
	}
	return nil
}
