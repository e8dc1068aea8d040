package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/train"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/spf13/cobra"
)

// Helpers shared by the training commands `classify train` and `tag train`.

// trainRunFlags are the flags of a training command that concern the run
// rather than the model: the budget, resuming and output.
type trainRunFlags struct {
	out                              string
	epochs                           int
	steps                            int64
	resume, overwrite, asJSON, quiet bool
}

// addTrainRunFlags registers --out, --epochs (default epochs), --steps,
// --resume, --overwrite, --json and --quiet on cmd.
func addTrainRunFlags(cmd *cobra.Command, f *trainRunFlags, epochs int) {
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "checkpoint directory (written atomically; required)")
	fl.IntVar(&f.epochs, "epochs", epochs, "passes over the training data (with --steps alone: unbounded)")
	fl.Int64Var(&f.steps, "steps", 0, "train exactly this many optimizer steps (0: no cap); epochs are then unbounded unless --epochs is given")
	fl.BoolVar(&f.resume, "resume", false, "continue the training checkpoint in --out (budget flags given apply from its step)")
	fl.BoolVar(&f.overwrite, "overwrite", false, "replace a checkpoint already in --out (default: refuse)")
	fl.BoolVar(&f.asJSON, "json", false, "print the summary as JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
}

// checkOut checks --out (required) before any data is read: --resume and --overwrite
// exclude each other, and a fresh run refuses an existing checkpoint
// (unless --overwrite) and an --out it could not write.
func (f *trainRunFlags) checkOut() error {
	if f.out == "" {
		return errors.New("--out is required (the checkpoint directory)")
	}
	if f.resume && f.overwrite {
		return errors.New("--resume and --overwrite exclude each other")
	}
	if f.resume {
		return nil
	}
	if err := train.CheckDir(f.out, f.overwrite); err != nil {
		return fmt.Errorf("--out: %w; --resume continues it, --overwrite replaces it", err)
	}
	return nil
}

// budget returns the epochs and steps of a run: --steps alone makes the
// epochs unbounded. On --resume, changed reports whether a budget flag was
// given (the checkpoint's budget is kept otherwise).
func (f *trainRunFlags) budget(cmd *cobra.Command) (epochs int, steps int64, changed bool) {
	fl := cmd.Flags()
	e, s := fl.Changed("epochs"), fl.Changed("steps")
	epochs = f.epochs
	if s && !e {
		epochs = 0
	}
	return epochs, f.steps, e || s
}

// runSummary is the part of a training command's summary every trainer
// shares.
type runSummary struct {
	Checkpoint string         `json:"checkpoint"`
	Params     int            `json:"params"`
	Position   train.Position `json:"position"`
	Steps      int64          `json:"steps"`
	TrainLoss  float64        `json:"train_loss"`
	Stop       string         `json:"stop_reason"`
	EarlyStop  bool           `json:"early_stopped"`
	Seconds    float64        `json:"seconds"`
	Interrupt  bool           `json:"interrupted,omitempty"`
	// BestEpoch is the epochs done (fractional inside one) when the best
	// evaluation was made (0: none).
	BestEpoch float64 `json:"best_epoch,omitempty"`
}

// newRunSummary summarizes a train.Loop run into dir.
func newRunSummary(dir string, params int, res train.Result, interrupted bool) runSummary {
	s := runSummary{Checkpoint: dir, Params: params, Position: res.Pos, Steps: res.Pos.Step, TrainLoss: res.TrainLoss,
		Stop: string(res.Stop), EarlyStop: res.Stop == train.StopEarly, Seconds: res.Elapsed.Seconds(), Interrupt: interrupted}
	if res.Best != nil {
		s.BestEpoch = res.Best.Epoch
	}
	return s
}

// runError sorts the error of a training Run: a divergence becomes an
// error with advice, an interruption is reported (true) for the summary to
// be printed before interruptedError.
func runError(ctx context.Context, err error) (interrupted bool, _ error) {
	if errors.Is(err, train.ErrDiverged) {
		return false, fmt.Errorf("%w; lower --lr or clip the gradients (--clip)", err)
	}
	if isInterrupted(ctx, err) {
		return true, nil
	}
	return false, err
}

// writeTrained writes the first line of a training command's text summary.
func writeTrained(w io.Writer, s runSummary) {
	fmt.Fprintf(w, "trained %d steps (epoch %d, batch %d) in %.1fs; train loss %.4f; stopped: %s\n",
		s.Steps, s.Position.Epoch, s.Position.Batch, s.Seconds, s.TrainLoss, s.Stop)
}

// isInterrupted reports whether err is the cancellation of ctx (Ctrl-C),
// after which the trainer has saved a checkpoint to resume from.
func isInterrupted(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
}

// interruptedError is the error a training command returns after an
// interruption, pointing at the checkpoint dir to resume.
func interruptedError(dir string, err error) error {
	return fmt.Errorf("interrupted; resume with --resume (checkpoint %s): %w", dir, err)
}

// paramCount returns the number of scalars in ps.
func paramCount(ps []*nn.Param) int {
	n := 0
	for _, p := range ps {
		n += p.Size()
	}
	return n
}

// loopSummary is the summary a training command prints (--json: as is)
// after the shared loop stops.
type loopSummary struct {
	Checkpoint string         `json:"checkpoint"`
	Params     int            `json:"params"`
	Position   train.Position `json:"position"`
	Steps      int64          `json:"steps"`
	Stop       string         `json:"stop_reason"`
	TrainLoss  float64        `json:"train_loss"`
	Seconds    float64        `json:"seconds"`
	TokensPerS float64        `json:"tokens_per_second"`
	Best       *train.Eval    `json:"best,omitempty"`
	Last       *train.Eval    `json:"last,omitempty"`
}

// writeLoopSummary prints a training run's summary (as JSON with asJSON).
func writeLoopSummary(w io.Writer, s *loopSummary, asJSON bool) error {
	if asJSON {
		return writeJSON(w, s)
	}
	fmt.Fprintf(w, "trained %d steps (epoch %d, batch %d) in %.1fs, %.0f tokens/s; train loss %.4f; stopped: %s\n",
		s.Steps, s.Position.Epoch, s.Position.Batch, s.Seconds, s.TokensPerS, s.TrainLoss, s.Stop)
	if b := s.Best; b != nil {
		fmt.Fprintf(w, "model: step %d, epoch %.2f (best validation: score %.4f, loss %.4f)\n", b.Step, b.Epoch, b.Score, b.Loss)
	}
	_, err := fmt.Fprintf(w, "checkpoint: %s\n", s.Checkpoint)
	return err
}

// loopRun is a training run on the shared loop, as a command reports it.
type loopRun struct {
	name, out string // the command ("translate train"), --out
	asJSON    bool
	params    int
	prog      *trainProgress
}

// report runs run with the progress display, then prints the summary;
// divergence and interruption give errors that say what to do.
func (r *loopRun) report(cmd *cobra.Command, run func(ctx context.Context, progress func(train.Event)) (train.Result, error)) error {
	res, err := run(cmd.Context(), r.prog.handle)
	r.prog.finish()
	interrupted := isInterrupted(cmd.Context(), err)
	switch {
	case errors.Is(err, train.ErrDiverged):
		return fmt.Errorf("%s: %w; lower --lr or clip the gradients (--clip)", r.name, err)
	case err != nil && !interrupted:
		return err
	}
	sum := loopSummary{Checkpoint: r.out, Params: r.params, Position: res.Pos, Steps: res.Pos.Step,
		Stop: string(res.Stop), TrainLoss: res.TrainLoss, Seconds: res.Elapsed.Seconds(), Best: res.Best, Last: res.Last}
	if s := res.Elapsed.Seconds(); s > 0 {
		sum.TokensPerS = float64(res.Items) / s
	}
	if err := writeLoopSummary(cmd.OutOrStdout(), &sum, r.asJSON); err != nil {
		return err
	}
	if interrupted {
		return interruptedError(r.out, err)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// resumeCheck is a flag whose value must equal the checkpoint's when it is
// given with --resume: now is the flag's value, saved the checkpoint's.
type resumeCheck struct {
	flag       string
	now, saved any
}

// checkResumeFlags returns an error naming the first check whose flag was
// given on the command line with a value other than the checkpoint's:
// --resume keeps a checkpoint's architecture and data layout, and a flag
// that would change them is an error rather than silently ignored.
func checkResumeFlags(cmd *cobra.Command, checks []resumeCheck) error {
	fl := cmd.Flags()
	for _, c := range checks {
		if fl.Changed(c.flag) && fmt.Sprint(c.now) != fmt.Sprint(c.saved) {
			return fmt.Errorf("--%s %v conflicts with the checkpoint's %v; --resume keeps the checkpoint's architecture, data layout and optimizer (drop the flag, or train anew with --overwrite or another --out)",
				c.flag, c.now, c.saved)
		}
	}
	return nil
}

// positiveFlags returns an error naming the first of the given numeric
// flags that was set on the command line to zero or less (for a library
// whose zero value means "default", an explicit 0 must not pass silently).
func positiveFlags(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		fl := cmd.Flags().Lookup(name)
		if fl == nil || !fl.Changed {
			continue
		}
		v, err := strconv.ParseFloat(fl.Value.String(), 64)
		if err == nil && !(v > 0) {
			return fmt.Errorf("%s: --%s %s: must be positive", cmd.CommandPath(), name, fl.Value.String())
		}
	}
	return nil
}

// notOnResume returns an error naming the first of the given flags that
// was set with --resume: what it changes is fixed by the checkpoint.
func notOnResume(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s cannot change on --resume: the checkpoint fixes it (drop the flag, or train anew with --overwrite)", name)
		}
	}
	return nil
}

// applyChanged runs the setter of every flag given on the command line.
func applyChanged(cmd *cobra.Command, set map[string]func()) {
	for name, f := range set {
		if cmd.Flags().Changed(name) {
			f()
		}
	}
}

// runTrainer runs a task's trainer with the one progress display (items
// names what the throughput counts; labels renames or hides metrics) and
// sorts its error (runError; name prefixes it). It reports whether the run
// was interrupted.
func runTrainer[R any](ctx context.Context, f *trainRunFlags, name, items string, labels map[string]string,
	run func(context.Context, func(train.Event)) (R, error)) (R, bool, error) {
	prog := newTrainProgress(f.quiet, items)
	prog.labels = labels
	res, err := run(ctx, prog.handle)
	prog.finish()
	interrupted, err := runError(ctx, err)
	if err != nil {
		return res, false, fmt.Errorf("%s: %w", name, err)
	}
	return res, interrupted, nil
}

// finish prints a training command's summary, as JSON (--json) or with
// write, and after an interruption returns interruptedError.
func (f *trainRunFlags) finish(ctx context.Context, out io.Writer, sum any, write func(io.Writer) error, interrupted bool) error {
	var err error
	if f.asJSON {
		err = writeJSON(out, sum)
	} else {
		err = write(out)
	}
	if err != nil {
		return err
	}
	if interrupted {
		return interruptedError(f.out, ctx.Err())
	}
	return nil
}

// resumeBudget applies, on --resume, the budget flags given (epochs and
// steps replace the checkpoint's budget together) and the other flags in
// set that were given.
func (f *trainRunFlags) resumeBudget(cmd *cobra.Command, epochs *int, steps *int64, set map[string]func()) {
	if e, s, ok := f.budget(cmd); ok {
		*epochs, *steps = e, s
	}
	applyChanged(cmd, set)
}

// readAll reads every path that is not "" with read (nil for "").
func readAll[T any](read func(string) ([]T, error), paths ...string) ([][]T, error) {
	out := make([][]T, len(paths))
	for i, p := range paths {
		if p == "" {
			continue
		}
		var err error
		if out[i], err = read(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// taskData are the training, dev and test sets of a training command.
type taskData[T any] struct {
	train, dev, test []T
}

// taskSummary is the result of a task's training command: the run, the
// vocabulary and its vector coverage, the last and best dev Metrics M and
// the test figures T.
type taskSummary[M, T any] struct {
	runSummary
	Vocab    int               `json:"vocab"`
	Coverage *vectors.Coverage `json:"coverage,omitempty"`
	Valid    *M                `json:"dev,omitempty"`
	Best     *M                `json:"best_dev,omitempty"`
	Test     *T                `json:"test,omitempty"`
}

// startTrainer checks --out (before any data is read), reads the data and
// builds the trainer: resume with --resume, fresh otherwise.
func startTrainer[T, Tr any](f *trainRunFlags, name string, read func() (taskData[T], error),
	resume, fresh func(taskData[T]) (Tr, error)) (Tr, taskData[T], error) {
	var tr Tr
	if err := f.checkOut(); err != nil {
		return tr, taskData[T]{}, fmt.Errorf("%s: %w", name, err)
	}
	d, err := read()
	if err != nil {
		return tr, d, err
	}
	if f.resume {
		tr, err = resume(d)
	} else {
		tr, err = fresh(d)
	}
	return tr, d, err
}
