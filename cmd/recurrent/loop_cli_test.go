package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/cktest"
	"github.com/recurrent-go/recurrent/train"
)

// loopTrainer is a training command on the shared loop, with small data
// of 4 batches per epoch.
type loopTrainer struct {
	name  string
	setup func(t *testing.T, dir string) []string // writes the data; returns the command and its data and size flags
}

func loopTrainers() []loopTrainer {
	return []loopTrainer{
		{"translate", func(t *testing.T, dir string) []string {
			path := writeLines(t, filepath.Join(dir, "pairs.tsv"), 64, func(i int) string { return fmt.Sprintf("%d-%d\t%d%d", i%7, i%5, i%5, i%7) })
			return []string{"translate", "train", "--train", path, "--embed", "4", "--hidden", "4", "--batch", "16"}
		}},
		{"train-labels", func(t *testing.T, dir string) []string {
			path := writeLines(t, filepath.Join(dir, "labels.txt"), 64, func(i int) string {
				return fmt.Sprintf("%d %s", i%2, []string{"bad awful poor", "good great fine", "great good", "awful bad"}[i%4])
			})
			return []string{"lm", "train-labels", "--train", path, "--embed", "4", "--hidden", "4", "--label-dim", "2",
				"--batch", "16", "--min-count", "1", "--cell", "gru"}
		}},
	}
}

// loopSummary is the summary a training command on the shared loop prints
// (--json: as is).
type loopSummary = train.LoopSummary

// runLoopJSON runs a training command with --json --quiet --threads 1 and
// decodes its summary.
func runLoopJSON(t *testing.T, args ...string) (loopSummary, error) {
	t.Helper()
	out, err := runCLIIn(t, "", append(args, "--json", "--quiet", "--threads", "1")...)
	var s loopSummary
	if err == nil {
		if jerr := json.Unmarshal([]byte(out), &s); jerr != nil {
			t.Fatalf("%v: summary %q: %v", args, out, jerr)
		}
	}
	return s, err
}

// TestLoopTrainersCLI: for translate train and lm train-labels, --steps N
// trains exactly N steps past an epoch boundary (epochs unbounded) and the
// first of --steps and --epochs stops; an existing checkpoint is refused
// without --overwrite and replaced with it; --resume with a different
// architecture flag is an error naming it; SGD at --lr 1e6 without
// clipping stops with a divergence error, exit non-zero, and leaves no
// non-finite number in the checkpoint directory.
func TestLoopTrainersCLI(t *testing.T) {
	for _, lt := range loopTrainers() {
		t.Run(lt.name, func(t *testing.T) {
			dir := t.TempDir()
			base := lt.setup(t, dir)
			ck := filepath.Join(dir, "ck")
			args := func(more ...string) []string { return append(append([]string(nil), base...), more...) }

			s, err := runLoopJSON(t, args("--out", ck, "--steps", "7")...)
			if err != nil || s.Steps != 7 || s.Stop != "steps" || s.Position.Epoch != 1 || s.Position.Batch != 3 {
				t.Fatalf("--steps 7: %+v, %v; want 7 steps, stop steps, epoch 1 batch 3", s, err)
			}
			if _, err := runLoopJSON(t, args("--out", ck, "--steps", "2")...); err == nil || !strings.Contains(err.Error(), "--overwrite") {
				t.Fatalf("training into an existing checkpoint: %v, want a refusal naming --overwrite", err)
			}
			s, err = runLoopJSON(t, args("--out", ck, "--steps", "7", "--epochs", "1", "--overwrite")...)
			if err != nil || s.Steps != 4 || s.Stop != "epochs" {
				t.Fatalf("--steps 7 --epochs 1 --overwrite: %+v, %v; want 4 steps, stop epochs", s, err)
			}
			s, err = runLoopJSON(t, args("--out", ck, "--steps", "6", "--resume")...)
			if err != nil || s.Steps != 6 || s.Stop != "steps" {
				t.Fatalf("--resume --steps 6: %+v, %v", s, err)
			}
			if _, err := runLoopJSON(t, args("--out", ck, "--resume", "--hidden", "8")...); err == nil ||
				!strings.Contains(err.Error(), "--hidden 8 conflicts with the checkpoint's 4") {
				t.Fatalf("--resume --hidden 8: %v, want a conflict naming --hidden", err)
			}

			bad := filepath.Join(dir, "diverged")
			_, err = runLoopJSON(t, args("--out", bad, "--optimizer", "sgd", "--lr", "1e6", "--clip", "0", "--epochs", "20")...)
			if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "--lr") {
				t.Fatalf("--lr 1e6: %v, want a divergence error", err)
			}
			t.Logf("--lr 1e6: %v", err)
			cktest.CheckFinite(t, bad)
		})
	}
}
