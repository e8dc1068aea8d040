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
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
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

	tokenizer, level, eos, bos, specials string
	initRange                            float64
	lower, splitPunct                    bool
	minCount                             int64
	maxVocab                             int

	cell                  string
	embed, hidden, layers int
	dropout               float64
	tied                  bool

	tokenizerSet bool // --tokenizer given explicitly

	tc      lm.TrainConfig
	threads int
	json    bool
	quiet   bool
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
model.safetensors (PyTorch state_dict names), optimizer.safetensors,
carry.safetensors and state.json; it is replaced atomically after every epoch,
every --checkpoint-every steps, and on Ctrl-C. --resume continues from it
exactly (same data files required). It also holds best.safetensors, the
weights with the lowest validation loss so far (use --model DIR/best.safetensors
with sample, score and eval), and loss.png, the training and validation loss
curves. --level char|word is the issue's name for --tokenizer char|word;
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

	fl.StringVar(&f.tokenizer, "tokenizer", "char", "char, word or whitespace")
	fl.StringVar(&f.level, "level", "", "char or word (Unicode words): shorthand for --tokenizer")
	fl.BoolVar(&f.lower, "lower", false, "lowercase the text")
	fl.BoolVar(&f.splitPunct, "split-punct", false, "word tokenizer: keep punctuation as separate tokens")
	fl.StringVar(&f.eos, "eos", "auto", `end-of-line token ("auto": "\n" for char, <eos> otherwise; "" for none)`)
	fl.StringVar(&f.bos, "bos", "", "beginning-of-line token (for example <bos>; default none)")
	fl.StringVar(&f.specials, "specials", "auto", "comma-separated special tokens (auto: <unk> and the line markers; for char, <unk> only with --valid or --test)")
	fl.Int64Var(&f.minCount, "min-count", 1, "drop tokens seen fewer times (they become <unk>)")
	fl.IntVar(&f.maxVocab, "max-vocab", 0, "cap the vocabulary size, specials included (0: no cap)")

	fl.StringVar(&f.cell, "cell", "lstm", "rnn_tanh, rnn_relu, lstm, gru, gru_cho or gru_minimal")
	fl.IntVar(&f.embed, "embed", 128, "embedding size")
	fl.IntVar(&f.hidden, "hidden", 256, "hidden size")
	fl.IntVar(&f.layers, "layers", 2, "recurrent layers")
	fl.Float64Var(&f.dropout, "dropout", 0, "dropout on embeddings, between layers and on outputs")
	fl.BoolVar(&f.tied, "tied", false, "tie decoder and embedding weights (needs --embed == --hidden)")
	fl.Float64Var(&f.initRange, "init-range", 0, "draw every parameter from uniform(-R, R) (0: default init)")

	fl.IntVar(&f.tc.Batch, "batch", 32, "parallel streams")
	fl.IntVar(&f.tc.BPTT, "bptt", 64, "truncated BPTT length")
	fl.IntVar(&f.tc.Epochs, "epochs", 1, "passes over the training stream")
	fl.Int64Var(&f.tc.MaxSteps, "max-steps", 0, "stop after this many optimizer steps (0: no cap)")
	fl.Int64Var(&f.tc.MaxSteps, "steps", 0, "same as --max-steps")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Float64Var(&f.tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&f.tc.WeightDecay, "weight-decay", 0, "weight decay")
	fl.Float64Var(&f.tc.Clip, "clip", 1, "clip the global gradient norm (0: off)")
	fl.Float64Var(&f.tc.Anneal, "anneal", 0, "divide the learning rate by this after an epoch without validation improvement")
	fl.Float64Var(&f.tc.LRDecay, "lr-decay", 0, "multiply the learning rate by this at the end of each epoch >= --lr-decay-start (0: off)")
	fl.IntVar(&f.tc.LRDecayStart, "lr-decay-start", 1, "first epoch (1-based) after which --lr-decay applies")
	fl.IntVar(&f.tc.Patience, "patience", 0, "stop after this many epochs in a row without a better validation loss (0: never)")
	fl.IntVar(&f.tc.EvalBatch, "eval-batch", 0, "validation batch size (default --batch)")
	fl.Int64Var(&f.tc.EvalEvery, "eval-every", 0, "also validate every this many steps")
	fl.Int64Var(&f.tc.CheckpointEvery, "checkpoint-every", 0, "also checkpoint every this many steps")
	fl.DurationVar(&f.tc.TimeLimit, "time-limit", 0, "stop training after this long (then validate and checkpoint)")
	fl.Uint64Var(&f.tc.Seed, "seed", 1, "random seed (weights and dropout)")
	fl.IntVar(&f.threads, "threads", 0, "compute threads (default: all cores)")
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
	if f.threads > 0 {
		tensor.SetThreads(f.threads)
	}
	ctx := cmd.Context()
	var tr *lm.Trainer
	var test []int32
	if f.resume {
		m, err := lm.Load(f.out)
		if err != nil {
			return err
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
		// Budget flags given on the command line extend the run.
		fl := cmd.Flags()
		if fl.Changed("epochs") {
			tr.Config.Epochs = f.tc.Epochs
		}
		if fl.Changed("max-steps") || fl.Changed("steps") {
			tr.Config.MaxSteps = f.tc.MaxSteps
		}
		if fl.Changed("time-limit") {
			tr.Config.TimeLimit = f.tc.TimeLimit
		}
	} else {
		f.tokenizerSet = cmd.Flags().Changed("tokenizer")
		tok, err := f.lmTokenizer()
		if err != nil {
			return err
		}
		v, train, valid, tst, err := lmData(&tok, nil, f.vocabOptions(tok), f.train, f.valid, f.test, f.validFraction)
		if err != nil {
			return err
		}
		test = tst
		m, err := lm.New(lm.Config{Cell: f.cell, VocabSize: v.Len(), EmbedDim: f.embed, Hidden: f.hidden,
			Layers: f.layers, Dropout: f.dropout, Tied: f.tied, Tokenizer: tok, InitRange: f.initRange}, v, f.tc.Seed)
		if err != nil {
			return err
		}
		if tr, err = lm.NewTrainer(m, train, valid, f.tc); err != nil {
			return err
		}
	}
	tr.Dir = f.out
	return trainAndReport(ctx, cmd.OutOrStdout(), tr, test, f.json, f.quiet, nil)
}

// lmPlotTitle describes the model in the loss plot's title.
func lmPlotTitle(m *lm.Model) string {
	c := m.Config
	return fmt.Sprintf("%s %dx%d, %s level, vocab %d", c.Cell, c.Layers, c.Hidden, c.Tokenizer.Mode, c.VocabSize)
}

// trainAndReport runs the trainer with progress on stderr, evaluates the
// test stream and prints the summary. after, if set, runs after the summary.
func trainAndReport(ctx context.Context, out io.Writer, tr *lm.Trainer, test []int32, asJSON, quiet bool, after func(*lm.Model) error) error {
	m := tr.Model
	rep := newLMReporter(quiet, m.Config.Tokenizer.Mode == text.Chars)
	if !quiet {
		fmt.Fprintf(os.Stderr, "model: %s, %d layers x %d, embed %d, vocab %d, %d parameters; %d chunks/epoch of %dx%d tokens\n",
			m.Config.Cell, m.Config.Layers, m.Config.Hidden, m.Config.EmbedDim, m.Config.VocabSize, m.NumParams(),
			tr.Chunks(), tr.Config.BPTT, tr.Config.Batch)
	}
	var plotPath string
	var plotErr error
	res, err := tr.Run(ctx, func(p lm.Progress) {
		rep.report(p)
		if p.Event == "checkpoint" && p.Dir != "" {
			// Saving replaces the directory: redraw the curves into it.
			path := filepath.Join(p.Dir, lmPlotFile)
			if plotErr = writeLossPlot(path, tr.History(), lmPlotTitle(m)); plotErr == nil && len(tr.History()) > 0 {
				plotPath = path
			}
		}
	})
	rep.finish()
	if plotErr != nil && !quiet {
		fmt.Fprintf(os.Stderr, "warning: %v\n", plotErr)
	}
	interrupted := err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
	if err != nil && !interrupted {
		return err
	}
	sum := lmSummary{Checkpoint: tr.Dir, Params: m.NumParams(), Vocab: m.Config.VocabSize, Position: res.Pos,
		TrainLoss: res.TrainLoss, Valid: res.Valid, Best: res.Best, Seconds: res.Elapsed.Seconds(), Interrupt: interrupted,
		EarlyStop: res.EarlyStop, Steps: res.Pos.Step, Plot: plotPath}
	if v := res.Valid; v != nil {
		sum.ValLoss, sum.ValPerplexity = &v.Loss, &v.Perplexity
		if m.Config.Tokenizer.Mode == text.Chars {
			sum.BitsPerChar = &v.Bits
		}
	}
	if s := res.Elapsed.Seconds(); s > 0 {
		sum.TokensPerS = float64(res.Tokens) / s
	}
	if test != nil && !interrupted {
		tm, err := m.Evaluate(ctx, test, tr.Config.EvalBatch, tr.Config.BPTT)
		if err != nil {
			return fmt.Errorf("test evaluation: %w", err)
		}
		sum.Test = &tm
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return err
		}
	} else {
		unit := "bits/token"
		if m.Config.Tokenizer.Mode == text.Chars {
			unit = "bits/char"
		}
		fmt.Fprintf(out, "trained %d steps (epoch %d, chunk %d) in %.1fs, %.0f tokens/s; train loss %.4f\n",
			res.Pos.Step, res.Pos.Epoch, res.Pos.Chunk, sum.Seconds, sum.TokensPerS, res.TrainLoss)
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
		return fmt.Errorf("interrupted; resume with --resume (checkpoint %s): %w", tr.Dir, err)
	}
	if after != nil {
		return after(m)
	}
	return nil
}

// lmReporter shows training progress: a bar on a terminal, otherwise a
// log line every 10 seconds and after every validation.
type lmReporter struct {
	quiet, tty, chars bool
	bar               *progressbar.ProgressBar
	lastLog           time.Time
}

func newLMReporter(quiet, chars bool) *lmReporter {
	return &lmReporter{quiet: quiet, chars: chars, tty: term.IsTerminal(int(os.Stderr.Fd())), lastLog: time.Now()}
}

func (r *lmReporter) println(format string, args ...any) {
	if r.bar != nil {
		_ = r.bar.Clear()
	}
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func (r *lmReporter) report(p lm.Progress) {
	if r.quiet {
		return
	}
	switch p.Event {
	case "step":
		desc := fmt.Sprintf("epoch %d  loss %.3f  %.0f tok/s", p.Pos.Epoch+1, p.AvgLoss, p.TokensPerSec)
		if r.tty {
			if r.bar == nil {
				r.bar = progressbar.NewOptions64(p.MaxSteps,
					progressbar.OptionSetWriter(os.Stderr),
					progressbar.OptionSetWidth(30),
					progressbar.OptionShowCount(),
					progressbar.OptionThrottle(200*time.Millisecond),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionClearOnFinish(),
				)
			}
			r.bar.Describe(desc)
			_ = r.bar.Set64(p.Pos.Step)
		} else if time.Since(r.lastLog) >= 10*time.Second {
			r.lastLog = time.Now()
			r.println("step %d/%d  %s  lr %.3g  grad norm %.3g", p.Pos.Step, p.MaxSteps, desc, p.LR, p.GradNorm)
		}
	case "valid":
		bits := "bits/token"
		if r.chars {
			bits = "bits/char"
		}
		train := ""
		if p.AvgLoss != 0 {
			train = fmt.Sprintf("train loss %.4f (ppl %.2f)  ", p.AvgLoss, math.Exp(p.AvgLoss))
		}
		r.println("step %d  epoch %.2f  %svalid loss %.4f  perplexity %.3f  %.4f %s  lr %.4g  (%.0fs)", p.Pos.Step,
			float64(p.Pos.Epoch)+float64(p.Pos.Chunk)/float64(max(p.Chunks, 1)), train, p.Valid.Loss, p.Valid.Perplexity, p.Valid.Bits, bits, p.LR, p.Elapsed.Seconds())
	case "anneal":
		r.println("step %d  validation did not improve: learning rate now %.4g", p.Pos.Step, p.LR)
	case "decay":
		r.println("step %d  end of epoch %d: learning rate now %.4g", p.Pos.Step, p.Pos.Epoch+1, p.LR)
	case "checkpoint":
		if !r.tty {
			r.println("step %d  checkpoint saved to %s", p.Pos.Step, p.Dir)
		}
	}
}

func (r *lmReporter) finish() {
	if r.bar != nil {
		_ = r.bar.Finish()
	}
}

// loadLM loads a checkpoint directory, or with a path DIR/best.safetensors
// the directory's model with its best-validation weights.
func loadLM(path string) (*lm.Model, error) {
	if filepath.Base(path) == lm.BestFile {
		return lm.LoadBest(filepath.Dir(path))
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
	threads       int
	int8          bool
}

func newLMSampleCmd() *cobra.Command {
	var f lmSampleFlags
	cmd := &cobra.Command{
		Use:   "sample --model DIR",
		Short: "Generate text from a trained language model",
		Long: `Generate text that continues --prompt (which may be empty: generation then
starts at a line boundary). --temperature 0 is greedy; --top-k and --top-p
restrict sampling to the most likely tokens. Equal --seed, equal text.`,
		Args: cobra.NoArgs,
		// (PreRunE also serves --label, which replaces RunE in lm_label.go.)
		PreRunE: func(*cobra.Command, []string) error {
			if f.threads < 0 {
				return fmt.Errorf("lm sample: --threads must be >= 0, got %d", f.threads)
			}
			if f.threads > 0 {
				tensor.SetThreads(f.threads)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runLMSample(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.threads, "threads", 0, "compute threads: a step of a large model is split over them (default: all cores)")
	fl.StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	fl.StringVar(&f.prompt, "prompt", "", "text to continue")
	fl.StringVar(&f.prompt, "prime", "", "same as --prompt")
	fl.IntVar(&f.opt.MaxTokens, "length", 500, "tokens to generate")
	fl.Float64Var(&f.opt.Temperature, "temperature", 1, "softmax temperature (0: greedy)")
	fl.IntVar(&f.opt.TopK, "top-k", 0, "sample among the K most likely tokens (0: all)")
	fl.Float64Var(&f.opt.TopP, "top-p", 0, "nucleus sampling threshold (0: off)")
	fl.Uint64Var(&f.opt.Seed, "seed", 1, "random seed")
	fl.IntVar(&f.num, "n", 1, "number of samples (seeds seed, seed+1, ...)")
	fl.IntVar(&f.num, "num", 1, "same as --n")
	fl.BoolVar(&f.json, "json", false, `print {"samples": [...]} (the generated text, prompt included)`)
	fl.BoolVar(&f.stopAtEOS, "stop-at-eos", false, "stop a sample at the end-of-line token (default: true for word models, whose token is <eos>; false for character models, whose token is a line break)")
	fl.BoolVar(&f.noUnk, "no-unk", false, "never generate <unk>")
	addInt8Flag(cmd, &f.int8)
	return cmd
}

func runLMSample(cmd *cobra.Command, f *lmSampleFlags) error {
	if f.model == "" {
		return errors.New("lm sample: --model is required")
	}
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
	if !cmd.Flags().Changed("stop-at-eos") {
		// A word model's end-of-sentence token ends a sample; a character
		// model's line break does not, so its samples run to --length.
		f.stopAtEOS = m.Config.Tokenizer.EOS != "\n"
	}
	if !f.json {
		return writeSamples(cmd.Context(), cmd.OutOrStdout(), m, f.prompt, f.opt, f.num, f.stopAtEOS)
	}
	out := struct {
		Samples []string `json:"samples"`
	}{Samples: []string{}}
	err = eachSample(cmd.Context(), m, f.prompt, f.opt, f.num, f.stopAtEOS, func(s string) error {
		out.Samples = append(out.Samples, strings.TrimSuffix(s, "\n")) // the end-of-line token, if sampled
		return nil
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeSamples prints num samples continuing prompt, separated by a rule.
func writeSamples(ctx context.Context, w io.Writer, m *lm.Model, prompt string, opt lm.SampleOptions, num int, stopAtEOS bool) error {
	i := 0
	return eachSample(ctx, m, prompt, opt, num, stopAtEOS, func(s string) error {
		if i > 0 {
			fmt.Fprintln(w, "----")
		}
		i++
		_, err := fmt.Fprintln(w, s)
		return err
	})
}

// eachSample generates num samples continuing prompt (seeds opt.Seed,
// opt.Seed+1, ...) and passes each, prompt included, to emit.
func eachSample(ctx context.Context, m *lm.Model, prompt string, opt lm.SampleOptions, num int, stopAtEOS bool, emit func(string) error) error {
	ids, err := m.EncodePrompt(prompt)
	if err != nil {
		return err
	}
	opt.Prompt, opt.Stop = ids, nil
	if start := m.StartID(); start >= 0 {
		opt.Prompt = append([]int32{start}, ids...)
	}
	if eos := m.EOSID(); stopAtEOS && eos >= 0 {
		opt.Stop = []int32{eos}
	}
	seed := opt.Seed
	for i := range num {
		opt.Seed = seed + uint64(i)
		out, err := m.Sample(ctx, opt)
		if err != nil {
			return err
		}
		s, err := m.Decode(out)
		if err != nil {
			return err
		}
		sep := ""
		if m.Config.Tokenizer.Mode != text.Chars && prompt != "" && !strings.HasSuffix(prompt, "\n") && !strings.HasPrefix(s, "\n") {
			sep = " "
		}
		if err := emit(prompt + sep + s); err != nil {
			return err
		}
	}
	return nil
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
type lmScoreLine struct {
	Text    string  `json:"text"`
	LogProb float64 `json:"logprob"`
	Tokens  int     `json:"tokens"`
}

// lmScoreJSON is the output of lm score --json.
type lmScoreJSON struct {
	Lines        []lmScoreLine `json:"lines"`
	TotalLogProb float64       `json:"total_logprob"`
	Tokens       int           `json:"tokens"`
	Perplexity   float64       `json:"perplexity"`
	BitsPerChar  *float64      `json:"bits_per_char,omitempty"`
	BitsPerToken float64       `json:"bits_per_token"`
}

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
	fl.StringArrayVar(&f.files, "file", nil, "file to score, plain or .gz (repeatable; same as an argument)")
	fl.IntVar(&f.batch, "batch", 64, "lines scored together")
	fl.BoolVar(&f.json, "json", false, "print one JSON object (see above)")
	addInt8Flag(cmd, &f.int8)
	return cmd
}

func runLMScore(cmd *cobra.Command, f *lmScoreFlags, args []string) error {
	if f.model == "" {
		return errors.New("lm score: --model is required")
	}
	m, err := loadLMInt8(f.model, f.int8)
	if err != nil {
		return err
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
				js.Lines = append(js.Lines, lmScoreLine{lines[i], s.LogProb, s.Tokens})
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
	for i, t := range f.texts {
		if err := scoreReader(strings.NewReader(t), fmt.Sprintf("--text #%d", i+1)); err != nil {
			return err
		}
	}
	files := append(slices.Clone(f.files), args...)
	if len(files) == 0 && len(f.texts) == 0 {
		if err := scoreReader(cmd.InOrStdin(), "stdin"); err != nil {
			return err
		}
	}
	for _, path := range files {
		r, err := text.OpenFile(path)
		if err != nil {
			return err
		}
		err = scoreReader(r, path)
		r.Close()
		if err != nil {
			return err
		}
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
		js.TotalLogProb, js.Tokens, js.Perplexity, js.BitsPerToken = total.LogProb, total.Tokens, math.Exp(loss), loss/math.Ln2
		if m.Config.Tokenizer.Mode == text.Chars {
			b := js.BitsPerToken
			js.BitsPerChar = &b
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(js)
	}
	fmt.Fprintf(os.Stderr, "total: %d tokens, log-prob %.2f, loss %.4f, perplexity %.3f, %.4f %s\n",
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
		Use:   "eval --model DIR FILE...",
		Short: "Perplexity of text read as one stream (as in training)",
		Long: `Evaluate the model on the files read as one token stream, cut into --batch
contiguous streams read in chunks of --bptt with the state carried, as
validation during training does (the usual PTB test perplexity protocol).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLMEval(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	fl.IntVar(&f.batch, "batch", 10, "parallel streams")
	fl.IntVar(&f.bptt, "bptt", 64, "chunk length")
	fl.BoolVar(&f.json, "json", false, "print the metrics as JSON")
	addInt8Flag(cmd, &f.int8)
	return cmd
}

func runLMEval(cmd *cobra.Command, f *lmEvalFlags, args []string) error {
	if f.model == "" {
		return errors.New("lm eval: --model is required")
	}
	m, err := loadLMInt8(f.model, f.int8)
	if err != nil {
		return err
	}
	if m.Vocab == nil {
		return fmt.Errorf("lm eval: %s has no vocabulary", f.model)
	}
	var ids []int32
	for _, p := range args {
		got, err := text.EncodeFile(m.Vocab, &m.Config.Tokenizer, p)
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
