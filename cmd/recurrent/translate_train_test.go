package main

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/seq2seq"
)

// TestTranslateTrainEvalRun trains a small date model for two epochs,
// resumes it for a third, evaluates greedy and beam, and translates with
// attention exported as JSON and PNG.
func TestTranslateTrainEvalRun(t *testing.T) {
	dir := t.TempDir()
	paths, err := seq2seq.WriteDateSplits(context.Background(), dir, seq2seq.DateOptions{N: 1500, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	train, dev, test := paths[0], paths[1], paths[2]
	ck := filepath.Join(dir, "ck")
	common := []string{"--train", train, "--dev", dev, "--out", ck, "--embed", "16", "--hidden", "32",
		"--batch", "32", "--lr", "0.005", "--quiet", "--json"}
	out, err := runTranslateCmd(t, newTranslateTrainCmd, "", append(common, "--epochs", "2")...)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	var first, sum loopSummary
	if err := json.Unmarshal([]byte(out), &first); err != nil || first.Position.Epoch != 2 || first.Stop != "epochs" || first.Best == nil {
		t.Fatalf("train printed %q (%v), want a summary after 2 epochs", out, err)
	}
	out, err = runTranslateCmd(t, newTranslateTrainCmd, "", append(common, "--epochs", "3", "--resume")...)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Position.Epoch != 3 || sum.Steps != first.Steps*3/2 {
		t.Fatalf("resumed run printed %q (%v), want epoch 3 after %d steps", out, err, first.Steps*3/2)
	}
	hm := filepath.Join(dir, "maps")
	for _, beam := range []string{"1", "3"} {
		out, err = runTranslateCmd(t, newTranslateEvalCmd, "", "--model", ck, "--data", test, "--beam", beam, "--json", "--quiet", "--heatmap", hm)
		if err != nil {
			t.Fatalf("eval: %v\n%s", err, out)
		}
		var met struct {
			seq2seq.Metrics
			Beam int `json:"beam"`
		}
		if err := json.Unmarshal([]byte(out), &met); err != nil {
			t.Fatal(err)
		}
		if met.N != 150 || met.Beam != map[string]int{"1": 1, "3": 3}[beam] || met.TokenAccuracy < 0.5 || met.BLEU <= 0 {
			t.Errorf("beam %s: metrics %+v", beam, met)
		}
	}
	if maps, _ := filepath.Glob(filepath.Join(hm, "line-*.png")); len(maps) != 150 {
		t.Errorf("eval --heatmap drew %d maps, want 150", len(maps))
	}
	jpath, ppath := filepath.Join(dir, "a.json"), filepath.Join(dir, "a.png")
	out, err = runTranslateCmd(t, newTranslateRunCmd, "March 5th, 1998\n12/01/2001\tignored\n",
		"--model", ck, "--attention-json", jpath, "--attention-png", ppath)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 {
		t.Fatalf("run printed %q", out)
	}
	var am seq2seq.AttentionMap
	b, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &am); err != nil || len(am.Source) != len("March 5th, 1998") || len(am.Weights) != len(am.Output) {
		t.Fatalf("attention json %s (%v)", b, err)
	}
	f, err := os.Open(ppath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("attention png: %v", err)
	}
	// Errors name the file and line.
	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, []byte("a\tb\nno tab here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runTranslateCmd(t, newTranslateEvalCmd, "", "--model", ck, "--data", bad, "--quiet"); err == nil || !strings.Contains(err.Error(), "bad.tsv:2") {
		t.Errorf("malformed pairs: error %v, want it to name bad.tsv:2", err)
	}
	if _, err := runTranslateCmd(t, newTranslateRunCmd, "ok\n\n", "--model", ck); err == nil || !strings.Contains(err.Error(), ":2") {
		t.Errorf("empty source line: error %v", err)
	}
}
