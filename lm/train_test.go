package lm

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/train"
)

// patternStream is a learnable stream: a repeated phrase with some noise.
func patternStream(n int, seed uint64) []int32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	phrase := []int32{1, 2, 3, 4, 2, 5, 6, 0}
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = phrase[i%len(phrase)]
		if rng.IntN(20) == 0 {
			ids[i] = int32(rng.IntN(7))
		}
	}
	return ids
}

func TestTrainLearns(t *testing.T) {
	m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 8, Hidden: 16, Layers: 1}}, nil, 1)
	trainIDs, valid := patternStream(4000, 1), patternStream(800, 2)
	tr := traintest.NewTrainer(t, NewTrainer, m, trainIDs, valid, TrainConfig{Batch: 8, BPTT: 10, Epochs: 3, Optimizer: "adam", LR: 0.01, Clip: 1, Seed: 1})
	before, err := tr.Validate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var steps, valids, checkpoints int
	res, err := tr.Run(context.Background(), func(e train.Event) {
		switch p := e.(type) {
		case train.StepEvent:
			steps++
			if p.Pos.Step != int64(steps) || math.IsNaN(p.Loss) || p.LR != 0.01 {
				t.Errorf("step report %+v", p)
			}
		case train.EvalEvent:
			valids++
		case train.CheckpointEvent:
			checkpoints++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	chunks := tr.Chunks()
	if steps != 3*chunks || valids != 3 || checkpoints != 0 || res.Pos != (Position{Epoch: 3, Batch: 0, Step: int64(3 * chunks)}) {
		t.Errorf("steps %d valids %d checkpoints %d pos %+v (chunks %d)", steps, valids, checkpoints, res.Pos, chunks)
	}
	// Noise is 1/20 uniform over 7 tokens, so the best achievable loss is
	// well under 1 nat; an untrained model is near log 7 = 1.95.
	t.Logf("valid loss before %.3f after %.3f (ppl %.2f), train %.3f", before.Loss, res.Valid.Loss, res.Valid.Perplexity, res.TrainLoss)
	if res.Valid == nil || res.Valid.Loss > 0.9 || res.Valid.Loss > before.Loss-0.8 {
		t.Errorf("validation loss %v (before %v): did not learn", res.Valid, before.Loss)
	}
	if res.Best == nil || res.Best.Loss > res.Valid.Loss {
		t.Errorf("best %+v worse than final %+v", res.Best, res.Valid)
	}
}

func paramsCopy(m *Model) [][]float32 {
	var out [][]float32
	for _, p := range m.Params() {
		out = append(out, slices.Clone(p.Data))
	}
	return out
}

func TestResumeExact(t *testing.T) {
	cfg := Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 6, Hidden: 6, Layers: 2, Dropout: 0.2}, Tied: true}
	tc := TrainConfig{Batch: 4, BPTT: 7, Epochs: 3, Optimizer: "adam", LR: 0.005, Clip: 0.5, Anneal: 2, Seed: 11,
		LRDecay: 0.7, LRDecayStart: 2, Patience: 3}
	trainIDs, valid := patternStream(300, 3), patternStream(120, 4)
	newTrainer := func() *Trainer {
		m := mustNew(t, New, cfg, nil, 5)
		tr := traintest.NewTrainer(t, NewTrainer, m, trainIDs, valid, tc)
		return tr
	}
	ctx := context.Background()

	// Reference: uninterrupted.
	ref := newTrainer()
	refRes, err := ref.Run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	chunks := ref.Chunks()
	if refRes.Pos.Step != int64(3*chunks) {
		t.Fatalf("reference stopped at %+v", refRes.Pos)
	}

	for _, stopAt := range []int64{3, int64(chunks), int64(chunks) + 2} {
		dir := filepath.Join(t.TempDir(), "ck")
		// Interrupted by cancellation after stopAt steps (mid-epoch and at an
		// epoch boundary).
		a := newTrainer()
		a.Dir = dir
		_, err := traintest.CancelAt(a.Run, stopAt)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stop at %d: err %v, want context.Canceled", stopAt, err)
		}
		b, err := Resume(dir, trainIDs, valid)
		if err != nil {
			t.Fatal(err)
		}
		if b.Pos().Step != stopAt {
			t.Fatalf("resumed at step %d, want %d", b.Pos().Step, stopAt)
		}
		res, err := b.Run(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Pos != refRes.Pos {
			t.Errorf("stop at %d: final position %+v, reference %+v", stopAt, res.Pos, refRes.Pos)
		}
		want, got := paramsCopy(ref.Model), paramsCopy(b.Model)
		for i := range want {
			if !slices.Equal(want[i], got[i]) {
				t.Errorf("stop at %d: parameter %s differs after resume", stopAt, ref.Model.Params()[i].Name)
			}
		}
		if !slices.Equal(b.History(), ref.History()) {
			t.Errorf("stop at %d: history %+v, reference %+v", stopAt, b.History(), ref.History())
		}
		if b.LR() != ref.LR() || res.Valid.Loss != refRes.Valid.Loss {
			t.Errorf("stop at %d: lr %v vs %v, valid %v vs %v", stopAt, b.LR(), ref.LR(), res.Valid.Loss, refRes.Valid.Loss)
		}
	}
}

func TestResumeChecksData(t *testing.T) {
	m, _ := New(Config{Arch: Arch{Cell: "gru", VocabSize: 7, EmbedDim: 4, Hidden: 4, Layers: 1}}, nil, 1)
	trainIDs, valid := patternStream(200, 5), patternStream(60, 6)
	tr := traintest.NewTrainer(t, NewTrainer, m, trainIDs, valid, TrainConfig{Batch: 2, BPTT: 5, Epochs: 1, MaxSteps: 2, Optimizer: "sgd", LR: 0.1})
	tr.Dir = filepath.Join(t.TempDir(), "ck")
	if _, err := tr.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	other := slices.Clone(trainIDs)
	other[7]++
	if _, err := Resume(tr.Dir, other, valid); err == nil || !strings.Contains(err.Error(), "the train data differ") {
		t.Errorf("resume on other data: %v", err)
	}
	if _, err := Resume(tr.Dir, trainIDs, nil); err == nil {
		t.Error("resume without the validation data accepted")
	}
	// A model-only checkpoint cannot be resumed but loads.
	m2, dir2 := testutil.SaveLoad(t, m.Save, Load)
	if _, err := Resume(dir2, trainIDs, valid); err == nil {
		t.Error("resumed a model-only checkpoint")
	}
	if !slices.EqualFunc(paramsCopy(m), paramsCopy(m2), slices.Equal) {
		t.Error("loaded parameters differ")
	}
}

func TestTrainerErrors(t *testing.T) {
	m, _ := New(tinyConfig("lstm"), nil, 1)
	ok := TrainConfig{Batch: 2, BPTT: 3, Epochs: 1, Optimizer: "adam", LR: 0.01}
	for name, tc := range map[string]struct {
		cfg          TrainConfig
		train, valid []int32
	}{
		"short train":   {ok, []int32{1, 2, 3}, nil},
		"short valid":   {ok, patternStream(50, 1), []int32{1}},
		"bad optimizer": {TrainConfig{Batch: 2, BPTT: 3, Epochs: 1, Optimizer: "lbfgs", LR: 0.01}, patternStream(50, 1), nil},
		"zero lr":       {TrainConfig{Batch: 2, BPTT: 3, Epochs: 1, Optimizer: "adam"}, patternStream(50, 1), nil},
		"zero epochs":   {TrainConfig{Batch: 2, BPTT: 3, Optimizer: "adam", LR: 1}, patternStream(50, 1), nil},
	} {
		if _, err := NewTrainer(m, tc.train, tc.valid, tc.cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// An id outside the vocabulary is reported with its position.
	bad := patternStream(50, 1)
	bad[0] = 99
	tr := traintest.NewTrainer(t, NewTrainer, m, bad, nil, ok)
	if _, err := tr.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "batch 1 (step 1)") {
		t.Errorf("bad id: %v", err)
	}
}
