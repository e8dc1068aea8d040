package lm

import (
	"context"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/nn"
)

// TestAdaptiveLearnsAndRoundTrips trains a model with an adaptive softmax
// by plain SGD on a learnable stream (its targets span the shortlist and
// both clusters), then checks that a saved and loaded copy scores and
// samples exactly as the original.
func TestAdaptiveLearnsAndRoundTrips(t *testing.T) {
	cfg := Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 8, Hidden: 16, Layers: 1}, AdaptiveCutoffs: []int{2, 4}, DivValue: 2}
	m := mustNew(t, New, cfg, nil, 1)
	if m.Decoder != nil || m.Adaptive == nil {
		t.Fatal("adaptive config built a full decoder")
	}
	ctx := context.Background()
	train, valid := patternStream(4000, 1), patternStream(800, 2)
	before, err := m.Evaluate(ctx, valid, 4, 20)
	if err != nil {
		t.Fatal(err)
	}
	const B, T = 8, 10
	x, y := make([]int32, T*B), make([]int32, T*B)
	st := m.NewState(B)
	per := len(train) / B
	for epoch := 0; epoch < 4; epoch++ {
		st.Reset()
		for c := 0; c+T+1 <= per; c += T {
			for tt := 0; tt < T; tt++ {
				for b := 0; b < B; b++ {
					x[tt*B+b] = train[b*per+c+tt]
					y[tt*B+b] = train[b*per+c+tt+1]
				}
			}
			nn.ZeroGrads(m.Params())
			if _, err := m.TrainChunk(x, y, T, B, st, uint64(c)); err != nil {
				t.Fatal(err)
			}
			for _, p := range m.Params() {
				for i, g := range p.Grad {
					p.Data[i] -= 0.5 * g
				}
			}
		}
	}
	after, err := m.Evaluate(ctx, valid, 4, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("valid loss before %.3f after %.3f", before.Loss, after.Loss)
	if after.Loss > before.Loss-0.6 {
		t.Errorf("validation loss %.3f -> %.3f: did not learn", before.Loss, after.Loss)
	}

	m2, _ := testutil.SaveLoad(t, m.Save, Load)
	if !slices.Equal(m2.Config.AdaptiveCutoffs, cfg.AdaptiveCutoffs) || m2.Adaptive == nil {
		t.Fatalf("loaded config %+v", m2.Config)
	}
	seqs := [][]int32{{1, 2, 3, 4, 2}, {5, 6, 0}}
	s1 := mustScore(t, m, seqs, 0, 2)
	s2 := mustScore(t, m2, seqs, 0, 2)
	if !slices.Equal(s1, s2) {
		t.Errorf("scores after load %v, before %v", s2, s1)
	}
	opt := SampleOptions{Prompt: []int32{0, 1}, MaxTokens: 30, Temperature: 1, Seed: 3}
	a, err := m.Sample(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m2.Sample(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) {
		t.Errorf("samples after load %v, before %v", b, a)
	}
}
