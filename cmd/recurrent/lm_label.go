package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
	"github.com/spf13/cobra"
)

// This file holds label-conditioned language models: `lm train-labels`
// trains a lm.CondModel on labelled text, `lm eval-labels` scores it, and
// `lm sample --label L` samples from it (runLMSampleLabel).

func init() {
	lmCmd.AddCommand(newLMTrainLabelsCmd(), newLMEvalLabelsCmd())
}

// sstName names SST-2's labels 0 and 1 (unless raw).
func sstName(label string, raw bool) string {
	if n, ok := sstNames[label]; ok && !raw {
		return n
	}
	return label
}

// sstNames names SST-2's labels 0 and 1.
var sstNames = map[string]string{"0": "negative", "1": "positive"}

// newLMEvalLabelsCmd scores a conditional model on labelled sentences.
func newLMEvalLabelsCmd() *cobra.Command {
	var (
		dir, path, format string
		asJSON, rawLabels bool
	)
	cmd := &cobra.Command{
		Use:   "eval-labels --model DIR --data F",
		Short: "Perplexity of a label-conditioned language model on labelled sentences, and its own (Bayes) label accuracy",
		Long: `Eval-labels reads labelled sentences (as train-labels) and prints the
conditional model's per-token perplexity given the true labels, and the
accuracy of the model used as a classifier by Bayes' rule (the label
under which the sentence is most likely): how much of the label the model
carries.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := text.ParseLabelFormat(format)
			if err != nil {
				return fmt.Errorf("lm eval-labels: %w", err)
			}
			m, err := lm.LoadCond(dir)
			if err != nil {
				return err
			}
			ex, err := readInput(cmd, path, func(r io.Reader, name string) ([]text.Labelled, error) {
				ex, _, err := text.ReadLabelled(r, name, f)
				return ex, err
			})
			if err != nil {
				return err
			}
			var d lm.CondData
			for _, e := range ex {
				l := m.LabelID(e.Label)
				if n, ok := sstNames[e.Label]; ok && l < 0 && !rawLabels {
					l = m.LabelID(n)
				}
				if l < 0 {
					return fmt.Errorf("%s:%d: label %q is not one of the model's %v", path, e.Line, e.Label, m.Config.Labels)
				}
				d.Sents, d.Labels = append(d.Sents, m.EncodeSentence(e.Text)), append(d.Labels, l)
			}
			met, err := m.Evaluate(cmd.Context(), d, 128)
			if err != nil {
				return err
			}
			res := struct {
				Sentences  int     `json:"sentences"`
				Tokens     int64   `json:"tokens"`
				Loss       float64 `json:"loss"`
				Perplexity float64 `json:"perplexity"`
				LabelAcc   float64 `json:"label_accuracy,omitempty"`
			}{Sentences: len(d.Sents), Tokens: met.Tokens, Loss: met.Loss, Perplexity: met.Perplexity}
			if len(m.Config.Labels) > 1 {
				if res.LabelAcc, err = m.LabelAccuracy(cmd.Context(), d, 64); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(res)
			}
			_, err = fmt.Fprintf(w, "%d sentences, %d tokens: loss %.4f, perplexity %.2f, label accuracy (Bayes) %.4f\n",
				res.Sentences, res.Tokens, res.Loss, res.Perplexity, res.LabelAcc)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "model", "", "conditional model directory (lm train-labels)")
	fl.StringVar(&path, "data", "", `labelled sentences ("-": standard input)`)
	fl.StringVar(&format, "format", "auto", "input format: auto, tsv, sst or csv")
	fl.BoolVar(&rawLabels, "raw-labels", false, "do not map SST labels 0/1 to negative/positive")
	fl.BoolVar(&asJSON, "json", false, "print the metrics as JSON")
	markRequired(cmd, "model", "data")
	return cmd
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
	li := m.LabelID(f.label)
	if n, ok := sstNames[f.label]; ok && li < 0 {
		li = m.LabelID(n)
	}
	if li < 0 {
		return fmt.Errorf("lm sample: label %q is not one of the model's %v", f.label, m.Config.Labels)
	}
	opt := f.opt
	opt.Greedy = opt.Temperature == 0
	if !cmd.Flags().Changed("length") {
		opt.MaxTokens = 60
	}
	if f.prompt != "" {
		opt.Prompt = m.EncodeSentence(f.prompt)
	}
	rerank := max(1, f.rerank)
	for i := range max(1, f.num) {
		opt.Seed = f.opt.Seed + uint64(i*rerank)
		var ids []int32
		switch {
		case f.guidance > 0:
			ids, err = m.SampleGuided(cmd.Context(), li, opt, f.guidance)
		case rerank > 1:
			ids, _, err = m.SampleReranked(cmd.Context(), li, opt, rerank)
		default: // the same sample without scoring it
			ids, err = m.Sample(cmd.Context(), li, opt)
		}
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(cmd.OutOrStdout(), m.DecodeSentence(append(slices.Clone(opt.Prompt), ids...))); err != nil {
			return err
		}
	}
	return nil
}
