package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// Label-conditioned language models: `lm train-labels` trains a
// lm.CondModel on labelled text, `lm eval-labels` scores it, and
// `lm sample --label L` samples from it (runLMSampleLabel).

func newLMTrainLabelsCmd() *cobra.Command {
	s := &lm.CondSetup{}
	cmd := newTaskCmd(&cobra.Command{
		Use:   "train-labels --train F [--valid F] --out DIR",
		Short: "Train a label-conditioned language model (one-to-many generation) on labelled text",
	}, 10, taskCmd[*train.LoopSummary, *lm.CondSession]{kind: infer.KindConditional, name: "lm train-labels", items: "tok",
		epochs: &s.Training.Epochs, steps: &s.Training.MaxSteps, start: s.Start, resume: s.Resume})
	fl := cmd.Flags()
	addDataFlags(cmd, &s.TrainFile, &s.ValidFile, nil, "labelled training sentences")
	fl.StringVar(&s.Format, "format", "auto", "input format: auto, tsv, sst or csv")
	fl.StringVar(&s.Model.Condition, "condition", lm.CondBoth, "label conditioning: init, input, both or none")
	fl.StringVar(&s.Model.Cell, "cell", "lstm", "recurrent cell")
	fl.IntVar(&s.Model.EmbedDim, "embed", 128, "token embedding size")
	fl.IntVar(&s.Model.LabelDim, "label-dim", 16, "label embedding size (condition input/both)")
	fl.BoolVar(&s.Model.LabelBias, "label-bias", false, "add a per-label output bias (a direct per-label shift of the next-word distribution)")
	fl.Float64Var(&s.Training.Discriminative, "discriminative", 0, "weight of the discriminative term -log p(label | sentence) (the model's own Bayes posterior) added to the likelihood loss; 0: plain maximum likelihood")
	fl.BoolVar(&s.Training.Bucket, "bucket", false, "batch sentences of similar length (less padding, faster)")
	fl.IntVar(&s.Model.Hidden, "hidden", 256, "hidden size")
	fl.IntVar(&s.Model.Layers, "layers", 1, "layers")
	fl.Float64Var(&s.Model.Dropout, "dropout", 0.3, "dropout on embeddings, between layers and on outputs")
	fl.Int64Var(&s.MinCount, "min-count", 2, "rarer tokens become <unk>")
	fl.BoolVar(&s.Lower, "lower", false, "lowercase the text")
	fl.BoolVar(&s.RawLabels, "raw-labels", false, "keep SST labels 0/1 instead of negative/positive")
	fl.IntVar(&s.Training.Batch, "batch", 32, "sentences per batch")
	fl.Float64Var(&s.Training.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&s.Training.Clip, "clip", 5, "gradient-norm clip (0: none)")
	fl.StringVar(&s.Training.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Uint64Var(&s.Training.Seed, "seed", 1, "random seed")
	cli.MarkPositive(cmd, "embed", "hidden", "layers", "label-dim", "batch", "lr", "epochs", "steps")
	return cmd
}

// newLMEvalLabelsCmd scores a conditional model on labelled sentences.
func newLMEvalLabelsCmd() *cobra.Command {
	var (
		dir, path, format string
		rawLabels         bool
	)
	cmd := newReportCmd(&cobra.Command{
		Use:   "eval-labels --model DIR --data F",
		Short: "Perplexity of a label-conditioned language model on labelled sentences, and its own (Bayes) label accuracy",
	}, "print the metrics as JSON", true, func(cmd *cobra.Command, args []string) (textWriter, error) {
		f, err := text.ParseLabelFormat(format)
		if err != nil {
			return nil, fmt.Errorf("lm eval-labels: %w", err)
		}
		m, err := lm.LoadCond(dir)
		if err != nil {
			return nil, err
		}
		d, err := m.ReadLabelled(stdio(cmd), path, f, rawLabels)
		if err != nil {
			return nil, err
		}
		res, err := m.Report(cmd.Context(), d)
		return &res, err
	})
	fl := cmd.Flags()
	fl.StringVar(&dir, "model", "", "conditional model directory (lm train-labels)")
	fl.StringVar(&path, "data", "", `labelled sentences ("-": standard input)`)
	fl.StringVar(&format, "format", "auto", "input format: auto, tsv, sst or csv")
	fl.BoolVar(&rawLabels, "raw-labels", false, "do not map SST labels 0/1 to negative/positive")
	cli.MarkRequired(cmd, "model", "data")
	return cmd
}
