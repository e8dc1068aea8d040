package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/recurrent-go/recurrent/train"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
	e, s := cmd.Flags().Changed("epochs"), cmd.Flags().Changed("steps")
	epochs = f.epochs
	if s && !e {
		epochs = 0
	}
	return epochs, f.steps, e || s
}

// interruptedError is the error a training command returns after an
// interruption, pointing at the checkpoint dir to resume.
func interruptedError(dir string, err error) error {
	return fmt.Errorf("interrupted; resume with --resume (checkpoint %s): %w", dir, err)
}

// loopSummary is the summary a training command prints (--json: as is)
// after the shared loop stops.
type loopSummary = train.LoopSummary

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
	interrupted := train.Interrupted(cmd.Context(), err)
	switch {
	case errors.Is(err, train.ErrDiverged):
		return fmt.Errorf("%s: %w; lower --lr or clip the gradients (--clip)", r.name, err)
	case err != nil && !interrupted:
		return err
	}
	sum := train.NewLoopSummary(r.out, r.params, res)
	return printRun(cmd, r.out, &sum, r.asJSON, interrupted, err)
}

// printRun prints a run's summary (as JSON with asJSON) and, after an
// interruption (whose error is cause), returns interruptedError.
func printRun(cmd *cobra.Command, out string, sum textWriter, asJSON, interrupted bool, cause error) error {
	if err := writeReport(cmd.OutOrStdout(), sum, asJSON, false); err != nil {
		return err
	}
	if interrupted {
		return interruptedError(out, cause)
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
// given on the command line with a value other than the checkpoint's
// (train.CheckResume).
func checkResumeFlags(cmd *cobra.Command, checks []resumeCheck) error {
	s := make([]train.Setting, len(checks))
	for i, c := range checks {
		s[i] = train.Setting{Name: c.flag, Now: c.now, Saved: c.saved}
	}
	return train.CheckResume(cmd.Flags().Changed, s)
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

// textWriter is a summary that writes itself as text.
type textWriter interface{ WriteText(io.Writer) error }

// session is a task's training run set up by its package (classify.Session,
// tag.Session) that summarizes as S.
type session[S textWriter] interface {
	WriteNotes(io.Writer) error
	Train(context.Context, func(train.Event)) (S, error)
}

// trainTask runs a task's training command: it checks --out before any
// data is read, sets the budget in cfg (the task's Setup's), sets the run
// up with start (with --resume: resume, told which flags were given),
// prints its notes, trains with the progress display (items names what
// the throughput counts; labels renames or hides metrics) and prints the
// summary; errors are prefixed with name.
func trainTask[S textWriter, P session[S]](cmd *cobra.Command, f *trainRunFlags, cfg *train.Config, name, items string, labels map[string]string,
	start func(dir string, overwrite bool) (P, error), resume func(dir string, given func(string) bool) (P, error)) error {
	if err := f.checkOut(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	cfg.Epochs, cfg.MaxSteps, _ = f.budget(cmd)
	var p P
	var err error
	if f.resume {
		p, err = resume(f.out, cmd.Flags().Changed)
	} else {
		p, err = start(f.out, f.overwrite)
	}
	if err != nil {
		return err
	}
	if !f.quiet {
		p.WriteNotes(os.Stderr)
	}
	prog := newTrainProgress(f.quiet, items)
	prog.labels = labels
	sum, err := p.Train(cmd.Context(), prog.handle)
	prog.finish()
	interrupted := train.Interrupted(cmd.Context(), err)
	switch {
	case errors.Is(err, train.ErrDiverged):
		return fmt.Errorf("%s: %w; lower --lr or clip the gradients (--clip)", name, err)
	case err != nil && !interrupted:
		return fmt.Errorf("%s: %w", name, err)
	}
	return printRun(cmd, f.out, sum, f.asJSON, interrupted, cmd.Context().Err())
}

// writeReport prints r as its text or, with asJSON, as indented JSON (with
// oneLine: one line of JSON, for results that stream or are compared).
func writeReport(w io.Writer, r textWriter, asJSON, oneLine bool) error {
	switch {
	case !asJSON:
		return r.WriteText(w)
	case oneLine:
		return json.NewEncoder(w).Encode(r)
	}
	return writeJSON(w, r)
}

// addTrainConfigFlags registers the flags of the settings every task
// shares (train.Config): --batch (of items, default batch), --optimizer,
// --lr, --clip, --patience, --save-every and --seed.
func addTrainConfigFlags(fl *pflag.FlagSet, c *train.Config, batch int, items string, lr float64, patience int) {
	fl.IntVar(&c.Batch, "batch", batch, items+" per step")
	fl.StringVar(&c.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Float64Var(&c.LR, "lr", lr, "learning rate")
	fl.Float64Var(&c.Clip, "clip", 5, "maximal gradient L2 norm (0: no clipping)")
	fl.IntVar(&c.Patience, "patience", patience, "stop after this many epochs without dev improvement (0: never)")
	fl.IntVar(&c.SaveEvery, "save-every", 1, "write the checkpoint every this many epochs (and always at the end)")
	fl.Uint64Var(&c.Seed, "seed", 1, "random seed (weights, batch order, dropout)")
}

// addDataFlags registers a training command's data files: --train
// (required; trainHelp says what it holds), --valid (old spelling --dev)
// and, unless test is nil, --test.
func addDataFlags(cmd *cobra.Command, train, valid, test *string, trainHelp string) {
	fl := cmd.Flags()
	fl.StringVar(train, "train", "", trainHelp)
	fl.StringVar(valid, "valid", "", "development data for model selection and early stopping (--dev: old spelling)")
	if test != nil {
		fl.StringVar(test, "test", "", "test data scored after training")
	}
	deprecatedAliases(cmd, map[string]string{"dev": "valid"})
	markRequired(cmd, "train")
}
