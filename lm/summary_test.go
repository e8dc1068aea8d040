package lm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

func summaryTrainer(t *testing.T, dir string, mode text.Mode) *Trainer {
	t.Helper()
	m, err := New(Config{Cell: "lstm", VocabSize: 7, EmbedDim: 4, Hidden: 6, Layers: 1, Tokenizer: text.Tokenizer{Mode: mode}}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, patternStream(600, 1), patternStream(200, 2), TrainConfig{Batch: 4, BPTT: 8, MaxSteps: 12,
		EvalEvery: 5, Optimizer: "adam", LR: 0.02, Clip: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr.Dir = dir
	return tr
}

// RunSummary draws the loss curves into the checkpoint, gives the final
// and best validation and evaluates the test stream with the best
// weights, which the model then holds.
func TestRunSummary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	tr := summaryTrainer(t, dir, text.Chars)
	test := patternStream(300, 3)
	var events int
	sum, err := tr.RunSummary(context.Background(), func(train.Event) { events++ }, test)
	if err != nil {
		t.Fatal(err)
	}
	if events == 0 || sum.Steps != 12 || sum.Stop != string(train.StopSteps) || sum.Valid == nil || sum.Best == nil || sum.Test == nil {
		t.Fatalf("summary %+v after %d events", sum, events)
	}
	if sum.BitsPerChar == nil || *sum.ValLoss != sum.Valid.Loss || sum.Params != tr.Model.NumParams() || sum.Checkpoint != dir {
		t.Errorf("headline figures %+v", sum)
	}
	png, err := os.ReadFile(filepath.Join(dir, PlotFile))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) || sum.Plot != filepath.Join(dir, PlotFile) || sum.PlotErr != nil {
		t.Errorf("plot %q (%v), read: %v", sum.Plot, sum.PlotErr, err)
	}
	best, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := LoadPath(filepath.Join(dir, "model.safetensors"), true)
	if err != nil || !q.Quantized() || q.NumParams() != best.NumParams() {
		t.Errorf("DIR/model.safetensors with int8: %v", err)
	}
	want, err := best.Evaluate(context.Background(), test, 4, 8)
	if err != nil || want != *sum.Test {
		t.Errorf("test %+v, want that of the saved best weights %+v (%v)", *sum.Test, want, err)
	}
	var out bytes.Buffer
	if err := sum.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "trained 12 steps (epoch ") || !strings.HasPrefix(lines[1], "valid      loss ") ||
		!strings.HasPrefix(lines[2], "best valid loss ") || !strings.Contains(lines[3], " bits/char  (") || lines[4] != "checkpoint: "+dir {
		t.Errorf("text summary:\n%s", out.String())
	}
	js, err := json.Marshal(&sum)
	if err != nil || !strings.Contains(string(js), `"loss_plot"`) || strings.Contains(string(js), "unit") || strings.Contains(string(js), "PlotErr") {
		t.Errorf("JSON summary %s (%v)", js, err)
	}
}

// A cancelled run is marked interrupted and evaluates no test stream.
func TestRunSummaryInterrupted(t *testing.T) {
	tr := summaryTrainer(t, filepath.Join(t.TempDir(), "ck"), text.Words)
	ctx, cancel := context.WithCancel(context.Background())
	sum, err := tr.RunSummary(ctx, func(e train.Event) {
		if s, ok := e.(train.StepEvent); ok && s.Pos.Step == 3 {
			cancel()
		}
	}, patternStream(300, 3))
	if !errors.Is(err, context.Canceled) || !sum.Interrupt || sum.Test != nil || sum.BitsPerChar != nil {
		t.Errorf("interrupted run: %v, summary %+v", err, sum)
	}
}

func TestMetricsText(t *testing.T) {
	m := NewMetrics(2*200, 200)
	c := Config{Tokenizer: text.Tokenizer{Mode: text.Words}}
	if got, want := m.Text(c.BitsUnit()), "loss 2.0000  perplexity 7.389  2.8854 bits/token  (200 tokens)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	c.Tokenizer.Mode = text.Chars
	if c.BitsUnit() != "bits/char" {
		t.Errorf("character unit %q", c.BitsUnit())
	}
}
