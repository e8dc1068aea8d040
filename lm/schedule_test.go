package lm

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/train"
)

func TestLRDecaySchedule(t *testing.T) {
	for _, tc := range []struct {
		decay  float64
		start  int
		want   []float64 // learning rate used in epochs 1..4
		events int       // "decay" reports
	}{
		{0.5, 2, []float64{1, 1, 0.5, 0.25}, 3},
		{0.5, 1, []float64{1, 0.5, 0.25, 0.125}, 4},
		{0.5, 4, []float64{1, 1, 1, 1}, 1},
		{0, 1, []float64{1, 1, 1, 1}, 0},
	} {
		m := mustNew(t, New, Config{Arch: Arch{Cell: "gru", VocabSize: 7, EmbedDim: 4, Hidden: 4, Layers: 1}}, nil, 1)
		tr := traintest.NewTrainer(t, NewTrainer, m, patternStream(200, 1), patternStream(60, 2),
			TrainConfig{Batch: 2, BPTT: 10, Epochs: 4, Optimizer: "sgd", LR: 1, Clip: 5, LRDecay: tc.decay, LRDecayStart: tc.start})
		got := make([]float64, 4)
		events := 0
		_, err := tr.Run(context.Background(), func(e train.Event) {
			switch p := e.(type) {
			case train.StepEvent:
				got[p.Pos.Epoch] = p.LR
			case train.LREvent:
				if p.Reason == "decay" {
					events++
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("decay %v from epoch %d: learning rates %v, want %v", tc.decay, tc.start, got, tc.want)
				break
			}
		}
		if events != tc.events {
			t.Errorf("decay %v from epoch %d: %d decay events, want %d", tc.decay, tc.start, events, tc.events)
		}
	}
}

func TestInitRange(t *testing.T) {
	const r = 0.05
	m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 11, EmbedDim: 5, Hidden: 6, Layers: 2}, InitRange: r}, nil, 3)
	for _, p := range m.Params() {
		var maxAbs float64
		for _, v := range p.Data {
			maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
		}
		// Every tensor, biases included, is drawn (none left at zero) and
		// stays inside the range; the spread is near r (not PyTorch's
		// 1/sqrt(H) = 0.41 for the RNN).
		if maxAbs > r || maxAbs < r/2 {
			t.Errorf("%s: max |w| %v, want in [%v, %v]", p.Name, maxAbs, r/2, r)
		}
	}
	if _, err := New(Config{Arch: Arch{Cell: "lstm", VocabSize: 11, EmbedDim: 5, Hidden: 6, Layers: 1}, InitRange: -1}, nil, 3); err == nil {
		t.Error("negative init_range accepted")
	}
}

// noiseStream is uniform noise over v tokens: nothing in it can be learnt,
// so a model fitted to patternStream gets worse on it.
func noiseStream(n, v int, seed uint64) []int32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(rng.IntN(v))
	}
	return ids
}

func TestBestCheckpointAndPatience(t *testing.T) {
	m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 8, Hidden: 8, Layers: 1}}, nil, 1)
	// Validating on noise: the first epoch's loss is the best one, then
	// it rises as the model specializes, and patience 2 stops after epoch 3.
	tr := traintest.NewTrainer(t, NewTrainer, m, patternStream(2000, 1), noiseStream(400, 7, 2),
		TrainConfig{Batch: 4, BPTT: 10, Epochs: 10, Optimizer: "adam", LR: 0.02, Clip: 5, Patience: 2})
	tr.Dir = filepath.Join(t.TempDir(), "ck")
	res, err := tr.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := tr.History()
	if res.Stop != train.StopEarly || res.Pos.Epoch >= 10 || len(h) != res.Pos.Epoch {
		t.Fatalf("stop %s at %+v with %d validations", res.Stop, res.Pos, len(h))
	}
	bestI := 0
	for i, p := range h {
		if p.ValidLoss < h[bestI].ValidLoss {
			bestI = i
		}
	}
	if bestI != len(h)-3 {
		t.Errorf("stopped %d validations after the best (history %+v), want 2", len(h)-1-bestI, h)
	}
	if res.Best == nil || res.Best.Loss != h[bestI].ValidLoss {
		t.Fatalf("best %+v, history %+v", res.Best, h)
	}
	// The best model, not the last, is what Load reads.
	best, err := Load(tr.Dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := best.Evaluate(context.Background(), noiseStream(400, 7, 2), 4, 10)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(v.Loss-res.Best.Loss) > 1e-6 {
		t.Errorf("best checkpoint's loss %v, best seen %v", v.Loss, res.Best.Loss)
	}
	// Resuming an early-stopped run does nothing more.
	b, err := Resume(tr.Dir, patternStream(2000, 1), noiseStream(400, 7, 2))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(paramsOf(b.Loop().BestParams()), paramsCopy(best), slices.Equal) {
		t.Error("resumed trainer's best parameters differ from model.safetensors")
	}
	if r, err := b.Run(context.Background(), nil); err != nil || r.Stop != train.StopEarly || r.Steps != 0 {
		t.Errorf("resumed early-stopped run: %s after %d steps, err %v", r.Stop, r.Steps, err)
	}
}

// paramsOf returns the data of ps.
func paramsOf(ps []*nn.Param) [][]float32 {
	out := make([][]float32, len(ps))
	for i, p := range ps {
		out[i] = p.Data
	}
	return out
}

// TestLoadWithoutValidation checks that without validation data the
// model file holds the latest weights.
func TestLoadWithoutValidation(t *testing.T) {
	m := mustNew(t, New, Config{Arch: Arch{Cell: "gru", VocabSize: 7, EmbedDim: 4, Hidden: 4, Layers: 1}}, nil, 1)
	tr := traintest.NewTrainer(t, NewTrainer, m, patternStream(200, 1), nil, TrainConfig{Batch: 2, BPTT: 5, Epochs: 1, Optimizer: "sgd", LR: 0.1})
	tr.Dir = filepath.Join(t.TempDir(), "ck")
	if _, err := tr.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(tr.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(paramsCopy(m2), paramsCopy(m), slices.Equal) {
		t.Error("model.safetensors of a run without validation is not the latest weights")
	}
}

// TestCosineSchedule checks that Schedule "cosine" follows
// optim.CosineWarmup over the step budget.
func TestCosineSchedule(t *testing.T) {
	m := mustNew(t, New, Config{Arch: Arch{Cell: "gru", VocabSize: 7, EmbedDim: 4, Hidden: 4, Layers: 1}}, nil, 1)
	tr := traintest.NewTrainer(t, NewTrainer, m, patternStream(200, 1), nil,
		TrainConfig{Batch: 2, BPTT: 5, MaxSteps: 30, Optimizer: "sgd", LR: 0.5, Schedule: "cosine", Warmup: 4})
	want := optim.CosineWarmup(0.5, 4, 30, 0)
	n := 0
	res, err := tr.Run(context.Background(), func(e train.Event) {
		if s, ok := e.(train.StepEvent); ok {
			if s.LR != want(n) {
				t.Errorf("step %d: lr %v, want %v", n, s.LR, want(n))
			}
			n++
		}
	})
	if err != nil || n != 30 || res.Stop != train.StopSteps {
		t.Errorf("%d steps, stop %s, err %v", n, res.Stop, err)
	}
}
