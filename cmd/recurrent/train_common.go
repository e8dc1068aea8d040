package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Helpers shared by the training commands `classify train` and `tag train`.

// trainRunFlags are the flags of a training command that concern the run
// rather than the model: threads, resuming and output.
type trainRunFlags struct {
	threads               int
	resume, asJSON, quiet bool
}

// addTrainRunFlags registers --threads, --resume, --json and --quiet on cmd.
func addTrainRunFlags(cmd *cobra.Command, f *trainRunFlags) {
	fl := cmd.Flags()
	fl.IntVar(&f.threads, "threads", 0, "compute threads (default: all cores)")
	fl.BoolVar(&f.resume, "resume", false, "continue the training checkpoint in --out")
	fl.BoolVar(&f.asJSON, "json", false, "print the summary as JSON")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
}

// setThreads applies --threads (0 keeps the default, all cores).
func (f *trainRunFlags) setThreads() {
	if f.threads > 0 {
		tensor.SetThreads(f.threads)
	}
}

// paramCount returns the number of scalars in ps.
func paramCount(ps []*nn.Param) int {
	n := 0
	for _, p := range ps {
		n += p.Size()
	}
	return n
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

// writeTrained writes the first line of a training command's text summary.
func writeTrained(w io.Writer, steps int64, epochs int, seconds, trainLoss float64) {
	fmt.Fprintf(w, "trained %d steps (%d epochs) in %.1fs; train loss %.4f\n", steps, epochs, seconds, trainLoss)
}

// coverage reports how much of a vocabulary a vector file covers.
type coverage struct {
	Found int     `json:"found"`
	Words int     `json:"words"`
	Train int     `json:"train_words_found"`
	Of    int     `json:"train_words"`
	Rate  float64 `json:"train_rate"`
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// trainReporter shows training progress on stderr: a bar on a terminal,
// otherwise a log line every 10 seconds, plus the lines it is given.
type trainReporter struct {
	quiet, tty bool
	bar        *progressbar.ProgressBar
	lastLog    time.Time
}

func newTrainReporter(quiet bool) *trainReporter {
	return &trainReporter{quiet: quiet, tty: term.IsTerminal(int(os.Stderr.Fd())), lastLog: time.Now()}
}

func (r *trainReporter) step(step, total int64, desc string) {
	if r.quiet {
		return
	}
	if r.tty {
		if r.bar == nil {
			r.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetWidth(30),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		}
		r.bar.Describe(desc)
		_ = r.bar.Set64(step)
	} else if time.Since(r.lastLog) >= 10*time.Second {
		r.lastLog = time.Now()
		r.println("step %d/%d  %s", step, total, desc)
	}
}

// epochStep shows a training step of an epoch (0-based) with the mean
// loss of the epoch so far.
func (r *trainReporter) epochStep(step, total int64, epoch int, avgLoss float64) {
	r.step(step, total, fmt.Sprintf("epoch %d  loss %.4f", epoch+1, avgLoss))
}

func (r *trainReporter) println(format string, args ...any) {
	if r.quiet {
		return
	}
	if r.bar != nil {
		_ = r.bar.Clear()
	}
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func (r *trainReporter) finish() {
	if r.bar != nil {
		_ = r.bar.Finish()
	}
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
