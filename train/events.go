package train

import "time"

// Event is a progress report of a Run: one of StepEvent, EvalEvent,
// LREvent, EpochEvent, CheckpointEvent or StopEvent. Events are delivered
// synchronously on the goroutine of Run, so a handler must be quick.
type Event interface{ isEvent() }

// StepEvent follows every optimizer step.
type StepEvent struct {
	Pos     Position // after the step
	Batches int      // batches per epoch (of the current epoch)
	// Total is the number of steps the run will take if no other limit
	// stops it first: the step budget, or the epochs' batches, whichever is
	// smaller (0: unbounded, only a time limit).
	Total    int64
	Loss     float64 // this step's mean loss
	AvgLoss  float64 // mean over the epoch's steps so far (across resumes)
	GradNorm float64 // global gradient L2 norm before clipping
	LR       float64 // the learning rate this step used
	// Items counts what the task trains on (Step's StepResult.Items: tokens,
	// examples) over this Run; ItemsPerSec is Items over Elapsed.
	Items       int64
	ItemsPerSec float64
	Elapsed     time.Duration // since Run started
}

// EvalEvent follows every evaluation.
type EvalEvent struct {
	Pos      Position
	Eval     Eval  // this evaluation (Eval.TrainLoss: mean since the previous one)
	Best     *Eval // the best one so far (this one when Improved)
	Improved bool
	// Bad counts the evaluations in a row without improvement (early
	// stopping stops at Options.Patience).
	Bad     int
	Elapsed time.Duration
}

// LREvent reports a change of the learning rate other than by
// Options.Schedule: Reason is "plateau" (Options.PlateauFactor) or "decay"
// (Options.DecayFactor).
type LREvent struct {
	Pos     Position
	Old, LR float64
	Reason  string
	Elapsed time.Duration
}

// EpochEvent follows the end of an epoch (after its evaluation and
// learning-rate changes, before its checkpoint).
type EpochEvent struct {
	Epoch     int     // epochs completed (1-based number of the one that ended)
	TrainLoss float64 // mean step loss of the epoch (across resumes)
	Eval      *Eval   // the end-of-epoch evaluation (nil without validation data)
	LR        float64 // the learning rate for the next epoch
	Elapsed   time.Duration
}

// CheckpointEvent follows every checkpoint written.
type CheckpointEvent struct {
	Pos     Position
	Dir     string
	Elapsed time.Duration
}

// StopEvent is the last event of a Run.
type StopEvent struct {
	Pos     Position
	Reason  StopReason
	Err     error // the error Run returns (nil after a normal stop)
	Elapsed time.Duration
}

func (StepEvent) isEvent()       {}
func (EvalEvent) isEvent()       {}
func (LREvent) isEvent()         {}
func (EpochEvent) isEvent()      {}
func (CheckpointEvent) isEvent() {}
func (StopEvent) isEvent()       {}

// StopReason says why a Run ended.
type StopReason string

// The reasons a Run ends.
const (
	StopEpochs    StopReason = "epochs"     // Options.Epochs epochs done
	StopSteps     StopReason = "steps"      // Options.Steps steps done
	StopTime      StopReason = "time_limit" // Options.TimeLimit passed
	StopEarly     StopReason = "early_stop" // Options.Patience evaluations without improvement
	StopCancelled StopReason = "cancelled"  // ctx was cancelled (the position was saved)
	StopDiverged  StopReason = "diverged"   // the divergence rule fired (nothing was saved)
	StopError     StopReason = "error"      // any other error
)
