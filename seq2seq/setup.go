package seq2seq

import (
	"context"
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/train"
)

// Setup describes a training run from files, as `recurrent translate
// train` takes it: the data, the model and the training settings.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Setup struct {
	// TrainFile holds the training pairs; ValidFile ("": none) the dev
	// pairs (ReadData).
	TrainFile, ValidFile string
	Model                Config
	Training             TrainConfig
}

// Session is a training run set up (Setup.Start or Setup.Resume) and
// ready to Train.
type Session struct {
	Trainer *Trainer
}

// Start reads the data and builds the vocabularies, a new model and its
// trainer, which checkpoints into dir (replacing a checkpoint there only
// with overwrite; NewPairsTrainer).
func (s *Setup) Start(dir string, overwrite bool) (*Session, error) {
	d, err := ReadData(s.TrainFile, s.ValidFile)
	if err != nil {
		return nil, err
	}
	t, err := NewPairsTrainer(d, s.Model, s.Training, dir, overwrite)
	if err != nil {
		return nil, err
	}
	return &Session{Trainer: t}, nil
}

// Resume reads the data and reopens the training checkpoint in dir. given
// reports which settings were asked for (by translate train's flag
// names): an architecture setting, the tokens, batch, optimizer or seed
// given with a value other than the checkpoint's is a *train.ConflictError;
// the budget ("epochs", "steps"), "lr", "lr-decay", "clip", "patience" and
// "dev-decode" given apply from the resumed step on (Trainer.Continue).
func (s *Setup) Resume(dir string, given func(name string) bool) (*Session, error) {
	d, err := ReadData(s.TrainFile, s.ValidFile)
	if err != nil {
		return nil, err
	}
	t, err := ResumePairs(dir, d)
	if err != nil {
		return nil, err
	}
	c, tc, n, ntc := t.Model.Config, t.Config, s.Model, s.Training
	if err := train.CheckResume(given, []train.Setting{
		{Name: "tokens", Now: n.Tokens, Saved: c.Tokens}, {Name: "cell", Now: n.Cell, Saved: c.Cell},
		{Name: "decoder-cell", Now: n.DecoderCell, Saved: c.DecoderCell}, {Name: "attention", Now: n.Attention, Saved: c.Attention},
		{Name: "embed", Now: n.Embed, Saved: c.Embed}, {Name: "hidden", Now: n.Hidden, Saved: c.Hidden}, {Name: "layers", Now: n.Layers, Saved: c.Layers},
		{Name: "decoder-hidden", Now: n.DecoderHidden, Saved: c.DecoderHidden}, {Name: "attention-size", Now: n.AttentionSize, Saved: c.AttentionSize},
		{Name: "batch", Now: ntc.Batch, Saved: tc.Batch}, {Name: "optimizer", Now: ntc.Optimizer, Saved: tc.Optimizer}, {Name: "seed", Now: ntc.Seed, Saved: tc.Seed},
	}); err != nil {
		return nil, fmt.Errorf("translate train --resume: %w", err)
	}
	t.Continue(ntc, Changes{Budget: given("epochs") || given("steps"), LR: given("lr"), LRDecay: given("lr-decay"),
		Clip: given("clip"), Patience: given("patience"), Decode: given("dev-decode")})
	return &Session{Trainer: t}, nil
}

// WriteNotes describes the session: the model and the run (Describe).
func (s *Session) WriteNotes(w io.Writer) error {
	_, err := fmt.Fprintln(w, s.Trainer.Describe())
	return err
}

// Train runs the trainer (Trainer.Run; progress may be nil) and
// summarizes the run. A cancelled run returns its summary with ctx's
// error.
func (s *Session) Train(ctx context.Context, progress func(train.Event)) (*train.LoopSummary, error) {
	t := s.Trainer
	res, err := t.Run(ctx, progress)
	sum := train.NewLoopSummary(t.Dir, nn.CountParams(t.Model.Params()), res)
	return &sum, err
}
