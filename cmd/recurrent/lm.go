package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/lm"
)

func init() {
	newGroup("lm", "Train, sample from and score recurrent language models",
		newLMTrainCmd(), newLMSampleCmd(), newLMScoreCmd(), newLMEvalCmd(), newLMQuantizeCmd(), newLMImportCmd(),
		newLMTrainLabelsCmd(), newLMEvalLabelsCmd())
}

func newLMTrainCmd() *cobra.Command {
	s := &lm.Setup{}
	cmd := newTaskCmd(&cobra.Command{
		Use:   "train --train FILE --out DIR",
		Short: "Train a language model with truncated BPTT",
	}, 0, taskCmd[*lm.Summary, *lm.Session]{kind: infer.KindLM, name: "lm train", items: "tok",
		epochs: &s.Training.Epochs, steps: &s.Training.MaxSteps, start: s.Start, resume: s.Resume, check: func(cmd *cobra.Command) error {
			s.Tokenizer.NameSet = cmd.Flags().Changed("tokenizer")
			return nil
		}})
	fl := cmd.Flags()
	addLMDataFlags(fl, s)
	addLMModelFlags(fl, &s.Model)
	addLMTrainFlags(fl, &s.Training)
	fl.AddFlag(&pflag.Flag{Name: "max-steps", Usage: "same as --steps", Value: fl.Lookup("steps").Value, DefValue: "0"})
	cli.MarkRequired(cmd, "train")
	cli.MarkPositive(cmd, "embed", "hidden", "layers", "batch", "bptt", "lr")
	return cmd
}

// addLMDataFlags registers lm train's data, tokenizer and vocabulary
// flags.
func addLMDataFlags(fl *pflag.FlagSet, s *lm.Setup) {
	d := &s.Data
	fl.StringSliceVar(&d.Train, "train", nil, "training text files, plain or .gz, read as one stream (required; repeat or comma-separate)")
	fl.StringVar(&d.Valid, "valid", "", "validation text file")
	fl.StringVar(&d.Test, "test", "", "test text file, evaluated after training")
	fl.Float64Var(&d.ValidFraction, "valid-fraction", 0.1, "without --valid, hold out this tail fraction of --train (0: no validation)")
	addTokenizerFlags(fl, &s.Tokenizer, "char", "char, word or whitespace", "auto")
	fl.BoolVar(&s.Model.Lines, "lines", false, `the text holds one item per line (names, sentences): recorded as "lines" in config.json, lm sample then stops each sample at the end of a line`)
	fl.StringVar(&d.Specials, "specials", "auto", "comma-separated special tokens (auto: <unk> and the line markers; for char, <unk> only with --valid or --test)")
	fl.Int64Var(&d.MinCount, "min-count", 1, "drop tokens seen fewer times (they become <unk>)")
	fl.IntVar(&d.MaxVocab, "max-vocab", 0, "cap the vocabulary size, specials included (0: no cap)")
	fl.StringVar(&d.Vocab, "vocab", "", "vocabulary file (recurrent vectors vocab or recurrent-beam vocab, counted with the same tokenizer flags) instead of counting --train; --min-count, --max-vocab and --specials are then unused")
}

// addTokenizerFlags registers the tokenizer flags of lm train, lm import
// and vectors vocab: --tokenizer (with its default and help), --level,
// --lower, --split-punct, --eos (default eos) and --bos.
func addTokenizerFlags(fl *pflag.FlagSet, t *lm.TokenizerOptions, name, help, eos string) {
	fl.StringVar(&t.Name, "tokenizer", name, help)
	fl.StringVar(&t.Level, "level", "", "char or word (Unicode words): shorthand for --tokenizer")
	fl.BoolVar(&t.Lower, "lower", false, "lowercase the text")
	fl.BoolVar(&t.SplitPunct, "split-punct", false, "word tokenizer: keep punctuation as separate tokens")
	fl.StringVar(&t.EOS, "eos", eos, `end-of-line token ("auto": "\n" for char, <eos> otherwise; "" for none)`)
	fl.StringVar(&t.BOS, "bos", "", "beginning-of-line token (for example <bos>; default none)")
}

// addLMModelFlags registers lm train's architecture flags.
func addLMModelFlags(fl *pflag.FlagSet, c *lm.Config) {
	fl.StringVar(&c.Cell, "cell", "lstm", "rnn_tanh, rnn_relu, lstm, gru, gru_cho or gru_minimal")
	fl.IntVar(&c.EmbedDim, "embed", 128, "embedding size")
	fl.IntVar(&c.Hidden, "hidden", 256, "hidden size")
	fl.IntVar(&c.Layers, "layers", 2, "recurrent layers")
	fl.Float64Var(&c.Dropout, "dropout", 0, "dropout on embeddings, between layers and on outputs")
	fl.BoolVar(&c.Tied, "tied", false, "tie decoder and embedding weights (needs --embed == --hidden)")
	fl.Float64Var(&c.InitRange, "init-range", 0, "draw every parameter from uniform(-R, R) (0: default init)")
	fl.IntSliceVar(&c.AdaptiveCutoffs, "adaptive-softmax", nil, "adaptive softmax cutoffs in token ids, most frequent first, e.g. 4000,20000 (PyTorch's AdaptiveLogSoftmaxWithLoss; default: full softmax)")
	fl.Float64Var(&c.DivValue, "div-value", 4, "adaptive softmax: each further cluster's projection is this many times smaller")
}

// addLMTrainFlags registers lm train's optimizer, schedule, evaluation and
// checkpoint flags.
func addLMTrainFlags(fl *pflag.FlagSet, tc *lm.TrainConfig) {
	fl.IntVar(&tc.Batch, "batch", 32, "parallel streams")
	fl.IntVar(&tc.BPTT, "bptt", 64, "truncated BPTT length")
	fl.StringVar(&tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Float64Var(&tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&tc.WeightDecay, "weight-decay", 0, "weight decay")
	fl.Float64Var(&tc.Clip, "clip", 1, "clip the global gradient norm (0: off)")
	fl.Float64Var(&tc.Anneal, "anneal", 0, "divide the learning rate by this after a validation without improvement")
	fl.StringVar(&tc.Schedule, "schedule", "", "learning-rate schedule over the step budget: linear or cosine (default: constant)")
	fl.IntVar(&tc.Warmup, "warmup", 0, "with --schedule: steps of linear warm-up from 0")
	fl.Float64Var(&tc.LRDecay, "lr-decay", 0, "multiply the learning rate by this at the end of each epoch >= --lr-decay-start (0: off)")
	fl.IntVar(&tc.LRDecayStart, "lr-decay-start", 1, "first epoch (1-based) after which --lr-decay applies")
	fl.IntVar(&tc.Patience, "patience", 0, "stop after this many validations in a row without a better loss (0: never)")
	fl.IntVar(&tc.EvalBatch, "eval-batch", 0, "validation batch size (default --batch)")
	fl.Int64Var(&tc.EvalEvery, "eval-every", 0, "also validate every this many steps")
	fl.Int64Var(&tc.CheckpointEvery, "checkpoint-every", 0, "also checkpoint every this many steps")
	fl.DurationVar(&tc.TimeLimit, "time-limit", 0, "stop training after this long (then validate and checkpoint)")
	fl.Uint64Var(&tc.Seed, "seed", 1, "random seed (weights and dropout)")
}
