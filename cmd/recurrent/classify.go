package main

import (
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/spf13/cobra"
)

func init() {
	newGroup("classify", "Text classification: data inspection and scoring",
		newClassifyStatsCmd(), newClassifyScoreCmd(), newClassifyEvalCmd(), newClassifyPredictCmd(), newClassifyExportVectorsCmd(), newClassifyTrainCmd())
}

func newClassifyStatsCmd() *cobra.Command {
	var format string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats [FILE...]",
		Short: "Show the detected format, size and label counts of data files",
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := classify.ParseFormat(format)
			if err != nil {
				return err
			}
			for _, path := range text.InputFiles(args) {
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
	cli.MarkInputArgs(cmd)
	return cmd
}

func newClassifyScoreCmd() *cobra.Command {
	var goldPath, predPath, format string
	cmd := newReportCmd(&cobra.Command{
		Use:   "score --data FILE --pred FILE",
		Short: "Accuracy, per-class P/R/F1, macro averages and confusion matrix",
	}, "print the report as JSON", false, func(cmd *cobra.Command, args []string) (textWriter, error) {
		ex, err := readExamples(cmd, goldPath, format)
		if err != nil {
			return nil, err
		}
		pred, err := stdio(cmd).Lines(nil, []string{predPath})
		if err != nil {
			return nil, err
		}
		r, err := classify.ScorePredictions(ex, goldPath, pred, predPath)
		if err != nil {
			return nil, fmt.Errorf("classify score: %w", err)
		}
		return &r, nil
	})
	f := cmd.Flags()
	f.StringVar(&goldPath, "data", "", `labelled data file ("-": standard input)`)
	f.StringVar(&predPath, "pred", "", `predicted labels, one per line, or classify predict's output ("-": standard input)`)
	f.StringVar(&format, "format", "auto", "format of --data: auto, tsv, sst or csv")
	deprecatedAliases(cmd, map[string]string{"gold": "data"})
	cli.MarkRequired(cmd, "data", "pred")
	cli.MarkInputs(cmd, "data", "pred")
	return cmd
}

func newClassifyEvalCmd() *cobra.Command {
	var model, data, format string
	cmd := newReportCmd(&cobra.Command{
		Use:   "eval --model DIR --data FILE",
		Short: "Score a trained classifier: accuracy, per-class P/R/F1, confusion matrix",
	}, "print the report as JSON", false, func(cmd *cobra.Command, args []string) (textWriter, error) {
		m, err := loadKind(model, infer.KindClassify, classify.Load)
		if err != nil {
			return nil, err
		}
		ex, err := readExamples(cmd, data, format)
		if err != nil {
			return nil, err
		}
		r, err := m.Report(cmd.Context(), ex, data)
		return &r, err
	})
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by classify train")
	fl.StringVar(&data, "data", "", `labelled data file ("-": standard input)`)
	fl.StringVar(&format, "format", "auto", "data format: auto, tsv, sst or csv")
	cli.MarkRequired(cmd, "model", "data")
	return cmd
}

func newClassifyPredictCmd() *cobra.Command {
	var model string
	var in cli.LineInputs
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "predict --model DIR [--text TEXT | --file FILE | FILE...]",
		Short: "Predict the label of each line of text (--text, files or standard input)",
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadKind(model, infer.KindClassify, classify.Load)
			if err != nil {
				return err
			}
			lines, err := in.Lines(stdio(cmd), args)
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
	in.Register(cmd, "text to classify (repeatable; each line separately)", `text file, one text per line, plain or .gz ("-": standard input; repeatable, same as an argument)`)
	fl.BoolVar(&asJSON, "json", false, "one JSON object per line")
	cli.MarkRequired(cmd, "model")
	return cmd
}

func newClassifyExportVectorsCmd() *cobra.Command {
	var model string
	cmd := newVecWriteCmd(&cobra.Command{
		Use:   "export-vectors --model DIR --out FILE",
		Short: "Write a trained classifier's (fine-tuned) embedding as a word-vector file",
	}, func(*cobra.Command) (*vectors.Vectors, error) {
		m, err := loadKind(model, infer.KindClassify, classify.Load)
		if err != nil {
			return nil, err
		}
		return m.Vectors(), nil
	})
	cmd.Flags().StringVar(&model, "model", "", "model directory written by classify train")
	deprecatedAliases(cmd, map[string]string{"format": "out-format"})
	cli.MarkRequired(cmd, "model")
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
	s := &classify.Setup{}
	cmd := newTaskCmd(&cobra.Command{
		Use:   "train --train FILE [--valid FILE] --out DIR",
		Short: "Train a text classifier (RNN/GRU/LSTM or word-vector averaging)",
	}, 10, taskCmd[*classify.Summary, *classify.Session]{kind: infer.KindClassify, name: "classify train", items: "ex", labels: map[string]string{"examples": ""},
		epochs: &s.Training.Epochs, steps: &s.Training.MaxSteps, start: s.Start, resume: s.Resume})
	fl := cmd.Flags()
	addDataFlags(cmd, &s.TrainFile, &s.ValidFile, &s.TestFile, "training data file")
	fl.StringVar(&s.Format, "format", "auto", "data format: auto, tsv, sst or csv")
	fl.StringVar(&s.Vectors, "vectors", "", "initialise the embedding from this word-vector file")
	fl.BoolVar(&s.Freeze, "freeze", false, "keep the embedding fixed")
	fl.StringVar(&s.InitFrom, "init-from", "", "start from another classify model's recurrent weights and embedding rows (transfer; same cell and sizes, own head)")
	fl.BoolVar(&s.Backoff, "backoff", true, "compose vectors for words --vectors lacks from their parts (coming-of-age, n't, 1930s, clichés)")
	fl.StringVar(&s.Tokenize, "tokenize", "whitespace", "tokenizer: whitespace or words (words splits punctuation off)")
	fl.BoolVar(&s.Lower, "lower", false, "lower-case the texts")
	fl.Int64Var(&s.MinCount, "min-count", 1, "drop training words seen fewer times")
	fl.StringVar(&s.Model.Arch, "arch", "rnn", "model: rnn or average (mean word vector -> softmax)")
	fl.StringVar(&s.Model.Cell, "cell", "lstm", "recurrent cell: lstm, gru, rnn_tanh, rnn_relu, gru_cho, gru_minimal")
	fl.IntVar(&s.Model.Embed, "embed", 100, "embedding size (taken from --vectors when given)")
	fl.IntVar(&s.Model.Hidden, "hidden", 128, "hidden size per direction")
	fl.IntVar(&s.Model.Layers, "layers", 1, "stacked recurrent layers")
	fl.BoolVar(&s.Model.Bidirectional, "bidirectional", false, "bidirectional recurrent layers")
	fl.StringVar(&s.Model.Pool, "pool", "last", "pooling over time: last, mean, max or meanmax ([mean; max])")
	fl.Float64Var(&s.Model.Dropout, "dropout", 0.5, "dropout on embeddings, between layers and before the head")
	fl.Float64Var(&s.EmbedDropout, "embed-dropout", -1, "dropout on the embeddings (-1: --dropout)")
	fl.StringVar(&s.Binary, "binary", "auto", "sigmoid output for two labels: auto (yes), true or false (softmax)")
	addTrainConfigFlags(fl, &s.Training.Config, 32, "examples", 1e-3, 3)
	fl.Float64Var(&s.Training.WeightDecay, "weight-decay", 0, "weight decay")
	fl.Float64Var(&s.Training.EmbedLR, "embed-lr", 0, "learning rate of the fine-tuned embedding (0: --lr)")
	fl.Float64Var(&s.Training.WordDropout, "word-dropout", 0, "replace training tokens by <unk> with this probability")
	fl.BoolVar(&s.Training.Bucket, "bucket", true, "batch examples of similar length together")
	cli.MarkPositive(cmd, "embed", "hidden", "layers", "batch", "lr")
	return cmd
}
