package train

import (
	"context"
	"fmt"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/optim"
)

// Runner is the part of a task package's trainer that the tasks share
// (lm.CondTrainer and seq2seq.Trainer embed it, classify.Trainer and
// tag.Trainer through TaskTrainer; lm.Trainer drives its Loop itself):
// the Loop over the task, the checkpoint directory, and the mapping of
// the task's training configuration to Options, asked for again before
// every Run so that a caller may change the configuration (a longer
// budget after a resume). It is not safe for concurrent use.
type Runner struct {
	// Dir, if not empty, is the checkpoint directory written during Run.
	Dir string
	// Overwrite lets a fresh run replace a checkpoint in Dir.
	Overwrite bool

	task    Task
	loop    *Loop
	options func() (Options, error)
}

// Start builds the loop over task and opt: a fresh one, or with resume
// set the checkpoint in that directory reopened (Resume; Dir becomes
// resume). options maps the task's configuration to the loop's Options
// (its Dir, Overwrite and Progress are the Runner's).
func (r *Runner) Start(task Task, opt optim.Optimizer, options func() (Options, error), resume string) error {
	r.task, r.options = task, options
	if resume != "" {
		r.Dir = resume
	}
	o, err := r.opts(nil)
	if err != nil {
		return err
	}
	if resume == "" {
		r.loop, err = New(task, opt, o)
	} else {
		r.loop, err = Resume(resume, task, opt, o)
	}
	return err
}

func (r *Runner) opts(progress func(Event)) (Options, error) {
	o, err := r.options()
	if err != nil {
		return o, err
	}
	o.Dir, o.Overwrite, o.Progress = r.Dir, r.Overwrite, progress
	return o, nil
}

// Run runs the loop with the current options; progress, which may be nil,
// receives its events. After a normal stop (nil error) the model holds
// the best evaluation's parameters (Loop.RestoreBest) and, if the task
// has a SetTraining(bool) method, is switched to evaluation mode.
func (r *Runner) Run(ctx context.Context, progress func(Event)) (Result, error) {
	if r.loop == nil {
		return Result{}, fmt.Errorf("train: Runner.Run before Start")
	}
	o, err := r.opts(progress)
	if err != nil {
		return Result{}, err
	}
	r.loop.Options = o
	res, err := r.loop.Run(ctx)
	if err == nil {
		r.loop.RestoreBest()
		if m, ok := r.task.(interface{ SetTraining(bool) }); ok {
			m.SetTraining(false)
		}
	}
	return res, err
}

// Pos returns the current position.
func (r *Runner) Pos() Position { return r.loop.Pos() }

// Loop returns the training loop (its Best, History, BestParams...).
func (r *Runner) Loop() *Loop { return r.loop }

// Save writes a complete training checkpoint to dir (Loop.Save).
func (r *Runner) Save(dir string) error { return r.loop.Save(dir) }

// TaskResult is a task package's Result: the Run's Result and the last
// validation's Metrics M in the task's own terms (nil without validation
// data).
type TaskResult[M any] struct {
	Result
	Valid *M
}

// TaskTrainer is the part of a task package's trainer that is not the
// task's own (classify.Trainer and tag.Trainer embed it): the model Mod,
// its training configuration C, the Runner over the task, and the task's
// MetricsOf, which gives an evaluation's metrics M.
//
// Not safe for concurrent use.
type TaskTrainer[Mod, C, M any] struct {
	Model  *Mod
	Config C
	// Runner holds the loop and the checkpoint directory (Dir,
	// Overwrite); its Pos, Loop and Save are the trainer's.
	Runner

	metricsOf func(*Eval) *M
}

// NewTaskTrainer returns the trainer of model with configuration cfg;
// metricsOf returns the metrics of an evaluation (nil for nil). Its
// Runner is started by the task package (Runner.Start).
func NewTaskTrainer[Mod, C, M any](model *Mod, cfg C, metricsOf func(*Eval) *M) TaskTrainer[Mod, C, M] {
	return TaskTrainer[Mod, C, M]{Model: model, Config: cfg, metricsOf: metricsOf}
}

// Best returns the best evaluation so far (nil without validation data).
func (t *TaskTrainer[Mod, C, M]) Best() *M { return t.metricsOf(t.Loop().Best()) }

// Run trains until the budget is spent, early stopping triggers, the loss
// diverges or ctx is cancelled, with the loop's rules (Runner.Run):
// cancellation saves a checkpoint (when Dir is set) at the exact position
// reached and returns ctx's error, and resuming continues from there.
// After a normal stop the model holds the best parameters on the
// validation data (the last ones without it), in evaluation mode.
// progress, which may be nil, receives the loop's events. Valid is the
// last evaluation's metrics.
func (t *TaskTrainer[Mod, C, M]) Run(ctx context.Context, progress func(Event)) (TaskResult[M], error) {
	res, err := t.Runner.Run(ctx, progress)
	return TaskResult[M]{Result: res, Valid: t.metricsOf(res.Last)}, err
}

// ResumeTask is the common part of a task package's Resume: load reads
// the checkpoint in dir (the model, the checkpoint and the training
// configuration, nil for a model checkpoint without training state,
// which is an error naming the package pkg), and start builds the
// package's trainer T from them, continuing from dir.
func ResumeTask[Mod, C, T any](pkg, dir string, load func(dir string) (*Mod, *checkpoint.Checkpoint, *C, error),
	start func(m *Mod, ck *checkpoint.Checkpoint, tc C) (*T, error)) (*T, error) {
	m, ck, tc, err := load(dir)
	if err != nil {
		return nil, err
	}
	if tc == nil {
		return nil, fmt.Errorf("%s: %s is a model checkpoint without training state", pkg, dir)
	}
	return start(m, ck, *tc)
}
