package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/spf13/cobra"
)

// classifyCmd groups the text-classification subcommands (stats, score;
// training and prediction register here later).
var classifyCmd = &cobra.Command{
	Use:   "classify",
	Short: "Text classification: data inspection and scoring",
}

func init() {
	rootCmd.AddCommand(classifyCmd)
	classifyCmd.AddCommand(newClassifyStatsCmd(), newClassifyScoreCmd())
}

func newClassifyStatsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "stats FILE...",
		Short: "Show the detected format, size and label counts of data files",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := classify.ParseFormat(format)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, path := range args {
				ex, ff, err := classify.ReadFileFormat(path, f)
				if err != nil {
					return err
				}
				m := classify.LabelMapOf(ex, classify.Sorted)
				counts := make([]int, m.Len())
				words := 0
				for _, e := range ex {
					id, _ := m.ID(e.Label)
					counts[id]++
					words += len(strings.Fields(e.Text))
				}
				avg := 0.0
				if len(ex) > 0 {
					avg = float64(words) / float64(len(ex))
				}
				fmt.Fprintf(out, "%s: format %s, %d examples, %.1f words/example, %d labels\n", path, ff, len(ex), avg, m.Len())
				for id, name := range m.Names {
					fmt.Fprintf(out, "  %-12s %6d\n", name, counts[id])
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "auto", "file format: auto, tsv, sst or csv")
	return cmd
}

func newClassifyScoreCmd() *cobra.Command {
	var (
		goldPath, predPath, format string
		asJSON                     bool
	)
	cmd := &cobra.Command{
		Use:   "score --gold FILE --pred FILE",
		Short: "Accuracy, per-class P/R/F1, macro averages and confusion matrix",
		Long: `Score compares predicted labels (--pred: one label per line) with the labels of
a data file (--gold, in --format). Labels are numbered in sorted order
(numerically when all are integers). Rates are fractions in 0..1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if goldPath == "" || predPath == "" {
				return fmt.Errorf("classify score: both --gold and --pred are required")
			}
			f, err := classify.ParseFormat(format)
			if err != nil {
				return err
			}
			ex, err := classify.ReadFile(goldPath, f)
			if err != nil {
				return err
			}
			lines, err := seq2seq.ReadLines(predPath)
			if err != nil {
				return err
			}
			var pred []string
			for _, l := range lines {
				if l = strings.TrimSpace(l); l != "" {
					pred = append(pred, l)
				}
			}
			if len(pred) != len(ex) {
				return fmt.Errorf("classify score: %s has %d examples but %s has %d non-empty lines", goldPath, len(ex), predPath, len(pred))
			}
			gold := make([]string, len(ex))
			for i, e := range ex {
				gold[i] = e.Label
			}
			m := classify.NewLabelMap(append(append([]string{}, gold...), pred...), classify.Sorted)
			r, err := classify.EvaluateLabels(gold, pred, m)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return r.WriteText(out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&goldPath, "gold", "", "labelled data file")
	f.StringVar(&predPath, "pred", "", "predicted labels, one per line")
	f.StringVar(&format, "format", "auto", "format of --gold: auto, tsv, sst or csv")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
