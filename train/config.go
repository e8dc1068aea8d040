package train

import (
	"errors"
	"fmt"
	"math"

	"github.com/recurrent-go/recurrent/optim"
)

// Config holds the training settings that the classifier and the tagger
// share (embedded in classify.TrainConfig and tag.TrainConfig, whose JSON
// it joins field by field in config.json): the budget, the batch sizes,
// the optimizer, clipping, early stopping, checkpoint frequency and seed.
type Config struct {
	// Epochs stops training after this many passes over the training data
	// (0: unbounded; then MaxSteps must be set).
	Epochs int `json:"epochs"`
	// MaxSteps stops training after exactly this many optimizer steps (0:
	// no cap). With Epochs too, the first limit reached stops.
	MaxSteps int64 `json:"max_steps,omitempty"`
	// Batch is the number of sequences per step; EvalBatch per evaluation
	// batch (0: the task's default).
	Batch     int `json:"batch_size"`
	EvalBatch int `json:"eval_batch_size,omitempty"`
	// Optimizer is "adam", "adamw", "sgd", "rmsprop" or "adagrad" (optim.New).
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// Clip is the maximal global gradient L2 norm (0: none).
	Clip float64 `json:"clip"`
	// Patience stops training after this many evaluations (one per epoch)
	// without a better one (0: never).
	Patience int `json:"patience,omitempty"`
	// SaveEvery writes the checkpoint after every SaveEvery-th epoch only
	// (0 or 1: every epoch); the end of training and cancellation always
	// save.
	SaveEvery int `json:"save_every,omitempty"`
	// Seed seeds the batch order and the dropout masks.
	Seed uint64 `json:"seed"`
}

// Validate checks the configuration; errors start with prefix
// ("classify: train").
func (c *Config) Validate(prefix string) error {
	switch {
	case c.Epochs < 0 || c.MaxSteps < 0 || c.Batch < 1:
		return fmt.Errorf("%s: epochs %d and max_steps %d must not be negative, batch_size %d must be positive", prefix, c.Epochs, c.MaxSteps, c.Batch)
	case c.Epochs == 0 && c.MaxSteps == 0:
		return fmt.Errorf("%s: no budget: set epochs or max_steps", prefix)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("%s: learning rate %v must be positive and finite", prefix, c.LR)
	case c.Clip < 0 || c.WeightDecay < 0 || c.Patience < 0 || c.EvalBatch < 0 || c.SaveEvery < 0:
		return errors.New(prefix + ": negative clip, weight_decay, patience, save_every or eval_batch_size")
	}
	return nil
}

// Options returns the loop's options for the configuration: the budget,
// patience, clipping and checkpoint frequency.
func (c *Config) Options() Options {
	return Options{Epochs: c.Epochs, Steps: c.MaxSteps, Patience: c.Patience, Clip: c.Clip, SaveEveryEpochs: c.SaveEvery}
}

// OptimOptions returns the optimizer's options (learning rate and weight
// decay) for optim.New.
func (c *Config) OptimOptions() optim.Options {
	return optim.Options{LR: c.LR, WeightDecay: c.WeightDecay}
}
