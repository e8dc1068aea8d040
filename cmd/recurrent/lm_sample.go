package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
)

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
	m, err := lm.LoadPath(f.model, f.int8)
	if err != nil {
		return err
	}
	if m.Vocab == nil {
		return fmt.Errorf("lm sample: %s has no vocabulary", f.model)
	}
	f.opt.Greedy = f.opt.Temperature == 0
	if !cmd.Flags().Changed("stop-at-eos") {
		f.stopAtEOS = m.Config.StopAtEOS()
	}
	l, err := infer.NewLM(m)
	if err != nil {
		return err
	}
	if !f.json {
		return l.Samples(cmd.Context(), f.prompt, f.opt, f.num, f.stopAtEOS, f.noUnk, infer.SampleWriter(cmd.OutOrStdout(), f.stopAtEOS))
	}
	res := infer.GenerateResult{Samples: []string{}} // without the end-of-line token, if sampled
	if err := l.Samples(cmd.Context(), f.prompt, f.opt, f.num, f.stopAtEOS, f.noUnk, res.Add); err != nil {
		return err
	}
	return writeJSON(cmd.OutOrStdout(), res)
}

// writeSamples prints num samples continuing prompt: one per line when
// they stop at the end of a line, otherwise separated by "----" lines.
func writeSamples(ctx context.Context, w io.Writer, m *lm.Model, prompt string, opt lm.SampleOptions, num int, stopAtEOS bool) error {
	l, err := infer.NewLM(m)
	if err != nil {
		return err
	}
	return l.Samples(ctx, prompt, opt, num, stopAtEOS, false, infer.SampleWriter(w, stopAtEOS))
}

// runLMSampleLabel is lm sample --label: sentences for that label from a
// conditional model, one per line.
func runLMSampleLabel(cmd *cobra.Command, f *lmSampleFlags) error {
	switch {
	case !(f.guidance >= 0):
		return fmt.Errorf("lm sample: --guidance %v must be >= 0", f.guidance)
	case f.guidance > 0 && f.rerank > 1:
		return errors.New("lm sample: --guidance and --rerank are separate decoding options; use one")
	}
	m, err := lm.LoadCond(f.model)
	if err != nil {
		return err
	}
	li := m.FindLabel(f.label, false)
	if li < 0 {
		return fmt.Errorf("lm sample: label %q is not one of the model's %v", f.label, m.Config.Labels)
	}
	opt := f.opt
	opt.Greedy = opt.Temperature == 0
	if !cmd.Flags().Changed("length") {
		opt.MaxTokens = infer.DefaultCondLength
	}
	if f.prompt != "" {
		opt.Prompt = m.EncodeSentence(f.prompt)
	}
	return infer.NewCondLM(m).SampleSentences(cmd.Context(), li, opt, f.num, f.rerank, f.guidance, func(s string) error {
		_, err := fmt.Fprintln(cmd.OutOrStdout(), s)
		return err
	})
}
