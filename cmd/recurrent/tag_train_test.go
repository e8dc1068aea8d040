package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/cktest"
)

// taskTrainCLI is a training command of a classify or tag model with tiny
// sizes: args trains on data with one batch per epoch.
type taskTrainCLI struct {
	name string
	args func(data string) []string
	data func(t *testing.T, dir string) string
}

func taskTrainCLIs() []taskTrainCLI {
	return []taskTrainCLI{
		{name: "classify",
			args: func(data string) []string {
				return []string{"classify", "train", "--train", data, "--embed", "4", "--hidden", "4", "--batch", "40", "--quiet", "--json"}
			},
			data: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "train.tsv")
				writePlantedTSV(t, p, 40, 3)
				return p
			}},
		{name: "tag",
			args: func(data string) []string {
				return []string{"tag", "train", "--train", data, "--word-embed", "4", "--char-embed", "2", "--char-hidden", "2",
					"--hidden", "4", "--batch", "24", "--quiet", "--json"}
			},
			data: func(t *testing.T, dir string) string { return "../../testdata/pin/tags.conll" }},
	}
}

// budgetSummary is the part of the JSON summary the tests read.
type budgetSummary struct {
	Steps    int64  `json:"steps"`
	Stop     string `json:"stop_reason"`
	Position struct {
		Epoch int `json:"epoch"`
	} `json:"position"`
}

func runTrainJSON(t *testing.T, args ...string) (budgetSummary, string, error) {
	t.Helper()
	out, err := runCLIIn(t, "", args...)
	var s budgetSummary
	if err == nil {
		if jerr := json.Unmarshal([]byte(out), &s); jerr != nil {
			t.Fatalf("summary JSON: %v\n%s", jerr, out)
		}
	}
	return s, out, err
}

// TestTaskTrainBudgetCLI: for classify train and tag train (one batch per
// epoch), --steps 12 alone trains exactly 12 steps although the default is
// 10 epochs; with --epochs 2 too the epochs stop first; the reason is in
// the JSON. --resume with a budget flag continues to it.
func TestTaskTrainBudgetCLI(t *testing.T) {
	for _, c := range taskTrainCLIs() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := c.data(t, dir)
			out := filepath.Join(dir, "steps")
			s, _, err := runTrainJSON(t, append(c.args(data), "--out", out, "--steps", "12")...)
			if err != nil {
				t.Fatal(err)
			}
			if s.Steps != 12 || s.Stop != "steps" || s.Position.Epoch != 12 {
				t.Errorf("--steps 12: %+v, want 12 steps in 12 epochs, stop_reason steps", s)
			}
			s, _, err = runTrainJSON(t, append(c.args(data), "--out", out, "--resume", "--steps", "14")...)
			if err != nil {
				t.Fatal(err)
			}
			if s.Steps != 14 || s.Stop != "steps" {
				t.Errorf("--resume --steps 14: %+v", s)
			}
			s, _, err = runTrainJSON(t, append(c.args(data), "--out", filepath.Join(dir, "both"), "--steps", "12", "--epochs", "2")...)
			if err != nil {
				t.Fatal(err)
			}
			if s.Steps != 2 || s.Stop != "epochs" {
				t.Errorf("--steps 12 --epochs 2: %+v, want 2 steps, stop_reason epochs", s)
			}
		})
	}
}

// TestTaskTrainSafetyCLI: a second run into a checkpoint directory is
// refused without --overwrite (the checkpoint untouched) and allowed with
// it; --resume with another architecture is an error naming the flag and
// both values; an SGD run at --lr 1e6 without clipping stops as diverged,
// with an error, and leaves no non-finite number in any file.
func TestTaskTrainSafetyCLI(t *testing.T) {
	for _, c := range taskTrainCLIs() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := c.data(t, dir)
			out := filepath.Join(dir, "ck")
			if _, _, err := runTrainJSON(t, append(c.args(data), "--out", out, "--epochs", "1")...); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(filepath.Join(out, checkpoint.ModelFile))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = runTrainJSON(t, append(c.args(data), "--out", out, "--epochs", "1", "--seed", "2")...)
			if err == nil || !strings.Contains(err.Error(), "--overwrite") || !strings.Contains(err.Error(), "already holds") {
				t.Errorf("second run without --overwrite: %v", err)
			}
			if after, _ := os.ReadFile(filepath.Join(out, checkpoint.ModelFile)); string(after) != string(before) {
				t.Error("a refused run changed the checkpoint")
			}
			if _, _, err := runTrainJSON(t, append(c.args(data), "--out", out, "--epochs", "1", "--seed", "2", "--overwrite")...); err != nil {
				t.Errorf("--overwrite: %v", err)
			}
			_, _, err = runTrainJSON(t, append(c.args(data), "--out", out, "--resume", "--hidden", "5")...)
			if err == nil || !strings.Contains(err.Error(), "--hidden 5") || !strings.Contains(err.Error(), "checkpoint's 4") {
				t.Errorf("--resume --hidden 5: %v", err)
			}

			div := filepath.Join(dir, "div")
			_, stdout, err := runTrainJSON(t, append(c.args(data), "--out", div, "--steps", "30", "--optimizer", "sgd", "--lr", "1e6", "--clip", "0")...)
			// One batch per epoch: step 1 ends epoch 1 and is saved; the
			// divergence comes after.
			if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "--lr") ||
				!strings.Contains(err.Error(), div+" holds step") {
				t.Fatalf("--lr 1e6: err %v, want a divergence error naming the last good checkpoint, with advice", err)
			}
			if strings.Contains(stdout, "NaN") || strings.Contains(stdout, "Inf") {
				t.Errorf("standard output holds a non-finite number: %s", stdout)
			}
			cktest.CheckFinite(t, div)
		})
	}
}
