package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/recurrent-go/recurrent/train"
)

// trainProgress is the one progress component of the training commands:
// it renders the events of a train.Loop on standard error. On a terminal
// the steps drive a progress bar; otherwise a step line is logged every 10
// seconds. Every evaluation, learning-rate change and stop gets a line, and
// off a terminal every checkpoint too. With quiet it prints nothing.
//
// A command creates it with newTrainProgress, passes its handle method as
// the loop's Options.Progress (or the task trainer's progress callback) and
// calls finish when Run returns.
type trainProgress struct {
	w          io.Writer
	quiet, tty bool
	// items names what StepEvent.Items counts ("tok", "ex"), for the
	// throughput shown.
	items string
	// labels renames evaluation metrics in the lines ("bits" ->
	// "bits/char"); a metric renamed to "" is not shown.
	labels map[string]string
	// onCheckpoint, if set, runs after every checkpoint (lm train redraws
	// its loss plot into the directory there).
	onCheckpoint func(train.CheckpointEvent)

	bar     *progressbar.ProgressBar
	lastLog time.Time
}

func newTrainProgress(quiet bool, items string) *trainProgress {
	return &trainProgress{w: os.Stderr, quiet: quiet, items: items, tty: term.IsTerminal(int(os.Stderr.Fd())), lastLog: time.Now()}
}

func (p *trainProgress) println(format string, args ...any) {
	if p.quiet {
		return
	}
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// handle renders one event.
func (p *trainProgress) handle(e train.Event) {
	if ce, ok := e.(train.CheckpointEvent); ok && p.onCheckpoint != nil {
		p.onCheckpoint(ce)
	}
	if p.quiet {
		return
	}
	switch e := e.(type) {
	case train.StepEvent:
		p.step(e)
	case train.EvalEvent:
		p.println("step %d  epoch %.2f  %s", e.Pos.Step, e.Eval.Epoch, p.evalLine(e))
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
		if msg := stopMessage(e.Reason); msg != "" {
			p.println("step %d  epoch %d  stopped: %s (%.1fs)", e.Pos.Step, e.Pos.Epoch, msg, e.Elapsed.Seconds())
		}
	}
}

func (p *trainProgress) step(e train.StepEvent) {
	desc := fmt.Sprintf("epoch %d  loss %.4f", e.Pos.Epoch+1, e.AvgLoss)
	if p.items != "" {
		desc += fmt.Sprintf("  %.0f %s/s", e.ItemsPerSec, p.items)
	}
	if p.tty {
		if p.bar == nil {
			total := e.Total
			if total == 0 {
				total = -1 // unknown: a spinner
			}
			p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetWidth(30),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		}
		p.bar.Describe(desc)
		_ = p.bar.Set64(e.Pos.Step)
		return
	}
	if time.Since(p.lastLog) >= 10*time.Second {
		p.lastLog = time.Now()
		total := "?"
		if e.Total > 0 {
			total = fmt.Sprint(e.Total)
		}
		p.println("step %d/%s  %s  lr %.3g  grad norm %.3g", e.Pos.Step, total, desc, e.LR, e.GradNorm)
	}
}

// evalLine shows an evaluation: the training loss since the previous
// one, the validation loss, the metrics (sorted by name), the rate.
func (p *trainProgress) evalLine(e train.EvalEvent) string {
	var b strings.Builder
	if e.Eval.TrainLoss != 0 {
		fmt.Fprintf(&b, "train loss %.4f  ", e.Eval.TrainLoss)
	}
	fmt.Fprintf(&b, "valid loss %.4f", e.Eval.Loss)
	names := make([]string, 0, len(e.Eval.Metrics))
	for k := range e.Eval.Metrics {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		label := k
		if l, ok := p.labels[k]; ok {
			label = l
		}
		if label == "" {
			continue
		}
		v := e.Eval.Metrics[k]
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			fmt.Fprintf(&b, "  %s %d", label, int64(v))
		} else {
			fmt.Fprintf(&b, "  %s %.4f", label, v)
		}
	}
	fmt.Fprintf(&b, "  lr %.4g  (%.0fs)", e.Eval.LR, e.Elapsed.Seconds())
	if e.Improved {
		b.WriteString("  best")
	}
	return b.String()
}

// stopMessage says why training stopped, for the reasons worth a line.
func stopMessage(r train.StopReason) string {
	switch r {
	case train.StopSteps:
		return "step budget reached (--steps)"
	case train.StopEpochs:
		return "all epochs done (--epochs)"
	case train.StopTime:
		return "time limit reached (--time-limit)"
	case train.StopEarly:
		return "no better validation for --patience evaluations (early stop)"
	case train.StopDiverged:
		return "the loss diverged"
	}
	return ""
}

func (p *trainProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
