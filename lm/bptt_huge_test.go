package lm

import (
	"context"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/internal/traintest"
)

// A BPTT length beyond the stream (--bptt 1e12) reads the stream as one
// chunk: the chunk buffers are sized by the stream, not by BPTT*batch
// (which made the run die with "fatal error: out of memory"), and the
// results are those of BPTT = the stream's length.
func TestHugeBPTT(t *testing.T) {
	const huge = 1 << 50
	cfg := Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 4, Hidden: 4, Layers: 1}}
	ids, valid := patternStream(200, 3), patternStream(60, 4)
	m := mustNew(t, New, cfg, nil, 5)
	want, err := m.Evaluate(context.Background(), valid, 2, 29)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Evaluate(context.Background(), valid, 2, huge)
	if err != nil || got != want {
		t.Errorf("evaluate with bptt 2^50: %+v, %v; with bptt 29 (the stream): %+v", got, err, want)
	}

	var weights [2][]float32
	for i, bptt := range []int{99, huge} {
		m := mustNew(t, New, cfg, nil, 5)
		tc := TrainConfig{Batch: 2, BPTT: bptt, MaxSteps: 2, Optimizer: "sgd", LR: 0.5, Seed: 1}
		tr := traintest.NewTrainer(t, NewTrainer, m, ids, valid, tc)
		if _, err := tr.Run(context.Background(), nil); err != nil {
			t.Fatalf("bptt %d: %v", bptt, err)
		}
		weights[i] = m.Params()[0].Data
	}
	if !slices.Equal(weights[0], weights[1]) {
		t.Error("training with bptt 2^50 differs from bptt 99 (the stream's length)")
	}
}
