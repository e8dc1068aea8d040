package lm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/internal/gradtest"
	"github.com/recurrent-go/recurrent/nn"
)

// sampleCondByForward is SampleGuided as it was before the generators:
// every token re-runs the boundary, the prompt and the tokens so far
// through the training forward. It is the reference the state-carrying
// path must reproduce.
func sampleCondByForward(m *CondModel, label int, opt SampleOptions, g float64) ([]int32, error) {
	K, V := len(m.Config.Labels), m.Config.VocabSize
	m.drop.SetTraining(false)
	p := m.newCondPicker(label, opt, g)
	hist := slices.Clone(opt.Prompt)
	var out []int32
	for len(out) < opt.MaxTokens {
		labels := []int{label} // the label's row alone, or with guidance every label's
		if g > 0 {
			labels = labels[:0]
			for k := range K {
				labels = append(labels, k)
			}
		}
		rows := make([][]float32, len(labels))
		for i, k := range labels {
			lk, err := m.forward([][]int32{hist}, []int{k})
			if err != nil {
				return nil, err
			}
			rows[i] = slices.Clone(lk[len(hist)*V : (len(hist)+1)*V]) // forward reuses its buffer
		}
		id, eos := p.next(rows)
		if eos {
			break
		}
		out = append(out, id)
		hist = append(hist, id)
	}
	return out, nil
}

// TestCondSampleMatchesForward checks, for every conditioning, with and
// without the label output bias, three cells, one and two layers, with the
// stepper's input table and without, that the generator's logits along a
// sequence equal the full forward's within 1e-5 relative, and that Sample
// and SampleGuided return the same tokens as re-running the prefix, for
// several seeds and labels, before and after the weights change (as they do
// when sampling between training epochs).
func TestCondSampleMatchesForward(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	v := condVocab(t, "a", "b", "c", "d", "e", "f")
	type variant struct {
		cell, cond     string
		bias           bool
		layers, hidden int
		max            int     // tokens per sample: 12 gives the input table (V = 8 <= steps), 4 not
		scale          float64 // parameters redrawn uniform(-scale, scale); 0: as NewCond draws them
	}
	var vs []variant
	for _, cell := range []string{"lstm", "gru", "rnn_tanh"} {
		for _, cond := range []string{CondNone, CondInit, CondInput, CondBoth} {
			for _, bias := range []bool{false, true} {
				i := len(vs) // vary the layers and the table across the cells
				vs = append(vs, variant{cell, cond, bias, 1 + (i/2+i/8)%2, 7, []int{12, 4}[(i+i/8)%2], 0.6})
			}
		}
	}
	// Large enough for two goroutines per step (a megabyte of weights).
	vs = append(vs, variant{"lstm", CondBoth, true, 2, 256, 12, 0}, variant{"gru", CondInput, false, 2, 256, 4, 0})
	for _, vt := range vs {
		name := fmt.Sprintf("%s/%s/bias=%v/L%d/H%d/max%d", vt.cell, vt.cond, vt.bias, vt.layers, vt.hidden, vt.max)
		t.Run(name, func(t *testing.T) {
			m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: vt.cell, VocabSize: v.Len(), EmbedDim: 5, Hidden: vt.hidden, Layers: vt.layers, Dropout: 0.3},
				Labels: []string{"x", "y", "z"}, Condition: vt.cond, LabelDim: 3, LabelBias: vt.bias}, v, 4)
			r := rand.New(rand.NewPCG(8, uint64(len(name))))
			redraw := func() {
				for _, p := range m.Params() {
					if vt.scale > 0 || p.Name == "label_bias.weight" {
						nn.InitUniform(r, p.Data, max(vt.scale, 0.5))
					}
				}
			}
			redraw()
			ctx := context.Background()
			for round := range 2 {
				if round == 1 {
					redraw() // the kept generators must see the new weights
				}
				for i, c := range []struct {
					label  int
					g      float64
					prompt []int32
				}{{0, 0, nil}, {2, 0, []int32{3, 4}}, {1, 1.5, nil}, {0, 0.5, []int32{5}}, {1, 0, nil}, {2, 3, nil}} {
					for seed := range uint64(4) {
						opt := SampleOptions{Prompt: c.prompt, MaxTokens: vt.max, Temperature: 1, Seed: seed + 10*uint64(i)}
						want, err := sampleCondByForward(m, c.label, opt, c.g)
						if err != nil {
							t.Fatal(err)
						}
						got, err := m.SampleGuided(ctx, c.label, opt, c.g)
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(got, want) {
							t.Fatalf("round %d label %d guidance %v seed %d: sample %v, re-running the prefix gives %v", round, c.label, c.g, opt.Seed, got, want)
						}
						if wantTable := v.Len() <= 1+len(c.prompt)+vt.max; m.gens[c.label].table != wantTable {
							t.Errorf("input table %v, want %v", m.gens[c.label].table, wantTable)
						}
						if round == 1 && seed == 0 {
							checkCondLogits(t, m, c.label, append(slices.Clone(c.prompt), want...))
						}
					}
				}
			}
		})
	}
}

// checkCondLogits feeds the boundary and seq to the label's generator and
// compares the logits at every position with one forward over seq.
func checkCondLogits(t *testing.T, m *CondModel, label int, seq []int32) {
	t.Helper()
	V := m.Config.VocabSize
	g, err := m.condGen(label, 1+len(seq))
	if err != nil {
		t.Fatal(err)
	}
	var got [][]float32
	for _, id := range append([]int32{m.eos}, seq...) {
		l, err := g.step(id)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.Clone(l))
	}
	want, err := m.forward([][]int32{seq}, []int{label})
	if err != nil {
		t.Fatal(err)
	}
	for k, row := range got {
		for i, x := range row {
			w := want[k*V+i]
			if math.Abs(float64(x-w)) > 1e-5*(1+math.Abs(float64(w))) {
				t.Fatalf("label %d position %d: logit %d = %v, forward gives %v", label, k, i, x, w)
			}
		}
	}
}

// TestCondSampleErrors checks that bad labels, guidance and ids are
// reported, not panicked on.
func TestCondSampleErrors(t *testing.T) {
	v := condVocab(t, "a", "b")
	m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 3, Hidden: 4, Layers: 1},
		Labels: []string{"x", "y"}, Condition: CondBoth, LabelDim: 2}, v, 1)
	ctx := context.Background()
	for _, c := range []struct {
		label int
		g     float64
		opt   SampleOptions
	}{
		{2, 0, SampleOptions{MaxTokens: 3}},
		{-1, 0, SampleOptions{MaxTokens: 3}},
		{0, -1, SampleOptions{MaxTokens: 3}},
		{0, math.NaN(), SampleOptions{MaxTokens: 3}},
		// Guidance beyond float32 made every guided score infinite or NaN
		// (lm sample --guidance Inf printed <unk>, which it never draws).
		{0, math.Inf(1), SampleOptions{MaxTokens: 3}},
		{0, 1e300, SampleOptions{MaxTokens: 3}},
		{0, 0, SampleOptions{MaxTokens: 3, Prompt: []int32{2, 4}}},
		{0, 1, SampleOptions{MaxTokens: 3, Prompt: []int32{-1}}},
		{0, 0, SampleOptions{MaxTokens: 3, Ban: []int32{9}}},
	} {
		if _, err := m.SampleGuided(ctx, c.label, c.opt, c.g); err == nil {
			t.Errorf("label %d guidance %v options %+v accepted", c.label, c.g, c.opt)
		}
	}
}

// TestCondDropoutGradients checks the backward through the dropout masks
// (embeddings, between layers, outputs) against central differences of
// the training loss under the same masks, which reseed makes a function of
// the step: two forwards after reseed(s) draw the same masks, another step
// other masks.
func TestCondDropoutGradients(t *testing.T) {
	v := condVocab(t, "a", "b", "c", "d")
	for _, cond := range []string{CondNone, CondBoth} {
		t.Run(cond, func(t *testing.T) {
			m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 4, Hidden: 5, Layers: 2, Dropout: 0.4},
				Labels: []string{"x", "y"}, Condition: cond, LabelDim: 3}, v, 1)
			sents := [][]int32{{2, 3, 4}, {5}, {}, {3, 3, 2, 5}}
			labels := []int{0, 1, 1, 0}
			loss := func(step uint64) float64 {
				m.drop.Reseed(step)
				s, n, err := m.Loss(sents, labels, true) // training mode; the gradient it adds is ignored
				if err != nil {
					t.Fatal(err)
				}
				return s / float64(n)
			}
			nn.ZeroGrads(m.Params())
			l7 := loss(7)
			gradtest.Check(t, m.Params(), func() float64 { return loss(7) }, gradtest.Ends, 1e-2, 2e-3, 2e-2)
			if again := loss(7); again != l7 {
				t.Fatalf("reseed(7) twice: loss %v then %v", l7, again)
			}
			if other := loss(8); other == l7 {
				t.Fatalf("steps 7 and 8 give the same loss %v: same masks?", l7)
			}
			eval, n, err := m.Loss(sents, labels, false)
			if err != nil {
				t.Fatal(err)
			}
			if eval/float64(n) == l7 {
				t.Fatal("dropout changes nothing")
			}
		})
	}
}

// BenchmarkCondSample samples 20-token sentences from a model of the size
// of the SST-2 conditional models (V 7142, embeddings 128, LSTM 256, label
// embedding 16, label bias), plain and with guidance.
func BenchmarkCondSample(b *testing.B) {
	toks := make([]string, 7140)
	for i := range toks {
		toks[i] = fmt.Sprint("w", i)
	}
	v := condVocab(b, toks...)
	m := mustNew(b, NewCond, CondConfig{Arch: Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 128, Hidden: 256, Layers: 1},
		Labels: []string{"negative", "positive"}, Condition: CondBoth, LabelDim: 16, LabelBias: true}, v, 1)
	for _, g := range []float64{0, 1} {
		b.Run(fmt.Sprint("guidance", g), func(b *testing.B) {
			opt := SampleOptions{MaxTokens: 20, Temperature: 1, Ban: []int32{m.eos}}
			tokens := 0
			for i := range b.N {
				opt.Seed = uint64(i)
				out, err := m.SampleGuided(context.Background(), i%2, opt, g)
				if err != nil {
					b.Fatal(err)
				}
				tokens += len(out)
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// TestGuide checks guide against the definition, in float64:
// log p(w|label) + g·(log p(w|label) − log mean_{k≠label} p(w|k)).
func TestGuide(t *testing.T) {
	const V = 7
	r := rand.New(rand.NewPCG(3, 4))
	for _, K := range []int{2, 3, 5} {
		logits := make([][]float32, K)
		for k := range logits {
			logits[k] = make([]float32, V)
			for i := range logits[k] {
				logits[k][i] = float32(r.NormFloat64() * 3)
			}
		}
		logp := func(k, w int) float64 {
			var z float64
			for _, v := range logits[k] {
				z += math.Exp(float64(v))
			}
			return float64(logits[k][w]) - math.Log(z)
		}
		for _, g := range []float64{0.5, 1, 2.5} {
			for label := range K {
				cur, other, acc := make([]float32, V), make([]float32, V), make([]float32, V)
				guide(cur, other, acc, logits, label, g)
				for w := range V {
					var q float64
					for k := range K {
						if k != label {
							q += math.Exp(logp(k, w))
						}
					}
					q /= float64(K - 1)
					want := logp(label, w) + g*(logp(label, w)-math.Log(q))
					if math.Abs(float64(cur[w])-want) > 1e-4*(1+math.Abs(want)) {
						t.Fatalf("K=%d g=%v label=%d w=%d: guide %v, want %v", K, g, label, w, cur[w], want)
					}
				}
			}
		}
	}
}
