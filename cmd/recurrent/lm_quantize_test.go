package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/infer"
)

// TestLMQuantize trains a small word model, quantizes it with lm quantize
// and checks that the int8 checkpoint samples, scores and evaluates like
// the float32 model quantized on load (--int8), and close to the float32
// model itself.
func TestLMQuantize(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "train.txt")
	var b strings.Builder
	for range 60 {
		b.WriteString("the cat sat on the mat\nthe dog sat on the log\n")
	}
	if err := os.WriteFile(corpus, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ck, q := filepath.Join(dir, "ck"), filepath.Join(dir, "q")
	if out, err := runLMCmd(t, newLMTrainCmd, "--train", corpus, "--out", ck, "--tokenizer", "word",
		"--cell", "lstm", "--embed", "16", "--hidden", "32", "--layers", "2", "--batch", "4", "--bptt", "8",
		"--epochs", "4", "--lr", "0.02", "--quiet", "--json"); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	if _, err := runLMCmd(t, newLMQuantizeCmd, "--model", ck); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("quantize without --out: err = %v", err)
	}
	if out, err := runLMCmd(t, newLMQuantizeCmd, "--model", ck, "--out", q); err != nil {
		t.Fatalf("quantize: %v\n%s", err, out)
	}
	cfg, err := os.ReadFile(filepath.Join(q, "config.json"))
	if err != nil || !strings.Contains(string(cfg), `"quantized": "int8"`) {
		t.Fatalf("quantized config.json: %v\n%s", err, cfg)
	}
	sample := func(model string, extra ...string) string {
		t.Helper()
		out, err := runLMCmd(t, newLMSampleCmd, append([]string{"--model", model, "--prompt", "the dog", "--length", "30", "--seed", "3", "--stop-at-eos=false"}, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	s8 := sample(q)
	if s := sample(ck, "--int8"); s != s8 {
		t.Errorf("sample of the quantized checkpoint %q, of --int8 %q", s8, s)
	}
	greedy := sample(q, "--temperature", "0", "--length", "5")
	if !strings.HasPrefix(strings.TrimSpace(greedy), "the dog sat on the log") {
		t.Errorf("greedy int8 sample %q", greedy)
	}
	score := func(model string, extra ...string) infer.ScoreResult {
		t.Helper()
		out, err := runLMCmd(t, newLMScoreCmd, append([]string{"--model", model, "--json", "--text", "the cat sat on the mat\nthe log sat on the dog"}, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		var js infer.ScoreResult
		if err := json.Unmarshal([]byte(out), &js); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return js
	}
	f32, i8, onLoad := score(ck), score(q), score(ck, "--int8")
	if i8.TotalLogProb != onLoad.TotalLogProb || i8.Tokens != f32.Tokens {
		t.Errorf("int8 checkpoint log-prob %v (%d tokens), --int8 %v", i8.TotalLogProb, i8.Tokens, onLoad.TotalLogProb)
	}
	if d := math.Abs(i8.TotalLogProb - f32.TotalLogProb); d == 0 || d > 0.05*float64(f32.Tokens) {
		t.Errorf("int8 log-prob %v, float32 %v", i8.TotalLogProb, f32.TotalLogProb)
	}
	eval := func(model string, extra ...string) map[string]float64 {
		t.Helper()
		out, err := runLMCmd(t, newLMEvalCmd, append([]string{"--model", model, "--json", "--batch", "3", corpus}, extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]float64
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return m
	}
	e32, e8 := eval(ck), eval(ck, "--int8")
	if e8["tokens"] != e32["tokens"] || math.Abs(e8["loss"]-e32["loss"]) > 0.02 {
		t.Errorf("eval --int8 %v, float32 %v", e8, e32)
	}
}
