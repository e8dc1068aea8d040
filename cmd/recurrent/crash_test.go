//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/lm/tinyshakespeare"
	"github.com/recurrent-go/recurrent/seq2seq"
)

// crashTrainers is one small training command line per trainer, run in a
// directory holding the data the setup function wrote; OUT stands for the
// checkpoint directory. Keep these in step with the commands' flags. Each
// gives --lr and, where the command has one, a per-epoch --lr-decay: the
// resumed run repeats the same command line, which must keep the decayed
// rate the checkpoint holds.
var crashTrainers = []struct {
	name  string
	setup func(t *testing.T, dir string)
	args  []string
}{
	{"lm train", func(t *testing.T, dir string) {
		os.WriteFile(filepath.Join(dir, "lm.txt"), []byte(tinyshakespeare.Text[:24000]), 0o644)
	}, []string{"lm", "train", "--train", "lm.txt", "--valid-fraction", "0", "--out", "OUT", "--embed", "16", "--hidden", "32",
		"--layers", "1", "--bptt", "32", "--batch", "8", "--epochs", "3", "--checkpoint-every", "10", "--seed", "3",
		"--lr", "0.004", "--lr-decay", "0.5"}},
	{"lm train-labels", func(t *testing.T, dir string) {
		writePlantedTSV(t, filepath.Join(dir, "labels.tsv"), 160, 5)
	}, []string{"lm", "train-labels", "--train", "labels.tsv", "--out", "OUT", "--embed", "16", "--hidden", "24", "--label-dim", "4",
		"--epochs", "6", "--batch", "16", "--min-count", "1", "--seed", "3", "--lr", "0.003"}},
	{"classify train", func(t *testing.T, dir string) {
		writePlantedTSV(t, filepath.Join(dir, "cls.tsv"), 200, 1)
		writePlantedTSV(t, filepath.Join(dir, "cls_dev.tsv"), 40, 2)
	}, []string{"classify", "train", "--train", "cls.tsv", "--dev", "cls_dev.tsv", "--out", "OUT", "--embed", "16", "--hidden", "16",
		"--epochs", "8", "--patience", "0", "--seed", "3", "--lr", "0.002"}},
	{"tag train", func(t *testing.T, dir string) {
		writeCapsCoNLL(t, filepath.Join(dir, "tag.conll"), 120, 1)
		writeCapsCoNLL(t, filepath.Join(dir, "tag_dev.conll"), 30, 2)
	}, []string{"tag", "train", "--train", "tag.conll", "--dev", "tag_dev.conll", "--out", "OUT", "--word-embed", "16",
		"--char-embed", "8", "--char-hidden", "8", "--hidden", "16", "--epochs", "6", "--patience", "0", "--seed", "3", "--lr", "0.003"}},
	{"translate train", func(t *testing.T, dir string) {
		paths, err := seq2seq.WriteDateSplits(context.Background(), dir, seq2seq.DateOptions{N: 400, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"dates.train", "dates.dev"} {
			if err := os.Rename(paths[i], filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}, []string{"translate", "train", "--train", "dates.train", "--dev", "dates.dev", "--out", "OUT", "--embed", "16", "--hidden", "16",
		"--epochs", "6", "--batch", "32", "--dev-decode", "40", "--seed", "3", "--lr", "0.003", "--lr-decay", "0.7"}},
}

// trainArgs substitutes out for OUT and adds the flags every run shares.
func trainArgs(args []string, out string, resume bool) []string {
	a := make([]string, 0, len(args)+4)
	for _, s := range args {
		if s == "OUT" {
			s = out
		}
		a = append(a, s)
	}
	a = append(a, "--quiet", "--threads", "1")
	if resume {
		a = append(a, "--resume")
	}
	return a
}

// weights returns the contents of every .safetensors file of a finished
// checkpoint directory by name.
func weights(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".safetensors") {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m[e.Name()] = b
		}
	}
	if len(m) == 0 {
		t.Fatalf("%s holds no weights", dir)
	}
	return m
}

// resumable reports whether out holds a training checkpoint to resume.
func resumable(out string) bool {
	ck, err := checkpoint.Load(out)
	return err == nil && ck.Has(checkpoint.StateFile)
}

// killRun starts a training run and SIGKILLs it after delay, or (writing
// n > 0) as soon as it starts writing its n-th checkpoint (the n-th
// temporary sibling of out appears). It reports whether the run was killed
// before finishing.
func killRun(t *testing.T, dir string, args []string, out string, delay time.Duration, writing int) bool {
	t.Helper()
	cmd := exec.Command(recurrentBinary(t), args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(delay)
	tick := time.NewTicker(200 * time.Microsecond)
	defer tick.Stop()
	parent, base := filepath.Dir(out), filepath.Base(out)+".tmp-"
	seen := map[string]bool{}
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%v: %v\n%s", args, err, stderr.String())
			}
			return false
		case <-deadline:
			if writing == 0 {
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
				return true
			}
		case <-tick.C:
			if writing == 0 {
				continue
			}
			es, _ := os.ReadDir(parent)
			for _, e := range es {
				if strings.HasPrefix(e.Name(), base) {
					seen[e.Name()] = true
				}
			}
			if len(seen) >= writing {
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
				return true
			}
		}
	}
}

// TestKillResumeIdentical: every trainer, SIGKILLed at seeded random
// moments and once while writing a checkpoint, then resumed with --resume
// (or restarted when it died before its first checkpoint), ends with
// weights byte-identical to an uninterrupted run's.
func TestKillResumeIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("trains every model several times")
	}
	const trials = 4 // the last one kills during the second checkpoint write
	rng := rand.New(rand.NewPCG(2026, 12))
	total, killed, resumed, identical := 0, 0, 0, 0
	for _, tc := range crashTrainers {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			ref := filepath.Join(dir, "ref")
			r := runBinary(t, dir, 2*time.Minute, trainArgs(tc.args, ref, false)...)
			if r.code != 0 {
				t.Fatalf("uninterrupted run: exit %d\n%s", r.code, r.stderr)
			}
			want := weights(t, ref)
			for trial := range trials {
				out := filepath.Join(dir, "run", "ck")
				os.RemoveAll(filepath.Dir(out))
				os.MkdirAll(filepath.Dir(out), 0o755)
				writing := 0
				if trial == trials-1 {
					writing = 2
				}
				delay := time.Duration((0.1 + 0.8*rng.Float64()) * float64(r.elapsed))
				total++
				if killRun(t, dir, trainArgs(tc.args, out, false), out, delay, writing) {
					killed++
					resume := resumable(out)
					if resume {
						resumed++
					}
					res := runBinary(t, dir, 2*time.Minute, trainArgs(tc.args, out, resume)...)
					if res.code != 0 {
						t.Fatalf("trial %d: run after the kill (resume %v): exit %d\n%s", trial, resume, res.code, res.stderr)
					}
				} else if writing > 0 {
					t.Errorf("trial %d: the run finished before its second checkpoint write was seen", trial)
				}
				got := weights(t, out)
				same := len(got) == len(want)
				for name, b := range want {
					if !bytes.Equal(got[name], b) {
						same = false
						t.Errorf("trial %d (kill after %v, during a write %v): %s differs from the uninterrupted run's", trial, delay, writing, name)
					}
				}
				if same {
					identical++
				}
			}
			t.Logf("%s: reference run %v", tc.name, r.elapsed.Round(time.Millisecond))
		})
	}
	t.Logf("%d trials: %d runs killed, %d of them resumed from a checkpoint (the others restarted); %d ended with identical weights", total, killed, resumed, identical)
	if resumed < len(crashTrainers) {
		t.Errorf("only %d kills left a checkpoint to resume", resumed)
	}
}

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
		{[]string{"--threads", "0", "lm", "sample", "--model", "m"}, 2, "--threads must be in [1, "},
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

// TestSignalWhileReadingStdin: SIGINT or SIGTERM stops a command that
// waits for standard input (a terminal, or a pipe that stays open) with
// 128+N, as it stops a trainer (tag score and the others waited on, and
// only SIGKILL ended them). A signal that arrives before the command has
// set up its handling kills it by the signal's default action (seen on a
// machine at load 9, 500 ms after the start); the case is then tried again
// with a longer wait, and fails if every try ends that way.
func TestSignalWhileReadingStdin(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGINT, []string{"tag", "score"}},
		{syscall.SIGTERM, []string{"classify", "stats"}},
		{syscall.SIGINT, []string{"vectors", "similar", "--vectors", "-", "king"}},
		{syscall.SIGTERM, []string{"lm", "train", "--train", "-", "--out", t.TempDir()}},
		{syscall.SIGINT, []string{"classify", "train", "--train", "-", "--out", t.TempDir()}},
	} {
		for try, wait := range []time.Duration{500 * time.Millisecond, 2 * time.Second, 5 * time.Second} {
			state, stderr := signalReadingStdin(t, c.args, c.sig, wait)
			if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == c.sig && try < 2 {
				continue // killed before its handler was set up
			}
			if code := state.ExitCode(); code != 128+int(c.sig) {
				t.Errorf("%s stopped by %v while reading standard input (after %v): %v (stderr %q), want exit %d",
					strings.Join(c.args, " "), c.sig, wait, state, stderr, 128+int(c.sig))
			}
			break
		}
	}
}

// signalReadingStdin starts recurrent with args and a standard input that
// stays open, sends sig after wait, and returns how the process ended
// (killed after 10 s more) and its standard error.
func signalReadingStdin(t *testing.T, args []string, sig syscall.Signal, wait time.Duration) (*os.ProcessState, string) {
	t.Helper()
	cmd := exec.Command(recurrentBinary(t), args...)
	stdin, err := cmd.StdinPipe() // left open: the command waits
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write([]byte("a O O\n"))
	time.Sleep(wait)
	cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	return cmd.ProcessState, stderr.String()
}
