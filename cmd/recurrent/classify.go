package main

import (
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/docs"
	"github.com/spf13/cobra"
)

// classifyCmd groups the text-classification subcommands.
var classifyCmd = &cobra.Command{
	Use:   "classify",
	Short: "Text classification: data inspection and scoring",
}

func init() {
	rootCmd.AddCommand(classifyCmd)
	classifyCmd.AddCommand(newClassifyStatsCmd(), newClassifyScoreCmd(), newClassifyEvalCmd(), newClassifyPredictCmd(), newClassifyExportVectorsCmd(), newClassifyTrainCmd())
}

func newClassifyStatsCmd() *cobra.Command {
	var format string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats [FILE...]",
		Short: "Show the detected format, size and label counts of data files",
		Long:  docs.Help("classify stats"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := classify.ParseFormat(format)
			if err != nil {
				return err
			}
			for _, path := range inputFiles(args) {
				s, err := readInput(cmd, path, func(r io.Reader, name string) (classify.FileStats, error) { return classify.ReadStats(r, name, f) })
				if err == nil {
					err = writeReport(cmd.OutOrStdout(), &s, asJSON, true)
				}
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "auto", "file format: auto, tsv, sst or csv")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per file")
	return cmd
}

func newClassifyScoreCmd() *cobra.Command {
	var goldPath, predPath, format string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "score --data FILE --pred FILE",
		Short: "Accuracy, per-class P/R/F1, macro averages and confusion matrix",
		Long:  docs.Help("classify score"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ex, err := readExamples(cmd, goldPath, format)
			if err != nil {
				return err
			}
			pred, err := inputLines(cmd, nil, []string{predPath})
			if err != nil {
				return err
			}
			r, err := classify.ScorePredictions(ex, goldPath, pred, predPath)
			if err != nil {
				return fmt.Errorf("classify score: %w", err)
			}
			return writeReport(cmd.OutOrStdout(), &r, asJSON, false)
		},
	}
	f := cmd.Flags()
	f.StringVar(&goldPath, "data", "", `labelled data file ("-": standard input)`)
	f.StringVar(&predPath, "pred", "", `predicted labels, one per line ("-": standard input)`)
	f.StringVar(&format, "format", "auto", "format of --data: auto, tsv, sst or csv")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	deprecatedAliases(cmd, map[string]string{"gold": "data"})
	markRequired(cmd, "data", "pred")
	return cmd
}

func newClassifyEvalCmd() *cobra.Command {
	var model, data, format string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval --model DIR --data FILE",
		Short: "Score a trained classifier: accuracy, per-class P/R/F1, confusion matrix",
		Long:  docs.Help("classify eval"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := classify.Load(model)
			if err != nil {
				return err
			}
			ex, err := readExamples(cmd, data, format)
			if err != nil {
				return err
			}
			r, err := m.Report(cmd.Context(), ex, data)
			if err != nil {
				return err
			}
			return writeReport(cmd.OutOrStdout(), &r, asJSON, false)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by classify train")
	fl.StringVar(&data, "data", "", `labelled data file ("-": standard input)`)
	fl.StringVar(&format, "format", "auto", "data format: auto, tsv, sst or csv")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	markRequired(cmd, "model", "data")
	return cmd
}

func newClassifyPredictCmd() *cobra.Command {
	var model string
	var texts []string
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "predict --model DIR [--text TEXT | --file FILE]",
		Short: "Predict the label of each line of text (--text, --file or standard input)",
		Long:  docs.Help("classify predict"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := classify.Load(model)
			if err != nil {
				return err
			}
			lines, err := inputLines(cmd, texts, nonEmpty(file))
			if err != nil {
				return err
			}
			preds, err := m.PredictLines(cmd.Context(), lines, 256)
			if err != nil {
				return err
			}
			return classify.WritePredictions(cmd.OutOrStdout(), preds, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by classify train")
	fl.StringArrayVar(&texts, "text", nil, "text to classify (repeatable; each line separately)")
	fl.StringVar(&file, "file", "", `text file, one text per line ("-" or none: standard input)`)
	fl.BoolVar(&asJSON, "json", false, "one JSON object per line")
	markRequired(cmd, "model")
	return cmd
}

func newClassifyExportVectorsCmd() *cobra.Command {
	var model string
	var out vecOutput
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "export-vectors --model DIR --out FILE",
		Short: "Write a trained classifier's (fine-tuned) embedding as a word-vector file",
		Long:  docs.Help("classify export-vectors"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			vf, err := out.resolve()
			if err != nil {
				return err
			}
			m, err := classify.Load(model)
			if err != nil {
				return err
			}
			v := m.Vectors()
			if err := out.save(cmd, v, vf); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(reportTo(cmd, out.path), map[string]any{"out": out.path, "format": vf.String(), "words": v.Len(), "dim": v.Dim})
			}
			fmt.Fprintf(reportTo(cmd, out.path), "%d vectors of dim %d written to %s\n", v.Len(), v.Dim, out.path)
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "model directory written by classify train")
	out.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"out", "format", "words", "dim"} as JSON`)
	deprecatedAliases(cmd, map[string]string{"format": "out-format"})
	markRequired(cmd, "model")
	return cmd
}

// readExamples reads labelled examples in format (its name) from path
// ("-": standard input).
func readExamples(cmd *cobra.Command, path, format string) ([]classify.Example, error) {
	f, err := classify.ParseFormat(format)
	if err != nil {
		return nil, err
	}
	return readInput(cmd, path, func(r io.Reader, name string) ([]classify.Example, error) { return classify.Read(r, name, f) })
}

// newClassifyTrainCmd is `recurrent classify train`: f holds its flags.
func newClassifyTrainCmd() *cobra.Command {
	f := &struct {
		s classify.Setup
		trainRunFlags
	}{}
	cmd := &cobra.Command{
		Use:   "train --train FILE [--dev FILE] --out DIR",
		Short: "Train a text classifier (RNN/GRU/LSTM or word-vector averaging)",
		Long:  docs.Help("classify train"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return trainTask[*classify.Summary](cmd, &f.trainRunFlags, &f.s.Training.Config, "classify train", "ex", map[string]string{"examples": ""}, f.s.Start, f.s.Resume)
		},
	}
	fl := cmd.Flags()
	addDataFlags(cmd, &f.s.TrainFile, &f.s.ValidFile, &f.s.TestFile, "training data file")
	fl.StringVar(&f.s.Format, "format", "auto", "data format: auto, tsv, sst or csv")
	fl.StringVar(&f.s.Vectors, "vectors", "", "initialise the embedding from this word-vector file")
	fl.BoolVar(&f.s.Freeze, "freeze", false, "keep the embedding fixed")
	fl.StringVar(&f.s.InitFrom, "init-from", "", "start from another classify model's recurrent weights and embedding rows (transfer; same cell and sizes, own head)")
	fl.BoolVar(&f.s.Backoff, "backoff", true, "compose vectors for words --vectors lacks from their parts (coming-of-age, n't, 1930s, clichés)")
	fl.StringVar(&f.s.Tokenize, "tokenize", "whitespace", "tokenizer: whitespace or words (words splits punctuation off)")
	fl.BoolVar(&f.s.Lower, "lower", false, "lower-case the texts")
	fl.Int64Var(&f.s.MinCount, "min-count", 1, "drop training words seen fewer times")
	fl.StringVar(&f.s.Model.Arch, "arch", "rnn", "model: rnn or average (mean word vector -> softmax)")
	fl.StringVar(&f.s.Model.Cell, "cell", "lstm", "recurrent cell: lstm, gru, rnn_tanh, rnn_relu, gru_cho, gru_minimal")
	fl.IntVar(&f.s.Model.Embed, "embed", 100, "embedding size (taken from --vectors when given)")
	fl.IntVar(&f.s.Model.Hidden, "hidden", 128, "hidden size per direction")
	fl.IntVar(&f.s.Model.Layers, "layers", 1, "stacked recurrent layers")
	fl.BoolVar(&f.s.Model.Bidirectional, "bidirectional", false, "bidirectional recurrent layers")
	fl.StringVar(&f.s.Model.Pool, "pool", "last", "pooling over time: last, mean, max or meanmax ([mean; max])")
	fl.Float64Var(&f.s.Model.Dropout, "dropout", 0.5, "dropout on embeddings, between layers and before the head")
	fl.Float64Var(&f.s.EmbedDropout, "embed-dropout", -1, "dropout on the embeddings (-1: --dropout)")
	fl.StringVar(&f.s.Binary, "binary", "auto", "sigmoid output for two labels: auto (yes), true or false (softmax)")
	addTrainConfigFlags(fl, &f.s.Training.Config, 32, "examples", 1e-3, 3)
	fl.Float64Var(&f.s.Training.WeightDecay, "weight-decay", 0, "weight decay")
	fl.Float64Var(&f.s.Training.EmbedLR, "embed-lr", 0, "learning rate of the fine-tuned embedding (0: --lr)")
	fl.Float64Var(&f.s.Training.WordDropout, "word-dropout", 0, "replace training tokens by <unk> with this probability")
	fl.BoolVar(&f.s.Training.Bucket, "bucket", true, "batch examples of similar length together")
	addTrainRunFlags(cmd, &f.trainRunFlags, 10)
	return cmd
}
