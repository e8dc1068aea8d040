package lm

import (
	"context"
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/train"
)

// Setup describes a training run from files, as `recurrent lm train`
// takes it: the data, the tokenizer, the model and the training settings
// (NewRun).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Setup struct {
	Data      DataOptions
	Tokenizer TokenizerOptions
	Model     Config
	Training  TrainConfig
}

// Session is a training run set up (Setup.Start or Setup.Resume) and
// ready to Train.
type Session struct {
	Trainer *Trainer
	// Test is the test stream (nil: none), evaluated after a normal stop
	// with the best weights.
	Test []int32
}

// Start reads the data and builds the vocabulary, a new model and its
// trainer (NewRun), which checkpoints into dir (replacing a checkpoint
// there only with overwrite).
func (s *Setup) Start(dir string, overwrite bool) (*Session, error) {
	t, d, err := NewRun(s.Model, s.Tokenizer, s.Data, s.Training)
	if err != nil {
		return nil, err
	}
	t.Dir, t.Overwrite = dir, overwrite
	return &Session{Trainer: t, Test: d.Test}, nil
}

// Resume reopens the training checkpoint in dir on the data (ResumeRun).
// given reports which settings were asked for (by lm train's flag names):
// one of ResumeSettings given with a value other than the checkpoint's
// (the tokenizer's only when "tokenizer", "level" or "eos" is given) is a
// *train.ConflictError, and "specials", "min-count" and "max-vocab"
// cannot be given (the vocabulary is the checkpoint's); the budget and
// schedule settings given apply from the resumed step on (Reconfigure).
func (s *Setup) Resume(dir string, given func(name string) bool) (*Session, error) {
	t, d, err := ResumeRun(dir, s.Data, func(m *Model, tc *TrainConfig) error {
		settings, err := ResumeSettings(m, tc, s.Model, s.Tokenizer, given("tokenizer") || given("level") || given("eos"), s.Training)
		if err == nil {
			err = train.CheckResume(given, settings)
		}
		for _, name := range []string{"specials", "min-count", "max-vocab"} {
			if err == nil && given(name) {
				err = fmt.Errorf("--%s cannot change on --resume: the vocabulary is the checkpoint's (drop the flag)", name)
			}
		}
		if err != nil {
			return fmt.Errorf("lm train --resume: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.Reconfigure(s.Training, given)
	t.Dir = dir
	return &Session{Trainer: t, Test: d.Test}, nil
}

// WriteNotes describes the session: the model and the batches (Describe).
func (s *Session) WriteNotes(w io.Writer) error {
	_, err := fmt.Fprintln(w, s.Trainer.Describe())
	return err
}

// ProgressLabels are the trainer's (Trainer.ProgressLabels).
func (s *Session) ProgressLabels() map[string]string { return s.Trainer.ProgressLabels() }

// Train runs the trainer and summarizes the run, evaluating Test after a
// normal stop (Trainer.RunSummary; progress may be nil).
func (s *Session) Train(ctx context.Context, progress func(train.Event)) (*Summary, error) {
	sum, err := s.Trainer.RunSummary(ctx, progress, s.Test)
	return &sum, err
}

// Warning is what went wrong without stopping the run, for the caller
// to show: why the loss curves could not be drawn (PlotErr), or nil.
func (s *Summary) Warning() error { return s.PlotErr }
