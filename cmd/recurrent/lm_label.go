package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
	"github.com/spf13/cobra"
)

// Label-conditioned language models: `lm train-labels` trains a
// lm.CondModel on labelled text, `lm eval-labels` scores it, and
// `lm sample --label L` samples from it (runLMSampleLabel).

func init() {
	lmCmd.AddCommand(newLMTrainLabelsCmd(), newLMEvalLabelsCmd())
}

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
			d, err := m.EncodeLabelled(ex, path, rawLabels)
			if err != nil {
				return err
			}
			res, err := m.Report(cmd.Context(), d)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
			}
			return res.WriteText(cmd.OutOrStdout())
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
