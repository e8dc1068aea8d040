package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/lm"
)

// The commands that use a trained language model: lm sample, score,
// eval and quantize.

// lmModelFlags are --model and --int8 of a command that loads a model.
type lmModelFlags struct {
	model string
	int8  bool
}

func (f *lmModelFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	cmd.Flags().BoolVar(&f.int8, "int8", false, "quantize the model to int8 on load (see lm quantize); a quantized checkpoint is int8 without it")
	cli.MarkRequired(cmd, "model")
}

// load loads --model for the command name, which needs its vocabulary.
func (f *lmModelFlags) load(name string) (*infer.LM, error) {
	m, err := loadKind(f.model, infer.KindLM, func(p string) (*lm.Model, error) { return lm.LoadPath(p, f.int8) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if m.Vocab == nil {
		return nil, fmt.Errorf("%s: %s has no vocab.json: the model cannot encode text without its vocabulary", name, f.model)
	}
	return infer.NewLM(m)
}

// lmSampleFlags are the flags of `recurrent lm sample`.
type lmSampleFlags struct {
	lmModelFlags
	prompt, label          string // label: conditional models (lm train-labels)
	opt                    lm.SampleOptions
	num, rerank            int     // rerank: with label
	guidance               float64 // with label
	stopAtEOS, noUnk, json bool
}

func newLMSampleCmd() *cobra.Command {
	var f lmSampleFlags
	cmd := &cobra.Command{
		Use:   "sample --model DIR",
		Short: "Generate text from a trained language model",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.label != "" {
				return runLMSampleLabel(cmd, &f)
			}
			return runLMSample(cmd, &f)
		},
	}
	fl := cmd.Flags()
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
	f.add(cmd)
	cli.MarkPositive(cmd, "num", "rerank")
	cli.MarkNeeds(cmd, "label", "rerank", "guidance")
	return cmd
}

func runLMSample(cmd *cobra.Command, f *lmSampleFlags) error {
	l, err := f.load("lm sample")
	if err != nil {
		return err
	}
	if !cmd.Flags().Changed("stop-at-eos") {
		f.stopAtEOS = l.DefaultStopAtEOS()
	}
	if !f.json {
		return l.WriteSamples(cmd.Context(), cmd.OutOrStdout(), f.prompt, f.opt, f.num, f.stopAtEOS, f.noUnk)
	}
	res := infer.GenerateResult{Samples: []string{}} // without the end-of-line token, if sampled
	if err := l.Samples(cmd.Context(), f.prompt, f.opt, f.num, f.stopAtEOS, f.noUnk, res.Add); err != nil {
		return err
	}
	return writeJSON(cmd.OutOrStdout(), res)
}

// runLMSampleLabel is lm sample --label: sentences for that label from a
// conditional model, one per line.
func runLMSampleLabel(cmd *cobra.Command, f *lmSampleFlags) error {
	if f.int8 {
		return cli.Usage(errors.New("lm sample: --int8 quantizes plain language models (lm train); a conditional model (--label) samples in float32"))
	}
	m, err := loadKind(f.model, infer.KindConditional, lm.LoadCond)
	opt, res := f.opt, infer.GenerateResult{Samples: []string{}}
	if !cmd.Flags().Changed("length") {
		opt.MaxTokens = infer.DefaultCondLength
	}
	emit := res.Add
	if !f.json {
		emit = func(s string) error { _, err := fmt.Fprintln(cmd.OutOrStdout(), s); return err }
	}
	if err == nil {
		err = infer.NewCondLM(m).SampleSentences(cmd.Context(), f.label, f.prompt, opt, f.num, f.rerank, f.guidance, emit)
	}
	if err != nil {
		return fmt.Errorf("lm sample: %w", err)
	} else if !f.json {
		return nil
	}
	return writeJSON(cmd.OutOrStdout(), res)
}

// lmScoreFlags are the flags of `recurrent lm score`.
type lmScoreFlags struct {
	lmModelFlags
	in    cli.LineInputs
	batch int
	json  bool
}

func newLMScoreCmd() *cobra.Command {
	var f lmScoreFlags
	cmd := &cobra.Command{
		Use:   "score --model DIR [--text TEXT | --file FILE | FILE...]",
		Short: "Log-probability and perplexity of every line of text",
		RunE:  func(cmd *cobra.Command, args []string) error { return runLMScore(cmd, &f, args) },
	}
	fl := cmd.Flags()
	f.in.Register(cmd, "text to score (repeatable; each line scored separately)", `file to score, plain or .gz, "-" standard input (repeatable; same as an argument)`)
	fl.IntVar(&f.batch, "batch", 64, "lines scored together")
	fl.BoolVar(&f.json, "json", false, "print one JSON object (see above)")
	f.add(cmd)
	cli.MarkPositive(cmd, "batch")
	return cmd
}

func runLMScore(cmd *cobra.Command, f *lmScoreFlags, args []string) error {
	l, err := f.load("lm score")
	if err != nil {
		return err
	}
	return stdio(cmd).WriteFile("-", func(w io.Writer) error { // buffered, its flush error returned
		var emit func(infer.ScoreLine) error
		if !f.json {
			emit = infer.ScoreLineWriter(w)
		}
		sc, err := l.NewScorer(f.batch, f.json, emit)
		if err != nil {
			return fmt.Errorf("lm score: %w", err)
		}
		read := func(r io.Reader, name string) error { return sc.Read(cmd.Context(), r, name) }
		if err := f.in.Each(stdio(cmd), args, read); err != nil {
			return err
		}
		res, err := sc.Total(cmd.Context())
		switch {
		case err != nil:
			return err
		case res.Tokens == 0:
			return errors.New("lm score: no tokens to score")
		case f.json:
			return writeJSON(w, res)
		}
		return res.WriteTotal(cmd.ErrOrStderr(), l.M.Config.BitsUnit())
	})
}

// lmEvalFlags are the flags of `recurrent lm eval`.
type lmEvalFlags struct {
	lmModelFlags
	batch, bptt int
	json        bool
}

func newLMEvalCmd() *cobra.Command {
	var f lmEvalFlags
	cmd := &cobra.Command{
		Use:   "eval --model DIR [FILE...]",
		Short: "Perplexity of text read as one stream (as in training)",
		RunE:  func(cmd *cobra.Command, args []string) error { return runLMEval(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.batch, "batch", 10, "parallel streams")
	fl.IntVar(&f.bptt, "bptt", 64, "chunk length")
	fl.BoolVar(&f.json, "json", false, "print the metrics as JSON")
	f.add(cmd)
	cli.MarkInputArgs(cmd)
	cli.MarkPositive(cmd, "batch", "bptt")
	return cmd
}

func runLMEval(cmd *cobra.Command, f *lmEvalFlags, args []string) error {
	l, err := f.load("lm eval")
	if err != nil {
		return err
	}
	met, err := l.EvaluateInputs(cmd.Context(), stdio(cmd), nil, args, f.batch, f.bptt)
	if err != nil {
		return err
	}
	if f.json {
		return writeJSON(cmd.OutOrStdout(), met)
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), met.Text(l.M.Config.BitsUnit()))
	return err
}

func newLMQuantizeCmd() *cobra.Command {
	var model, out string
	cmd := &cobra.Command{
		Use:   "quantize --model DIR --out DIR",
		Short: "Write an int8 copy of a language model for faster generation",
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := loadKind(model, infer.KindLM, func(p string) (*lm.Model, error) { return lm.LoadPath(p, true) })
			if err == nil {
				err = m.Save(out)
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote int8 model to %s\n", out)
			return err
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	cmd.Flags().StringVar(&out, "out", "", "directory to write the quantized model to (required; a checkpoint there is replaced)")
	cli.MarkRequired(cmd, "model", "out")
	cli.MarkReplacesCheckpoint(cmd, "out")
	return cmd
}
