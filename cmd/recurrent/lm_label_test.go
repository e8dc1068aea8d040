package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLMTrainLabelsSample trains a conditional model on an SST-format
// file whose words depend on the label and samples each label.
func TestLMTrainLabelsSample(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 150 {
		b.WriteString("1 good great fine good\n")
		b.WriteString("0 bad awful poor bad\n")
		if i%3 == 0 {
			b.WriteString("1 great good\n0 awful bad\n")
		}
	}
	train := filepath.Join(dir, "train.txt")
	if err := os.WriteFile(train, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "ck")
	out, err := runLMCmd(t, newLMTrainLabelsCmd, "--train", train, "--valid", train, "--out", ck, "--cell", "gru",
		"--embed", "8", "--hidden", "16", "--label-dim", "4", "--dropout", "0", "--epochs", "6", "--lr", "0.01",
		"--label-bias", "--discriminative", "0.5", "--bucket", "--quiet")
	if err != nil {
		t.Fatalf("train-labels: %v\n%s", err, out)
	}
	if !strings.Contains(out, "(epoch 6, batch 0)") || !strings.Contains(out, "stopped: epochs") {
		t.Fatalf("train-labels output:\n%s", out)
	}
	sample := newLMSampleCmd // --label is an ordinary flag of lm sample
	for _, tc := range []struct{ label, words, guidance string }{
		{"positive", "good great fine", "0"}, {"1", "good great fine", "0"}, {"negative", "bad awful poor", "0"},
		{"positive", "good great fine", "2"}, {"negative", "bad awful poor", "1"},
	} {
		label, words := tc.label, tc.words
		out, err := runLMCmd(t, sample, "--model", ck, "--label", label, "--num", "10", "--temperature", "0.5", "--guidance", tc.guidance)
		if err != nil {
			t.Fatalf("sample %s: %v\n%s", label, err, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 10 {
			t.Fatalf("sample %s: %d lines:\n%s", label, len(lines), out)
		}
		for _, l := range lines {
			for _, w := range strings.Fields(l) {
				if !strings.Contains(words, w) {
					t.Errorf("label %s: sample %q has %q", label, l, w)
				}
			}
		}
	}
	out, err = runLMCmd(t, newLMEvalLabelsCmd, "--model", ck, "--data", train, "--json")
	if err != nil {
		t.Fatalf("eval-labels: %v\n%s", err, out)
	}
	var ev struct {
		Sentences  int     `json:"sentences"`
		Perplexity float64 `json:"perplexity"`
		LabelAcc   float64 `json:"label_accuracy"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.Sentences != 400 || ev.Perplexity > 4 || ev.LabelAcc < 0.99 {
		t.Errorf("eval-labels: %s (%v)", out, err)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("1 good\n7 odd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runLMCmd(t, newLMEvalLabelsCmd, "--model", ck, "--data", bad); err == nil || !strings.Contains(err.Error(), "bad.txt:2") {
		t.Errorf("unknown label in data: error %v", err)
	}
	if _, err := runLMCmd(t, sample, "--model", ck, "--label", "neutral"); err == nil || !strings.Contains(err.Error(), "neutral") {
		t.Errorf("unknown label: error %v", err)
	}
	if _, err := runLMCmd(t, sample, "--model", ck, "--label", "positive", "--guidance", "1", "--rerank", "3"); err == nil {
		t.Error("--guidance with --rerank accepted")
	}
}

// TestLMTrainLabelsResume trains 3 epochs straight and 2 + --resume to 3,
// without dropout and with it (two layers): the checkpoints' parameters
// must be byte-identical.
func TestLMTrainLabelsResume(t *testing.T) {
	for _, c := range []struct{ dropout, layers string }{{"0", "1"}, {"0.3", "2"}} {
		t.Run("dropout"+c.dropout, func(t *testing.T) { testLMTrainLabelsResume(t, c.dropout, c.layers) })
	}
}

func testLMTrainLabelsResume(t *testing.T, dropout, layers string) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "%d %s\n", i%2, []string{"bad awful poor bad", "good great fine good", "great good", "awful bad"}[i%4])
	}
	train := filepath.Join(dir, "train.txt")
	if err := os.WriteFile(train, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := func(out string, more ...string) []string {
		return append([]string{"--train", train, "--valid", train, "--out", out, "--cell", "gru", "--embed", "8", "--hidden", "8",
			"--label-dim", "2", "--dropout", dropout, "--layers", layers, "--lr", "0.01", "--label-bias", "--discriminative", "0.1", "--quiet"}, more...)
	}
	straight, split := filepath.Join(dir, "straight"), filepath.Join(dir, "split")
	if out, err := runLMCmd(t, newLMTrainLabelsCmd, args(straight, "--epochs", "3")...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := runLMCmd(t, newLMTrainLabelsCmd, args(split, "--epochs", "2")...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := runLMCmd(t, newLMTrainLabelsCmd, args(split, "--epochs", "3", "--resume", "--json")...)
	var sum loopSummary
	if err != nil || json.Unmarshal([]byte(out), &sum) != nil || sum.Position.Epoch != 3 || sum.Stop != "epochs" {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	for _, f := range []string{"model.safetensors", "last.safetensors"} {
		a, err := os.ReadFile(filepath.Join(straight, f))
		if err != nil {
			t.Fatal(err)
		}
		c, err := os.ReadFile(filepath.Join(split, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, c) {
			t.Errorf("%s differs between the straight and the resumed run", f)
		}
	}
	if _, err := runLMCmd(t, newLMTrainLabelsCmd, args(filepath.Join(dir, "none"), "--resume")...); err == nil {
		t.Error("--resume without a checkpoint accepted")
	}
}
