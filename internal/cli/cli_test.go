package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"
)

func TestStatus(t *testing.T) {
	usage := Usage(errors.New("unknown flag: --x"))
	for _, c := range []struct {
		err  error
		sig  os.Signal
		want int
	}{
		{nil, nil, 0},
		{nil, syscall.SIGINT, 0}, // stopped, and ended cleanly (serve)
		{errors.New("no such file"), nil, ExitFailure},
		{usage, nil, ExitUsage},
		{fmt.Errorf("lm train: %w", usage), nil, ExitUsage},
		{errors.New("interrupted; resume with --resume"), syscall.SIGINT, 130},
		{errors.New("interrupted"), syscall.SIGTERM, 143},
	} {
		if got := Status(c.err, c.sig); got != c.want {
			t.Errorf("Status(%v, %v) = %d, want %d", c.err, c.sig, got, c.want)
		}
	}
	if Usage(nil) != nil {
		t.Error("Usage(nil) is not nil")
	}
}

// A group alone prints its help; with a word that is not one of its
// commands it gives a usage error that suggests the near spelling.
func TestRunGroupAndUsageArgs(t *testing.T) {
	g := &cobra.Command{Use: "lm", RunE: RunGroup, Args: UsageArgs(cobra.ArbitraryArgs)}
	g.AddCommand(&cobra.Command{Use: "sample", Run: func(*cobra.Command, []string) {}})
	var out bytes.Buffer
	g.SetOut(&out)
	if err := RunGroup(g, nil); err != nil || !strings.Contains(out.String(), "sample") {
		t.Errorf("alone: %v, printed %q", err, out.String())
	}
	err := RunGroup(g, []string{"smaple"})
	if !errors.As(err, new(UsageError)) || !strings.Contains(err.Error(), `unknown command "smaple" for "lm"`) ||
		!strings.Contains(err.Error(), "Did you mean this?\n\tsample") {
		t.Errorf("unknown command: %v", err)
	}
	if err := UsageArgs(cobra.NoArgs)(g, []string{"x"}); !errors.As(err, new(UsageError)) {
		t.Errorf("UsageArgs(NoArgs) with an argument: %v (%T), want a UsageError", err, err)
	}
	if err := UsageArgs(cobra.NoArgs)(g, nil); err != nil {
		t.Errorf("UsageArgs(NoArgs) without arguments: %v", err)
	}
}

// TestMarkInputArgs: a command marked as reading its arguments takes any
// number of them unless it checks them itself, and standard input named
// by an argument and by a marked flag is refused.
func TestMarkInputArgs(t *testing.T) {
	var files []string
	open := &cobra.Command{Use: "score", Run: func(*cobra.Command, []string) {}}
	open.Flags().StringArrayVar(&files, "file", nil, "")
	MarkInputArgs(open, "file")
	if err := open.ValidateArgs([]string{"a", "b", "c"}); err != nil {
		t.Errorf("three file arguments: %v", err)
	}
	if err := open.ParseFlags([]string{"--file", "-"}); err != nil {
		t.Fatal(err)
	}
	if err := StdinOnce(open, []string{"x", "-"}); err == nil || !strings.Contains(err.Error(), "--file, argument -") {
		t.Errorf("standard input as --file and as an argument: %v", err)
	}
	if err := StdinOnce(open, []string{"x"}); err != nil {
		t.Errorf("standard input once: %v", err)
	}
	one := &cobra.Command{Use: "stats", Args: cobra.MaximumNArgs(1), Run: func(*cobra.Command, []string) {}}
	MarkInputArgs(one)
	if err := one.ValidateArgs([]string{"a", "b"}); err == nil {
		t.Error("MarkInputArgs replaced the command's own argument check")
	}
}
