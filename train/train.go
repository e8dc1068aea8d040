package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
)

// Options configure a Loop. The zero value of every field but the budget
// means "off" (or the default noted); at least one of Epochs, Steps and
// TimeLimit must be set. Options may be changed between Runs (for example
// to extend the budget of a resumed run); they are not saved in the
// checkpoint, which is the task's job (its training config in Files).
type Options struct {
	// Epochs stops training when this many epochs are done (0: unbounded).
	Epochs int
	// Steps stops training when Position.Step reaches it (0: unbounded):
	// exactly that many optimizer steps since training began.
	Steps int64
	// TimeLimit stops training after this much wall time in a Run (0:
	// none); the evaluation and checkpoint of a stop follow.
	TimeLimit time.Duration

	// EvalEvery evaluates every this many steps as well as after every
	// epoch and when training stops (0: after every epoch and at the stop).
	EvalEvery int64
	// Patience stops training after this many evaluations in a row
	// without a better one (0: never). Every evaluation counts, including
	// those of EvalEvery.
	Patience int
	// Better reports whether e beats best (nil: a higher Score, or an
	// equal Score with a lower Loss).
	Better func(e, best *Eval) bool

	// Clip clips the global L2 norm of the gradients of ClipParams to this
	// (0: no clipping; the norm is reported either way).
	Clip float64
	// ClipParams are the parameters clipped and measured (nil:
	// Task.Params()). Set it to the optimizer's parameters when they differ
	// (a frozen or partly trained embedding).
	ClipParams []*nn.Param

	// Schedule, if set, gives the learning rate before every step from the
	// step number (Position.Step) or, with ScheduleByEpoch, the epoch.
	Schedule        optim.Schedule
	ScheduleByEpoch bool
	// DecayFactor multiplies the learning rate at the end of every epoch
	// numbered DecayStart (1-based) or later (0 or 1: never).
	DecayFactor float64
	DecayStart  int
	// PlateauFactor multiplies the learning rate after more than
	// PlateauPatience evaluations in a row without improvement
	// (optim.ReduceLROnPlateau with no threshold, no cooldown; 0: never).
	// With a Schedule it scales the schedule's rates instead.
	PlateauFactor   float64
	PlateauPatience int

	// DivergeFactor is the divergence rule: a step whose loss is NaN or
	// infinite, or above DivergeFactor times max(1, reference), stops
	// training with an error wrapping ErrDiverged, before the optimizer
	// step and without saving. The reference is the lowest running median
	// of the last DivergeWindow step losses seen in training (from the
	// first step on, so a run that explodes at once is caught too; kept
	// across resumes). 0: 20; negative: only non-finite losses. A
	// non-finite gradient, evaluation or parameter is divergence too.
	DivergeFactor float64
	// DivergeWindow is the number of recent losses the median is taken
	// over (0: 100).
	DivergeWindow int

	// Dir, if not empty, is the checkpoint directory. It is written at the
	// end of every epoch (every SaveEveryEpochs-th with that set), every
	// SaveEvery steps, when training stops and on cancellation.
	Dir             string
	SaveEvery       int64
	SaveEveryEpochs int
	// Overwrite lets a fresh (not resumed) Loop replace a checkpoint
	// already in Dir; without it Run refuses to start.
	Overwrite bool
	// Meta is the safetensors metadata of model.safetensors and
	// last.safetensors (for example {"format": "pt", "model": "recurrent-lm"}).
	Meta map[string]string
	// Data fingerprints the data sets (see FingerprintIDs): saved in
	// state.json, and Resume refuses a checkpoint whose fingerprints differ.
	Data []Fingerprint

	// Progress, if set, receives every Event.
	Progress func(Event)
}

func (o *Options) validate() error {
	switch {
	case o.Epochs < 0 || o.Steps < 0 || o.TimeLimit < 0:
		return fmt.Errorf("train: negative budget: epochs %d, steps %d, time limit %v", o.Epochs, o.Steps, o.TimeLimit)
	case o.Epochs == 0 && o.Steps == 0 && o.TimeLimit == 0:
		return errors.New("train: no budget: set the epochs, the steps or a time limit")
	case o.EvalEvery < 0 || o.Patience < 0 || o.SaveEvery < 0 || o.SaveEveryEpochs < 0 || o.DecayStart < 0 || o.PlateauPatience < 0 || o.DivergeWindow < 0:
		return errors.New("train: negative eval_every, patience, save_every, decay_start, plateau_patience or diverge_window")
	case !(o.Clip >= 0) || math.IsInf(o.Clip, 0):
		return fmt.Errorf("train: clip %v must be finite and non-negative", o.Clip)
	case !(o.DecayFactor >= 0) || math.IsInf(o.DecayFactor, 0):
		return fmt.Errorf("train: decay factor %v must be finite and non-negative", o.DecayFactor)
	case o.PlateauFactor != 0 && !(o.PlateauFactor > 0 && o.PlateauFactor < 1):
		return fmt.Errorf("train: plateau factor %v outside (0, 1)", o.PlateauFactor)
	case math.IsNaN(o.DivergeFactor):
		return errors.New("train: diverge factor is NaN")
	}
	return nil
}

// ErrDiverged is wrapped by the error of a Run stopped by the divergence
// rule (Options.DivergeFactor).
var ErrDiverged = errors.New("training diverged")

// Result summarizes a Run.
type Result struct {
	Pos  Position
	Stop StopReason
	// TrainLoss is the mean step loss of the last epoch with steps, across
	// resumes (partial when the run stopped inside one; 0: no step yet).
	TrainLoss float64
	Last      *Eval // the last evaluation (nil: none)
	Best      *Eval // the best evaluation so far (across resumes)
	Items     int64 // StepResult.Items summed over this Run
	Steps     int64 // steps taken in this Run
	Elapsed   time.Duration
	// Saved is the position of the last checkpoint written (Step -1:
	// none in this Run).
	Saved Position
}

// Loop trains a Task. It is not safe for concurrent use.
type Loop struct {
	// Options apply from the next Run.
	Options Options

	task Task
	opt  optim.Optimizer

	pos     Position
	lrScale float64 // multiplies Schedule's rates (plateau, decay)
	early   nn.EarlyStopping
	best    *Eval
	last    *Eval
	history []Eval
	// sinceLoss/sinceN: step losses since the last evaluation.
	sinceLoss float64
	sinceN    int
	// epochLoss/epochN: the step losses of the epoch in progress;
	// lastEpoch: the mean of the last finished epoch with steps.
	epochLoss float64
	epochN    int
	lastEpoch float64
	plateau   *optim.ReduceLROnPlateau
	plateauSt optim.PlateauState
	div       divergence
	// fresh: not resumed and not yet saved to Options.Dir by this Loop.
	fresh bool
	// evalDue: the evaluation at this step failed (was cancelled), so the
	// next Run makes it up first (saved in state.json).
	evalDue bool
}

// New returns a loop training task with opt (build it with optim.New over
// the parameters to train) from the start.
func New(task Task, opt optim.Optimizer, o Options) (*Loop, error) {
	if task == nil || opt == nil {
		return nil, errors.New("train: New needs a task and an optimizer")
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	l := &Loop{Options: o, task: task, opt: opt, lrScale: 1, fresh: true}
	l.div.setup(o.DivergeFactor, o.DivergeWindow)
	return l, nil
}

// Pos returns the current position.
func (l *Loop) Pos() Position { return l.pos }

// Best returns the best evaluation so far (nil: none).
func (l *Loop) Best() *Eval { return l.best }

// History returns every evaluation so far, across resumes, oldest first.
func (l *Loop) History() []Eval { return l.history }

// Optimizer returns the optimizer the loop steps.
func (l *Loop) Optimizer() optim.Optimizer { return l.opt }

// BestParams returns the parameters to use as the model: Task.Params()
// with the data of the best evaluation (shared, see nn.WithData), or the
// current ones before any evaluation.
func (l *Loop) BestParams() []*nn.Param { return l.early.BestParams(l.task.Params()) }

// RestoreBest copies the best evaluation's parameters into the model
// (nothing before any evaluation). A later Run continues from them.
func (l *Loop) RestoreBest() { l.early.RestoreBest(l.task.Params()) }

func (l *Loop) better(e, best *Eval) bool {
	if best == nil {
		return true
	}
	if l.Options.Better != nil {
		return l.Options.Better(e, best)
	}
	return e.Score > best.Score || (e.Score == best.Score && e.Loss < best.Loss)
}

// run is the state of one Run.
type run struct {
	ctx    context.Context
	start  time.Time
	res    Result
	nb     int   // batches of the current epoch
	evalAt int64 // step of the last evaluation in this Run (-1: none)
}

func (l *Loop) emit(e Event) {
	if l.Options.Progress != nil {
		l.Options.Progress(e)
	}
}

// Run trains until a budget is used up, early stopping triggers, the
// divergence rule fires or ctx is cancelled, then returns a summary. A
// budget or early stop ends with an evaluation and a checkpoint (when
// Dir is set) and a nil error. Cancellation saves the exact position and
// returns ctx's error (Result.Stop StopCancelled); Resume continues from
// there as if never interrupted. Divergence returns an error wrapping
// ErrDiverged and saves nothing, leaving the last good checkpoint.
func (l *Loop) Run(ctx context.Context) (Result, error) {
	o := &l.Options
	r := &run{ctx: ctx, start: time.Now(), evalAt: -1}
	r.res.Saved.Step = -1
	if err := o.validate(); err != nil {
		return l.finish(r, StopError, err)
	}
	if o.Dir != "" {
		if err := CheckDir(o.Dir, !l.fresh || o.Overwrite); err != nil {
			return l.finish(r, StopError, err)
		}
	}
	if err := l.setup(); err != nil {
		return l.finish(r, StopError, err)
	}
	l.early.Stopped = o.Patience > 0 && l.early.Bad >= o.Patience
	if l.evalDue {
		// The last Run was cancelled inside this step's evaluation; at
		// the end of an epoch, the rest of the epoch's end follows (before
		// any stop, as without the cancel).
		var err error
		if r.nb, err = l.task.Epoch(l.pos.Epoch); err == nil {
			err = l.evaluate(r)
		}
		if err == nil && l.pos.Batch >= r.nb {
			err = l.endEpoch(r)
		}
		if err != nil {
			return l.fail(r, err)
		}
	}
	for {
		if reason := l.limit(r); reason != "" {
			return l.stop(r, reason)
		}
		nb, err := l.task.Epoch(l.pos.Epoch)
		if err != nil {
			return l.finish(r, StopError, fmt.Errorf("train: epoch %d: %w", l.pos.Epoch+1, err))
		}
		if nb < 1 || l.pos.Batch > nb {
			return l.finish(r, StopError, fmt.Errorf("train: epoch %d has %d batches, position %+v", l.pos.Epoch+1, nb, l.pos))
		}
		r.nb = nb
		for l.pos.Batch < nb {
			if err := ctx.Err(); err != nil {
				return l.interrupt(r, err)
			}
			if reason := l.limit(r); reason != "" {
				return l.stop(r, reason)
			}
			if err := l.step(r); err != nil {
				return l.fail(r, err)
			}
			if o.EvalEvery > 0 && l.pos.Step%o.EvalEvery == 0 && l.pos.Batch < nb {
				if err := l.evaluate(r); err != nil {
					return l.fail(r, err)
				}
				if l.early.Stopped {
					return l.stop(r, StopEarly)
				}
			}
			if o.SaveEvery > 0 && l.pos.Step%o.SaveEvery == 0 && l.pos.Batch < nb {
				if err := l.save(r); err != nil {
					return l.fail(r, err)
				}
			}
		}
		if err := l.endEpoch(r); err != nil {
			return l.fail(r, err)
		}
	}
}

// setup prepares the plateau schedule and the divergence window.
func (l *Loop) setup() error {
	o := &l.Options
	l.plateau = nil
	if o.PlateauFactor > 0 {
		var target optim.Optimizer = l.opt
		if o.Schedule != nil {
			target = &scaleLR{l}
		}
		p, err := optim.NewReduceLROnPlateau(target, o.PlateauFactor, o.PlateauPatience)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		p.Threshold, p.Eps = 0, 0
		p.SetState(l.plateauSt, math.Inf(1))
		l.plateau = p
	}
	l.div.setup(o.DivergeFactor, o.DivergeWindow)
	return nil
}

// limit returns the budget that is used up, if any.
func (l *Loop) limit(r *run) StopReason {
	o := &l.Options
	switch {
	case o.Steps > 0 && l.pos.Step >= o.Steps:
		return StopSteps
	case o.Epochs > 0 && l.pos.Epoch >= o.Epochs:
		return StopEpochs
	case l.early.Stopped:
		return StopEarly
	case o.TimeLimit > 0 && time.Since(r.start) >= o.TimeLimit:
		return StopTime
	}
	return ""
}

// total is the step count the budget allows (0: unbounded).
func (l *Loop) total(nb int) int64 {
	o := &l.Options
	var n int64
	if o.Epochs > 0 {
		// Steps done before this epoch are not known exactly after a
		// resume with another batch count; epochs have nb batches each.
		n = int64(o.Epochs) * int64(nb)
	}
	if o.Steps > 0 && (n == 0 || o.Steps < n) {
		n = o.Steps
	}
	return n
}

// step takes one optimizer step.
func (l *Loop) step(r *run) error {
	o := &l.Options
	if o.Schedule != nil {
		at := int(l.pos.Step)
		if o.ScheduleByEpoch {
			at = l.pos.Epoch
		}
		l.opt.SetLR(o.Schedule(at) * l.lrScale)
	}
	lr := l.opt.LR()
	l.opt.ZeroGrad()
	sr, err := l.task.Step(l.pos)
	if err != nil {
		return fmt.Errorf("train: epoch %d batch %d (step %d): %w", l.pos.Epoch+1, l.pos.Batch+1, l.pos.Step+1, err)
	}
	if err := l.div.check(sr.Loss); err != nil {
		return fmt.Errorf("train: epoch %d batch %d (step %d): %w", l.pos.Epoch+1, l.pos.Batch+1, l.pos.Step+1, err)
	}
	ps := o.ClipParams
	if ps == nil {
		ps = l.task.Params()
	}
	var norm float64
	if o.Clip > 0 {
		norm = optim.ClipGradNorm(ps, o.Clip)
	} else {
		norm = optim.GradNorm(ps)
	}
	if err := l.opt.Step(); err != nil {
		// The optimizer refuses non-finite gradients.
		return fmt.Errorf("train: epoch %d batch %d (step %d): %w: %w", l.pos.Epoch+1, l.pos.Batch+1, l.pos.Step+1, ErrDiverged, err)
	}
	l.div.add(sr.Loss)
	l.pos.Batch++
	l.pos.Step++
	l.epochLoss += sr.Loss
	l.epochN++
	l.sinceLoss += sr.Loss
	l.sinceN++
	r.res.Items += int64(sr.Items)
	r.res.Steps++
	el := time.Since(r.start)
	ev := StepEvent{Pos: l.pos, Batches: r.nb, Total: l.total(r.nb), Loss: sr.Loss, AvgLoss: l.epochLoss / float64(l.epochN),
		GradNorm: norm, LR: lr, Items: r.res.Items, Elapsed: el}
	if s := el.Seconds(); s > 0 {
		ev.ItemsPerSec = float64(r.res.Items) / s
	}
	l.emit(ev)
	return nil
}

// evaluate runs Task.Evaluate and keeps the best model; it reports
// whether the evaluation improved on the best (false without one).
func (l *Loop) evaluate(r *run) error {
	if r.evalAt == l.pos.Step {
		return nil
	}
	e, err := l.task.Evaluate(r.ctx)
	l.evalDue = err != nil
	if err != nil {
		return fmt.Errorf("train: evaluation at step %d: %w", l.pos.Step, err)
	}
	r.evalAt = l.pos.Step
	if e == nil {
		return nil
	}
	if !finite(e.Loss) || !finite(e.Score) {
		return fmt.Errorf("train: evaluation at step %d: %w: validation loss %v, score %v", l.pos.Step, ErrDiverged, e.Loss, e.Score)
	}
	ev := *e
	ev.Metrics = cleanMetrics(e.Metrics)
	ev.Step, ev.LR = l.pos.Step, l.opt.LR()
	ev.Epoch = float64(l.pos.Epoch) + float64(l.pos.Batch)/float64(max(r.nb, 1))
	if l.sinceN > 0 {
		ev.TrainLoss = l.sinceLoss / float64(l.sinceN)
	}
	l.sinceLoss, l.sinceN = 0, 0
	improved := l.better(&ev, l.best)
	if improved {
		b := ev
		l.best = &b
	}
	l.last = &ev
	l.history = append(l.history, ev)
	l.early.Observe(improved, l.Options.Patience, l.task.Params())
	l.emit(EvalEvent{Pos: l.pos, Eval: ev, Best: l.best, Improved: improved, Bad: l.early.Bad, Elapsed: time.Since(r.start)})
	if l.plateau != nil {
		old := l.curLR()
		if l.plateau.Observe(improved) {
			l.emit(LREvent{Pos: l.pos, Old: old, LR: l.curLR(), Reason: "plateau", Elapsed: time.Since(r.start)})
		}
		l.plateauSt = l.plateau.State()
	}
	return nil
}

// curLR is the rate the next step will use, as far as it is known.
func (l *Loop) curLR() float64 {
	if s := l.Options.Schedule; s != nil {
		at := int(l.pos.Step)
		if l.Options.ScheduleByEpoch {
			at = l.pos.Epoch
		}
		return s(at) * l.lrScale
	}
	return l.opt.LR()
}

// endEpoch evaluates, applies the epoch's learning-rate decay, moves to
// the next epoch and saves when due.
func (l *Loop) endEpoch(r *run) error {
	o := &l.Options
	if err := l.evaluate(r); err != nil {
		return err
	}
	var epochEval *Eval
	if l.last != nil && r.evalAt == l.pos.Step && l.last.Step == l.pos.Step {
		e := *l.last
		epochEval = &e
	}
	if o.DecayFactor > 0 && o.DecayFactor != 1 && l.pos.Epoch+1 >= o.DecayStart {
		old := l.curLR()
		if o.Schedule != nil {
			l.lrScale *= o.DecayFactor
		} else {
			l.opt.SetLR(l.opt.LR() * o.DecayFactor)
		}
		l.emit(LREvent{Pos: l.pos, Old: old, LR: l.curLR(), Reason: "decay", Elapsed: time.Since(r.start)})
	}
	if l.epochN > 0 {
		l.lastEpoch = l.epochLoss / float64(l.epochN)
	}
	l.pos.Epoch++
	l.pos.Batch = 0
	l.emit(EpochEvent{Epoch: l.pos.Epoch, TrainLoss: l.lastEpoch, Eval: epochEval, LR: l.curLR(), Elapsed: time.Since(r.start)})
	l.epochLoss, l.epochN = 0, 0
	if o.Dir != "" && (o.SaveEveryEpochs <= 1 || l.pos.Epoch%o.SaveEveryEpochs == 0 || (o.SaveEvery > 0 && l.pos.Step%o.SaveEvery == 0)) {
		return l.save(r)
	}
	return nil
}

// stop ends a Run whose budget is used up or whose early stopping
// triggered: a final evaluation and checkpoint unless done at this step,
// also by an earlier Run (a Run cancelled after its last step left them
// undone, and its resume makes them).
func (l *Loop) stop(r *run, reason StopReason) (Result, error) {
	nothingDone := r.res.Steps == 0 && r.evalAt < 0
	if nothingDone && l.last != nil && l.last.Step == l.pos.Step {
		// A budget already used up by a Run that evaluated there.
		return l.finish(r, reason, nil)
	}
	n := len(l.history)
	if r.nb == 0 {
		// Stopped before any step of this Run: the evaluation's epoch
		// needs the batch count.
		nb, err := l.task.Epoch(l.pos.Epoch)
		if err != nil {
			return l.finish(r, StopError, fmt.Errorf("train: epoch %d: %w", l.pos.Epoch+1, err))
		}
		r.nb = nb
	}
	if err := l.evaluate(r); err != nil {
		return l.fail(r, err)
	}
	if nothingDone && len(l.history) == n {
		// No validation data: the checkpoint is complete as it is.
		return l.finish(r, reason, nil)
	}
	if l.Options.Dir != "" && r.res.Saved != l.pos {
		if err := l.save(r); err != nil {
			return l.fail(r, err)
		}
	}
	return l.finish(r, reason, nil)
}

// interrupt saves the exact position after a cancellation.
func (l *Loop) interrupt(r *run, err error) (Result, error) {
	if l.Options.Dir != "" && r.res.Saved != l.pos {
		if serr := l.save(r); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	return l.finish(r, StopCancelled, err)
}

// fail ends a Run with err: a cancellation (also inside an evaluation)
// saves the position, divergence and other errors save nothing.
func (l *Loop) fail(r *run, err error) (Result, error) {
	if ctxErr := r.ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return l.interrupt(r, err)
	}
	if errors.Is(err, ErrDiverged) {
		if r.res.Saved.Step >= 0 || l.Options.Dir != "" {
			err = fmt.Errorf("%w (nothing diverged was saved; %s)", err, l.lastGood(r))
		}
		return l.finish(r, StopDiverged, err)
	}
	return l.finish(r, StopError, err)
}

// lastGood describes the checkpoint a diverged run leaves.
func (l *Loop) lastGood(r *run) string {
	if r.res.Saved.Step >= 0 {
		return fmt.Sprintf("%s holds step %d", l.Options.Dir, r.res.Saved.Step)
	}
	if l.fresh {
		return "no checkpoint was written"
	}
	return fmt.Sprintf("%s holds the checkpoint this run started from", l.Options.Dir)
}

func (l *Loop) finish(r *run, reason StopReason, err error) (Result, error) {
	res := r.res
	res.Pos, res.Stop, res.Last, res.Best, res.Elapsed = l.pos, reason, l.last, l.best, time.Since(r.start)
	res.TrainLoss = l.lastEpoch
	if l.epochN > 0 {
		res.TrainLoss = l.epochLoss / float64(l.epochN)
	}
	l.emit(StopEvent{Pos: l.pos, Reason: reason, Err: err, Elapsed: res.Elapsed})
	return res, err
}

// save writes the checkpoint to Options.Dir.
func (l *Loop) save(r *run) error {
	if l.Options.Dir == "" {
		return nil
	}
	if err := l.Save(l.Options.Dir); err != nil {
		return err
	}
	l.fresh = false
	r.res.Saved = l.pos
	l.emit(CheckpointEvent{Pos: l.pos, Dir: l.Options.Dir, Elapsed: time.Since(r.start)})
	return nil
}

// scaleLR lets a ReduceLROnPlateau scale the rates of a Schedule: its
// learning rate is the loop's scale.
type scaleLR struct{ l *Loop }

func (s *scaleLR) Step() error                { return nil }
func (s *scaleLR) ZeroGrad()                  {}
func (s *scaleLR) SetLR(lr float64)           { s.l.lrScale = lr }
func (s *scaleLR) LR() float64                { return s.l.lrScale }
func (s *scaleLR) State() optim.State         { return optim.State{} }
func (s *scaleLR) SetState(optim.State) error { return nil }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// cleanMetrics copies m without its non-finite values (nil if empty).
func cleanMetrics(m map[string]float64) map[string]float64 {
	var out map[string]float64
	for k, v := range m {
		if finite(v) {
			if out == nil {
				out = make(map[string]float64, len(m))
			}
			out[k] = v
		}
	}
	return out
}

// HigherScore is an Options.Better for tasks whose model selection
// counts the score only: e beats best when its Score is strictly higher
// (a tie keeps the earlier model, whatever the losses).
func HigherScore(e, best *Eval) bool { return e.Score > best.Score }
