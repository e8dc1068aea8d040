package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/vectors"
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
	classifyCmd.AddCommand(newClassifyStatsCmd(), newClassifyScoreCmd(), newClassifyEvalCmd(), newClassifyPredictCmd(), newClassifyExportVectorsCmd())
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

// classifyReport predicts ex with m and scores the predictions.
func classifyReport(ctx context.Context, m *classify.Model, ex []classify.Example, name string) (classify.Report, error) {
	d, err := m.EncodeExamples(ex, name)
	if err != nil {
		return classify.Report{}, err
	}
	pred, _, err := m.Predict(ctx, d.IDs, 256)
	if err != nil {
		return classify.Report{}, err
	}
	return classify.Evaluate(d.Labels, pred, m.Labels)
}

func newClassifyEvalCmd() *cobra.Command {
	var (
		model, data, format string
		asJSON              bool
	)
	cmd := &cobra.Command{
		Use:   "eval --model DIR --data FILE",
		Short: "Score a trained classifier: accuracy, per-class P/R/F1, confusion matrix",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || data == "" {
				return errors.New("classify eval: --model and --data are required")
			}
			f, err := classify.ParseFormat(format)
			if err != nil {
				return err
			}
			m, err := classify.Load(model)
			if err != nil {
				return err
			}
			ex, err := classify.ReadFile(data, f)
			if err != nil {
				return err
			}
			r, err := classifyReport(cmd.Context(), m, ex, data)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			return r.WriteText(cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by classify train")
	fl.StringVar(&data, "data", "", "labelled data file")
	fl.StringVar(&format, "format", "auto", "data format: auto, tsv, sst or csv")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func newClassifyPredictCmd() *cobra.Command {
	var (
		model, file string
		asJSON      bool
	)
	cmd := &cobra.Command{
		Use:   "predict --model DIR [--file FILE]",
		Short: "Predict the label of each line of text (stdin or --file)",
		Long: `Predict reads one text per line (from --file or standard input; blank lines are
skipped) and prints the predicted label and the class probabilities per line:
"label<TAB>label1=p1 label2=p2 ...", or one JSON object per line with --json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" {
				return errors.New("classify predict: --model is required")
			}
			m, err := classify.Load(model)
			if err != nil {
				return err
			}
			var r io.Reader = cmd.InOrStdin()
			name := "stdin"
			if file != "" && file != "-" {
				fh, err := os.Open(file)
				if err != nil {
					return err
				}
				defer fh.Close()
				r, name = fh, file
			}
			var lines []string
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 1<<20), 1<<26)
			for sc.Scan() {
				if l := strings.TrimSpace(sc.Text()); l != "" {
					lines = append(lines, l)
				}
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("classify predict: %s: %w", name, err)
			}
			ids := make([][]int32, len(lines))
			for i, l := range lines {
				ids[i] = m.Encode(l)
			}
			pred, probs, err := m.Predict(cmd.Context(), ids, 256)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			for i := range lines {
				if asJSON {
					ps := make(map[string]float32, len(m.Labels))
					for k, l := range m.Labels {
						ps[l] = probs[i][k]
					}
					b, err := json.Marshal(struct {
						Text  string             `json:"text"`
						Label string             `json:"label"`
						Probs map[string]float32 `json:"probabilities"`
					}{lines[i], m.Labels[pred[i]], ps})
					if err != nil {
						return err
					}
					w.Write(b)
					w.WriteByte('\n')
					continue
				}
				fmt.Fprintf(w, "%s\t", m.Labels[pred[i]])
				for k, l := range m.Labels {
					if k > 0 {
						w.WriteByte(' ')
					}
					fmt.Fprintf(w, "%s=%.4f", l, probs[i][k])
				}
				w.WriteByte('\n')
			}
			return w.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by classify train")
	fl.StringVar(&file, "file", "", "text file, one text per line (default: standard input)")
	fl.BoolVar(&asJSON, "json", false, "one JSON object per line")
	return cmd
}

func newClassifyExportVectorsCmd() *cobra.Command {
	var model, out, format string
	cmd := &cobra.Command{
		Use:   "export-vectors --model DIR --out FILE",
		Short: "Write a trained classifier's (fine-tuned) embedding as a word-vector file",
		Long: `Export-vectors writes the embedding of a model trained by classify train as word
vectors, one per vocabulary word, for --vectors of another training run (for
example sentiment-aware vectors from an SST-2 model with a fine-tuned embedding).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || out == "" {
				return errors.New("classify export-vectors: --model and --out are required")
			}
			vf, err := vectors.ParseFormat(format)
			if err != nil {
				return err
			}
			if vf == vectors.FormatAuto {
				vf = vectors.FormatFromPath(out)
			}
			m, err := classify.Load(model)
			if err != nil {
				return err
			}
			v := m.Vectors()
			if err := vectors.Save(out, v, vf); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d vectors of dim %d written to %s\n", v.Len(), v.Dim, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by classify train")
	fl.StringVar(&out, "out", "", "output vector file")
	fl.StringVar(&format, "format", "auto", "output format: word2vec (text), binary or glove (auto: from the file name)")
	return cmd
}
