package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runLMCmd executes a freshly built subcommand with args and returns stdout.
func runLMCmd(t *testing.T, newCmd func() *cobra.Command, args ...string) (string, error) {
	t.Helper()
	cmd := newCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestLMTrainSampleScore(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "train.txt")
	var b strings.Builder
	for range 60 {
		b.WriteString("the cat sat on the mat\nthe dog sat on the log\n")
	}
	if err := os.WriteFile(corpus, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "ck")
	out, err := runLMCmd(t, newLMTrainCmd, "--train", corpus, "--out", ck, "--tokenizer", "word",
		"--cell", "gru", "--embed", "16", "--hidden", "16", "--layers", "1", "--batch", "4", "--bptt", "8",
		"--epochs", "4", "--lr", "0.02", "--quiet", "--json")
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	var sum lmSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	// Vocabulary: <unk> <eos> the sat on cat mat dog log = 9.
	if sum.Vocab != 9 || sum.Valid == nil || sum.Checkpoint != ck || sum.Position.Epoch != 4 {
		t.Errorf("summary %+v", sum)
	}
	// The corpus is nearly deterministic: validation perplexity must be low.
	if sum.Valid.Perplexity > 2.5 {
		t.Errorf("validation perplexity %v, model did not learn", sum.Valid.Perplexity)
	}

	out, err = runLMCmd(t, newLMSampleCmd, "--model", ck, "--prompt", "the cat", "--length", "5", "--temperature", "0")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out); !strings.HasPrefix(got, "the cat sat on the mat") {
		t.Errorf("greedy sample %q", got)
	}

	lines := filepath.Join(dir, "lines.txt")
	os.WriteFile(lines, []byte("the cat sat on the mat\nmat the on sat cat the\n"), 0o644)
	out, err = runLMCmd(t, newLMScoreCmd, "--model", ck, "--json", lines)
	if err != nil {
		t.Fatal(err)
	}
	var scores []struct {
		LogProb float64 `json:"log_prob"`
		Tokens  int     `json:"tokens"`
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var s struct {
			LogProb float64 `json:"log_prob"`
			Tokens  int     `json:"tokens"`
		}
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatal(err)
		}
		scores = append(scores, s)
	}
	if len(scores) != 2 || scores[0].Tokens != 7 || scores[0].LogProb <= scores[1].LogProb+5 {
		t.Errorf("scores %+v: the training sentence should be far more likely than its reversal", scores)
	}

	// Stream evaluation of the training file: low perplexity, every target.
	out, err = runLMCmd(t, newLMEvalCmd, "--model", ck, "--batch", "2", "--bptt", "5", "--json", corpus)
	if err != nil {
		t.Fatal(err)
	}
	var met struct {
		Perplexity float64
		Tokens     int
	}
	// 120 lines of 6 words + <eos> = 840 tokens in 2 streams of 420.
	if err := json.Unmarshal([]byte(out), &met); err != nil || met.Tokens != 2*419 || met.Perplexity > 2.5 {
		t.Errorf("eval %q: %+v, %v", out, met, err)
	}

	// Resume: one more epoch continues from epoch 4.
	out, err = runLMCmd(t, newLMTrainCmd, "--train", corpus, "--out", ck, "--resume", "--epochs", "5", "--quiet", "--json")
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Position.Epoch != 5 {
		t.Errorf("resumed summary %+v, %v", sum, err)
	}

	// Bad input: invalid UTF-8 is reported with file, line and offset.
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("ok line\nbad \xff here\n"), 0o644)
	_, err = runLMCmd(t, newLMTrainCmd, "--train", bad, "--out", filepath.Join(dir, "ck2"), "--quiet")
	if err == nil || !strings.Contains(err.Error(), "bad.txt:2: byte offset 12") {
		t.Errorf("invalid UTF-8: %v", err)
	}
	_, err = runLMCmd(t, newLMScoreCmd, "--model", filepath.Join(dir, "missing"))
	if err == nil {
		t.Error("score with a missing model: no error")
	}
}
