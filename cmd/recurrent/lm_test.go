package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/spf13/cobra"
)

// runLMCmd executes a freshly built subcommand with args and returns its
// standard output and error.
func runLMCmd(t *testing.T, newCmd func() *cobra.Command, args ...string) (string, error) {
	t.Helper()
	return runTranslateCmd(t, newCmd, "", args...)
}

// runTranslateCmd is runLMCmd with stdin as the standard input.
func runTranslateCmd(t *testing.T, newCmd func() *cobra.Command, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := newCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestLMTrainSampleScore trains a small word model through the CLI, then
// samples, scores and evaluates with it, resumes its training for one more
// epoch, and checks that bad input is reported.
func TestLMTrainSampleScore(t *testing.T) {
	dir := t.TempDir()
	corpus, ck := trainWordLM(t, dir)
	checkLMSample(t, ck)
	checkLMScore(t, dir, ck)
	checkLMSampleJSON(t, ck)
	checkLMEval(t, ck, corpus)

	// Resume: one more epoch continues from epoch 4.
	out, err := runLMCmd(t, newLMTrainCmd, "--train", corpus, "--out", ck, "--resume", "--epochs", "5", "--quiet", "--json")
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	var sum lm.Summary
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

// trainWordLM trains a word GRU model for 4 epochs on lmCorpus in dir,
// checks its --json summary, loss plot and best weights and that it
// learned, and returns the corpus and the checkpoint.
func trainWordLM(t *testing.T, dir string) (corpus, ck string) {
	t.Helper()
	corpus = lmCorpus(t, dir, 60)
	ck = filepath.Join(dir, "ck")
	out, err := runLMCmd(t, newLMTrainCmd, "--train", corpus, "--out", ck, "--tokenizer", "word",
		"--cell", "gru", "--embed", "16", "--hidden", "16", "--layers", "1", "--batch", "4", "--bptt", "8",
		"--epochs", "4", "--lr", "0.02", "--quiet", "--json")
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	var sum lm.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	// Vocabulary: <unk> <eos> the sat on cat mat dog log = 9.
	if sum.Vocab != 9 || sum.Valid == nil || sum.Checkpoint != ck || sum.Position.Epoch != 4 {
		t.Errorf("summary %+v", sum)
	}
	// The flat keys: val_loss in nats per token, its perplexity,
	// tokens/s and steps; no bits_per_char at word level.
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"train_loss", "val_loss", "val_perplexity", "tokens_per_sec", "steps"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("train --json lacks %q: %s", k, out)
		}
	}
	if _, ok := raw["bits_per_char"]; ok || *sum.ValLoss != sum.Valid.Loss || *sum.ValPerplexity != sum.Valid.Perplexity || sum.Steps != sum.Position.Step {
		t.Errorf("train --json flat metrics: %s", out)
	}
	// Beside the checkpoint: the loss curves and the best weights.
	if png, err := os.ReadFile(filepath.Join(ck, lm.PlotFile)); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) || sum.Plot == "" {
		t.Errorf("loss plot: %v (summary says %q)", err, sum.Plot)
	}
	if _, err := runLMCmd(t, newLMEvalCmd, "--model", filepath.Join(ck, "best.safetensors"), corpus); err != nil {
		t.Errorf("eval of the best weights: %v", err)
	}
	// The corpus is nearly deterministic: validation perplexity must be low.
	if sum.Valid.Perplexity > 2.5 {
		t.Errorf("validation perplexity %v, model did not learn", sum.Valid.Perplexity)
	}
	return corpus, ck
}

// checkLMSample checks lm sample on the model trainWordLM trained at ck:
// the greedy sample, the stop at <eos> and --threads. The compute threads
// it sets are restored when the test ends.
func checkLMSample(t *testing.T, ck string) {
	t.Helper()
	out, err := runLMCmd(t, newLMSampleCmd, "--model", ck, "--prompt", "the cat", "--length", "5", "--temperature", "0")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out); !strings.HasPrefix(got, "the cat sat on the mat") {
		t.Errorf("greedy sample %q", got)
	}
	// A word model's sample ends at <eos> by default, well before --length;
	// --stop-at-eos=false runs on into the next sentence.
	out, err = runLMCmd(t, newLMSampleCmd, "--model", ck, "--prompt", "the cat", "--length", "20", "--temperature", "0")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(out); len(got) != 6 {
		t.Errorf("sample with the default stop at <eos>: %q, want one sentence", out)
	}
	out, err = runLMCmd(t, newLMSampleCmd, "--model", ck, "--prompt", "the cat", "--length", "20", "--temperature", "0", "--stop-at-eos=false")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(out); len(got) <= 6 {
		t.Errorf("sample with --stop-at-eos=false: %q, want more than one sentence", out)
	}
	// --threads sets the compute threads (the sample does not depend on
	// them); a negative count is refused.
	threads := tensor.Threads()
	t.Cleanup(func() { tensor.SetThreads(threads) })
	one, err := runCLIIn(t, "", "lm", "sample", "--model", ck, "--prompt", "the cat", "--length", "20", "--temperature", "0", "--stop-at-eos=false", "--threads", "1")
	if err != nil {
		t.Fatal(err)
	}
	if one != out || tensor.Threads() != 1 {
		t.Errorf("--threads 1: sample %q (want %q), threads %d", one, out, tensor.Threads())
	}
	if _, err := runCLIIn(t, "", "lm", "sample", "--model", ck, "--threads", "-1"); err == nil || !strings.Contains(err.Error(), "--threads") {
		t.Errorf("--threads -1: err = %v", err)
	}
}

// checkLMScore checks lm score --json on the model trainWordLM trained at
// ck, given --text and a file of two lines written to dir: the lines'
// order and scores, the totals and the JSON keys.
func checkLMScore(t *testing.T, dir, ck string) {
	t.Helper()
	lines := filepath.Join(dir, "lines.txt")
	os.WriteFile(lines, []byte("the cat sat on the mat\nmat the on sat cat the\n"), 0o644)
	out, err := runLMCmd(t, newLMScoreCmd, "--model", ck, "--json", "--file", lines, "--text", "the dog sat on the log")
	if err != nil {
		t.Fatal(err)
	}
	var sc infer.ScoreResult
	if err := json.Unmarshal([]byte(out), &sc); err != nil {
		t.Fatalf("score --json %q: %v", out, err)
	}
	// --text lines come first, then the file's.
	if len(sc.Lines) != 3 || sc.Lines[0].Text != "the dog sat on the log" || sc.Lines[1].Tokens != 7 ||
		sc.Lines[1].LogProb <= sc.Lines[2].LogProb+5 {
		t.Errorf("scores %+v: the training sentence should be far more likely than its reversal", sc.Lines)
	}
	var total float64
	for _, l := range sc.Lines {
		total += l.LogProb
	}
	if sc.Tokens != 21 || math.Abs(sc.TotalLogProb-total) > 1e-9 || math.Abs(sc.Perplexity-math.Exp(-total/21)) > 1e-9 || sc.BitsPerChar != nil {
		t.Errorf("score totals %+v (sum of lines %v)", sc, total)
	}
	// The raw JSON has exactly the keys.
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"lines", "total_logprob", "tokens", "perplexity"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("score --json lacks %q: %s", k, out)
		}
	}
	line0 := raw["lines"].([]any)[0].(map[string]any)
	for _, k := range []string{"text", "logprob", "tokens"} {
		if _, ok := line0[k]; !ok {
			t.Errorf("score --json line lacks %q: %v", k, line0)
		}
	}
}

// checkLMSampleJSON checks lm sample --json --n on the model at ck:
// distinct samples, reproducible by seed.
func checkLMSampleJSON(t *testing.T, ck string) {
	t.Helper()
	sample := func() []string {
		out, err := runLMCmd(t, newLMSampleCmd, "--model", ck, "--prime", "the", "--length", "6", "--n", "3", "--seed", "7", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var s struct{ Samples []string }
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("sample --json %q: %v", out, err)
		}
		return s.Samples
	}
	s1, s2 := sample(), sample()
	if len(s1) != 3 || !slices.Equal(s1, s2) || !strings.HasPrefix(s1[0], "the ") {
		t.Errorf("samples %q then %q", s1, s2)
	}
}

// checkLMEval checks the stream evaluation (lm eval) of the model at ck on
// its training file corpus: low perplexity, every target.
func checkLMEval(t *testing.T, ck, corpus string) {
	t.Helper()
	out, err := runLMCmd(t, newLMEvalCmd, "--model", ck, "--batch", "2", "--bptt", "5", "--json", corpus)
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
}

func TestLMTrainBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, content string
		args          []string
		want          string
	}{
		{"utf8.txt", "ok line\nbad \xff here\n", nil, "utf8.txt:2: byte offset 12"},
		{"empty.txt", "", nil, "empty"},
		{"blank.txt", "\n\n", []string{"--level", "word", "--eos", ""}, "empty"},
		{"short.txt", "abc\n", []string{"--batch", "4", "--bptt", "8", "--valid-fraction", "0"}, "training data"},
		{"level.txt", "abc\n", []string{"--level", "byte"}, "--level"},
		{"conflict.txt", "abc\n", []string{"--level", "char", "--tokenizer", "word"}, "contradicts"},
	} {
		path := write(tc.name, tc.content)
		out := filepath.Join(dir, "out-"+tc.name)
		_, err := runLMCmd(t, newLMTrainCmd, append([]string{"--train", path, "--out", out, "--quiet"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
		if _, serr := os.Stat(out); !os.IsNotExist(serr) {
			t.Errorf("%s: %s was written (%v)", tc.name, out, serr)
		}
	}
}

// TestLMQuantize trains a small word model, quantizes it with lm quantize
// and checks that the int8 checkpoint samples, scores and evaluates like
// the float32 model quantized on load (--int8), and close to the float32
// model itself.
func TestLMQuantize(t *testing.T) {
	dir := t.TempDir()
	corpus := lmCorpus(t, dir, 60)
	ck, q := filepath.Join(dir, "ck"), filepath.Join(dir, "q")
	if out, err := runLMCmd(t, newLMTrainCmd, "--train", corpus, "--out", ck, "--tokenizer", "word",
		"--cell", "lstm", "--embed", "16", "--hidden", "32", "--layers", "2", "--batch", "4", "--bptt", "8",
		"--epochs", "4", "--lr", "0.02", "--quiet", "--json"); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	if _, err := runLMCmd(t, newLMQuantizeCmd, "--model", ck); err == nil || !strings.Contains(err.Error(), `"out" not set`) {
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

func TestLMImport(t *testing.T) {
	dir := t.TempDir()
	sd := filepath.Join("..", "..", "lm", "testdata", "pytorch_lstm.safetensors") // V = 13
	vocab := filepath.Join(dir, "vocab.txt")
	os.WriteFile(vocab, []byte("<unk>\n<eos>\nthe\ncat\nsat\non\nmat\ndog\nlog\na\nran\nto\nit\n"), 0o644)
	out := filepath.Join(dir, "ck")
	msg, err := runLMCmd(t, newLMImportCmd, "--state-dict", sd, "--vocab", vocab, "--out", out)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, msg)
	}
	if !strings.Contains(msg, "lstm 2 layers x 6, embed 5, vocab 13") {
		t.Errorf("import message %q", msg)
	}
	// The imported model scores and samples text.
	if _, err := runLMCmd(t, newLMScoreCmd, "--model", out, "--text", "the cat sat on the mat", "--json"); err != nil {
		t.Errorf("score the imported model: %v", err)
	}
	if _, err := runLMCmd(t, newLMSampleCmd, "--model", out, "--length", "5"); err != nil {
		t.Errorf("sample the imported model: %v", err)
	}
	// A vocabulary of the wrong size is refused and nothing is written.
	short := filepath.Join(dir, "short.json")
	os.WriteFile(short, []byte(`["<unk>", "a", "b"]`), 0o644)
	out2 := filepath.Join(dir, "ck2")
	if _, err := runLMCmd(t, newLMImportCmd, "--state-dict", sd, "--vocab", short, "--out", out2); err == nil || !strings.Contains(err.Error(), "3 tokens") {
		t.Errorf("wrong vocabulary size: %v", err)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Errorf("%s written despite the error", out2)
	}
}
