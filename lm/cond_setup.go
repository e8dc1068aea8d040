package lm

import (
	"context"
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// CondSetup describes a conditional training run from files, as
// `recurrent lm train-labels` takes it: the data, the model and the
// training settings.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type CondSetup struct {
	// TrainFile holds the labelled training sentences and ValidFile ("":
	// none) the validation ones, in Format (text.ParseLabelFormat);
	// RawLabels keeps SST's labels 0 and 1.
	TrainFile, ValidFile, Format string
	RawLabels                    bool
	Model                        CondConfig
	// Lower lower-cases the whitespace tokens; MinCount drops rarer
	// tokens from a new vocabulary (they become <unk>).
	Lower    bool
	MinCount int64
	Training CondTrainConfig
}

// CondSession is a conditional training run set up (CondSetup.Start or
// CondSetup.Resume) and ready to Train.
type CondSession struct {
	Trainer *CondTrainer
	resumed bool
}

func (s *CondSetup) read() (*LabelledFiles, error) {
	format, err := text.ParseLabelFormat(s.Format)
	if err != nil {
		return nil, fmt.Errorf("lm train-labels: %w", err)
	}
	return ReadLabelledFiles(s.TrainFile, s.ValidFile, format, s.RawLabels)
}

// Start reads the data and builds the vocabulary, a new model and its
// trainer, which checkpoints into dir (replacing a checkpoint there only
// with overwrite).
func (s *CondSetup) Start(dir string, overwrite bool) (*CondSession, error) {
	d, err := s.read()
	if err != nil {
		return nil, err
	}
	cfg := s.Model
	cfg.Tokenizer = text.Tokenizer{Mode: text.Whitespace, Lower: s.Lower}
	v, err := CondVocab(cfg.Tokenizer, d.Train, s.MinCount)
	if err != nil {
		return nil, fmt.Errorf("lm train-labels: %w", err)
	}
	t, err := NewCondRun(cfg, v, d, s.Training)
	if err != nil {
		return nil, err
	}
	t.Dir, t.Overwrite = dir, overwrite
	return &CondSession{Trainer: t}, nil
}

// Resume reads the data and reopens the training checkpoint in dir. given
// reports which settings were asked for (by lm train-labels' flag names):
// a setting of ResumeSettings given with a value other than the
// checkpoint's is a *train.ConflictError; the budget, lr and clip given
// apply from the resumed step on (Reconfigure).
func (s *CondSetup) Resume(dir string, given func(name string) bool) (*CondSession, error) {
	d, err := s.read()
	if err != nil {
		return nil, err
	}
	t, err := ResumeCondRun(dir, d)
	if err != nil {
		return nil, err
	}
	if err := train.CheckResume(given, t.ResumeSettings(s.Model, s.Lower, s.Training)); err != nil {
		return nil, fmt.Errorf("lm train-labels --resume: %w", err)
	}
	t.Reconfigure(s.Training, given)
	return &CondSession{Trainer: t, resumed: true}, nil
}

// WriteNotes describes the session: the model and the data (Describe)
// and, when resumed, the position it continues from.
func (s *CondSession) WriteNotes(w io.Writer) error {
	t := s.Trainer
	_, err := fmt.Fprintln(w, t.Describe())
	if s.resumed && err == nil {
		_, err = fmt.Fprintf(w, "resuming at step %d (epoch %d, batch %d)\n", t.Pos().Step, t.Pos().Epoch, t.Pos().Batch)
	}
	return err
}

// ProgressLabels are the trainer's (CondTrainer.ProgressLabels).
func (s *CondSession) ProgressLabels() map[string]string { return s.Trainer.ProgressLabels() }

// Train runs the trainer (CondTrainer.Run; progress may be nil) and
// summarizes the run. A cancelled run returns its summary with ctx's
// error.
func (s *CondSession) Train(ctx context.Context, progress func(train.Event)) (*train.LoopSummary, error) {
	t := s.Trainer
	res, err := t.Run(ctx, progress)
	sum := train.NewLoopSummary(t.Dir, t.Model.NumParams(), res)
	return &sum, err
}
