package main

import (
	"fmt"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/spf13/cobra"
)

func init() {
	translateCmd.AddCommand(newTranslateTrainCmd())
}

// translateTrainFlags are the flags of `recurrent translate train`.
type translateTrainFlags struct {
	trainPath, devPath string
	cfg                seq2seq.Config
	tc                 seq2seq.TrainConfig
	trainRunFlags
}

func newTranslateTrainCmd() *cobra.Command {
	f := &translateTrainFlags{}
	cmd := &cobra.Command{
		Use:   "train --train F [--dev F] --out DIR",
		Short: "Train an encoder-decoder (bidirectional encoder, attention decoder) on source<TAB>target pairs",
		Long: `Train fits a sequence-to-sequence model: a bidirectional recurrent encoder
over the source tokens and a recurrent decoder that attends over the encoder
outputs (Bahdanau additive by default; Luong dot or general; or none, where
the decoder starts from the encoder's final state), with teacher forcing.
Tokens are characters by default (--tokens word for whitespace tokens).

After every epoch the dev loss and greedy exact match are printed on standard
error and a complete, atomic training checkpoint is written to --out (also on
Ctrl-C, at the exact step); --resume continues it exactly, and an existing
checkpoint is never replaced unless --overwrite is given. --model DIR loads the
best evaluation's weights (greedy exact match, ties broken by dev loss; the
latest without --dev); the latest are in last.safetensors. --patience N stops
after N epochs without improvement.

Budget: --epochs N (default 10), --steps N (exactly N updates; epochs are then
unbounded unless --epochs is given); the first limit reached stops and the
reason is printed (stop_reason in --json). On --resume the architecture,
--tokens, --batch, --optimizer and --seed are the checkpoint's (a different
value is an error); --epochs, --steps, --lr, --lr-decay, --clip, --patience and
--dev-decode apply from the resumed step. A loss that becomes NaN, infinite or
20 times its recent median stops training with an error; the checkpoint keeps
the last good state.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTranslateTrain(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.trainPath, "train", "", "training pairs, source<TAB>target per line")
	fl.StringVar(&f.devPath, "valid", "", "dev pairs for per-epoch validation (--dev: old spelling)")
	deprecatedAliases(cmd, map[string]string{"dev": "valid"})
	fl.StringVar(&f.cfg.Tokens, "tokens", "char", "tokenization: char or word")
	fl.StringVar(&f.cfg.Cell, "cell", "gru", "encoder cell: rnn_tanh, rnn_relu, lstm, gru, gru_cho, gru_minimal")
	fl.StringVar(&f.cfg.DecoderCell, "decoder-cell", "", "decoder cell: gru or lstm (default: --cell if gru/lstm, else gru)")
	fl.StringVar(&f.cfg.Attention, "attention", "bahdanau", "attention: bahdanau, dot, general or none")
	fl.IntVar(&f.cfg.Embed, "embed", 32, "embedding size")
	fl.IntVar(&f.cfg.Hidden, "hidden", 64, "encoder hidden size per direction")
	fl.IntVar(&f.cfg.Layers, "layers", 1, "encoder layers")
	fl.IntVar(&f.cfg.DecoderHidden, "decoder-hidden", 0, "decoder hidden size (default 2*hidden)")
	fl.IntVar(&f.cfg.AttentionSize, "attention-size", 0, "Bahdanau scorer size (default decoder hidden)")
	fl.IntVar(&f.tc.Batch, "batch", 64, "pairs per batch")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw or sgd")
	fl.Float64Var(&f.tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&f.tc.LRDecay, "lr-decay", 1, "learning-rate factor after each epoch")
	fl.Float64Var(&f.tc.Clip, "clip", 5, "maximum gradient norm (0 or negative: no clipping)")
	fl.IntVar(&f.tc.Patience, "patience", 0, "stop after this many epochs without a better dev exact match (0: never)")
	fl.IntVar(&f.tc.DevDecode, "dev-decode", 2000, "dev pairs decoded for exact match each epoch (-1: all)")
	fl.Uint64Var(&f.tc.Seed, "seed", 1, "random seed (initialisation and batch order)")
	addTrainRunFlags(cmd, &f.trainRunFlags, 10)
	markRequired(cmd, "train")
	return cmd
}

func runTranslateTrain(cmd *cobra.Command, f *translateTrainFlags) error {
	if err := positiveFlags(cmd, "embed", "hidden", "layers", "batch", "lr", "lr-decay", "epochs", "steps"); err != nil {
		return err
	}
	if f.tc.Clip <= 0 {
		f.tc.Clip = -1 // the library's zero means its default
	}
	tr, _, err := startTrainer(&f.trainRunFlags, "translate train", f.read,
		func(d pairData) (*seq2seq.Trainer, error) { return f.resumeTrainer(cmd, d) },
		func(d pairData) (*seq2seq.Trainer, error) {
			tc := f.tc
			tc.Epochs, tc.MaxSteps, _ = f.budget(cmd)
			return seq2seq.NewPairsTrainer(f.data(d), f.cfg, tc, f.out, f.overwrite)
		})
	if err != nil {
		return err
	}
	prog := newTrainProgress(f.quiet, "tok")
	prog.labels = map[string]string{"exact_match": "exact match", "token_acc_teacher_forced": "token acc (teacher forced)"}
	prog.println("%s", tr.Describe())
	r := &loopRun{name: "translate train", out: f.out, asJSON: f.asJSON, params: nn.CountParams(tr.Model.Params()), prog: prog}
	return r.report(cmd, tr.Run)
}

// pairData are the pairs of a translate train run.
type pairData = taskData[seq2seq.Pair]

// read reads the training and dev pairs.
func (f *translateTrainFlags) read() (pairData, error) {
	d, err := seq2seq.ReadData(f.trainPath, f.devPath)
	return pairData{train: d.Train, dev: d.Dev}, err
}

// data names the pairs for seq2seq.
func (f *translateTrainFlags) data(d pairData) seq2seq.Data {
	return seq2seq.Data{Train: d.train, Dev: d.dev, TrainName: f.trainPath, DevName: f.devPath}
}

// resumeTrainer reopens the checkpoint in --out, refusing flags that
// conflict with it and applying the budget and schedule flags given.
func (f *translateTrainFlags) resumeTrainer(cmd *cobra.Command, d pairData) (*seq2seq.Trainer, error) {
	tr, err := seq2seq.ResumePairs(f.out, f.data(d))
	if err != nil {
		return nil, err
	}
	c, tc := tr.Model.Config, &tr.Config
	if err := checkResumeFlags(cmd, []resumeCheck{{"tokens", f.cfg.Tokens, c.Tokens}, {"cell", f.cfg.Cell, c.Cell},
		{"decoder-cell", f.cfg.DecoderCell, c.DecoderCell}, {"attention", f.cfg.Attention, c.Attention},
		{"embed", f.cfg.Embed, c.Embed}, {"hidden", f.cfg.Hidden, c.Hidden}, {"layers", f.cfg.Layers, c.Layers},
		{"decoder-hidden", f.cfg.DecoderHidden, c.DecoderHidden}, {"attention-size", f.cfg.AttentionSize, c.AttentionSize},
		{"batch", f.tc.Batch, tc.Batch}, {"optimizer", f.tc.Optimizer, tc.Optimizer}, {"seed", f.tc.Seed, tc.Seed}}); err != nil {
		return nil, fmt.Errorf("translate train --resume: %w", err)
	}
	f.resumeBudget(cmd, &tc.Epochs, &tc.MaxSteps, map[string]func(){"lr": func() { tr.SetLR(f.tc.LR) },
		"lr-decay": func() { tc.LRDecay = f.tc.LRDecay }, "clip": func() { tc.Clip = f.tc.Clip },
		"patience": func() { tc.Patience = f.tc.Patience }, "dev-decode": func() { tc.DevDecode = f.tc.DevDecode }})
	return tr, nil
}
