package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/recurrent-go/recurrent/train"
)

// progress is the CLI's one progress display, always on standard error: a
// bar when that is a terminal, otherwise a plain line when a stage starts
// and then at most every logEvery; nothing at all when quiet. Commands feed
// it from the library's typed progress events.
type progress struct {
	w        io.Writer
	quiet    bool
	tty      bool
	logEvery time.Duration
	bar      *progressbar.ProgressBar
	stage    string
	lastLog  time.Time
}

// newProgress displays on w (a command's ErrOrStderr).
func newProgress(w io.Writer, quiet bool) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, quiet: quiet, tty: ok && term.IsTerminal(int(f.Fd())), logEvery: 10 * time.Second}
}

// update shows done of total (total < 0: unknown) in stage, described by
// desc. A new stage starts a new bar (or line).
func (p *progress) update(stage string, done, total int64, desc string) {
	if p.quiet {
		return
	}
	newStage := stage != p.stage
	p.stage = stage
	if !p.tty {
		if newStage || time.Since(p.lastLog) >= p.logEvery {
			p.lastLog = time.Now()
			if total > 0 {
				fmt.Fprintf(p.w, "%s %d/%d  %s\n", stage, done, total, desc)
			} else {
				fmt.Fprintf(p.w, "%s %d  %s\n", stage, done, desc)
			}
		}
		return
	}
	if newStage && p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetPredictTime(total > 0), progressbar.OptionClearOnFinish())
	}
	p.bar.Describe(desc)
	_ = p.bar.Set64(done)
}

// println prints a line (an epoch's summary, a notice) above the bar.
func (p *progress) println(format string, args ...any) {
	if p.quiet {
		return
	}
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// finish removes the bar.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
	p.stage = ""
}

// trainProgress renders the events of a train.Loop through the one
// progress component: on a terminal the steps drive the bar; otherwise a
// step line (with learning rate and gradient norm) is logged every 10
// seconds. Every evaluation, learning-rate change and stop gets a line, and
// off a terminal every checkpoint too. With quiet it prints nothing.
//
// A command creates it with newTrainProgress, passes its handle method as
// the loop's Options.Progress (or the task trainer's progress callback) and
// calls finish when Run returns.
type trainProgress struct {
	*progress
	// items names what StepEvent.Items counts ("tok", "ex"), for the
	// throughput shown.
	items string
	// labels renames evaluation metrics in the lines ("bits" ->
	// "bits/char"); a metric renamed to "" is not shown.
	labels map[string]string
}

func newTrainProgress(quiet bool, items string, labels map[string]string) *trainProgress {
	return &trainProgress{progress: newProgress(os.Stderr, quiet), items: items, labels: labels}
}

// handle renders one event.
func (p *trainProgress) handle(e train.Event) {
	if p.quiet {
		return
	}
	switch e := e.(type) {
	case train.StepEvent:
		p.step(e)
	case train.EvalEvent:
		p.println("step %d  epoch %.2f  %s", e.Pos.Step, e.Eval.Epoch, e.Text(p.labels))
	case train.LREvent:
		why := "validation did not improve"
		if e.Reason == "decay" {
			why = fmt.Sprintf("end of epoch %d", e.Pos.Epoch+1)
		}
		p.println("step %d  %s: learning rate %.4g -> %.4g", e.Pos.Step, why, e.Old, e.LR)
	case train.CheckpointEvent:
		if !p.tty {
			p.println("step %d  checkpoint saved to %s", e.Pos.Step, e.Dir)
		}
	case train.StopEvent:
		if msg := stopMessages[e.Reason]; msg != "" {
			p.println("step %d  epoch %d  stopped: %s (%.1fs)", e.Pos.Step, e.Pos.Epoch, msg, e.Elapsed.Seconds())
		}
	}
}

func (p *trainProgress) step(e train.StepEvent) {
	desc := fmt.Sprintf("epoch %d  loss %.4f", e.Pos.Epoch+1, e.AvgLoss)
	if p.items != "" {
		desc += fmt.Sprintf("  %.0f %s/s", e.ItemsPerSec, p.items)
	}
	if !p.tty {
		desc += fmt.Sprintf("  lr %.3g  grad norm %.3g", e.LR, e.GradNorm)
	}
	total := e.Total
	if total == 0 {
		total = -1 // unknown: a spinner
	}
	p.update("step", e.Pos.Step, total, desc)
}

// stopMessages say why training stopped, for the reasons worth a line.
var stopMessages = map[train.StopReason]string{
	train.StopSteps:    "step budget reached (--steps)",
	train.StopEpochs:   "all epochs done (--epochs)",
	train.StopTime:     "time limit reached (--time-limit)",
	train.StopEarly:    "no better validation for --patience evaluations (early stop)",
	train.StopDiverged: "the loss diverged",
}
