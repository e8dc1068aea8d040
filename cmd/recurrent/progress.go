package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
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
