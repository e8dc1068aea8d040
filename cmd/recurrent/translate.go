package main

import (
	"fmt"
	"io"
	"time"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
	"github.com/spf13/cobra"
)

func init() {
	newGroup("translate", "Sequence-to-sequence translation: BLEU scoring and data generation",
		newTranslateBLEUCmd(), newTranslateGenDatesCmd(), newTranslateTrainCmd(), newTranslateEvalCmd(), newTranslateRunCmd())
}

func newTranslateBLEUCmd() *cobra.Command {
	var refPath, hypPath string
	var opt seq2seq.BLEUOptions
	cmd := newReportCmd(&cobra.Command{
		Use:   "bleu --ref FILE --hyp FILE [--tokenize 13a|intl|char|none] [--lowercase]",
		Short: "Corpus BLEU-4 as sacreBLEU computes it (its 13a tokenization by default)",
	}, `print {"bleu", "precisions", "bp", "sys_len", "ref_len", ..., "tokenize", "signature"} as JSON`, false, func(cmd *cobra.Command, args []string) (textWriter, error) {
		b, err := seq2seq.CorpusBLEUFiles(stdio(cmd), hypPath, refPath, opt)
		if err != nil {
			return nil, fmt.Errorf("translate bleu: %w", err)
		}
		return b, nil
	})
	f := cmd.Flags()
	f.StringVar(&refPath, "ref", "", "reference file, one segment per line")
	f.StringVar(&hypPath, "hyp", "", "hypothesis file, one segment per line")
	f.StringVar(&opt.Tokenize, "tokenize", "13a", "sacreBLEU tokenizer: 13a (for detokenized text), intl, char or none (white space only, for tokenized text)")
	f.BoolVar(&opt.Lowercase, "lowercase", false, "lowercase hypotheses and references first (sacreBLEU's -lc)")
	cli.MarkRequired(cmd, "ref", "hyp")
	cli.MarkInputs(cmd, "ref", "hyp")
	return cmd
}

func newTranslateGenDatesCmd() *cobra.Command {
	var (
		opts   = seq2seq.DateOptions{From: seq2seq.DefaultDateFrom, To: seq2seq.DefaultDateTo}
		out    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "gen-dates --n N --seed S --out DIR",
		Short: "Generate the human-readable date -> ISO date task (train/dev/test TSV)",
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, frac := range []*float64{&opts.DevFrac, &opts.TestFrac} {
				if *frac == 0 {
					*frac = -1 // no such split (the library's zero is the default share)
				}
			}
			files, err := seq2seq.WriteDateFiles(cmd.Context(), out, opts)
			if err != nil {
				return err
			}
			if !asJSON {
				fmt.Fprintf(cmd.ErrOrStderr(), "dates from %s to %s\n", files.From, files.To)
			}
			return writeReport(cmd.OutOrStdout(), files, asJSON, false)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.N, "n", 10000, "total number of examples")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed")
	f.StringVar(&out, "out", "dates", "output directory")
	f.Var(dateFlag{&opts.From}, "from", "first date")
	f.Var(dateFlag{&opts.To}, "to", "last date")
	f.Float64Var(&opts.DevFrac, "dev-frac", 0.1, "share of examples in dev.tsv (0: none)")
	f.Float64Var(&opts.TestFrac, "test-frac", 0.1, "share of examples in test.tsv (0: none)")
	f.BoolVar(&asJSON, "json", false, `print {"files", "n", "seed", "from", "to"} as JSON`)
	return cmd
}

// dateFlag is a flag holding a date, given as YYYY-MM-DD.
type dateFlag struct{ t *time.Time }

func (d dateFlag) String() string { return d.t.Format(time.DateOnly) }

func (d dateFlag) Set(s string) (err error) {
	*d.t, err = time.Parse(time.DateOnly, s)
	return err
}

func (d dateFlag) Type() string { return "YYYY-MM-DD" }

type translateEvalFlags struct {
	model, data, hyp string
	opt              seq2seq.PairsEval
	asJSON, quiet    bool
}

func newTranslateEvalCmd() *cobra.Command {
	var f translateEvalFlags
	cmd := &cobra.Command{
		Use:   "eval --model DIR --data F [--beam K]",
		Short: "Decode source<TAB>target pairs and report exact match, token accuracy and BLEU",
		RunE:  func(cmd *cobra.Command, args []string) error { return runTranslateEval(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory")
	fl.StringVar(&f.data, "data", "", `pairs to evaluate, source<TAB>target per line ("-": standard input)`)
	fl.StringVar(&f.hyp, "hyp", "", `also write the outputs to this file, one per line ("-": standard output)`)
	fl.StringVar(&f.opt.HeatmapDir, "heatmap", "", "draw every pair's attention as DIR/line-NNNN.png")
	cli.MarkOutputs(cmd, "hyp")
	addDecodeFlags(cmd, &f.opt.DecodeOptions)
	fl.IntVar(&f.opt.Batch, "batch", 256, "sources encoded together")
	fl.IntVar(&f.opt.Limit, "limit", 0, "evaluate only the first N pairs")
	fl.BoolVar(&f.asJSON, "json", false, "print the metrics as JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress on standard error")
	cli.MarkRequired(cmd, "model", "data")
	cli.MarkPositive(cmd, "batch", "limit")
	return cmd
}

// addDecodeFlags registers --beam, --alpha and --max-len.
func addDecodeFlags(cmd *cobra.Command, opt *seq2seq.DecodeOptions) {
	fl := cmd.Flags()
	fl.IntVar(&opt.Beam, "beam", 1, "beam width (1: greedy)")
	fl.Float64Var(&opt.Alpha, "alpha", 0, "length-normalization exponent for beam search")
	fl.IntVar(&opt.MaxLen, "max-len", 0, "maximum output tokens (default 2*source+10)")
	cli.MarkPositive(cmd, "beam")
}

func runTranslateEval(cmd *cobra.Command, f *translateEvalFlags) error {
	m, err := loadKind(f.model, infer.KindTranslate, seq2seq.Load)
	if err != nil {
		return err
	}
	pairs, err := readInput(cmd, f.data, seq2seq.ReadPairs)
	if err != nil {
		return err
	}
	bar := newProgress(cmd.ErrOrStderr(), f.quiet)
	opt := f.opt
	opt.Name, opt.TeacherForced = text.DisplayName(f.data), true
	opt.Progress = func(done int) { bar.update("decoding", int64(done), int64(len(pairs)), "decoding") }
	rep, err := m.EvaluatePairs(cmd.Context(), pairs, opt)
	bar.finish()
	if err != nil {
		return fmt.Errorf("translate eval: %w", err)
	}
	if f.hyp != "" {
		if err := stdio(cmd).WriteFile(f.hyp, func(w io.Writer) error { return m.WriteOutputs(w, rep.Hyps) }); err != nil {
			return fmt.Errorf("translate eval: --hyp: %w", err)
		}
	}
	return writeReport(reportTo(cmd, f.hyp), rep, f.asJSON, false)
}

type translateRunFlags struct {
	model  string
	in     cli.LineInputs
	opt    seq2seq.RunOptions
	asJSON bool
}

func newTranslateRunCmd() *cobra.Command {
	var f translateRunFlags
	cmd := &cobra.Command{
		Use:   "run --model DIR [--text TEXT | --file F | F...] [--beam K]",
		Short: "Translate source lines (--text, files, or standard input by default), one output line each",
		RunE:  func(cmd *cobra.Command, args []string) error { return runTranslateRun(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory")
	f.in.Register(cmd, "source text to translate (repeatable; each line separately)", `file of source lines ("-": standard input, the default; repeatable, same as an argument; --input is its old name)`)
	addDecodeFlags(cmd, &f.opt.DecodeOptions)
	fl.StringVar(&f.opt.AttentionJSON, "attention-json", "", "write the first line's attention weights as JSON")
	fl.StringVar(&f.opt.AttentionPNG, "attention-png", "", "draw the first line's attention weights as a PNG heat map")
	cli.MarkFileOutputs(cmd, "attention-json", "attention-png")
	fl.StringVar(&f.opt.HeatmapDir, "heatmap", "", "draw every line's attention as DIR/line-NNNN.png")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per line with log-probability and score")
	cli.MarkRequired(cmd, "model")
	deprecatedAliases(cmd, map[string]string{"input": "file"})
	return cmd
}

func runTranslateRun(cmd *cobra.Command, f *translateRunFlags, args []string) error {
	m, err := loadKind(f.model, infer.KindTranslate, seq2seq.Load)
	if err != nil {
		return err
	}
	var lines []string
	err = f.in.Each(stdio(cmd), args, func(r io.Reader, name string) error {
		ls, err := seq2seq.ReadSources(r, name)
		if err == nil {
			seq2seq.CheckDates(m.Config.TrainedDates, name, ls).WriteText(cmd.ErrOrStderr())
			lines = append(lines, ls...)
		}
		return err
	})
	if err != nil {
		return err
	}
	err = stdio(cmd).WriteFile("-", func(w io.Writer) error { // buffered, its flush error returned
		return m.TranslateLines(cmd.Context(), lines, f.opt, func(o seq2seq.Output) error { return writeReport(w, o, f.asJSON, true) })
	})
	if err != nil {
		return fmt.Errorf("translate run: %w", err)
	}
	return nil
}

func newTranslateTrainCmd() *cobra.Command {
	s := &seq2seq.Setup{}
	cmd := newTaskCmd(&cobra.Command{
		Use:   "train --train F [--valid F] --out DIR",
		Short: "Train an encoder-decoder (bidirectional encoder, attention decoder) on source<TAB>target pairs",
	}, 10, taskCmd[*train.LoopSummary, *seq2seq.Session]{kind: infer.KindTranslate, name: "translate train", items: "tok",
		labels: map[string]string{"exact_match": "exact match", "token_acc_teacher_forced": "token acc (teacher forced)"},
		epochs: &s.Training.Epochs, steps: &s.Training.MaxSteps, start: s.Start, resume: s.Resume, check: func(cmd *cobra.Command) error {
			if s.Training.Clip <= 0 {
				s.Training.Clip = -1 // the library's zero means its default
			}
			return cli.Usage(cli.PositiveFlags(cmd, "embed", "hidden", "layers", "batch", "lr", "lr-decay", "epochs", "steps"))
		}})
	addDataFlags(cmd, &s.TrainFile, &s.ValidFile, nil, "training pairs, source<TAB>target per line")
	fl := cmd.Flags()
	fl.StringVar(&s.Model.Tokens, "tokens", "char", "tokenization: char or word")
	fl.StringVar(&s.Model.Cell, "cell", "gru", "encoder cell: rnn_tanh, rnn_relu, lstm, gru, gru_cho, gru_minimal")
	fl.StringVar(&s.Model.DecoderCell, "decoder-cell", "", "decoder cell: gru or lstm (default: --cell if gru/lstm, else gru)")
	fl.StringVar(&s.Model.Attention, "attention", "bahdanau", "attention: bahdanau, dot, general or none")
	fl.IntVar(&s.Model.Embed, "embed", 32, "embedding size")
	fl.IntVar(&s.Model.Hidden, "hidden", 64, "encoder hidden size per direction")
	fl.IntVar(&s.Model.Layers, "layers", 1, "encoder layers")
	fl.IntVar(&s.Model.DecoderHidden, "decoder-hidden", 0, "decoder hidden size (default 2*hidden)")
	fl.IntVar(&s.Model.AttentionSize, "attention-size", 0, "Bahdanau scorer size (default decoder hidden)")
	fl.IntVar(&s.Training.Batch, "batch", 64, "pairs per batch")
	fl.StringVar(&s.Training.Optimizer, "optimizer", "adam", "adam, adamw or sgd")
	fl.Float64Var(&s.Training.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&s.Training.LRDecay, "lr-decay", 1, "learning-rate factor after each epoch")
	fl.Float64Var(&s.Training.Clip, "clip", 5, "maximum gradient norm (0 or negative: no clipping)")
	fl.IntVar(&s.Training.Patience, "patience", 0, "stop after this many epochs without a better dev exact match (0: never)")
	fl.IntVar(&s.Training.DevDecode, "dev-decode", 2000, "dev pairs decoded for exact match each epoch (-1: all)")
	fl.Uint64Var(&s.Training.Seed, "seed", 1, "random seed (initialisation and batch order)")
	return cmd
}
