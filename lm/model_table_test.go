package lm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recurrent-go/recurrent/internal/gradtest"
	"github.com/recurrent-go/recurrent/nn"
)

// clone returns a copy of v.
func clone(v []float32) []float32 { return append([]float32(nil), v...) }

// within fails t unless got and want differ nowhere by more than tol
// times want's largest magnitude (floor 1e-3); tol 0 asks for the same
// values.
func within(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	scale := 1e-3
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i, v := range got {
		if d := math.Abs(float64(v - want[i])); !(d <= tol*scale) || len(got) != len(want) {
			t.Fatalf("%s[%d]: table path %.8g, per-token %.8g", name, i, v, want[i])
		}
	}
}

// TestModelTableMatchesPerToken: a chunk with fewer tokens in the
// vocabulary than half its T*B runs layer 0 on the embedding table; the
// loss, logits and carried state are bit for bit those of the per-token
// path and every gradient agrees within 1e-5 relative, for LSTM and GRU,
// tied and adaptive models. With embedding dropout the table is not used.
func TestModelTableMatchesPerToken(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"lstm", Config{Arch: Arch{Cell: "lstm", VocabSize: 20, EmbedDim: 32, Hidden: 24, Layers: 2}}},
		{"gru", Config{Arch: Arch{Cell: "gru", VocabSize: 20, EmbedDim: 32, Hidden: 24, Layers: 2}}},
		{"lstm/tied", Config{Arch: Arch{Cell: "lstm", VocabSize: 20, EmbedDim: 24, Hidden: 24, Layers: 1}, Tied: true}},
		{"gru/adaptive", Config{Arch: Arch{Cell: "gru", VocabSize: 20, EmbedDim: 32, Hidden: 24, Layers: 1}, AdaptiveCutoffs: []int{8}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const T, B = 10, 8
			rng := rand.New(rand.NewPCG(4, 5))
			x, y := randIDs(rng, T*B, tc.cfg.VocabSize), randIDs(rng, T*B, tc.cfg.VocabSize)
			type result struct {
				loss, eval float64
				h          []float32
				grads      [][]float32
			}
			run := func(perToken bool) result {
				m := mustNew(t, New, tc.cfg, nil, 3)
				m.perToken = perToken
				st := m.NewState(B)
				nn.ZeroGrads(m.Params())
				loss, err := m.TrainChunk(x, y, T, B, st, 0)
				if err != nil {
					t.Fatal(err)
				}
				if m.fromTable == perToken {
					t.Fatalf("perToken %v: the chunk ran from the table: %v", perToken, m.fromTable)
				}
				res := result{loss: loss, h: clone(st.H)}
				for _, p := range m.Params() {
					res.grads = append(res.grads, clone(p.Grad))
				}
				if res.eval, err = m.EvalChunk(x, y, T, B, st); err != nil {
					t.Fatal(err)
				}
				return res
			}
			rows, tab := run(true), run(false)
			if tab.loss != rows.loss || tab.eval != rows.eval {
				t.Errorf("table path: train loss %v, eval %v; per-token %v, %v (want identical)", tab.loss, tab.eval, rows.loss, rows.eval)
			}
			within(t, "final state", tab.h, rows.h, 0)
			m := mustNew(t, New, tc.cfg, nil, 3)
			for k, p := range m.Params() {
				within(t, p.Name, tab.grads[k], rows.grads[k], 1e-5)
			}
			// Dropout on the embeddings keeps the per-token path.
			cfg := tc.cfg
			cfg.Dropout = 0.2
			md := mustNew(t, New, cfg, nil, 3)
			if _, err := md.TrainChunk(x, y, T, B, md.NewState(B), 0); err != nil {
				t.Fatal(err)
			}
			if md.fromTable {
				t.Error("with embedding dropout the chunk ran from the table")
			}
		})
	}
}

// TestModelTableGradient checks the table path's gradients (embedding
// table included) against central differences.
func TestModelTableGradient(t *testing.T) {
	for _, cfg := range []Config{
		{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 4, Hidden: 5, Layers: 2}},
		{Arch: Arch{Cell: "gru", VocabSize: 7, EmbedDim: 5, Hidden: 5, Layers: 1}, Tied: true},
	} {
		t.Run(cfg.Cell, func(t *testing.T) {
			m := mustNew(t, New, cfg, nil, 3)
			rng := rand.New(rand.NewPCG(8, 9))
			const T, B = 4, 4 // 16 tokens >= 2*7: the table path
			x, y := randIDs(rng, T*B, cfg.VocabSize), randIDs(rng, T*B, cfg.VocabSize)
			st := m.NewState(B)
			nn.ZeroGrads(m.Params())
			if _, err := m.TrainChunk(x, y, T, B, st, 0); err != nil {
				t.Fatal(err)
			}
			if !m.fromTable {
				t.Fatal("the chunk did not run from the table")
			}
			loss := func() float64 { return meanLoss(t, m, x, y, T, B, m.NewState(B)) }
			if checked := gradtest.Check(t, m.Params(), loss, gradtest.All, 1e-2, 2e-4, 2e-2); checked == 0 {
				t.Fatal("no parameters checked")
			}
		})
	}
}
