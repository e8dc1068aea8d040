package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/recurrent-go/recurrent/text"
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

// TestLineInputs: the inputs are the --text texts, then the --file files
// and the arguments, in that order; standard input when there are
// neither; and standard input named twice is refused.
func TestLineInputs(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	for p, s := range map[string]string{a: "a1\n\na2\n", b: "b1\n"} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		flags, args []string
		want        string
	}{
		{[]string{"--text", "t1\nt2", "--file", b}, []string{a}, "t1|t2|b1|a1||a2"},
		{[]string{"--text", "t1"}, nil, "t1"},
		{nil, nil, "in1|in2"},
		{[]string{"--file", "-"}, []string{b}, "in1|in2|b1"},
	} {
		var in LineInputs
		cmd := &cobra.Command{Use: "score", Run: func(*cobra.Command, []string) {}}
		in.Register(cmd, "text", "file")
		if err := cmd.ParseFlags(c.flags); err != nil {
			t.Fatal(err)
		}
		s := text.Stdio{In: strings.NewReader("in1\nin2\n")}
		lines, err := in.Lines(s, c.args)
		if got := strings.Join(lines, "|"); err != nil || got != c.want {
			t.Errorf("%q %q: lines %q, %v; want %q", c.flags, c.args, got, err, c.want)
		}
	}
	var in LineInputs
	cmd := &cobra.Command{Use: "score", Run: func(*cobra.Command, []string) {}}
	in.Register(cmd, "text", "file")
	if err := cmd.ParseFlags([]string{"--file", "-"}); err != nil {
		t.Fatal(err)
	}
	if err := StdinOnce(cmd, []string{"-"}); err == nil {
		t.Error("standard input as --file and as an argument was not refused")
	}
}
