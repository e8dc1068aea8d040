package main

import (
	"errors"
	"fmt"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/train"
	"github.com/spf13/cobra"
)

func init() {
	translateCmd.AddCommand(newTranslateTrainCmd())
}

// translateTrainFlags are the flags of `recurrent translate train`.
type translateTrainFlags struct {
	trainPath, devPath, out  string
	cfg                      seq2seq.Config
	tc                       seq2seq.TrainConfig
	seed                     uint64
	resume, overwrite        bool
	asJSON, quiet            bool
	trainPairs, devPairs     []seq2seq.Pair
	trainEncoded, devEncoded seq2seq.Encoded
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
	fl.StringVar(&f.out, "out", "", "checkpoint directory")
	fl.StringVar(&f.cfg.Tokens, "tokens", "char", "tokenization: char or word")
	fl.StringVar(&f.cfg.Cell, "cell", "gru", "encoder cell: rnn_tanh, rnn_relu, lstm, gru, gru_cho, gru_minimal")
	fl.StringVar(&f.cfg.DecoderCell, "decoder-cell", "", "decoder cell: gru or lstm (default: --cell if gru/lstm, else gru)")
	fl.StringVar(&f.cfg.Attention, "attention", "bahdanau", "attention: bahdanau, dot, general or none")
	fl.IntVar(&f.cfg.Embed, "embed", 32, "embedding size")
	fl.IntVar(&f.cfg.Hidden, "hidden", 64, "encoder hidden size per direction")
	fl.IntVar(&f.cfg.Layers, "layers", 1, "encoder layers")
	fl.IntVar(&f.cfg.DecoderHidden, "decoder-hidden", 0, "decoder hidden size (default 2*hidden)")
	fl.IntVar(&f.cfg.AttentionSize, "attention-size", 0, "Bahdanau scorer size (default decoder hidden)")
	fl.IntVar(&f.tc.Epochs, "epochs", 10, "passes over the training pairs (unbounded with --steps unless given)")
	fl.Int64Var(&f.tc.MaxSteps, "steps", 0, "train exactly this many updates (0: no cap)")
	fl.IntVar(&f.tc.Batch, "batch", 64, "pairs per batch")
	fl.StringVar(&f.tc.Optimizer, "optimizer", "adam", "adam, adamw or sgd")
	fl.Float64Var(&f.tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&f.tc.LRDecay, "lr-decay", 1, "learning-rate factor after each epoch")
	fl.Float64Var(&f.tc.Clip, "clip", 5, "maximum gradient norm (0 or negative: no clipping)")
	fl.IntVar(&f.tc.Patience, "patience", 0, "stop after this many epochs without a better dev exact match (0: never)")
	fl.IntVar(&f.tc.DevDecode, "dev-decode", 2000, "dev pairs decoded for exact match each epoch (-1: all)")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed (initialisation and batch order)")
	fl.BoolVar(&f.resume, "resume", false, "continue the training checkpoint in --out")
	fl.BoolVar(&f.overwrite, "overwrite", false, "replace a checkpoint already in --out (default: refuse)")
	fl.BoolVar(&f.asJSON, "json", false, "print the summary as JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
	return cmd
}

// check validates the flags before any data is read.
func (f *translateTrainFlags) check(cmd *cobra.Command) error {
	switch {
	case f.trainPath == "" || f.out == "":
		return errors.New("translate train: --train and --out are required")
	case f.resume && f.overwrite:
		return errors.New("translate train: --resume and --overwrite exclude each other")
	}
	if err := positiveFlags(cmd, "embed", "hidden", "layers", "batch", "lr", "lr-decay", "epochs", "steps"); err != nil {
		return err
	}
	if !f.resume {
		if err := train.CheckDir(f.out, f.overwrite); err != nil {
			return fmt.Errorf("translate train: --out: %w; --resume continues it, --overwrite replaces it", err)
		}
	}
	if f.tc.Clip <= 0 {
		f.tc.Clip = -1 // the library's zero means its default
	}
	return nil
}

func runTranslateTrain(cmd *cobra.Command, f *translateTrainFlags) error {
	if err := f.check(cmd); err != nil {
		return err
	}
	var err error
	f.devPairs = nil
	if f.trainPairs, err = seq2seq.ReadPairsFile(f.trainPath); err != nil {
		return err
	}
	if f.devPath != "" {
		if f.devPairs, err = seq2seq.ReadPairsFile(f.devPath); err != nil {
			return err
		}
	}
	var tr *seq2seq.Trainer
	if f.resume {
		tr, err = f.resumeTrainer(cmd)
	} else {
		tr, err = f.newTrainer(cmd)
	}
	if err != nil {
		return err
	}
	return f.trainAndReport(cmd, tr)
}

// newTrainer builds the vocabularies, the model and a fresh trainer.
func (f *translateTrainFlags) newTrainer(cmd *cobra.Command) (*seq2seq.Trainer, error) {
	if cmd.Flags().Changed("steps") && !cmd.Flags().Changed("epochs") {
		f.tc.Epochs = 0
	}
	src, tgt, err := seq2seq.BuildVocabs(f.trainPairs, f.cfg.Tokens)
	if err != nil {
		return nil, err
	}
	m, err := seq2seq.New(f.cfg, src, tgt, f.seed)
	if err != nil {
		return nil, err
	}
	if err := f.encode(m); err != nil {
		return nil, err
	}
	f.tc.Seed = f.seed
	tr, err := seq2seq.NewTrainer(m, f.trainEncoded, f.devEncoded, f.tc)
	if err != nil {
		return nil, err
	}
	tr.Dir, tr.Overwrite = f.out, f.overwrite
	return tr, nil
}

// resumeTrainer reopens the checkpoint in --out, refusing flags that
// conflict with it and applying the budget and schedule flags given.
func (f *translateTrainFlags) resumeTrainer(cmd *cobra.Command) (*seq2seq.Trainer, error) {
	m, err := seq2seq.Load(f.out)
	if err != nil {
		return nil, err
	}
	c := m.Config
	if err := checkResumeFlags(cmd, []resumeCheck{{"tokens", f.cfg.Tokens, c.Tokens}, {"cell", f.cfg.Cell, c.Cell},
		{"decoder-cell", f.cfg.DecoderCell, c.DecoderCell}, {"attention", f.cfg.Attention, c.Attention},
		{"embed", f.cfg.Embed, c.Embed}, {"hidden", f.cfg.Hidden, c.Hidden}, {"layers", f.cfg.Layers, c.Layers},
		{"decoder-hidden", f.cfg.DecoderHidden, c.DecoderHidden}, {"attention-size", f.cfg.AttentionSize, c.AttentionSize}}); err != nil {
		return nil, fmt.Errorf("translate train --resume: %w", err)
	}
	if err := f.encode(m); err != nil {
		return nil, err
	}
	tr, err := seq2seq.Resume(f.out, f.trainEncoded, f.devEncoded)
	if err != nil {
		return nil, err
	}
	tc := &tr.Config
	if err := checkResumeFlags(cmd, []resumeCheck{{"batch", f.tc.Batch, tc.Batch}, {"optimizer", f.tc.Optimizer, tc.Optimizer},
		{"seed", f.seed, tc.Seed}}); err != nil {
		return nil, fmt.Errorf("translate train --resume: %w", err)
	}
	f.applySchedule(cmd, tr)
	return tr, nil
}

// applySchedule applies the budget and schedule flags given with --resume.
func (f *translateTrainFlags) applySchedule(cmd *cobra.Command, tr *seq2seq.Trainer) {
	fl, tc := cmd.Flags(), &tr.Config
	if fl.Changed("epochs") || fl.Changed("steps") {
		// A budget given replaces the saved one.
		tc.Epochs, tc.MaxSteps = f.tc.Epochs, f.tc.MaxSteps
		if !fl.Changed("epochs") {
			tc.Epochs = 0
		}
	}
	if fl.Changed("lr") {
		tc.LR = f.tc.LR
		tr.Loop().Optimizer().SetLR(f.tc.LR)
	}
	for name, set := range map[string]func(){
		"lr-decay":   func() { tc.LRDecay = f.tc.LRDecay },
		"clip":       func() { tc.Clip = f.tc.Clip },
		"patience":   func() { tc.Patience = f.tc.Patience },
		"dev-decode": func() { tc.DevDecode = f.tc.DevDecode },
	} {
		if fl.Changed(name) {
			set()
		}
	}
}

// encode encodes the train and dev pairs for m, naming the file on error.
func (f *translateTrainFlags) encode(m *seq2seq.Model) error {
	var err error
	if f.trainEncoded, err = m.Encode(f.trainPairs); err != nil {
		return fmt.Errorf("%s: %w", f.trainPath, err)
	}
	if f.devEncoded, err = m.Encode(f.devPairs); err != nil {
		return fmt.Errorf("%s: %w", f.devPath, err)
	}
	return nil
}

// trainAndReport runs the trainer with progress on standard error and
// prints the summary on standard output.
func (f *translateTrainFlags) trainAndReport(cmd *cobra.Command, tr *seq2seq.Trainer) error {
	m := tr.Model
	prog := newTrainProgress(f.quiet, "tok")
	prog.labels = map[string]string{"exact_match": "exact match", "token_acc_teacher_forced": "token acc (teacher forced)"}
	c := m.Config
	prog.println("model: %s encoder (%d layer(s), 2x%d), %s decoder (%d), attention %s, %s tokens; vocab %d -> %d; %d parameters; %d batches/epoch",
		c.Cell, c.Layers, c.Hidden, c.DecoderCell, c.DecoderHidden, c.Attention, c.Tokens, m.Src.Len(), m.Tgt.Len(),
		nn.CountParams(m.Params()), tr.Batches())
	r := &loopRun{name: "translate train", out: f.out, asJSON: f.asJSON, params: nn.CountParams(m.Params()), prog: prog}
	return r.report(cmd, tr.Run)
}
