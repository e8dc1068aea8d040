// Package cli holds the conventions of the recurrent command line that are
// not about any one command: which errors are usage errors, how a command
// that only groups others runs, and the exit status of a run.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/recurrent-go/recurrent/text"
	"github.com/spf13/cobra"
)

// Exit statuses, as Unix tools give them; a signal N that stops a command
// gives 128+N.
const (
	ExitFailure = 1 // the command failed
	ExitUsage   = 2 // the command line does not parse
)

// UsageError is an error in the command line itself: an unknown command or
// flag, a value that does not parse, a missing required flag, arguments
// the command does not take.
type UsageError struct{ Err error }

// Error returns the wrapped error's message.
func (e UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e UsageError) Unwrap() error { return e.Err }

// Usage marks err (if not nil) as a usage error.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return UsageError{err}
}

// UsageArgs returns args (cobra's check of a command's arguments) with its
// errors marked as usage errors.
func UsageArgs(args cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error { return Usage(args(c, a)) }
}

// RunGroup is the run of a command that only groups others: alone it
// prints its help; given anything else, it refuses it as an unknown
// command, suggesting near spellings as cobra does for the root.
func RunGroup(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return c.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	c.SuggestionsMinimumDistance = 2 // cobra's default, which SuggestionsFor does not apply
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return UsageError{errors.New(msg)}
}

// Status returns the exit status of a run that ended with err (nil: 0),
// whose context was cancelled by signal sig (nil: by none).
func Status(err error, sig os.Signal) int {
	if err == nil {
		return 0
	}
	if errors.As(err, new(UsageError)) {
		return ExitUsage
	}
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return ExitFailure
}

// Execute runs root with a context that SIGINT and SIGTERM cancel (a
// trainer then saves its position; a command waiting for standard input
// stops, see ctxReader), flag errors marked as usage errors, a --version
// flag printing Version (unless root has a version of its own), and a
// failed write to standard output an error even where the writer's error
// was dropped (cobra's help; see checkedWriter); it prints the error, if
// any, after "NAME: " on standard error, and returns the exit status
// (Status).
//
// A standard output closed by the caller (`recurrent ... >&-`) cannot be
// told from /dev/null: the Go runtime opens /dev/null read-write in place
// of a closed descriptor 0, 1 or 2 before main runs, exactly as Python's
// subprocess.DEVNULL or a read-write redirection hands it over, so writes
// to it succeed.
func Execute(root *cobra.Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	got := make(chan os.Signal, 1) // which signal it was
	signal.Notify(got, os.Interrupt, syscall.SIGTERM)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return UsageError{err} })
	if root.Version == "" { // --version (cobra's flag) prints Version
		root.Version = Version(root.Name())
		root.SetVersionTemplate("{{.Version}}\n")
	}
	in := &ctxReader{ctx: ctx, r: os.Stdin}
	root.SetIn(in)
	text.Stdin = in // what the library's readers of "-" read
	out := &checkedWriter{w: os.Stdout}
	root.SetOut(out)
	err := root.ExecuteContext(ctx)
	if err == nil {
		err = out.err
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", root.Name(), err)
	var sig os.Signal
	if ctx.Err() != nil { // a signal came, which got receives too (perhaps later)
		select {
		case sig = <-got:
		case <-time.After(time.Second):
		}
	}
	return Status(err, sig)
}

// checkedWriter writes to w and keeps the first error a write returned, so
// that a run whose output was not all written fails (as cat does on a full
// disk) even where the caller dropped the error (cobra prints help and
// usage without returning it).
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// ctxReader reads r until ctx is done, then returns ctx's error, also
// from a read that is waiting for input (a terminal, a pipe left open):
// that read goes on in its own goroutine, into a buffer of its own, and
// what it gets is dropped. A command reading standard input through it
// stops on Ctrl-C.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
	buf []byte
}

// Read reads into p what a read of r gives, or returns ctx's error.
func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	buf := c.buf[:len(p)]
	var n int
	var err error
	done := make(chan struct{})
	go func() {
		n, err = c.r.Read(buf)
		close(done)
	}()
	select {
	case <-done:
		return copy(p, buf[:n]), err
	case <-c.ctx.Done():
		c.buf = nil // still the waiting read's
		return 0, c.ctx.Err()
	}
}
