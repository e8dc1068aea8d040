package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/cktest"
	"github.com/recurrent-go/recurrent/train"
)

// trainCLI is a training command on the shared loop with tiny sizes
// (--hidden 4) and a default of 10 epochs: args writes its data into dir
// and returns the command with its data and size flags; an epoch is
// batches steps.
type trainCLI struct {
	name    string
	batches int
	args    func(t *testing.T, dir string) []string
}

func trainCLIs() []trainCLI {
	return []trainCLI{
		{"classify", 1, func(t *testing.T, dir string) []string {
			path := filepath.Join(dir, "train.tsv")
			writePlantedTSV(t, path, 40, 3)
			return []string{"classify", "train", "--train", path, "--embed", "4", "--hidden", "4", "--batch", "40"}
		}},
		{"tag", 1, func(t *testing.T, dir string) []string {
			return []string{"tag", "train", "--train", "../../testdata/pin/tags.conll", "--word-embed", "4", "--char-embed", "2",
				"--char-hidden", "2", "--hidden", "4", "--batch", "24"}
		}},
		{"translate", 4, func(t *testing.T, dir string) []string {
			path := writeLines(t, filepath.Join(dir, "pairs.tsv"), 64, func(i int) string { return fmt.Sprintf("%d-%d\t%d%d", i%7, i%5, i%5, i%7) })
			return []string{"translate", "train", "--train", path, "--embed", "4", "--hidden", "4", "--batch", "16"}
		}},
		{"train-labels", 4, func(t *testing.T, dir string) []string {
			path := writeLines(t, filepath.Join(dir, "labels.txt"), 64, func(i int) string {
				return fmt.Sprintf("%d %s", i%2, []string{"bad awful poor", "good great fine", "great good", "awful bad"}[i%4])
			})
			return []string{"lm", "train-labels", "--train", path, "--embed", "4", "--hidden", "4", "--label-dim", "2",
				"--batch", "16", "--min-count", "1", "--cell", "gru"}
		}},
	}
}

// loopSummary is the summary a training command on the shared loop prints
// (--json: as is; the task commands' summaries share its steps, position
// and stop_reason).
type loopSummary = train.LoopSummary

// runTrainCLI runs a training command with --json --quiet --threads 1 and
// returns its summary and standard output.
func runTrainCLI(t *testing.T, args ...string) (loopSummary, string, error) {
	t.Helper()
	out, err := runCLIIn(t, "", append(args, "--json", "--quiet", "--threads", "1")...)
	var s loopSummary
	if err == nil {
		if jerr := json.Unmarshal([]byte(out), &s); jerr != nil {
			t.Fatalf("%v: summary %q: %v", args, out, jerr)
		}
	}
	return s, out, err
}

// eachTrainCLI runs f as a subtest for every training command, in a
// fresh directory holding its data; args(more...) is the command with its
// data and size flags followed by more.
func eachTrainCLI(t *testing.T, f func(t *testing.T, c trainCLI, dir string, args func(more ...string) []string)) {
	for _, c := range trainCLIs() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			base := c.args(t, dir)
			f(t, c, dir, func(more ...string) []string { return append(append([]string(nil), base...), more...) })
		})
	}
}

// TestTrainCLIBudget: for every training command, --steps N alone trains
// exactly N steps past the default 10 epochs (epochs unbounded) and stops
// mid-epoch where it should; --resume with a larger --steps continues to
// it; with --epochs 2 too the epochs stop first; the reason is in the
// JSON.
func TestTrainCLIBudget(t *testing.T) {
	eachTrainCLI(t, func(t *testing.T, c trainCLI, dir string, args func(...string) []string) {
		ck, n := filepath.Join(dir, "ck"), int64(10*c.batches+2)
		s, _, err := runTrainCLI(t, args("--out", ck, "--steps", fmt.Sprint(n))...)
		if err != nil || s.Steps != n || s.Stop != "steps" || s.Position.Epoch != int(n)/c.batches || s.Position.Batch != int(n)%c.batches {
			t.Fatalf("--steps %d: %+v, %v; want that many steps, stop steps, epoch %d batch %d", n, s, err, int(n)/c.batches, int(n)%c.batches)
		}
		s, _, err = runTrainCLI(t, args("--out", ck, "--resume", "--steps", fmt.Sprint(n+2))...)
		if err != nil || s.Steps != n+2 || s.Stop != "steps" {
			t.Errorf("--resume --steps %d: %+v, %v", n+2, s, err)
		}
		s, _, err = runTrainCLI(t, args("--out", filepath.Join(dir, "both"), "--steps", fmt.Sprint(n), "--epochs", "2")...)
		if err != nil || s.Steps != int64(2*c.batches) || s.Stop != "epochs" {
			t.Errorf("--steps %d --epochs 2: %+v, %v; want %d steps, stop epochs", n, s, err, 2*c.batches)
		}
	})
}

// TestTrainCLISafety: for every training command, a second run into a
// checkpoint directory is refused without --overwrite (the checkpoint
// untouched) and allowed with it; --resume with another architecture is
// an error naming the flag and both values; an SGD run at --lr 1e6
// without clipping stops as diverged, with an error that gives advice and
// names the last good checkpoint or says none was written, and leaves no
// non-finite number in any file or on standard output.
func TestTrainCLISafety(t *testing.T) {
	eachTrainCLI(t, func(t *testing.T, c trainCLI, dir string, args func(...string) []string) {
		ck := filepath.Join(dir, "ck")
		if _, _, err := runTrainCLI(t, args("--out", ck, "--epochs", "1")...); err != nil {
			t.Fatal(err)
		}
		before, err := os.ReadFile(filepath.Join(ck, checkpoint.ModelFile))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = runTrainCLI(t, args("--out", ck, "--epochs", "1", "--seed", "2")...)
		if err == nil || !strings.Contains(err.Error(), "--overwrite") || !strings.Contains(err.Error(), "already holds") {
			t.Errorf("second run without --overwrite: %v", err)
		}
		if after, _ := os.ReadFile(filepath.Join(ck, checkpoint.ModelFile)); string(after) != string(before) {
			t.Error("a refused run changed the checkpoint")
		}
		// An --out that cannot be a checkpoint directory (under a file) is
		// refused without the advice of --resume or --overwrite, which
		// cannot help.
		under := filepath.Join(ck, checkpoint.ModelFile, "sub")
		if _, _, err := runTrainCLI(t, args("--out", under, "--epochs", "1")...); err == nil || strings.Contains(err.Error(), "--resume") || strings.Contains(err.Error(), "--overwrite") {
			t.Errorf("--out under a file: %v, want an error without --resume/--overwrite advice", err)
		}
		if _, _, err := runTrainCLI(t, args("--out", ck, "--epochs", "1", "--seed", "2", "--overwrite")...); err != nil {
			t.Errorf("--overwrite: %v", err)
		}
		_, _, err = runTrainCLI(t, args("--out", ck, "--resume", "--hidden", "8")...)
		if err == nil || !strings.Contains(err.Error(), "--hidden 8 conflicts with the checkpoint's 4") {
			t.Errorf("--resume --hidden 8: %v, want a conflict naming --hidden and both values", err)
		}

		div := filepath.Join(dir, "div")
		_, stdout, err := runTrainCLI(t, args("--out", div, "--steps", "30", "--optimizer", "sgd", "--lr", "1e6", "--clip", "0")...)
		if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "--lr") {
			t.Fatalf("--lr 1e6: %v, want a divergence error with advice", err)
		}
		// With one batch an epoch, step 1 ends an epoch and is saved
		// before the blow-up shows: the error must name that checkpoint.
		want := "no checkpoint was written"
		if _, serr := os.Stat(div); serr == nil || c.batches == 1 {
			want = div + " holds step"
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("--lr 1e6: %v, want it to say %q", err, want)
		}
		t.Logf("--lr 1e6: %v", err)
		if strings.Contains(stdout, "NaN") || strings.Contains(stdout, "Inf") {
			t.Errorf("standard output holds a non-finite number: %s", stdout)
		}
		cktest.CheckFinite(t, div)
	})
}
