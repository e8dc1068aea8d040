package main

import (
	"github.com/recurrent-go/recurrent/tag"
	"github.com/spf13/cobra"
)

func init() {
	tagCmd.AddCommand(newTagTrainCmd())
}

// tagTrainFlags are the flags of `recurrent tag train`.
type tagTrainFlags struct {
	s tag.Setup
	trainRunFlags
}

func newTagTrainCmd() *cobra.Command {
	f := &tagTrainFlags{}
	cmd := &cobra.Command{
		Use:   "train --train FILE [--dev FILE] --out DIR",
		Short: "Train a BiLSTM tagger with a character-level word encoder",
		Long: `Train reads CoNLL column files (token first, tag last, blank lines between
sentences, -DOCSTART- lines ignored) and trains a tagger: word embedding
(optionally from --vectors) + character BiLSTM per word -> BiLSTM stack ->
per-token softmax, with Adam, clipping and dropout. Tags are learned in
--train-scheme (IOBES by default) and converted back to the data's scheme;
decoding keeps the tag sequence valid. After each epoch the model is scored on
--dev with conlleval's F1; the best one (a strictly better F1 counts) is kept
in DIR as model.safetensors (what --model DIR loads), the latest beside it in
last.safetensors. The learning rate is --lr/(1+--decay*epoch).
` + trainRunHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return trainTask[*tag.Summary](cmd, &f.trainRunFlags, &f.s.Training.Config, "tag train", "tok", map[string]string{"tokens": ""}, f.s.Start, f.s.Resume)
		},
	}
	fl := cmd.Flags()
	addDataFlags(cmd, &f.s.TrainFile, &f.s.ValidFile, &f.s.TestFile, "training data (CoNLL columns)")
	fl.StringVar(&f.s.Vectors, "vectors", "", "initialise the word embedding from this vector file")
	fl.BoolVar(&f.s.Model.Freeze, "freeze", false, "keep the word embedding fixed")
	fl.StringVar(&f.s.Model.Scheme, "scheme", "auto", "tag scheme of the data: auto, iob1, iob2 or iobes")
	fl.StringVar(&f.s.Model.TrainScheme, "train-scheme", "iobes", "scheme the model learns: iob1, iob2 or iobes")
	fl.Int64Var(&f.s.MinCount, "min-count", 1, "drop training words seen fewer times")
	fl.BoolVar(&f.s.Model.Lower, "lower", true, "look words up lower-cased (the characters keep the case)")
	fl.BoolVar(&f.s.Model.NormDigits, "norm-digits", true, "look words up with every digit replaced by 0")
	fl.IntVar(&f.s.Model.WordEmbed, "word-embed", 100, "word embedding size (taken from --vectors when given)")
	fl.IntVar(&f.s.Model.CharEmbed, "char-embed", 25, "character embedding size")
	fl.IntVar(&f.s.Model.CharHidden, "char-hidden", 25, "character BiLSTM size per direction (0: no character encoder)")
	fl.StringVar(&f.s.Model.Cell, "cell", "lstm", "sentence encoder cell: lstm, gru, rnn_tanh, ...")
	fl.IntVar(&f.s.Model.Hidden, "hidden", 100, "sentence encoder size per direction")
	fl.IntVar(&f.s.Model.Layers, "layers", 1, "stacked bidirectional layers")
	fl.Float64Var(&f.s.Model.Dropout, "dropout", 0.5, "dropout on token features and encoder outputs")
	addTrainConfigFlags(fl, &f.s.Training.Config, 16, "sentences", 2e-3, 4)
	fl.Float64Var(&f.s.Training.Decay, "decay", 0.05, "learning rate lr/(1+decay*epoch)")
	addTrainRunFlags(cmd, &f.trainRunFlags, 10)
	return cmd
}
