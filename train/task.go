package train

import (
	"context"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
)

// Task is what a training task supplies to the Loop. Its methods are
// called from the goroutine of Run only.
type Task interface {
	// Params returns every parameter of the model, in checkpoint order:
	// the loop snapshots them for the best model and writes them as
	// model.safetensors and last.safetensors.
	Params() []*nn.Param
	// Epoch prepares epoch e (0-based) and returns its number of batches.
	// The batch order must be a function of the task's seed and e only,
	// so that a resumed run sees the batches an uninterrupted one would.
	// It is called at the start of every epoch, and for the epoch in
	// progress at the start of every Run.
	Epoch(e int) (batches int, err error)
	// Step runs forward and backward on batch pos.Batch of epoch
	// pos.Epoch in training mode, with the gradients zeroed, and returns the
	// batch's mean loss. Randomness (dropout) must be seeded from pos.Step.
	// pos.Batch == 0 starts an epoch (the language model resets its
	// carried state there).
	Step(pos Position) (StepResult, error)
	// Evaluate scores the model on the validation data in evaluation mode
	// (restoring training mode after) and returns nil, nil without
	// validation data. ctx cancels a long evaluation.
	Evaluate(ctx context.Context) (*Eval, error)
	// Files returns the task's own checkpoint files besides the weights,
	// the optimizer state and state.json: its config.json (model and
	// training configuration), vocabularies, and any state a resume needs
	// (read back by Restorer).
	Files() ([]checkpoint.File, error)
}

// Restorer is implemented by a task whose checkpoint holds state of its
// own beyond the weights (Task.Files): Resume calls Restore with the
// checkpoint after the weights and optimizer are read.
type Restorer interface {
	// Restore reads the task's own state back from ck, the checkpoint
	// being resumed (the files its Task.Files wrote).
	Restore(ck *checkpoint.Checkpoint) error
}

// StepResult is what Task.Step returns.
type StepResult struct {
	Loss  float64 // mean loss of the batch (nats per token or example)
	Items int     // tokens or examples trained on, for the throughput shown
}

// Position is where training stands: the epoch in progress (0-based), the
// next batch of that epoch, and the optimizer steps taken since training
// began (across resumes).
type Position struct {
	Epoch int   `json:"epoch"`
	Batch int   `json:"batch"`
	Step  int64 `json:"step"`
}

// Eval is one evaluation on the validation data. The task fills Loss,
// Score and Metrics; the loop fills the rest.
type Eval struct {
	// Loss is the mean validation loss.
	Loss float64 `json:"loss"`
	// Score selects the model: higher is better (-Loss for a language
	// model, accuracy, F1, exact match). Ties go to the lower Loss (see
	// Options.Better).
	Score float64 `json:"score"`
	// Metrics are further named figures (perplexity, accuracy, f1, ...),
	// shown in progress and kept in state.json; non-finite values are
	// dropped.
	Metrics map[string]float64 `json:"metrics,omitempty"`

	Step      int64   `json:"step"`                 // steps taken when it was made
	Epoch     float64 `json:"epoch"`                // epochs done, fractional inside an epoch
	TrainLoss float64 `json:"train_loss,omitempty"` // mean step loss since the previous evaluation (0: none)
	LR        float64 `json:"lr"`                   // learning rate at the time
}
