package lm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/gradtest"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

func tinyConfig(cell string) Config {
	return Config{Arch: Arch{Cell: cell, VocabSize: 7, EmbedDim: 4, Hidden: 5, Layers: 2}}
}

func randIDs(rng *rand.Rand, n, v int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(rng.IntN(v))
	}
	return ids
}

// meanLoss evaluates the mean training loss of one chunk without changing
// gradients or the caller's state.
func meanLoss(t *testing.T, m *Model, x, y []int32, T, B int, st *State) float64 {
	t.Helper()
	s := m.NewState(B)
	copy(s.H, st.H)
	copy(s.C, st.C)
	l, err := m.EvalChunk(x, y, T, B, s)
	if err != nil {
		t.Fatal(err)
	}
	return l / float64(T*B)
}

func TestModelGradient(t *testing.T) {
	for _, tc := range []struct {
		cell           string
		tied, adaptive bool
	}{{"lstm", false, false}, {"gru", false, false}, {"rnn_tanh", false, false}, {"rnn_relu", false, false},
		{"gru_cho", false, false}, {"gru_minimal", false, false}, {"lstm", true, false}, {"gru", false, true}} {
		name := tc.cell
		if tc.adaptive {
			name += "/adaptive"
		}
		t.Run(name, func(t *testing.T) {
			cfg := tinyConfig(tc.cell)
			if tc.tied {
				cfg.EmbedDim = cfg.Hidden
				cfg.Tied = true
			}
			if tc.adaptive {
				cfg.AdaptiveCutoffs, cfg.DivValue = []int{2, 4}, 2
			}
			m := mustNew(t, New, cfg, nil, 3)
			rng := rand.New(rand.NewPCG(1, 2))
			const T, B = 3, 2
			x, y := randIDs(rng, T*B, cfg.VocabSize), randIDs(rng, T*B, cfg.VocabSize)
			st := m.NewState(B)
			for i := range st.H {
				st.H[i] = float32(rng.NormFloat64() * 0.5)
			}
			for i := range st.C {
				st.C[i] = float32(rng.NormFloat64() * 0.5)
			}
			st0 := m.NewState(B)
			copy(st0.H, st.H)
			copy(st0.C, st.C)
			nn.ZeroGrads(m.Params())
			if _, err := m.TrainChunk(x, y, T, B, st, 0); err != nil {
				t.Fatal(err)
			}
			// Central differences straddle ReLU's kink for some elements.
			tol := 2e-4
			if tc.cell == "rnn_relu" {
				tol = 2e-3
			}
			loss := func() float64 { return meanLoss(t, m, x, y, T, B, st0) }
			if checked := gradtest.Check(t, m.Params(), loss, gradtest.Ends, 1e-2, tol, 2e-2); checked == 0 {
				t.Fatal("no parameters checked")
			}
			// The carried state is the final state of the chunk.
			s2 := m.NewState(B)
			copy(s2.H, st0.H)
			copy(s2.C, st0.C)
			if _, err := m.EvalChunk(x, y, T, B, s2); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s2.H, st.H) {
				t.Error("TrainChunk state differs from EvalChunk state without dropout")
			}
		})
	}
}

func TestModelParamsNames(t *testing.T) {
	m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 11, EmbedDim: 6, Hidden: 6, Layers: 2}, Tied: true}, nil, 1)
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	want := []string{"embedding.weight",
		"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
		"rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1",
		"decoder.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	if m.Decoder.Weight != m.Embedding.Weight {
		t.Error("tied decoder weight is not the embedding weight")
	}
	wantN := 11*6 + 2*(4*6*6*2+4*6*2) + 11
	if m.NumParams() != wantN {
		t.Errorf("NumParams %d, want %d", m.NumParams(), wantN)
	}
	m2, _ := New(Config{Arch: Arch{Cell: "gru", VocabSize: 11, EmbedDim: 3, Hidden: 6, Layers: 1}}, nil, 1)
	if ps := m2.Params(); ps[len(ps)-2].Name != "decoder.weight" || ps[len(ps)-2].Shape[0] != 11 || ps[len(ps)-2].Shape[1] != 6 {
		t.Errorf("untied decoder param %q %v", ps[len(ps)-2].Name, ps[len(ps)-2].Shape)
	}
}

func TestConfigValidate(t *testing.T) {
	good := tinyConfig("lstm")
	for name, mut := range map[string]func(*Config){
		"cell":    func(c *Config) { c.Cell = "transformer" },
		"vocab":   func(c *Config) { c.VocabSize = 0 },
		"hidden":  func(c *Config) { c.Hidden = 0 },
		"layers":  func(c *Config) { c.Layers = 0 },
		"dropout": func(c *Config) { c.Dropout = 1 },
		"tied":    func(c *Config) { c.Tied = true },
	} {
		c := good
		mut(&c)
		if _, err := New(c, nil, 1); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDropoutDeterministicPerStep(t *testing.T) {
	cfg := tinyConfig("lstm")
	cfg.Dropout = 0.3
	m, _ := New(cfg, nil, 5)
	rng := rand.New(rand.NewPCG(9, 9))
	x, y := randIDs(rng, 8, 7), randIDs(rng, 8, 7)
	run := func(step uint64) float64 {
		l, err := m.TrainChunk(x, y, 4, 2, m.NewState(2), step)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a, b, c := run(3), run(4), run(3)
	if a != c {
		t.Errorf("same step gives losses %v and %v", a, c)
	}
	if a == b {
		t.Error("different steps give the same dropout")
	}
	ev := func() float64 {
		l, err := m.EvalChunk(x, y, 4, 2, m.NewState(2))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if ev() != ev() {
		t.Error("evaluation is not deterministic")
	}
}

func TestSample(t *testing.T) {
	m, _ := New(tinyConfig("gru"), nil, 2)
	ctx := context.Background()
	base := SampleOptions{Prompt: []int32{0, 1, 2}, MaxTokens: 20, Temperature: 1, Seed: 4}
	a, err := m.Sample(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Sample(ctx, base)
	if len(a) != 20 || !slices.Equal(a, b) {
		t.Errorf("same seed: %v vs %v", a, b)
	}
	o := base
	o.Seed = 5
	if c, _ := m.Sample(ctx, o); slices.Equal(a, c) {
		t.Error("different seeds gave the same 20 tokens")
	}
	greedy := base
	greedy.Greedy = true
	g, _ := m.Sample(ctx, greedy)
	k1 := base
	k1.TopK = 1
	if k, _ := m.Sample(ctx, k1); !slices.Equal(g, k) {
		t.Errorf("top-k 1 %v differs from greedy %v", k, g)
	}
	p := base
	p.TopP = 1e-6
	if k, _ := m.Sample(ctx, p); !slices.Equal(g, k) {
		t.Errorf("tiny top-p %v differs from greedy %v", k, g)
	}
	// Greedy check by hand: the first token is the argmax after the context.
	logits, err := m.forward([]int32{0, 1, 2}, 3, 1, nil, m.NewState(1))
	if err != nil {
		t.Fatal(err)
	}
	last := logits[2*7 : 3*7]
	best := 0
	for i, v := range last {
		if v > last[best] {
			best = i
		}
	}
	if g[0] != int32(best) {
		t.Errorf("greedy first token %d, argmax %d", g[0], best)
	}
	stop := base
	stop.Stop = []int32{a[3]}
	s, _ := m.Sample(ctx, stop)
	if i := slices.Index(s, a[3]); i < 0 || i != len(s)-1 {
		t.Errorf("stop token %d: sample %v", a[3], s)
	}
	ban := base
	ban.Ban = []int32{a[0], 3, 4}
	if b, _ := m.Sample(ctx, ban); slices.Contains(b, a[0]) || slices.Contains(b, 3) || slices.Contains(b, 4) {
		t.Errorf("banned ids %v generated: %v", ban.Ban, b)
	}
	bg := greedy
	bg.Ban = []int32{g[0]}
	if b, _ := m.Sample(ctx, bg); b[0] == g[0] {
		t.Errorf("greedy sampling produced banned id %d", g[0])
	}
	bad := base
	bad.Prompt = []int32{99}
	if _, err := m.Sample(ctx, SampleOptions{MaxTokens: 3}); err == nil {
		t.Error("empty prompt accepted")
	}
	if _, err := m.Sample(ctx, bad); err == nil {
		t.Error("out-of-range prompt accepted")
	}
}

func TestScore(t *testing.T) {
	adaptive := tinyConfig("lstm")
	adaptive.AdaptiveCutoffs = []int{3}
	for _, cfg := range []Config{tinyConfig("lstm"), adaptive} {
		t.Run(fmt.Sprintf("adaptive%v", cfg.AdaptiveCutoffs), func(t *testing.T) { testScore(t, cfg) })
	}
}

// testScore checks Score against EvalChunk, batched against one at a
// time; with an adaptive softmax the two take different paths (the full
// log_prob against the per-target loss).
func testScore(t *testing.T, cfg Config) {
	m := mustNew(t, New, cfg, nil, 8)
	seqs := [][]int32{{1, 2, 3, 4}, {5}, {}, {6, 6, 2}, {3, 1, 4, 1, 5, 2}}
	batched := mustScore(t, m, seqs, 0, 3)
	single := mustScore(t, m, seqs, 0, 1)
	for i, s := range seqs {
		if batched[i].Tokens != len(s) || math.Abs(batched[i].LogProb-single[i].LogProb) > 1e-4 {
			t.Errorf("seq %d: batched %+v single %+v", i, batched[i], single[i])
		}
		if len(s) == 0 {
			continue
		}
		// Reference: cross-entropy of the stream [start, s...] with B = 1.
		in := append([]int32{0}, s[:len(s)-1]...)
		sum, err := m.EvalChunk(in, s, len(s), 1, m.NewState(1))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(-sum-batched[i].LogProb) > 1e-4 {
			t.Errorf("seq %d: log-prob %v, reference %v", i, batched[i].LogProb, -sum)
		}
		if batched[i].LogProb >= 0 {
			t.Errorf("seq %d: log-prob %v not negative", i, batched[i].LogProb)
		}
	}
}

// Sequences scored together are split so that their padded logits stay
// within scoreMaxLogits, with the same scores as scored in one pass, and a
// sequence over the bound runs alone (instead of an allocation of T*B*V
// floats: a 15k-token line among 63 short ones would have asked a 10k-word
// model for 38 GB).
func TestScoreRunsBounded(t *testing.T) {
	cfg := tinyConfig("lstm")
	V := cfg.VocabSize
	m := mustNew(t, New, cfg, nil, 8)
	rng := rand.New(rand.NewPCG(7, 7))
	var seqs [][]int32
	for _, n := range []int{6, 9, 0, 5, 11, 7, 3, 19, 8} {
		seqs = append(seqs, randIDs(rng, n, V))
	}
	ref := mustScore(t, m, seqs, 0, 64)
	defer func(n int) { scoreMaxLogits = n }(scoreMaxLogits)
	scoreMaxLogits = 20 * V // the long sequence alone; at most 2 of the others together
	if ends := scoreRuns(seqs, 64, m.scoreRows()); len(ends) < 4 || ends[len(ends)-1] != len(seqs) {
		t.Errorf("runs ending at %v, want 4 or more ending at %d", ends, len(seqs))
	}
	got := mustScore(t, m, seqs, 0, 64)
	for i := range ref {
		if got[i].Tokens != ref[i].Tokens || math.Abs(got[i].LogProb-ref[i].LogProb) > 1e-4*math.Abs(ref[i].LogProb) {
			t.Errorf("sequence %d split: %+v, in one pass %+v", i, got[i], ref[i])
		}
	}
	if ends := scoreRuns(make([][]int32, 10), 64, m.scoreRows()); len(ends) != 1 {
		t.Errorf("empty sequences split into %v", ends)
	}
	// A sequence over the bound runs alone (in windows) with the same score.
	scoreMaxLogits = 18 * V
	if ends := scoreRuns(seqs, 64, m.scoreRows()); !slices.Contains(ends, 7) || !slices.Contains(ends, 8) {
		t.Errorf("runs ending at %v, want sequence 7 alone", ends)
	}
	got = mustScore(t, m, seqs, 0, 64)
	if got[7].Tokens != ref[7].Tokens || math.Abs(got[7].LogProb-ref[7].LogProb) > 1e-4*math.Abs(ref[7].LogProb) {
		t.Errorf("a sequence over the bound: %+v, in one pass %+v", got[7], ref[7])
	}
}

// A sequence longer than scoreMaxLogits allows is scored in windows
// of time steps with its state carried: the same log-probability as in
// one pass, for every cell and with an adaptive softmax, and (seen in the
// adaptive softmax's log-prob buffer) never more than a window's logits.
func TestScoreLongLineInWindows(t *testing.T) {
	adaptive := tinyConfig("lstm")
	adaptive.AdaptiveCutoffs = []int{3}
	defer func(n int) { scoreMaxLogits = n }(scoreMaxLogits)
	for _, cfg := range []Config{tinyConfig("lstm"), tinyConfig("gru"), adaptive} {
		rng := rand.New(rand.NewPCG(5, 5))
		long := randIDs(rng, 250, cfg.VocabSize)
		seqs := [][]int32{{1, 2}, long, {3}}
		scoreMaxLogits = 7 * cfg.VocabSize // windows of 7 steps, the last of 5
		m := mustNew(t, New, cfg, nil, 8)
		windowed := mustScore(t, m, seqs, 0, 1)
		if cfg.AdaptiveCutoffs != nil && cap(m.logProb) > 7*cfg.VocabSize {
			t.Errorf("adaptive: log-probs of %d rows held, want at most a window of 7", cap(m.logProb)/cfg.VocabSize)
		}
		scoreMaxLogits = 1 << 26
		whole := mustScore(t, mustNew(t, New, cfg, nil, 8), seqs, 0, 1)
		for i := range seqs {
			if windowed[i].Tokens != len(seqs[i]) || math.Abs(windowed[i].LogProb-whole[i].LogProb) > 1e-5*math.Abs(whole[i].LogProb) {
				t.Errorf("%s adaptive %v, seq %d: windowed %+v, one pass %+v", cfg.Cell, cfg.AdaptiveCutoffs, i, windowed[i], whole[i])
			}
		}
	}
}

// TokenLogProbs gives each token the log-probability Score sums for the
// sequence, in windows as in one pass.
func TestTokenLogProbs(t *testing.T) {
	cfg := tinyConfig("gru")
	defer func(n int) { scoreMaxLogits = n }(scoreMaxLogits)
	rng := rand.New(rand.NewPCG(6, 6))
	seq := randIDs(rng, 60, cfg.VocabSize)
	m := mustNew(t, New, cfg, nil, 8)
	whole := mustScore(t, m, [][]int32{seq}, 0, 1)[0]
	for _, w := range []int{7, 1 << 20} {
		scoreMaxLogits = w * cfg.VocabSize
		lps, err := m.TokenLogProbs(context.Background(), seq, 0)
		if err != nil || len(lps) != len(seq) {
			t.Fatalf("windows of %d: %d log-probs, %v", w, len(lps), err)
		}
		var sum float64
		for _, lp := range lps {
			sum += float64(lp)
		}
		if math.Abs(sum-whole.LogProb) > 1e-5*math.Abs(whole.LogProb) {
			t.Errorf("windows of %d: log-probs sum to %v, Score gives %v", w, sum, whole.LogProb)
		}
	}
	if _, err := m.TokenLogProbs(context.Background(), seq, int32(cfg.VocabSize)); err == nil {
		t.Error("a start id outside the vocabulary was taken")
	}
}

// A sequence whose activations would pass scoreMaxActivations is scored
// in windows too, whatever its logits (a character model's are few): the
// same log-probability, and never more than a window's rows held.
func TestScoreActivationsBounded(t *testing.T) {
	cfg := tinyConfig("lstm")
	cfg.AdaptiveCutoffs = []int{3}
	defer func(n int) { scoreMaxActivations = n }(scoreMaxActivations)
	rng := rand.New(rand.NewPCG(6, 6))
	seqs := [][]int32{randIDs(rng, 200, cfg.VocabSize), {1, 2}}
	whole := mustScore(t, mustNew(t, New, cfg, nil, 8), seqs, 0, 64)
	scoreMaxActivations = 9 * cfg.Layers * cfg.Hidden * (nn.CellLSTM.Gates() + 3) // windows of 9 rows
	m := mustNew(t, New, cfg, nil, 8)
	if r := m.scoreRows(); r != 9 {
		t.Fatalf("%d rows a pass, want 9", r)
	}
	windowed := mustScore(t, m, seqs, 0, 64)
	if cap(m.logProb) > 9*cfg.VocabSize {
		t.Errorf("log-probs of %d rows held, want at most a window of 9", cap(m.logProb)/cfg.VocabSize)
	}
	for i := range seqs {
		if windowed[i].Tokens != len(seqs[i]) || math.Abs(windowed[i].LogProb-whole[i].LogProb) > 1e-5*math.Abs(whole[i].LogProb) {
			t.Errorf("seq %d: windowed %+v, one pass %+v", i, windowed[i], whole[i])
		}
	}
}

func TestEvaluateMatchesChunks(t *testing.T) {
	m, _ := New(tinyConfig("rnn_tanh"), nil, 8)
	rng := rand.New(rand.NewPCG(3, 3))
	ids := randIDs(rng, 101, 7)
	// With B = 1 and T covering everything, Evaluate is one chunk.
	full, err := m.Evaluate(context.Background(), ids, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	chunked, err := m.Evaluate(context.Background(), ids, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if full.Tokens != 100 || chunked.Tokens != 100 || math.Abs(full.Loss-chunked.Loss) > 1e-5 {
		t.Errorf("full %+v chunked %+v: carried state should make them equal", full, chunked)
	}
	if math.Abs(full.Perplexity-math.Exp(full.Loss)) > 1e-9 || math.Abs(full.Bits*math.Ln2-full.Loss) > 1e-12 {
		t.Errorf("metrics inconsistent: %+v", full)
	}
	// An untrained model is near uniform: loss close to log V.
	if math.Abs(full.Loss-math.Log(7)) > 0.5 {
		t.Errorf("untrained loss %v far from log 7", full.Loss)
	}
	if _, err := m.Evaluate(context.Background(), ids[:3], 2, 5); err == nil {
		t.Error("too-short evaluation stream accepted")
	}
}

func TestSamplerFilters(t *testing.T) {
	// Probabilities 0.5, 0.25, 0.125, 0.125 (logits are log-probabilities).
	logits := []float32{float32(math.Log(0.5)), float32(math.Log(0.25)), float32(math.Log(0.125)), float32(math.Log(0.125))}
	tests := []struct {
		opt     SampleOptions
		allowed []int32
	}{
		{SampleOptions{Temperature: 1, TopK: 2}, []int32{0, 1}},
		{SampleOptions{Temperature: 1, TopP: 0.7}, []int32{0, 1}},
		{SampleOptions{Temperature: 1, TopP: 0.5}, []int32{0}},
		{SampleOptions{Temperature: 1, TopK: 3, TopP: 0.8}, []int32{0, 1}}, // renormalized: 0.57, 0.29, 0.14
		{SampleOptions{Temperature: 1, Ban: []int32{0}}, []int32{1, 2, 3}},
		{SampleOptions{Temperature: 1}, []int32{0, 1, 2, 3}},
	}
	for _, tc := range tests {
		seen := map[int32]int{}
		for seed := range uint64(400) {
			tc.opt.Seed = seed
			s := newSampler(len(logits), tc.opt)
			seen[s.pick(slices.Clone(logits))]++
		}
		for id := range seen {
			if !slices.Contains(tc.allowed, id) {
				t.Errorf("%+v: drew %d, allowed %v", tc.opt, id, tc.allowed)
			}
		}
		if len(seen) != len(tc.allowed) {
			t.Errorf("%+v: drew %v, expected all of %v", tc.opt, seen, tc.allowed)
		}
	}
}

func TestModelGradientDropout(t *testing.T) {
	cfg := tinyConfig("lstm")
	cfg.Dropout = 0.3
	m := mustNew(t, New, cfg, nil, 4)
	rng := rand.New(rand.NewPCG(2, 2))
	const T, B, step = 3, 2, 17
	x, y := randIDs(rng, T*B, cfg.VocabSize), randIDs(rng, T*B, cfg.VocabSize)
	// The masks are a function of the step, so the loss is a deterministic
	// function of the parameters for a fixed step.
	loss := func() float64 {
		l, err := m.TrainChunk(x, y, T, B, m.NewState(B), step)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	nn.ZeroGrads(m.Params())
	loss()
	// Every element: the model is tiny.
	gradtest.Check(t, m.Params(), loss, gradtest.All, 1e-2, 2e-4, 2e-2)
}

// mustNew returns newModel(cfg, v, seed), newModel being New or NewCond,
// failing the test or benchmark on error.
func mustNew[C, M any](tb testing.TB, newModel func(C, *text.Vocab, uint64) (M, error), cfg C, v *text.Vocab, seed uint64) M {
	tb.Helper()
	m, err := newModel(cfg, v, seed)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// mustScore returns m.Score of seqs (start token, batch size), failing
// the test on error.
func mustScore(t *testing.T, m *Model, seqs [][]int32, start int32, batch int) []LineScore {
	t.Helper()
	s, err := m.Score(context.Background(), seqs, start, batch)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A temperature so small that the logits divided by it overflow float32
// samples the most likely token, the limit as the temperature goes to 0
// (lm sample --temperature 1e-40 drew token 0 at every step).
func TestSamplerTinyTemperature(t *testing.T) {
	logits := []float32{1, 3, 50, 2, -4}
	for _, temp := range []float64{1e-37, 1e-40, 1e-300, 5e-324} {
		for seed := range uint64(20) {
			s := newSampler(len(logits), SampleOptions{Temperature: temp, Seed: seed, Ban: []int32{3}})
			if id := s.pick(slices.Clone(logits)); id != 2 {
				t.Fatalf("temperature %g seed %d: drew %d, want 2 (the most likely)", temp, seed, id)
			}
			s = newSampler(len(logits), SampleOptions{Temperature: temp, Seed: seed, TopK: 3})
			if id := s.pick(slices.Clone(logits)); id != 2 {
				t.Fatalf("temperature %g top-k 3 seed %d: drew %d, want 2", temp, seed, id)
			}
		}
	}
	// Logits at +Inf (lm sample --label --guidance 1e38) are the only
	// candidates; a banned token is never drawn (it was: token 0, <unk>).
	inf := float32(math.Inf(1))
	for seed := range uint64(40) {
		s := newSampler(5, SampleOptions{Temperature: 1, Seed: seed, Ban: []int32{0}})
		if id := s.pick([]float32{inf, 1, inf, float32(math.Inf(-1)), 3}); id != 2 {
			t.Fatalf("+Inf logits, 0 banned, seed %d: drew %d, want 2", seed, id)
		}
	}
}

// TestConfigJSONBytes pins the config.json that Model.Save and
// CondModel.Save write (compacted): the field names and their order are
// the checkpoint format, which the shared Arch fields must not move.
func TestConfigJSONBytes(t *testing.T) {
	v, err := text.NewVocab([]string{text.UNK, text.EOS, "a", "b"}, nil, []string{text.UNK, text.EOS})
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	c.Cell, c.VocabSize, c.EmbedDim, c.Hidden, c.Layers, c.Dropout = "gru", v.Len(), 3, 3, 2, 0.25
	c.Tied, c.InitRange, c.Lines, c.Tokenizer = true, 0.1, true, text.Tokenizer{Mode: text.Words, EOS: "<eos>"}
	var cc CondConfig
	cc.Cell, cc.VocabSize, cc.EmbedDim, cc.Hidden, cc.Layers, cc.Dropout = "lstm", v.Len(), 2, 3, 1, 0.5
	cc.Labels, cc.Condition, cc.LabelDim, cc.LabelBias, cc.Tokenizer = []string{"x", "y"}, CondBoth, 2, true, c.Tokenizer
	for _, tc := range []struct {
		name string
		save func(dir string) error
		want string
	}{
		{"lm", func(dir string) error { return mustNew(t, New, c, v, 1).Save(dir) }, `{"model":{"cell":"gru","vocab_size":4,"embed_dim":3,"hidden_size":3,"num_layers":2,"dropout":0.25,"tie_weights":true,"tokenizer":{"mode":"word","lower":false,"split_punct":false,"eos":"\u003ceos\u003e","skip_empty":false},"init_range":0.1,"lines":true}}`},
		{"conditional", func(dir string) error { return mustNew(t, NewCond, cc, v, 1).Save(dir) }, `{"kind":"conditional","cell":"lstm","vocab_size":4,"embed_dim":2,"hidden_size":3,"num_layers":1,"dropout":0.5,"labels":["x","y"],"condition":"both","label_dim":2,"label_bias":true,"tokenizer":{"mode":"word","lower":false,"split_punct":false,"eos":"\u003ceos\u003e","skip_empty":false}}`},
	} {
		dir := filepath.Join(t.TempDir(), "m")
		if err := tc.save(dir); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, checkpoint.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := json.Compact(&got, b); err != nil {
			t.Fatal(err)
		}
		if got.String() != tc.want {
			t.Errorf("%s: config.json\n%s\nwant\n%s", tc.name, &got, tc.want)
		}
	}
}
