package lm

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// CondData is labelled sentences as ids.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type CondData struct {
	Sents  [][]int32
	Labels []int
}

// CondTrainConfig configures a CondTrainer (stored in cond_train.json).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type CondTrainConfig struct {
	// Epochs stops training after this many passes (0: unbounded; then
	// MaxSteps must be set). With MaxSteps too, the first limit reached stops.
	Epochs int `json:"epochs"`
	// MaxSteps stops training after exactly this many updates (0: no cap).
	MaxSteps  int64   `json:"max_steps,omitempty"`
	Batch     int     `json:"batch"`
	LR        float64 `json:"lr"`
	Clip      float64 `json:"clip"`
	Seed      uint64  `json:"seed"`
	Optimizer string  `json:"optimizer"`
	// Discriminative weighs the discriminative term of HybridLoss (0:
	// plain maximum likelihood).
	Discriminative float64 `json:"discriminative,omitempty"`
	// Bucket batches sentences of similar length (shuffled within windows
	// of 50 batches, batch order shuffled), which cuts padding.
	Bucket bool `json:"bucket,omitempty"`
}

func (c *CondTrainConfig) validate() error {
	switch {
	case c.Batch < 1:
		return fmt.Errorf("lm: conditional training: batch %d must be positive", c.Batch)
	case c.Epochs < 0 || c.MaxSteps < 0:
		return fmt.Errorf("lm: conditional training: negative epochs %d or steps %d", c.Epochs, c.MaxSteps)
	case c.Epochs == 0 && c.MaxSteps == 0:
		return errors.New("lm: conditional training: no budget: set epochs or steps")
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("lm: conditional training: learning rate %v must be positive and finite", c.LR)
	case !(c.Clip >= 0):
		return fmt.Errorf("lm: conditional training: clip %v must be >= 0", c.Clip)
	case !(c.Discriminative >= 0):
		return fmt.Errorf("lm: conditional training: discriminative %v must be >= 0", c.Discriminative)
	}
	return nil
}

// CondTrainFile holds a conditional training checkpoint's CondTrainConfig.
const CondTrainFile = "cond_train.json"

// CondTrainer trains a CondModel on the train.Loop: it holds the
// conditional model's train.Task (batches of sentences, shuffled by (Seed, epoch), the
// likelihood or hybrid loss, validation loss and Bayes label accuracy) and
// maps CondTrainConfig to the loop's options. The checkpoint's
// model.safetensors holds the best validation's parameters.
//
// A CondTrainer is not safe for concurrent use.
type CondTrainer struct {
	Model  *CondModel
	Config CondTrainConfig
	// Runner holds the loop and the checkpoint directory (Dir, Overwrite)
	// and gives Run, Save, Pos and Loop.
	train.Runner

	task *condTask
	opt  optim.Optimizer
}

// condTask is the conditional model's train.Task.
type condTask struct {
	m            *CondModel
	cfg          *CondTrainConfig
	train, valid CondData
	batches      [][]int
	sents        [][]int32
	labels       []int
}

func (t *condTask) Params() []*nn.Param { return t.m.Params() }

func (t *condTask) Epoch(e int) (int, error) {
	var err error
	t.batches, err = text.SeqBatches(t.train.Sents, text.BatchOptions{Size: t.cfg.Batch, Bucket: t.cfg.Bucket, Window: 50,
		Shuffle: true, Seed: t.cfg.Seed}, e+1)
	return len(t.batches), err
}

// Step trains on one batch with dropout masks seeded by the step number.
func (t *condTask) Step(pos train.Position) (train.StepResult, error) {
	b := t.batches[pos.Batch]
	t.sents, t.labels = xslices.Gather(t.sents[:0], t.train.Sents, b), xslices.Gather(t.labels[:0], t.train.Labels, b)
	t.m.drop.Reseed(uint64(pos.Step))
	if d := t.cfg.Discriminative; d > 0 {
		s, c, disc, err := t.m.HybridLoss(t.sents, t.labels, d, true)
		return train.StepResult{Loss: s/float64(c) + d*disc/float64(len(t.sents)), Items: c}, err
	}
	s, c, err := t.m.Loss(t.sents, t.labels, true)
	return train.StepResult{Loss: s / float64(max(1, c)), Items: c}, err
}

// Evaluate returns the validation loss (the score is its negation), the
// perplexity and, with two or more labels, the Bayes label accuracy.
func (t *condTask) Evaluate(ctx context.Context) (*train.Eval, error) {
	if len(t.valid.Sents) == 0 {
		return nil, nil
	}
	met, err := t.m.Evaluate(ctx, t.valid, 128)
	if err != nil {
		return nil, err
	}
	e := &train.Eval{Loss: met.Loss, Score: -met.Loss, Metrics: map[string]float64{"perplexity": met.Perplexity, "tokens": float64(met.Tokens)}}
	if len(t.m.Config.Labels) > 1 {
		acc, err := t.m.LabelAccuracy(ctx, t.valid, 64)
		if err != nil {
			return nil, err
		}
		e.Metrics["label_accuracy"] = acc
	}
	return e, nil
}

func (t *condTask) Files() ([]checkpoint.File, error) {
	return []checkpoint.File{checkpoint.JSONFile(checkpoint.ConfigFile, t.m.Config), checkpoint.JSONFile(checkpoint.VocabFile, t.m.Vocab),
		checkpoint.JSONFile(CondTrainFile, *t.cfg)}, nil
}

// NewCondTrainer prepares training m on train, validating on valid (which
// may be empty). The dropout masks of step s (counted over all epochs) are
// a function of (cfg.Seed, s).
func NewCondTrainer(m *CondModel, train, valid CondData, cfg CondTrainConfig) (*CondTrainer, error) {
	t, err := newCondTrainer(m, train, valid, cfg)
	if err != nil {
		return nil, err
	}
	if err := t.Start(t.task, t.opt, t.options, ""); err != nil {
		return nil, err
	}
	return t, nil
}

func newCondTrainer(m *CondModel, trainD, valid CondData, cfg CondTrainConfig) (*CondTrainer, error) {
	if cfg.Optimizer == "" {
		cfg.Optimizer = "adam"
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(trainD.Sents) == 0 || len(trainD.Labels) != len(trainD.Sents) || len(valid.Labels) != len(valid.Sents) {
		return nil, fmt.Errorf("lm: conditional training: %d training sentences with %d labels, %d validation sentences with %d labels",
			len(trainD.Sents), len(trainD.Labels), len(valid.Sents), len(valid.Labels))
	}
	o, err := optim.New(cfg.Optimizer, m.Params(), optim.Options{LR: cfg.LR})
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	m.drop.Seed = cfg.Seed
	t := &CondTrainer{Model: m, Config: cfg, opt: o}
	t.task = &condTask{m: m, cfg: &t.Config, train: trainD, valid: valid}
	return t, nil
}

func (t *CondTrainer) options() (train.Options, error) {
	if t.Config.Optimizer == "" {
		t.Config.Optimizer = "adam"
	}
	if err := t.Config.validate(); err != nil {
		return train.Options{}, err
	}
	c := &t.Config
	return train.Options{Epochs: c.Epochs, Steps: c.MaxSteps, Clip: c.Clip,
		Meta: map[string]string{"format": "pt", "model": "recurrent-lm-conditional"},
		Data: []train.Fingerprint{train.FingerprintSeqs("train", t.task.train.Sents, t.task.train.Labels),
			train.FingerprintSeqs("valid", t.task.valid.Sents, t.task.valid.Labels)}}, nil
}

// Batches returns the number of batches per epoch.
func (t *CondTrainer) Batches() int {
	return (len(t.task.train.Sents) + t.Config.Batch - 1) / t.Config.Batch
}

// ResumeCond reopens a checkpoint written by a CondTrainer for the same
// training and validation data (checked by fingerprint) and returns a
// trainer that continues exactly where the saved one stopped. The caller
// may change Config.Epochs, MaxSteps and Clip before Run.
func ResumeCond(dir string, trainD, valid CondData) (*CondTrainer, error) {
	m, err := LoadCond(dir)
	if err != nil {
		return nil, err
	}
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if !ck.Has(CondTrainFile) {
		return nil, fmt.Errorf("lm: %s is a conditional model without training state (or one written by an older version, which cannot be resumed; its model still loads)", dir)
	}
	var tc CondTrainConfig
	if err := ck.ReadJSON(CondTrainFile, &tc); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	t, err := newCondTrainer(m, trainD, valid, tc)
	if err != nil {
		return nil, err
	}
	if err := t.Start(t.task, t.opt, t.options, dir); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	return t, nil
}
