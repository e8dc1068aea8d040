package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/optim"
)

func TestCheckResume(t *testing.T) {
	given := func(names ...string) func(string) bool {
		return func(n string) bool {
			for _, g := range names {
				if g == n {
					return true
				}
			}
			return false
		}
	}
	settings := []Setting{{Name: "hidden", Now: 8, Saved: 16}, {Name: "lr", Now: 0.001, Saved: 0.001}}
	if err := CheckResume(given("lr"), settings, "vectors"); err != nil {
		t.Errorf("same value given: %v", err)
	}
	if err := CheckResume(given(), settings, "vectors"); err != nil {
		t.Errorf("nothing given: %v", err)
	}
	err := CheckResume(given("hidden", "vectors"), settings, "vectors")
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Name != "hidden" || ce.Fixed || !strings.HasPrefix(err.Error(), "--hidden 8 conflicts with the checkpoint's 16;") {
		t.Errorf("differing value: %v", err)
	}
	err = CheckResume(given("vectors"), settings, "vectors")
	if !errors.As(err, &ce) || ce.Name != "vectors" || !ce.Fixed || !strings.HasPrefix(err.Error(), "--vectors cannot change on --resume") {
		t.Errorf("fixed setting: %v", err)
	}
}

func TestConfigResumed(t *testing.T) {
	saved := Config{Epochs: 10, MaxSteps: 0, Patience: 3, Clip: 5, SaveEvery: 1, LR: 0.1}
	now := Config{Epochs: 0, MaxSteps: 7, Patience: 9, Clip: 1, SaveEvery: 2, LR: 0.5}
	c := saved
	c.Resumed(now, func(n string) bool { return n == "steps" || n == "clip" })
	want := Config{Epochs: 0, MaxSteps: 7, Patience: 3, Clip: 1, SaveEvery: 1, LR: 0.1}
	if c != want {
		t.Errorf("Resumed = %+v, want %+v", c, want)
	}
}

func TestSummaries(t *testing.T) {
	res := Result{Pos: Position{Epoch: 2, Batch: 1, Step: 9}, Stop: StopEarly, TrainLoss: 0.5, Items: 90,
		Elapsed: 3 * time.Second, Best: &Eval{Step: 6, Epoch: 1.5, Score: 0.8, Loss: 0.4}}
	s := NewSummary("ck", nil, res, false)
	if !s.EarlyStop || s.BestEpoch != 1.5 || s.Steps != 9 {
		t.Errorf("NewSummary = %+v", s)
	}
	var b strings.Builder
	s.WriteText(&b)
	if want := "trained 9 steps (epoch 2, batch 1) in 3.0s; train loss 0.5000; stopped: early_stop\n"; b.String() != want {
		t.Errorf("Summary text %q, want %q", b.String(), want)
	}
	ls := NewLoopSummary("ck", 5, res)
	b.Reset()
	ls.WriteText(&b)
	if ls.TokensPerS != 30 || !strings.Contains(b.String(), "30 tokens/s") || !strings.Contains(b.String(), "model: step 6, epoch 1.50 (best validation: score 0.8000, loss 0.4000)\ncheckpoint: ck\n") {
		t.Errorf("LoopSummary %+v text %q", ls, b.String())
	}
	js, _ := json.Marshal(ls)
	if want := `{"checkpoint":"ck","params":5,"position":`; !strings.HasPrefix(string(js), want) ||
		!strings.Contains(string(js), `"stop_reason":"early_stop","train_loss":0.5,"seconds":3,"tokens_per_second":30,"best":{`) || strings.Contains(string(js), `"last"`) {
		t.Errorf("LoopSummary JSON %s", js)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if Interrupted(ctx, context.Canceled) {
		t.Error("Interrupted before cancel")
	}
	cancel()
	if !Interrupted(ctx, ctx.Err()) || Interrupted(ctx, errors.New("other")) || Interrupted(ctx, nil) {
		t.Error("Interrupted after cancel")
	}
}

func TestEvalEventText(t *testing.T) {
	e := EvalEvent{Eval: Eval{TrainLoss: 1.5, Loss: 0.25, LR: 0.001, Metrics: map[string]float64{"bits": 1.23456, "tokens": 40, "hidden": 1}},
		Elapsed: 12 * time.Second, Improved: true}
	want := "train loss 1.5000  valid loss 0.2500  bits/char 1.2346  tokens 40  lr 0.001  (12s)  best"
	if got := e.Text(map[string]string{"bits": "bits/char", "hidden": ""}); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	e = EvalEvent{Eval: Eval{Metrics: map[string]float64{"f1": 50}}}
	if got := e.Text(nil); got != "  f1 50  lr 0  (0s)" {
		t.Errorf("score only: %q", got)
	}
}

// A run cancelled while its test figures are made (Ctrl-C during lm
// train's, classify train's or tag train's final test pass, after the
// checkpoint is complete) still returns its summary, marked Interrupted and
// without test figures, with ctx's error: Summarize returned none, so the
// command printed "null" for --json and crashed on a nil summary without.
func TestSummarizeCancelledTest(t *testing.T) {
	task := newToy()
	tt := NewTaskTrainer(task, Config{Epochs: 1}, func(e *Eval) *float64 {
		if e == nil {
			return nil
		}
		return &e.Loss
	})
	tt.Dir = filepath.Join(t.TempDir(), "ck")
	opt, _ := optim.New("sgd", task.Params(), optim.Options{LR: 0.05})
	if err := tt.Start(task, opt, func() (Options, error) { return Options{Epochs: 1}, nil }, ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	test := func() (*float64, error) {
		cancel()
		zero := 0.0
		return &zero, fmt.Errorf("test pass: %w", ctx.Err())
	}
	s, err := Summarize[int](ctx, &tt, nil, task.Params(), 3, nil, test)
	if !errors.Is(err, context.Canceled) || s == nil {
		t.Fatalf("Summarize with the test pass cancelled: summary %v, err %v; want a summary and ctx's error", s, err)
	}
	if !s.Interrupted || s.Test != nil || s.Stop != string(StopEpochs) || s.Valid == nil || s.Steps != 3 {
		t.Errorf("summary %+v: want it interrupted, without test figures, after a complete run", s)
	}
	if _, err := Summarize[int](context.Background(), &tt, nil, task.Params(), 3, nil,
		func() (*float64, error) { return nil, errors.New("bad test file") }); err == nil || err.Error() != "bad test file" {
		t.Errorf("a failing test pass: %v", err)
	}
}
