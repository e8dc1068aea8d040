package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// lmCmd groups the language-model subcommands.
var lmCmd = &cobra.Command{
	Use:   "lm",
	Short: "Train, sample from and score recurrent language models",
}

func init() {
	rootCmd.AddCommand(lmCmd)
	lmCmd.AddCommand(newLMTrainCmd(), newLMSampleCmd(), newLMScoreCmd(), newLMEvalCmd(), newLMQuantizeCmd())
}

// lmTrainFlags are the flags of `recurrent lm train`.
type lmTrainFlags struct {
	train         []string
	valid, test   string
	validFraction float64
	out           string
	resume        bool
	overwrite     bool

	tokenizer, level, eos, bos, specials string
	initRange                            float64
	adaptive                             []int
	divValue                             float64
	lower, splitPunct, lines             bool
	minCount                             int64
	maxVocab                             int
	vocab                                string

	cell                  string
	embed, hidden, layers int
	dropout               float64
	tied                  bool

	tokenizerSet bool // --tokenizer given explicitly

	tc    lm.TrainConfig
	json  bool
	quiet bool
}

func newLMTrainCmd() *cobra.Command {
	var f lmTrainFlags
	cmd := &cobra.Command{
		Use:   "train --train FILE --out DIR",
		Short: "Train a language model with truncated BPTT",
		Long: `Train an embedding -> stacked RNN -> softmax language model on a text file
(plain or .gz). Tokens are characters (default), Unicode words or
whitespace-separated tokens (for pre-tokenized corpora such as PTB); every
line ends with an end-of-line token ("\n" for characters, <eos> otherwise).
The vocabulary is built from the training file. Without --valid, the last
--valid-fraction of the training stream is held out for validation.

The checkpoint directory (--out) holds config.json, vocab.json,
model.safetensors (the weights with the lowest validation loss so far, PyTorch
state_dict names: what --model DIR loads), last.safetensors (the latest weights),
optimizer.safetensors, carry.safetensors, state.json and loss.png (the training
and validation loss curves). It is replaced atomically after every epoch, every
--checkpoint-every steps, when training stops and on Ctrl-C; an existing
checkpoint is never replaced unless --resume or --overwrite is given.

Budget: --epochs N passes, --steps N optimizer steps (exactly N), --time-limit D;
the first limit reached stops and the reason is printed. Without any of them one
epoch is trained. --resume continues exactly (same data files required); the
architecture and data flags must then match the checkpoint (an error names any
that differs), while the budget and schedule flags (--epochs, --steps,
--time-limit, --lr, --clip, --anneal, --lr-decay, --lr-decay-start, --schedule,
--warmup, --patience, --eval-every, --eval-batch, --checkpoint-every) apply from
the resumed step on. Training stops with an error if the loss becomes NaN or
infinite or exceeds 20 times its recent median; the checkpoint keeps the last
good state. --level char|word is the issue's name for --tokenizer char|word;
PTB-style schedules: --optimizer sgd --lr-decay 0.5 --lr-decay-start 4
--init-range 0.1 (Zaremba et al. 2014; their lr 1 and clip 5 apply to the
loss summed over the --bptt steps, ours is the per-token mean: use --lr 20
--clip 0.25 with --bptt 20).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLMTrain(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.train, "train", nil, "training text files, plain or .gz, read as one stream (required; repeat or comma-separate)")
	fl.StringVar(&f.valid, "valid", "", "validation text file")
	fl.StringVar(&f.test, "test", "", "test text file, evaluated after training")
	fl.Float64Var(&f.validFraction, "valid-fraction", 0.1, "without --valid, hold out this tail fraction of --train (0: no validation)")
	fl.StringVar(&f.out, "out", "", "checkpoint directory (required)")
	fl.BoolVar(&f.resume, "resume", false, "continue training from the checkpoint in --out")
	fl.BoolVar(&f.overwrite, "overwrite", false, "replace a checkpoint already in --out (default: refuse)")

	fl.StringVar(&f.tokenizer, "tokenizer", "char", "char, word or whitespace")
	fl.StringVar(&f.level, "level", "", "char or word (Unicode words): shorthand for --tokenizer")
	fl.BoolVar(&f.lower, "lower", false, "lowercase the text")
	fl.BoolVar(&f.lines, "lines", false, `the text holds one item per line (names, sentences): recorded as "lines" in config.json, lm sample then stops each sample at the end of a line`)
	fl.BoolVar(&f.splitPunct, "split-punct", false, "word tokenizer: keep punctuation as separate tokens")
	fl.StringVar(&f.eos, "eos", "auto", `end-of-line token ("auto": "\n" for char, <eos> otherwise; "" for none)`)
	fl.StringVar(&f.bos, "bos", "", "beginning-of-line token (for example <bos>; default none)")
	fl.StringVar(&f.specials, "specials", "auto", "comma-separated special tokens (auto: <unk> and the line markers; for char, <unk> only with --valid or --test)")
	fl.Int64Var(&f.minCount, "min-count", 1, "drop tokens seen fewer times (they become <unk>)")
	fl.IntVar(&f.maxVocab, "max-vocab", 0, "cap the vocabulary size, specials included (0: no cap)")
	fl.StringVar(&f.vocab, "vocab", "", "vocabulary file (recurrent vectors vocab or recurrent-beam vocab, counted with the same tokenizer flags) instead of counting --train; --min-count, --max-vocab and --specials are then unused")

	fl.StringVar(&f.cell, "cell", "lstm", "rnn_tanh, rnn_relu, lstm, gru, gru_cho or gru_minimal")
	fl.IntVar(&f.embed, "embed", 128, "embedding size")
	fl.IntVar(&f.hidden, "hidden", 256, "hidden size")
	fl.IntVar(&f.layers, "layers", 2, "recurrent layers")
	fl.Float64Var(&f.dropout, "dropout", 0, "dropout on embeddings, between layers and on outputs")
	fl.BoolVar(&f.tied, "tied", false, "tie decoder and embedding weights (needs --embed == --hidden)")
	fl.Float64Var(&f.initRange, "init-range", 0, "draw every parameter from uniform(-R, R) (0: default init)")
	fl.IntSliceVar(&f.adaptive, "adaptive-softmax", nil, "adaptive softmax cutoffs in token ids, most frequent first, e.g. 4000,20000 (PyTorch's AdaptiveLogSoftmaxWithLoss; default: full softmax)")
	fl.Float64Var(&f.divValue, "div-value", 4, "adaptive softmax: each further cluster's projection is this many times smaller")

	fl.IntVar(&f.tc.Batch, "batch", 32, "parallel streams")
	fl.IntVar(&f.tc.BPTT, "bptt", 64, "truncated BPTT length")
	fl.IntVar(&f.tc.Epochs, "epochs", 0, "passes over the training stream (default 1 without --steps and --time-limit; 0: unbounded)")
	fl.Int64Var(&f.tc.MaxSteps, "max-steps", 0, "same as --steps")
	fl.Int64Var(&f.tc.MaxSteps, "steps", 0, "train exactly this many optimizer steps (0: no cap); epochs are then unbounded unless --epochs is given")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Float64Var(&f.tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&f.tc.WeightDecay, "weight-decay", 0, "weight decay")
	fl.Float64Var(&f.tc.Clip, "clip", 1, "clip the global gradient norm (0: off)")
	fl.Float64Var(&f.tc.Anneal, "anneal", 0, "divide the learning rate by this after a validation without improvement")
	fl.StringVar(&f.tc.Schedule, "schedule", "", "learning-rate schedule over the step budget: linear or cosine (default: constant)")
	fl.IntVar(&f.tc.Warmup, "warmup", 0, "with --schedule: steps of linear warm-up from 0")
	fl.Float64Var(&f.tc.LRDecay, "lr-decay", 0, "multiply the learning rate by this at the end of each epoch >= --lr-decay-start (0: off)")
	fl.IntVar(&f.tc.LRDecayStart, "lr-decay-start", 1, "first epoch (1-based) after which --lr-decay applies")
	fl.IntVar(&f.tc.Patience, "patience", 0, "stop after this many validations in a row without a better loss (0: never)")
	fl.IntVar(&f.tc.EvalBatch, "eval-batch", 0, "validation batch size (default --batch)")
	fl.Int64Var(&f.tc.EvalEvery, "eval-every", 0, "also validate every this many steps")
	fl.Int64Var(&f.tc.CheckpointEvery, "checkpoint-every", 0, "also checkpoint every this many steps")
	fl.DurationVar(&f.tc.TimeLimit, "time-limit", 0, "stop training after this long (then validate and checkpoint)")
	fl.Uint64Var(&f.tc.Seed, "seed", 1, "random seed (weights and dropout)")
	fl.BoolVar(&f.json, "json", false, "print the final summary as JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
	return cmd
}

// lmTokenizer builds the tokenizer from the flags.
func (f *lmTrainFlags) lmTokenizer() (text.Tokenizer, error) {
	name := f.tokenizer
	switch f.level {
	case "":
	case "char", "word":
		if f.tokenizerSet && f.tokenizer != f.level {
			return text.Tokenizer{}, fmt.Errorf("--level %s contradicts --tokenizer %s", f.level, f.tokenizer)
		}
		name = f.level
	default:
		return text.Tokenizer{}, fmt.Errorf("--level %q: want char or word", f.level)
	}
	mode, err := text.ParseMode(name)
	if err != nil {
		return text.Tokenizer{}, err
	}
	tok := text.Tokenizer{Mode: mode, Lower: f.lower, SplitPunct: f.splitPunct, BOS: f.bos, EOS: f.eos}
	if f.eos == "auto" {
		tok.EOS = text.EOS
		if mode == text.Chars {
			tok.EOS = "\n"
		}
	}
	if f.splitPunct && mode != text.Words {
		return tok, errors.New("--split-punct applies to the word tokenizer only")
	}
	return tok, nil
}

// adaptiveDivValue is --div-value for a model with an adaptive softmax and
// 0 (not recorded) for one without.
func (f *lmTrainFlags) adaptiveDivValue() float64 {
	if len(f.adaptive) == 0 {
		return 0
	}
	return f.divValue
}

func (f *lmTrainFlags) vocabOptions(tok text.Tokenizer) text.VocabOptions {
	opt := text.VocabOptions{MinCount: f.minCount, MaxSize: f.maxVocab, Specials: []string{}}
	switch {
	case f.specials == "auto" && tok.Mode == text.Chars:
		// A closed character set, unless separate files may hold characters
		// the training file lacks; markers other than "\n" are special.
		if f.valid != "" || f.test != "" {
			opt.Specials = append(opt.Specials, text.UNK)
		}
		for _, s := range []string{tok.BOS, tok.EOS} {
			if s != "" && s != "\n" {
				opt.Specials = append(opt.Specials, s)
			}
		}
	case f.specials == "auto":
		opt.Specials = append(opt.Specials, text.UNK)
		for _, s := range []string{tok.EOS, tok.BOS} {
			if s != "" {
				opt.Specials = append(opt.Specials, s)
			}
		}
	case f.specials != "":
		opt.Specials = strings.Split(f.specials, ",")
	}
	return opt
}

// lmData encodes the training data (building the vocabulary unless v is
// given) and the validation and test data.
func lmData(tok *text.Tokenizer, v *text.Vocab, vopt text.VocabOptions, trainPaths []string, validPath, testPath string, validFraction float64) (voc *text.Vocab, train, valid, test []int32, err error) {
	if v == nil {
		c := text.NewCounter()
		for _, p := range trainPaths {
			if err := text.CountFile(c, tok, p); err != nil {
				return nil, nil, nil, nil, err
			}
		}
		if v, err = text.BuildVocab(c, vopt); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	for _, p := range trainPaths {
		ids, err := text.EncodeFile(v, tok, p)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		train = append(train, ids...)
	}
	if validPath != "" {
		if valid, err = text.EncodeFile(v, tok, validPath); err != nil {
			return nil, nil, nil, nil, err
		}
	} else if validFraction > 0 {
		if validFraction >= 1 {
			return nil, nil, nil, nil, fmt.Errorf("--valid-fraction %v must be below 1", validFraction)
		}
		n := len(train) - int(float64(len(train))*validFraction)
		train, valid = train[:n], train[n:]
	}
	if testPath != "" {
		if test, err = text.EncodeFile(v, tok, testPath); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return v, train, valid, test, nil
}

// lmSummary is the final report of lm train and quickstart.
type lmSummary struct {
	Checkpoint string      `json:"checkpoint"`
	Params     int         `json:"params"`
	Vocab      int         `json:"vocab_size"`
	Position   lm.Position `json:"position"`
	Stop       string      `json:"stop_reason,omitempty"`
	TrainLoss  float64     `json:"train_loss"`
	Valid      *lm.Metrics `json:"valid,omitempty"`
	Best       *lm.Metrics `json:"best_valid,omitempty"`
	Test       *lm.Metrics `json:"test,omitempty"`
	Seconds    float64     `json:"seconds"`
	TokensPerS float64     `json:"tokens_per_sec"`
	Interrupt  bool        `json:"interrupted,omitempty"`
	EarlyStop  bool        `json:"early_stopped,omitempty"`

	// The headline metrics, flat: the final validation loss (nats per
	// token), its perplexity and, at character level, bits per character;
	// and the optimizer steps taken in total.
	ValLoss       *float64 `json:"val_loss,omitempty"`
	ValPerplexity *float64 `json:"val_perplexity,omitempty"`
	BitsPerChar   *float64 `json:"bits_per_char,omitempty"`
	Steps         int64    `json:"steps"`
	// Plot is the PNG of the loss curves ("" if none was drawn).
	Plot string `json:"loss_plot,omitempty"`
}

func runLMTrain(cmd *cobra.Command, f *lmTrainFlags) error {
	if f.out == "" {
		return errors.New("lm train: --out is required")
	}
	if len(f.train) == 0 {
		return errors.New("lm train: --train is required")
	}
	if f.resume && f.overwrite {
		return errors.New("lm train: --resume and --overwrite exclude each other")
	}
	if !f.resume {
		// Before reading any data: refuse to replace a checkpoint, and
		// check that --out can be written.
		if err := train.CheckDir(f.out, f.overwrite); err != nil {
			return fmt.Errorf("lm train: --out: %w; --resume continues it, --overwrite replaces it", err)
		}
	}
	ctx := cmd.Context()
	var tr *lm.Trainer
	var test []int32
	if f.resume {
		m, err := lm.Load(f.out)
		if err != nil {
			return err
		}
		if err := f.resumeConflicts(cmd, m, nil); err != nil {
			return fmt.Errorf("lm train --resume: %w", err)
		}
		tok := m.Config.Tokenizer
		_, train, valid, tst, err := lmData(&tok, m.Vocab, text.VocabOptions{}, f.train, f.valid, f.test, f.validFraction)
		if err != nil {
			return err
		}
		test = tst
		if tr, err = lm.Resume(f.out, train, valid); err != nil {
			return err
		}
		if err := f.resumeConflicts(cmd, tr.Model, &tr.Config); err != nil {
			return fmt.Errorf("lm train --resume: %w", err)
		}
		f.applySchedule(cmd, tr)
	} else {
		if f.tc.Epochs == 0 && f.tc.MaxSteps == 0 && f.tc.TimeLimit == 0 {
			f.tc.Epochs = 1
		}
		f.tokenizerSet = cmd.Flags().Changed("tokenizer")
		tok, err := f.lmTokenizer()
		if err != nil {
			return err
		}
		var given *text.Vocab
		if f.vocab != "" {
			if given, err = text.LoadVocab(f.vocab); err != nil {
				return err
			}
		}
		v, train, valid, tst, err := lmData(&tok, given, f.vocabOptions(tok), f.train, f.valid, f.test, f.validFraction)
		if err != nil {
			return err
		}
		test = tst
		m, err := lm.New(lm.Config{Cell: f.cell, VocabSize: v.Len(), EmbedDim: f.embed, Hidden: f.hidden,
			Layers: f.layers, Dropout: f.dropout, Tied: f.tied, Tokenizer: tok, InitRange: f.initRange,
			AdaptiveCutoffs: f.adaptive, DivValue: f.adaptiveDivValue(), Lines: f.lines}, v, f.tc.Seed)
		if err != nil {
			return err
		}
		if tr, err = lm.NewTrainer(m, train, valid, f.tc); err != nil {
			return err
		}
		tr.Overwrite = f.overwrite
	}
	tr.Dir = f.out
	return trainAndReport(ctx, cmd.OutOrStdout(), tr, test, f.json, f.quiet, nil)
}

// resumeConflicts returns an error naming the first architecture or data
// flag given with --resume whose value differs from the checkpoint's model
// configuration and, when tc is not nil, its training configuration.
func (f *lmTrainFlags) resumeConflicts(cmd *cobra.Command, m *lm.Model, tc *lm.TrainConfig) error {
	c := m.Config
	checks := []resumeCheck{
		{"cell", f.cell, c.Cell}, {"embed", f.embed, c.EmbedDim}, {"hidden", f.hidden, c.Hidden},
		{"layers", f.layers, c.Layers}, {"dropout", f.dropout, c.Dropout}, {"tied", f.tied, c.Tied},
		{"init-range", f.initRange, c.InitRange},
		{"adaptive-softmax", f.adaptive, c.AdaptiveCutoffs}, {"div-value", f.adaptiveDivValue(), c.DivValue},
		{"lower", f.lower, c.Tokenizer.Lower}, {"split-punct", f.splitPunct, c.Tokenizer.SplitPunct},
		{"bos", f.bos, c.Tokenizer.BOS},
	}
	if tc != nil {
		checks = append(checks, resumeCheck{"batch", f.tc.Batch, tc.Batch}, resumeCheck{"bptt", f.tc.BPTT, tc.BPTT},
			resumeCheck{"optimizer", f.tc.Optimizer, tc.Optimizer}, resumeCheck{"weight-decay", f.tc.WeightDecay, tc.WeightDecay},
			resumeCheck{"seed", f.tc.Seed, tc.Seed})
	}
	fl := cmd.Flags()
	if fl.Changed("tokenizer") || fl.Changed("level") || fl.Changed("eos") {
		f.tokenizerSet = fl.Changed("tokenizer")
		tok, err := f.lmTokenizer()
		if err != nil {
			return err
		}
		name := "tokenizer"
		if fl.Changed("level") {
			name = "level"
		}
		checks = append(checks, resumeCheck{name, tok.Mode.String(), c.Tokenizer.Mode.String()})
		if fl.Changed("eos") {
			checks = append(checks, resumeCheck{"eos", fmt.Sprintf("%q", tok.EOS), fmt.Sprintf("%q", c.Tokenizer.EOS)})
		}
	}
	if err := checkResumeFlags(cmd, checks); err != nil {
		return err
	}
	for _, name := range []string{"specials", "min-count", "max-vocab"} {
		if fl.Changed(name) {
			return fmt.Errorf("--%s cannot change on --resume: the vocabulary is the checkpoint's (drop the flag)", name)
		}
	}
	return nil
}

// applySchedule applies the budget and schedule flags given with
// --resume (the others keep the checkpoint's values).
func (f *lmTrainFlags) applySchedule(cmd *cobra.Command, tr *lm.Trainer) {
	fl := cmd.Flags()
	c := &tr.Config
	// A budget given replaces the saved one: --epochs alone lifts a saved
	// step budget, --steps alone makes the epochs unbounded.
	epochs, steps := fl.Changed("epochs"), fl.Changed("max-steps") || fl.Changed("steps")
	if epochs || steps {
		c.Epochs, c.MaxSteps = f.tc.Epochs, f.tc.MaxSteps
	}
	if fl.Changed("time-limit") {
		c.TimeLimit = f.tc.TimeLimit
	}
	if fl.Changed("lr") {
		c.LR = f.tc.LR
		tr.SetLR(f.tc.LR)
	}
	for name, set := range map[string]func(){
		"clip":             func() { c.Clip = f.tc.Clip },
		"anneal":           func() { c.Anneal = f.tc.Anneal },
		"lr-decay":         func() { c.LRDecay = f.tc.LRDecay },
		"lr-decay-start":   func() { c.LRDecayStart = f.tc.LRDecayStart },
		"schedule":         func() { c.Schedule = f.tc.Schedule },
		"warmup":           func() { c.Warmup = f.tc.Warmup },
		"patience":         func() { c.Patience = f.tc.Patience },
		"eval-every":       func() { c.EvalEvery = f.tc.EvalEvery },
		"eval-batch":       func() { c.EvalBatch = f.tc.EvalBatch },
		"checkpoint-every": func() { c.CheckpointEvery = f.tc.CheckpointEvery },
	} {
		if fl.Changed(name) {
			set()
		}
	}
}

// lmPlotTitle describes the model in the loss plot's title.
func lmPlotTitle(m *lm.Model) string {
	c := m.Config
	return fmt.Sprintf("%s %dx%d, %s level, vocab %d", c.Cell, c.Layers, c.Hidden, c.Tokenizer.Mode, c.VocabSize)
}

// trainAndReport runs the trainer with progress on stderr, evaluates the
// test stream with the best weights and prints the summary. after, if
// set, runs after the summary with the model holding the best weights.
func trainAndReport(ctx context.Context, out io.Writer, tr *lm.Trainer, test []int32, asJSON, quiet bool, after func(*lm.Model) error) error {
	m := tr.Model
	chars := m.Config.Tokenizer.Mode == text.Chars
	prog := newTrainProgress(quiet, "tok")
	prog.labels = map[string]string{"tokens": ""}
	if chars {
		prog.labels["bits"] = "bits/char"
	}
	if !quiet {
		fmt.Fprintf(os.Stderr, "model: %s, %d layers x %d, embed %d, vocab %d, %d parameters; %d chunks/epoch of %dx%d tokens\n",
			m.Config.Cell, m.Config.Layers, m.Config.Hidden, m.Config.EmbedDim, m.Config.VocabSize, m.NumParams(),
			tr.Chunks(), tr.Config.BPTT, tr.Config.Batch)
	}
	var plotPath string
	var plotErr error
	prog.onCheckpoint = func(e train.CheckpointEvent) {
		// Saving replaces the directory: redraw the curves into it.
		path := filepath.Join(e.Dir, lmPlotFile)
		if plotErr = writeLossPlot(path, tr.History(), lmPlotTitle(m)); plotErr == nil && len(tr.History()) > 0 {
			plotPath = path
		}
	}
	res, err := tr.Run(ctx, prog.handle)
	prog.finish()
	if plotErr != nil && !quiet {
		fmt.Fprintf(os.Stderr, "warning: %v\n", plotErr)
	}
	interrupted := isInterrupted(ctx, err)
	if errors.Is(err, train.ErrDiverged) {
		return fmt.Errorf("lm train: %w; lower --lr or clip the gradients (--clip)", err)
	}
	if err != nil && !interrupted {
		return err
	}
	sum := lmSummary{Checkpoint: tr.Dir, Params: m.NumParams(), Vocab: m.Config.VocabSize, Position: res.Pos,
		TrainLoss: res.TrainLoss, Valid: res.Valid, Best: lm.MetricsOf(res.Best), Seconds: res.Elapsed.Seconds(), Interrupt: interrupted,
		EarlyStop: res.Stop == train.StopEarly, Stop: string(res.Stop), Steps: res.Pos.Step, Plot: plotPath}
	if v := res.Valid; v != nil {
		sum.ValLoss, sum.ValPerplexity = &v.Loss, &v.Perplexity
		if chars {
			sum.BitsPerChar = &v.Bits
		}
	}
	if s := res.Elapsed.Seconds(); s > 0 {
		sum.TokensPerS = float64(res.Items) / s
	}
	if !interrupted {
		// What --model DIR loads: the best validation's weights.
		tr.Loop().RestoreBest()
	}
	if test != nil && !interrupted {
		tm, err := m.Evaluate(ctx, test, tr.Config.EvalBatch, tr.Config.BPTT)
		if err != nil {
			return fmt.Errorf("test evaluation: %w", err)
		}
		sum.Test = &tm
	}
	if asJSON {
		if err := writeJSON(out, sum); err != nil {
			return err
		}
	} else {
		unit := "bits/token"
		if chars {
			unit = "bits/char"
		}
		fmt.Fprintf(out, "trained %d steps (epoch %d, chunk %d) in %.1fs, %.0f tokens/s; train loss %.4f; stopped: %s\n",
			res.Pos.Step, res.Pos.Epoch, res.Pos.Batch, sum.Seconds, sum.TokensPerS, res.TrainLoss, res.Stop)
		for _, e := range []struct {
			name string
			m    *lm.Metrics
		}{{"valid", sum.Valid}, {"best valid", sum.Best}, {"test", sum.Test}} {
			if e.m != nil {
				fmt.Fprintf(out, "%-10s loss %.4f  perplexity %.3f  %.4f %s  (%d tokens)\n", e.name, e.m.Loss, e.m.Perplexity, e.m.Bits, unit, e.m.Tokens)
			}
		}
		fmt.Fprintf(out, "checkpoint: %s\n", tr.Dir)
	}
	if interrupted {
		return interruptedError(tr.Dir, err)
	}
	if after != nil {
		return after(m)
	}
	return nil
}

// loadLM loads a checkpoint directory (its best validation's weights), also
// given as the path of its model.safetensors or, in directories written by
// earlier versions, best.safetensors.
func loadLM(path string) (*lm.Model, error) {
	if b := filepath.Base(path); b == "best.safetensors" || b == checkpoint.ModelFile {
		return lm.Load(filepath.Dir(path))
	}
	return lm.Load(path)
}

// lmSampleFlags are the flags of `recurrent lm sample`.
type lmSampleFlags struct {
	model, prompt string
	opt           lm.SampleOptions
	num           int
	stopAtEOS     bool
	noUnk         bool
	json          bool
	label         string  // conditional models (lm train-labels)
	rerank        int     // with label
	guidance      float64 // with label
	int8          bool
}

func newLMSampleCmd() *cobra.Command {
	var f lmSampleFlags
	cmd := &cobra.Command{
		Use:   "sample --model DIR",
		Short: "Generate text from a trained language model",
		Long: `Generate text that continues --prompt (which may be empty: generation then
starts at a line boundary). --temperature 0 is greedy; --top-k and --top-p
restrict sampling to the most likely tokens. Equal --seed, equal text.

A sample stops at the end-of-line token when --stop-at-eos is on, and the
samples are then printed one per line. It is on by default for a model of
line-structured text (one name or one sentence per line: "lines" in its
config.json, which lm train records) and for word models; off for a
character model of running text, whose samples span lines and are
separated by "----" lines.

With --label the model must be a conditional one (lm train-labels): it
prints --num sentences for that label, one per line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.label != "" {
				return runLMSampleLabel(cmd, &f)
			}
			return runLMSample(cmd, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	fl.StringVar(&f.prompt, "prompt", "", "text to continue")
	fl.IntVar(&f.opt.MaxTokens, "length", 500, "tokens to generate (with --label: 60)")
	fl.Float64Var(&f.opt.Temperature, "temperature", 1, "softmax temperature (0: greedy)")
	fl.IntVar(&f.opt.TopK, "top-k", 0, "sample among the K most likely tokens (0: all)")
	fl.Float64Var(&f.opt.TopP, "top-p", 0, "nucleus sampling threshold (0: off)")
	fl.Uint64Var(&f.opt.Seed, "seed", 1, "random seed")
	fl.IntVar(&f.num, "num", 1, "number of samples (seeds seed, seed+1, ...)")
	fl.BoolVar(&f.json, "json", false, `print {"samples": [...]} (the generated text, prompt included)`)
	fl.BoolVar(&f.stopAtEOS, "stop-at-eos", false, "stop each sample at the end-of-line token and print one per line (default: the model's, see above)")
	fl.BoolVar(&f.noUnk, "no-unk", false, "never generate <unk>")
	fl.StringVar(&f.label, "label", "", "sample sentences for this label from a conditional model (lm train-labels)")
	fl.IntVar(&f.rerank, "rerank", 1, "with --label: draw N samples per output and keep the one the model itself finds most likely to have the label (Bayes' rule)")
	fl.Float64Var(&f.guidance, "guidance", 0, "with --label: contrastive guidance G, sampling from log p(w|label) + G*(log p(w|label) - log p(w|other labels)); 0: plain sampling")
	deprecatedAliases(cmd, map[string]string{"prime": "prompt", "n": "num"})
	markRequired(cmd, "model")
	addInt8Flag(cmd, &f.int8)
	return cmd
}

func runLMSample(cmd *cobra.Command, f *lmSampleFlags) error {
	m, err := loadLMInt8(f.model, f.int8)
	if err != nil {
		return err
	}
	if m.Vocab == nil {
		return fmt.Errorf("lm sample: %s has no vocabulary", f.model)
	}
	if id := m.Vocab.SpecialID(text.UNK); f.noUnk && id >= 0 {
		f.opt.Ban = []int32{id}
	}
	f.opt.Greedy = f.opt.Temperature == 0
	if !cmd.Flags().Changed("stop-at-eos") {
		f.stopAtEOS = m.Config.StopAtEOS()
	}
	if !f.json {
		return writeSamples(cmd.Context(), cmd.OutOrStdout(), m, f.prompt, f.opt, f.num, f.stopAtEOS)
	}
	samples := []string{}
	err = eachSample(cmd.Context(), m, f.prompt, f.opt, f.num, f.stopAtEOS, func(s string) error {
		samples = append(samples, infer.JSONSample(s)) // without the end-of-line token, if sampled
		return nil
	})
	if err != nil {
		return err
	}
	return printJSON(cmd.OutOrStdout(), map[string][]string{"samples": samples})
}

// writeSamples prints num samples continuing prompt: one per line when
// they stop at the end of a line, otherwise separated by "----" lines.
func writeSamples(ctx context.Context, w io.Writer, m *lm.Model, prompt string, opt lm.SampleOptions, num int, stopAtEOS bool) error {
	i := 0
	return eachSample(ctx, m, prompt, opt, num, stopAtEOS, func(s string) error {
		if stopAtEOS {
			s = strings.TrimSuffix(s, "\n")
		} else if i > 0 {
			fmt.Fprintln(w, "----")
		}
		i++
		_, err := fmt.Fprintln(w, s)
		return err
	})
}

// eachSample generates num samples continuing prompt (seeds opt.Seed,
// opt.Seed+1, ...) and passes each, prompt included, to emit. Planning and
// the sample text come from package infer, as the server's do.
func eachSample(ctx context.Context, m *lm.Model, prompt string, opt lm.SampleOptions, num int, stopAtEOS bool, emit func(string) error) error {
	l, err := infer.NewLM(m)
	if err != nil {
		return err
	}
	opts, err := l.Plan(prompt, opt, num, stopAtEOS, slices.Contains(opt.Ban, m.Vocab.SpecialID(text.UNK)))
	if err != nil {
		return err
	}
	return l.EachSample(ctx, prompt, opts, emit)
}

// lmScoreFlags are the flags of `recurrent lm score`.
type lmScoreFlags struct {
	model string
	texts []string
	files []string
	batch int
	json  bool
	int8  bool
}

// lmScoreLine is one line of lm score --json.
type lmScoreLine = infer.ScoreLine

// lmScoreJSON is the output of lm score --json (totalled by infer, as the
// server's POST /v1/score).
type lmScoreJSON = infer.ScoreResult

func newLMScoreCmd() *cobra.Command {
	var f lmScoreFlags
	cmd := &cobra.Command{
		Use:   "score --model DIR (--text TEXT | --file FILE | FILE...)",
		Short: "Log-probability and perplexity of every line of text",
		Long: `Score each line of --text, the files (--file or arguments), or standard input
independently: the natural log-probability of its tokens and end-of-line
token given a line boundary, and its perplexity. Output: one tab-separated
line per input line (logprob, tokens, perplexity, text) with the totals on
standard error, or with --json one object
{"lines": [{"text", "logprob", "tokens"}], "total_logprob", "tokens",
"perplexity", "bits_per_token", "bits_per_char" (character models)}.`,
		RunE: func(cmd *cobra.Command, args []string) error { return runLMScore(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	fl.StringArrayVar(&f.texts, "text", nil, "text to score (repeatable; each line scored separately)")
	fl.StringArrayVar(&f.files, "file", nil, `file to score, plain or .gz, "-" standard input (repeatable; same as an argument)`)
	fl.IntVar(&f.batch, "batch", 64, "lines scored together")
	fl.BoolVar(&f.json, "json", false, "print one JSON object (see above)")
	markRequired(cmd, "model")
	addInt8Flag(cmd, &f.int8)
	return cmd
}

func runLMScore(cmd *cobra.Command, f *lmScoreFlags, args []string) error {
	m, err := loadLMInt8(f.model, f.int8)
	if err != nil {
		return err
	}
	if m.Vocab == nil {
		return fmt.Errorf("lm score: %s has no vocab.json: the model cannot encode text without its vocabulary", f.model)
	}
	start := m.StartID()
	if start < 0 {
		return errors.New("lm score: the model's tokenizer has no line marker (EOS or BOS) to start a line from")
	}
	w := bufio.NewWriter(cmd.OutOrStdout())
	defer w.Flush()
	var (
		lines []string
		seqs  [][]int32
		total lm.LineScore
		js    = lmScoreJSON{Lines: []lmScoreLine{}}
	)
	flush := func() error {
		scores, err := m.Score(cmd.Context(), seqs, start, f.batch)
		if err != nil {
			return err
		}
		for i, s := range scores {
			total.Tokens += s.Tokens
			total.LogProb += s.LogProb
			if f.json {
				js.Lines = append(js.Lines, lmScoreLine{Text: lines[i], LogProb: s.LogProb, Tokens: s.Tokens})
			} else {
				fmt.Fprintf(w, "%.4f\t%d\t%.3f\t%s\n", s.LogProb, s.Tokens, s.Perplexity(), lines[i])
			}
		}
		lines, seqs = lines[:0], seqs[:0]
		return nil
	}
	scoreReader := func(r io.Reader, name string) error {
		return text.ReadLines(r, name, func(n int, line string) error {
			ids, err := m.EncodeLine(line)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", name, n, err)
			}
			lines, seqs = append(lines, line), append(seqs, ids)
			if len(seqs) >= 16*f.batch {
				return flush()
			}
			return nil
		})
	}
	if err := eachInput(cmd, f.texts, append(slices.Clone(f.files), args...), scoreReader); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	if total.Tokens == 0 {
		return errors.New("lm score: no tokens to score")
	}
	loss := -total.LogProb / float64(total.Tokens)
	unit := "bits/token"
	if m.Config.Tokenizer.Mode == text.Chars {
		unit = "bits/char"
	}
	if f.json {
		l, err := infer.NewLM(m)
		if err != nil {
			return err
		}
		res, err := l.Summarize(js.Lines)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "total: %d tokens, log-prob %.2f, loss %.4f, perplexity %.3f, %.4f %s\n",
		total.Tokens, total.LogProb, loss, math.Exp(loss), loss/math.Ln2, unit)
	return nil
}

// lmEvalFlags are the flags of `recurrent lm eval`.
type lmEvalFlags struct {
	model       string
	batch, bptt int
	json        bool
	int8        bool
}

func newLMEvalCmd() *cobra.Command {
	var f lmEvalFlags
	cmd := &cobra.Command{
		Use:   "eval --model DIR [FILE...]",
		Short: "Perplexity of text read as one stream (as in training)",
		Long: `Evaluate the model on the files read as one token stream, cut into --batch
contiguous streams read in chunks of --bptt with the state carried, as
validation during training does (the usual PTB test perplexity protocol).
Without FILE, or with "-", it reads standard input.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runLMEval(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	fl.IntVar(&f.batch, "batch", 10, "parallel streams")
	fl.IntVar(&f.bptt, "bptt", 64, "chunk length")
	fl.BoolVar(&f.json, "json", false, "print the metrics as JSON")
	markRequired(cmd, "model")
	addInt8Flag(cmd, &f.int8)
	return cmd
}

func runLMEval(cmd *cobra.Command, f *lmEvalFlags, args []string) error {
	m, err := loadLMInt8(f.model, f.int8)
	if err != nil {
		return err
	}
	if m.Vocab == nil {
		return fmt.Errorf("lm eval: %s has no vocabulary", f.model)
	}
	var ids []int32
	for _, p := range inputFiles(args) {
		got, err := readInput(cmd, p, func(r io.Reader, name string) ([]int32, error) {
			return text.EncodeReader(m.Vocab, &m.Config.Tokenizer, r, name)
		})
		if err != nil {
			return err
		}
		ids = append(ids, got...)
	}
	met, err := m.Evaluate(cmd.Context(), ids, f.batch, f.bptt)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(met)
	}
	unit := "bits/token"
	if m.Config.Tokenizer.Mode == text.Chars {
		unit = "bits/char"
	}
	fmt.Fprintf(out, "loss %.4f  perplexity %.3f  %.4f %s  (%d tokens)\n", met.Loss, met.Perplexity, met.Bits, unit, met.Tokens)
	return nil
}
