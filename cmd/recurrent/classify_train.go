package main

import (
	"github.com/recurrent-go/recurrent/classify"
	"github.com/spf13/cobra"
)

func init() {
	classifyCmd.AddCommand(newClassifyTrainCmd())
}

// classifyTrainFlags are the flags of `recurrent classify train`.
type classifyTrainFlags struct {
	s classify.Setup
	trainRunFlags
}

func newClassifyTrainCmd() *cobra.Command {
	f := &classifyTrainFlags{}
	cmd := &cobra.Command{
		Use:   "train --train FILE [--dev FILE] --out DIR",
		Short: "Train a text classifier (RNN/GRU/LSTM or word-vector averaging)",
		Long: `Train reads labelled texts (TSV "label<TAB>text", SST "<label> <text>" or CSV
"text,label", detected automatically), builds a vocabulary from the training
texts (plus every word of --vectors; training words the file lacks get the mean
vector of their parts, --backoff), and trains embedding -> recurrent layer ->
pooling -> linear head (--arch rnn) or the averaging baseline (--arch average)
with Adam, gradient clipping and dropout. After each epoch the model is scored on
--dev; the best one is kept in DIR (model.safetensors) and training stops after
--patience epochs without improvement (a strictly better accuracy counts).
Two labels give a sigmoid output with binary cross-entropy (unless
--binary=false); more give a softmax.

DIR holds config.json, vocab.json, labels.json, model.safetensors (the best
weights on --dev: what --model DIR loads), last.safetensors (the latest),
optimizer.safetensors and state.json.
` + trainRunHelp,
		Args: cobra.NoArgs,
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
