//go:build linux

package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExitStatus: the binary exits as Unix tools do: 2 for a command line
// that does not parse, 1 for a failure, 0 for a group's help, and 128+N
// after signal N stopped a trainer (which then names its checkpoint).
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"lm"}, 0, ""},
		{[]string{"bogus"}, 2, `unknown command "bogus" for "recurrent"`},
		{[]string{"lm", "smaple"}, 2, "Did you mean this?\n\tsample"},
		{[]string{"lm", "sample", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"lm", "sample", "--model", "m", "--length", "abc"}, 2, `invalid argument "abc" for "--length"`},
		{[]string{"lm", "sample"}, 2, `required flag(s) "model" not set`},
		{[]string{"lm", "sample", "--model", "m", "extra"}, 2, `unknown command "extra"`},
		{[]string{"--threads", "0", "lm", "sample", "--model", "m"}, 2, "--threads must be at least 1"},
		{[]string{"lm", "sample", "--model", filepath.Join(dir, "missing")}, 1, "missing"},
	} {
		r := runBinary(t, dir, time.Minute, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.msg)
		}
	}

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		out := filepath.Join(dir, "ck-"+sig.String())
		cmd := exec.Command(recurrentBinary(t), "lm", "train", "--train", lmCorpus(t, dir, 60), "--out", out,
			"--tokenizer", "word", "--embed", "8", "--hidden", "16", "--batch", "2", "--bptt", "4", "--epochs", "100000",
			"--threads", "1")
		cmd.Dir = dir
		progress, err := cmd.StderrPipe() // progress and errors
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Signal once training has reported a step.
		var stderr strings.Builder
		sc := bufio.NewScanner(progress)
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "step ") {
				break
			}
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
		}
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 128+int(sig) || !strings.Contains(stderr.String(), "resume with --resume") || !resumable(out) {
			t.Errorf("lm train stopped by %v: exit %d, resumable %v, stderr %q; want %d and a checkpoint to resume", sig, code, resumable(out), stderr.String(), 128+int(sig))
		}
	}
}
