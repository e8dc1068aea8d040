package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/train"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Helpers shared by the training commands (lm train, lm train-labels, classify, tag and translate train).

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

// checkOut checks --out (required) before any data is read: --resume and --overwrite exclude
// each other, --resume needs a model of the command's kind, and a fresh run refuses an existing
// checkpoint (unless --overwrite) and an --out it could not write.
func (f *trainRunFlags) checkOut(kind infer.Kind) error {
	if f.out == "" {
		return errors.New("--out is required (the checkpoint directory)")
	}
	if f.resume && f.overwrite {
		return errors.New("--resume and --overwrite exclude each other")
	}
	if f.resume {
		return infer.CheckKind(f.out, kind)
	}
	if err := train.CheckDir(f.out, f.overwrite); errors.Is(err, train.ErrDirInUse) {
		return fmt.Errorf("--out: %w; --resume continues it, --overwrite replaces it", err)
	} else if err != nil {
		return fmt.Errorf("--out: %w", err) // a path neither flag would make writable
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// textWriter is a summary that writes itself as text.
type textWriter interface{ WriteText(io.Writer) error }

// session is a task's training run set up by its package (classify.Session,
// tag.Session) that summarizes as S.
type session[S textWriter] interface {
	WriteNotes(io.Writer) error
	Train(context.Context, func(train.Event)) (S, error)
}

// labeled is a session that names its progress labels itself.
type labeled interface{ ProgressLabels() map[string]string }

// taskCmd is what a task's training command runs besides its flags.
type taskCmd[S textWriter, P session[S]] struct {
	name, items string            // the command ("classify train"); what the throughput counts
	kind        infer.Kind        // the model it trains
	labels      map[string]string // rename or hide metrics in the progress (unless the session has its own)
	// epochs and steps are the budget of the task's Setup.
	epochs *int
	steps  *int64
	// start sets a new run up; resume continues the checkpoint, told which
	// flags were given.
	start  func(dir string, overwrite bool) (P, error)
	resume func(dir string, given func(string) bool) (P, error)
	// check, if set, checks the flags first.
	check func(*cobra.Command) error
}

// newTaskCmd completes c, a task's training command running t, with the
// run flags (--epochs default epochs). The command checks --out before
// any data is read, sets the budget, sets the run up and runs it
// (runSession).
func newTaskCmd[S textWriter, P session[S]](c *cobra.Command, epochs int, t taskCmd[S, P]) *cobra.Command {
	var f trainRunFlags
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if t.check != nil {
			if err := t.check(cmd); err != nil {
				return err
			}
		}
		if err := f.checkOut(t.kind); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		*t.epochs, *t.steps = f.epochs, f.steps
		if cmd.Flags().Changed("steps") && !cmd.Flags().Changed("epochs") {
			*t.epochs = 0 // --steps alone: the epochs are unbounded
		}
		var p P
		var err error
		if f.resume {
			p, err = t.resume(f.out, cmd.Flags().Changed)
		} else {
			p, err = t.start(f.out, f.overwrite)
		}
		if err != nil {
			return err
		}
		return runSession[S](cmd, p, &f, t.name, t.items, t.labels)
	}
	addTrainRunFlags(c, &f, epochs)
	return c
}

// newReportCmd completes c, a command that prints a report: run computes
// it, and it goes to standard output (standard error when --out is "-")
// as text or, with --json (described by jsonHelp), as JSON (on one line
// with oneLine).
func newReportCmd(c *cobra.Command, jsonHelp string, oneLine bool, run func(cmd *cobra.Command, args []string) (textWriter, error)) *cobra.Command {
	var asJSON bool
	c.RunE = func(cmd *cobra.Command, args []string) error {
		r, err := run(cmd, args)
		if err != nil {
			return err
		}
		out, _ := cmd.Flags().GetString("out") // "-": the report goes to standard error
		return writeReport(reportTo(cmd, out), r, asJSON, oneLine)
	}
	c.Flags().BoolVar(&asJSON, "json", false, jsonHelp)
	return c
}

// runSession prints p's notes, trains it with the progress display
// (items names what the throughput counts; labels, or the session's own,
// rename or hide metrics) and prints the summary, also after an
// interruption. The run's errors are prefixed with name; divergence and
// interruption give errors that say what to do.
func runSession[S textWriter, P session[S]](cmd *cobra.Command, p P, f *trainRunFlags, name, items string, labels map[string]string) error {
	if !f.quiet {
		p.WriteNotes(os.Stderr)
	}
	if l, ok := any(p).(labeled); ok {
		labels = l.ProgressLabels()
	}
	prog := newTrainProgress(f.quiet, items, labels)
	sum, err := p.Train(cmd.Context(), prog.handle)
	prog.finish()
	if w, ok := any(sum).(warner); ok && w.Warning() != nil {
		prog.println("warning: %v", w.Warning())
	}
	interrupted := train.Interrupted(cmd.Context(), err)
	switch {
	case errors.Is(err, train.ErrDiverged):
		return fmt.Errorf("%s: %w; lower --lr or clip the gradients (--clip)", name, err)
	case err != nil && !interrupted:
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := writeReport(cmd.OutOrStdout(), sum, f.asJSON, false); err != nil {
		return err
	}
	if interrupted {
		return fmt.Errorf("interrupted; resume with --resume (checkpoint %s): %w", f.out, err)
	}
	return nil
}

// warner is a summary of a run that tells what went wrong without
// stopping it (lm.Summary).
type warner interface{ Warning() error }

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
	cli.MarkInputs(cmd, "train", "valid")
	if test != nil {
		fl.StringVar(test, "test", "", "test data scored after training")
		cli.MarkInputs(cmd, "test")
	}
	deprecatedAliases(cmd, map[string]string{"dev": "valid"})
	cli.MarkRequired(cmd, "train")
}
