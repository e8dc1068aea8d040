package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/lm"
)

// lmCorpus writes a small word corpus (two sentences, reps times) to
// dir/train.txt and returns its path.
func lmCorpus(t *testing.T, dir string, reps int) string {
	t.Helper()
	return writeLines(t, filepath.Join(dir, "train.txt"), reps, func(int) string { return "the cat sat on the mat\nthe dog sat on the log" })
}

// writeLines writes n lines to path, line(i) the i-th (without its
// newline), and returns path.
func writeLines(t *testing.T, path string, n int, line func(i int) string) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		b.WriteString(line(i))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lmTrainJSON runs lm train with args and decodes its --json summary.
func lmTrainJSON(t *testing.T, args ...string) (lm.Summary, error) {
	t.Helper()
	out, err := runCLIIn(t, "", append([]string{"lm", "train", "--quiet", "--json"}, args...)...)
	var sum lm.Summary
	if err == nil {
		if jerr := json.Unmarshal([]byte(out), &sum); jerr != nil {
			t.Fatalf("summary %q: %v", out, jerr)
		}
	}
	return sum, err
}

// TestLMTrainBudgetAndSafety checks through the CLI: --steps N alone
// trains exactly N steps across epochs and says why it stopped; an
// existing checkpoint is not replaced without --overwrite; --resume
// refuses architecture flags that differ and applies budget flags; an
// unwritable --out fails before training; a diverging run stops with an
// error and leaves no non-finite number on disk.
func TestLMTrainBudgetAndSafety(t *testing.T) {
	dir := t.TempDir()
	corpus := lmCorpus(t, dir, 20)
	ck := filepath.Join(dir, "ck")
	model := []string{"--train", corpus, "--tokenizer", "word", "--cell", "gru", "--embed", "8", "--hidden", "8",
		"--layers", "1", "--batch", "4", "--bptt", "8", "--lr", "0.02"}

	// 280 tokens less 10% held out, in 4 streams of bptt 8: 8 chunks per epoch.
	sum, err := lmTrainJSON(t, append(model, "--out", ck, "--steps", "19")...)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Steps != 19 || sum.Stop != "steps" || sum.Position.Epoch != 2 || sum.Position.Batch != 3 {
		t.Errorf("--steps 19: %d steps at %+v, stop %q", sum.Steps, sum.Position, sum.Stop)
	}
	for _, f := range []string{checkpoint.ModelFile, "last.safetensors", checkpoint.StateFile, "carry.safetensors"} {
		if _, err := os.Stat(filepath.Join(ck, f)); err != nil {
			t.Errorf("checkpoint lacks %s: %v", f, err)
		}
	}
	// --epochs and --steps: the first limit reached stops.
	sum, err = lmTrainJSON(t, append(model, "--out", filepath.Join(dir, "ck2"), "--steps", "100", "--epochs", "2")...)
	if err != nil || sum.Steps != 16 || sum.Stop != "epochs" {
		t.Errorf("--steps 100 --epochs 2: %d steps, stop %q, err %v", sum.Steps, sum.Stop, err)
	}

	// Training into the existing checkpoint again is refused...
	_, err = lmTrainJSON(t, append(model, "--out", ck, "--steps", "3")...)
	if err == nil || !strings.Contains(err.Error(), "--overwrite") || !strings.Contains(err.Error(), ck) {
		t.Errorf("training into an existing checkpoint: err %v", err)
	}
	// ... unless --overwrite is given.
	if sum, err = lmTrainJSON(t, append(model, "--out", ck, "--steps", "3", "--overwrite")...); err != nil || sum.Steps != 3 {
		t.Errorf("--overwrite: %d steps, err %v", sum.Steps, err)
	}

	checkLMResumeFlags(t, corpus, ck)

	// An --out that cannot be created fails before training.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := lmTrainJSON(t, append(model, "--out", filepath.Join(file, "ck"))...); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("unwritable --out: err %v", err)
	}
	checkLMDivergence(t, filepath.Join(dir, "div"), model)
}

// checkLMResumeFlags checks lm train --resume on the checkpoint ck (a GRU
// of 8 hidden units, batch 4, trained on corpus by word): an architecture
// flag that differs is an error naming the flag and both values, one
// equal to the checkpoint's is fine, and budget and schedule flags apply.
func checkLMResumeFlags(t *testing.T, corpus, ck string) {
	t.Helper()
	for _, tc := range []struct{ flag, val, saved string }{
		{"--hidden", "32", "8"}, {"--cell", "lstm", "gru"}, {"--batch", "8", "4"}, {"--layers", "2", "1"}, {"--tokenizer", "char", "word"},
	} {
		_, err := lmTrainJSON(t, "--train", corpus, "--out", ck, "--resume", tc.flag, tc.val)
		if err == nil || !strings.Contains(err.Error(), tc.flag+" "+tc.val) || !strings.Contains(err.Error(), "checkpoint's "+tc.saved) {
			t.Errorf("--resume %s %s: err %v", tc.flag, tc.val, err)
		}
	}
	// Budget and schedule flags apply: 3 more steps at another rate.
	sum, err := lmTrainJSON(t, "--train", corpus, "--out", ck, "--resume", "--hidden", "8", "--steps", "6", "--lr", "0.01", "--clip", "0.5")
	if err != nil || sum.Steps != 6 || sum.Stop != "steps" {
		t.Errorf("--resume --steps 6: %d steps, stop %q, err %v", sum.Steps, sum.Stop, err)
	}
	var cfg struct {
		Train struct {
			LR   float64 `json:"lr"`
			Clip float64 `json:"clip"`
		} `json:"train"`
	}
	if b, err := os.ReadFile(filepath.Join(ck, checkpoint.ConfigFile)); err != nil || json.Unmarshal(b, &cfg) != nil || cfg.Train.LR != 0.01 || cfg.Train.Clip != 0.5 {
		t.Errorf("resumed config %+v (%v): the new --lr and --clip were not applied", cfg, err)
	}
	// --epochs alone replaces the saved step budget: on to the end of epoch 2.
	sum, err = lmTrainJSON(t, "--train", corpus, "--out", ck, "--resume", "--epochs", "2")
	if err != nil || sum.Steps != 16 || sum.Stop != "epochs" {
		t.Errorf("--resume --epochs 2: %d steps, stop %q, err %v", sum.Steps, sum.Stop, err)
	}
}

// checkLMDivergence checks that lm train with the model flags, SGD at a
// huge rate and no clipping, stops with an error, and that the checkpoint
// it wrote to div before holds no NaN or Inf and loads.
func checkLMDivergence(t *testing.T, div string, model []string) {
	t.Helper()
	_, err := lmTrainJSON(t, append(model, "--out", div, "--optimizer", "sgd", "--lr", "1e6", "--clip", "0", "--epochs", "5", "--checkpoint-every", "1")...)
	if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "--lr") {
		t.Fatalf("diverging run: err %v", err)
	}
	es, _ := os.ReadDir(div)
	for _, e := range es {
		b, _ := os.ReadFile(filepath.Join(div, e.Name()))
		if bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("Inf")) {
			t.Errorf("%s holds a non-finite number", e.Name())
		}
	}
	if _, err := lm.LoadPath(div, false); len(es) > 0 && err != nil {
		t.Errorf("the last good checkpoint does not load: %v", err)
	}
}

// TestLMTrainAdaptiveSoftmax trains a word model with an adaptive softmax
// through the CLI, checks that the checkpoint records it and that sampling
// and scoring use it, and that --resume refuses other cutoffs.
func TestLMTrainAdaptiveSoftmax(t *testing.T) {
	dir := t.TempDir()
	corpus := lmCorpus(t, dir, 20)
	ck := filepath.Join(dir, "ck")
	model := []string{"--train", corpus, "--tokenizer", "word", "--cell", "lstm", "--embed", "8", "--hidden", "8",
		"--layers", "1", "--batch", "4", "--bptt", "8", "--lr", "0.02", "--adaptive-softmax", "5,8", "--div-value", "2"}
	if _, err := lmTrainJSON(t, append(model, "--out", ck, "--steps", "6")...); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(ck, checkpoint.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Model struct {
			Cutoffs  []int   `json:"adaptive_cutoffs"`
			DivValue float64 `json:"div_value"`
		}
	}
	if err := json.Unmarshal(b, &cfg); err != nil || fmt.Sprint(cfg.Model.Cutoffs) != "[5 8]" || cfg.Model.DivValue != 2 {
		t.Errorf("config.json does not record the adaptive softmax (%v): %s", err, b)
	}
	out, err := runCLIIn(t, "", "lm", "score", "--model", ck, "--json", "--text", "the cat sat on the log")
	if err != nil || !strings.Contains(out, `"logprob"`) {
		t.Errorf("lm score: %q, %v", out, err)
	}
	if out, err := runCLIIn(t, "", "lm", "sample", "--model", ck, "--length", "5", "--stop-at-eos=false", "--prompt", "the"); err != nil || len(strings.Fields(out)) < 2 {
		t.Errorf("lm sample: %q, %v", out, err)
	}
	model[len(model)-3] = "4,8"
	_, err = lmTrainJSON(t, append(model, "--out", ck, "--resume", "--steps", "8")...)
	if err == nil || !strings.Contains(err.Error(), "--adaptive-softmax") {
		t.Errorf("resume with other cutoffs: %v, want an error naming --adaptive-softmax", err)
	}
}

// TestLMTrainLabelsSample trains a conditional model on an SST-format
// file whose words depend on the label and samples each label.
func TestLMTrainLabelsSample(t *testing.T) {
	dir := t.TempDir()
	train := writeLines(t, filepath.Join(dir, "train.txt"), 150, func(i int) string {
		if i%3 == 0 {
			return "1 good great fine good\n0 bad awful poor bad\n1 great good\n0 awful bad"
		}
		return "1 good great fine good\n0 bad awful poor bad"
	})
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
	checkLabelSamples(t, ck)
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
	// --json gives the sentences as JSON, as it does without --label (it
	// printed plain lines); options of the other kind of model are refused
	// (they were ignored).
	out, err = runLMCmd(t, sample, "--model", ck, "--label", "positive", "--num", "3", "--temperature", "0.5", "--json")
	var js struct{ Samples []string }
	if err != nil || json.Unmarshal([]byte(out), &js) != nil || len(js.Samples) != 3 || js.Samples[0] == "" {
		t.Errorf("--label --json: %q (%v)", out, err)
	}
	if _, err := runLMCmd(t, sample, "--model", ck, "--label", "positive", "--int8"); !errors.As(err, new(cli.UsageError)) || !strings.Contains(err.Error(), "--int8") {
		t.Errorf("--label --int8: %v, want a usage error", err)
	}
	for _, flag := range []string{"--rerank", "--guidance"} {
		if _, err := runCLIIn(t, "", "lm", "sample", "--model", ck, flag, "2"); !errors.As(err, new(cli.UsageError)) || !strings.Contains(err.Error(), "--label") {
			t.Errorf("%s without --label: %v, want a usage error", flag, err)
		}
	}
}

// checkLabelSamples samples ten sentences of each label, by name and by
// number, with and without guidance, from the conditional model at ck
// (trained by TestLMTrainLabelsSample): each must use only that label's
// words.
func checkLabelSamples(t *testing.T, ck string) {
	t.Helper()
	for _, tc := range []struct{ label, words, guidance string }{
		{"positive", "good great fine", "0"}, {"1", "good great fine", "0"}, {"negative", "bad awful poor", "0"},
		{"positive", "good great fine", "2"}, {"negative", "bad awful poor", "1"},
	} {
		label, words := tc.label, tc.words
		out, err := runLMCmd(t, newLMSampleCmd, "--model", ck, "--label", label, "--num", "10", "--temperature", "0.5", "--guidance", tc.guidance)
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
	train := writeLines(t, filepath.Join(dir, "train.txt"), 60, func(i int) string {
		return fmt.Sprintf("%d %s", i%2, []string{"bad awful poor bad", "good great fine good", "great good", "awful bad"}[i%4])
	})
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
