package classify

import (
	"context"
	"fmt"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
	"github.com/recurrent-go/recurrent/vectors"
)

// Setup describes a training run from files, as `recurrent classify train`
// takes it: the data, the model and the training settings. Errors about a
// setting name it as that command's flag (--binary, --init-from).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Setup struct {
	// TrainFile, ValidFile (may be "") and TestFile (may be "", scored
	// after training) are data files in Format ("auto", "tsv", "sst" or
	// "csv").
	TrainFile, ValidFile, TestFile, Format string
	// Vectors, if not "", is a word-vector file the embedding starts from
	// (words it lacks composed from their parts with Backoff).
	Vectors string
	Backoff bool
	// InitFrom, if not "", is a classifier whose recurrent weights and
	// embedding rows the model starts from (InitFrom).
	InitFrom string
	// Tokenize ("whitespace" or "words") and Lower set the tokenizer;
	// MinCount drops rarer training words.
	Tokenize string
	Lower    bool
	MinCount int64
	// Freeze keeps the embedding fixed; EmbedDropout, if not negative,
	// replaces Model.Dropout on the embeddings; Binary is "auto", "true"
	// or "false" (a sigmoid output for two labels).
	Freeze       bool
	EmbedDropout float64
	Binary       string
	// Model (its Tokenizer, Freeze, EmbedDropout and Binary come from the
	// fields above) and Training (with its budget) are the configurations.
	Model    Config
	Training TrainConfig
}

// Session is a training run set up (Setup.Start or Setup.Resume) and
// ready to Train.
type Session struct {
	Trainer *Trainer
	// Test are the examples scored after training (nil: none) and TestFile
	// their file.
	Test     []Example
	TestFile string
	// Vectors is the vector file and VecDim its dimension, Coverage its
	// coverage and Composed the words given a backoff vector (new runs with
	// vectors only); Backoff is Setup.Backoff.
	Vectors  string
	VecDim   int
	Coverage *vectors.Coverage
	Composed int
	Backoff  bool
	// InitFrom is Setup.InitFrom and InitRows the embedding rows it gave.
	InitFrom string
	InitRows int
}

// Summary is the result of a Session: the run, the vocabulary and its
// vector coverage, the last and best dev Metrics, the test Report and the
// words given a backoff vector.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Summary struct {
	train.TaskSummary[Metrics, Report, vectors.Coverage]
	Composed int `json:"composed,omitempty"` // words given a --backoff vector
}

// read reads the training, dev and test examples.
func (s *Setup) read() (tr, dev, test []Example, err error) {
	format, err := ParseFormat(s.Format)
	if err != nil {
		return nil, nil, nil, err
	}
	sets, err := text.ReadFiles(func(p string) ([]Example, error) { return ReadFile(p, format) }, s.TrainFile, s.ValidFile, s.TestFile)
	if err != nil {
		return nil, nil, nil, err
	}
	return sets[0], sets[1], sets[2], nil
}

// encode encodes the training and dev examples for m and checks the test
// labels (scored after training) now.
func (s *Setup) encode(m *Model, tr, dev, test []Example) (trd, devd *Data, err error) {
	if trd, err = m.EncodeExamples(tr, s.TrainFile); err != nil {
		return nil, nil, err
	}
	if dev != nil {
		if devd, err = m.EncodeExamples(dev, s.ValidFile); err != nil {
			return nil, nil, err
		}
	}
	if test != nil {
		if _, err = m.EncodeExamples(test, s.TestFile); err != nil {
			return nil, nil, err
		}
	}
	return trd, devd, nil
}

// Start reads the data, builds a new model (with the vectors and
// InitFrom) and its trainer, which checkpoints into dir (a checkpoint
// there is replaced only with overwrite).
func (s *Setup) Start(dir string, overwrite bool) (*Session, error) {
	tr, dev, test, err := s.read()
	if err != nil {
		return nil, err
	}
	m, vec, err := s.newModel(tr)
	if err != nil {
		return nil, err
	}
	ses := &Session{Test: test, TestFile: s.TestFile, Vectors: s.Vectors, Backoff: s.Backoff, InitFrom: s.InitFrom}
	if vec != nil {
		cov, composed, err := m.InitVectors(vec, tr, s.MinCount, s.Backoff, s.Training.Seed)
		if err != nil {
			return nil, err
		}
		ses.Coverage, ses.Composed, ses.VecDim = &cov, composed, vec.Dim
	}
	if s.InitFrom != "" {
		src, err := Load(s.InitFrom)
		if err != nil {
			return nil, fmt.Errorf("classify train: --init-from: %w", err)
		}
		if ses.InitRows, err = m.InitFrom(src); err != nil {
			return nil, fmt.Errorf("classify train: --init-from %s: %w", s.InitFrom, err)
		}
	}
	trd, devd, err := s.encode(m, tr, dev, test)
	if err != nil {
		return nil, err
	}
	if ses.Trainer, err = NewTrainer(m, trd, devd, s.Training); err != nil {
		return nil, err
	}
	ses.Trainer.Dir, ses.Trainer.Overwrite = dir, overwrite
	return ses, nil
}

// newModel builds the model (and reads the vectors).
func (s *Setup) newModel(tr []Example) (*Model, *vectors.Vectors, error) {
	cfg := s.Model
	mode, err := text.ParseMode(s.Tokenize)
	if err != nil {
		return nil, nil, err
	}
	cfg.Tokenizer = text.Tokenizer{Mode: mode, Lower: s.Lower}
	cfg.Freeze = s.Freeze
	if !(s.EmbedDropout < 0) { // NaN too, which the config refuses
		d := s.EmbedDropout
		cfg.EmbedDropout = &d
	}
	var binary *bool
	switch s.Binary {
	case "auto":
	case "true", "false":
		b := s.Binary == "true"
		binary = &b
	default:
		return nil, nil, fmt.Errorf("classify train: --binary %q: want auto, true or false", s.Binary)
	}
	if n := LabelMapOf(tr, Sorted).Len(); binary != nil && *binary && n != 2 {
		return nil, nil, fmt.Errorf("classify train: --binary=true but %s has %d labels", s.TrainFile, n)
	}
	var vec *vectors.Vectors
	if s.Vectors != "" {
		if vec, err = vectors.Load(s.Vectors); err != nil {
			return nil, nil, err
		}
	}
	m, err := Build(tr, cfg, VocabOptions{MinCount: s.MinCount, Vectors: vec}, binary, s.Training.Seed)
	return m, vec, err
}

// Resume reads the data and reopens the training checkpoint in dir. given
// reports which settings were asked for (by flag name): a model or
// optimizer setting given with a value other than the checkpoint's, or
// one that cannot change, is a *train.ConflictError; the budget, patience,
// clip and save-every given apply from the resumed step on.
func (s *Setup) Resume(dir string, given func(name string) bool) (*Session, error) {
	tr, dev, test, err := s.read()
	if err != nil {
		return nil, err
	}
	m, err := Load(dir)
	if err != nil {
		return nil, err
	}
	trd, devd, err := s.encode(m, tr, dev, test)
	if err != nil {
		return nil, err
	}
	t, err := Resume(dir, trd, devd)
	if err != nil {
		return nil, err
	}
	if err := train.CheckResume(given, s.settings(t), "vectors", "init-from", "backoff", "min-count"); err != nil {
		return nil, fmt.Errorf("classify train --resume: %w", err)
	}
	t.Config.Resumed(s.Training.Config, given)
	return &Session{Trainer: t, Test: test, TestFile: s.TestFile}, nil
}

// settings pairs the model and optimizer settings asked for with t's.
// Binary "auto" asks for what a new run would make of the checkpoint's
// labels: a sigmoid output exactly for two; a negative EmbedDropout asks
// for Model.Dropout; Tokenize is compared by its mode ("words" is "word").
func (s *Setup) settings(t *Trainer) []train.Setting {
	c, tc, n, ntc := t.Model.Config, t.Config, s.Model, s.Training
	tok := s.Tokenize
	if mode, err := text.ParseMode(tok); err == nil {
		tok = mode.String()
	}
	binary := s.Binary == "true" || (s.Binary == "auto" && c.Classes == 2)
	embDrop := s.EmbedDropout
	if embDrop < 0 {
		embDrop = n.Dropout
	}
	return []train.Setting{
		{Name: "arch", Now: n.Arch, Saved: c.Arch}, {Name: "cell", Now: n.Cell, Saved: c.Cell}, {Name: "embed", Now: n.Embed, Saved: c.Embed},
		{Name: "hidden", Now: n.Hidden, Saved: c.Hidden}, {Name: "layers", Now: n.Layers, Saved: c.Layers}, {Name: "bidirectional", Now: n.Bidirectional, Saved: c.Bidirectional},
		{Name: "pool", Now: n.Pool, Saved: c.Pool}, {Name: "dropout", Now: n.Dropout, Saved: c.Dropout}, {Name: "freeze", Now: s.Freeze, Saved: c.Freeze},
		{Name: "embed-dropout", Now: embDrop, Saved: c.EmbeddingDropout()}, {Name: "lower", Now: s.Lower, Saved: c.Tokenizer.Lower},
		{Name: "tokenize", Now: tok, Saved: c.Tokenizer.Mode.String()}, {Name: "binary", Now: binary, Saved: c.Binary},
		{Name: "batch", Now: ntc.Batch, Saved: tc.Batch}, {Name: "optimizer", Now: ntc.Optimizer, Saved: tc.Optimizer}, {Name: "lr", Now: ntc.LR, Saved: tc.LR},
		{Name: "weight-decay", Now: ntc.WeightDecay, Saved: tc.WeightDecay}, {Name: "embed-lr", Now: ntc.EmbedLR, Saved: tc.EmbedLR},
		{Name: "word-dropout", Now: ntc.WordDropout, Saved: tc.WordDropout}, {Name: "bucket", Now: ntc.Bucket, Saved: tc.Bucket}, {Name: "seed", Now: ntc.Seed, Saved: tc.Seed},
	}
}

// Train runs the trainer (Trainer.Run; progress may be nil) and
// summarizes the run, scoring the test examples after a normal stop. A
// cancelled run returns its summary (Interrupted) with ctx's error.
func (s *Session) Train(ctx context.Context, progress func(train.Event)) (*Summary, error) {
	t := s.Trainer
	var test func() (*Report, error)
	if s.Test != nil {
		test = func() (*Report, error) {
			r, err := t.Model.Report(ctx, s.Test, s.TestFile)
			return &r, err
		}
	}
	ts, err := train.Summarize(ctx, &t.TaskTrainer, progress, t.Model.Params(), t.Model.Config.VocabSize, s.Coverage, test)
	if ts == nil {
		return nil, err
	}
	return &Summary{TaskSummary: *ts, Composed: s.Composed}, err
}
