package lm

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"
)

// sampleByForward is Sample as it was written before the stepper: the
// training forward with T = B = 1 for every token. It is the reference
// the generator must reproduce.
func sampleByForward(m *Model, opt SampleOptions) ([]int32, [][]float32, error) {
	m.SetTraining(false)
	st := m.NewState(1)
	logits, err := m.forward(opt.Prompt, len(opt.Prompt), 1, nil, st)
	if err != nil {
		return nil, nil, err
	}
	V := m.Config.VocabSize
	s := newSampler(V, opt)
	last := slices.Clone(logits[(len(opt.Prompt)-1)*V:])
	all := [][]float32{slices.Clone(last)}
	var out []int32
	for len(out) < opt.MaxTokens {
		id := s.pick(last)
		out = append(out, id)
		if slices.Contains(opt.Stop, id) {
			break
		}
		l, err := m.forward([]int32{id}, 1, 1, nil, st)
		if err != nil {
			return nil, nil, err
		}
		copy(last, l)
		all = append(all, slices.Clone(last))
	}
	return out, all, nil
}

// TestGeneratorMatchesForward checks, for every cell, one and three
// layers, with the input table and without, on one and two goroutines,
// that the generator's logits along a sampled sequence equal the forward
// path's within 1e-5 relative, and that Sample returns the same tokens.
func TestGeneratorMatchesForward(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, cell := range []string{"rnn_tanh", "rnn_relu", "lstm", "gru", "gru_cho", "gru_minimal"} {
		for _, c := range []struct {
			layers, hidden, tokens int
			tied                   bool
			initRange              float64
			cutoffs                []int
		}{
			{1, 24, 40, false, 0.3, nil}, // V <= steps: input table, one goroutine
			{3, 48, 5, true, 0.3, nil},   // V > steps: embedding row through W_ih
			// Large enough to split the step over goroutines; with the
			// default initialisation, as uniform(-0.3, 0.3) recurrent
			// weights at H=512 make the state chaotic enough to amplify
			// float32 rounding past the tolerance within a few steps.
			{2, 512, 12, false, 0, nil},
			{2, 16, 20, false, 0.3, []int{4, 7}}, // adaptive softmax
		} {
			t.Run(fmt.Sprintf("%s/L%d/H%d/steps%d/adaptive%v", cell, c.layers, c.hidden, c.tokens, c.cutoffs), func(t *testing.T) {
				m := mustNew(t, New, Config{Arch: Arch{Cell: cell, VocabSize: 11, EmbedDim: c.hidden, Hidden: c.hidden, Layers: c.layers, Dropout: 0.3}, Tied: c.tied, InitRange: c.initRange, AdaptiveCutoffs: c.cutoffs}, nil, 5)
				opt := SampleOptions{Prompt: []int32{0, 3, 4}, MaxTokens: c.tokens, Temperature: 1, Seed: 9}
				want, wantLogits, err := sampleByForward(m, opt)
				if err != nil {
					t.Fatal(err)
				}
				g, err := m.generator(len(opt.Prompt) + opt.MaxTokens)
				if err != nil {
					t.Fatal(err)
				}
				if wantTable := 11 <= len(opt.Prompt)+opt.MaxTokens; g.table != wantTable {
					t.Errorf("input table %v, want %v", g.table, wantTable)
				}
				// Feed the reference sequence and compare the logits.
				seq := append(slices.Clone(opt.Prompt), want...)
				for i, id := range seq[:len(seq)-1] {
					got, err := g.step(id)
					if err != nil {
						t.Fatal(err)
					}
					k := i - len(opt.Prompt) + 1
					if k < 0 {
						continue
					}
					for v, w := range wantLogits[k] {
						if math.Abs(float64(got[v]-w)) > 1e-5*(1+math.Abs(float64(w))) {
							t.Fatalf("token %d: logit %d = %v, forward gives %v", k, v, got[v], w)
						}
					}
				}
				out, err := m.Sample(context.Background(), opt)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(out, want) {
					t.Errorf("Sample = %v\nforward path gives %v", out, want)
				}
			})
		}
	}
}

// TestGeneratorThreads checks the choice of goroutines: one for a small
// step, tensor.Threads() from a megabyte of weights per step.
func TestGeneratorThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, c := range []struct {
		hidden, layers, want int
	}{{64, 1, 1}, {512, 2, 2}} {
		m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 65, EmbedDim: c.hidden, Hidden: c.hidden, Layers: c.layers}}, nil, 1)
		g, err := m.generator(200)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.st.Threads(); got != c.want {
			t.Errorf("H=%d L=%d: %d goroutines, want %d", c.hidden, c.layers, got, c.want)
		}
	}
}

// BenchmarkSample is batch-1 character sampling from a 2-layer H=512
// model, in runs of 200 tokens as bench rnn --mode sample does.
func BenchmarkSample(b *testing.B) {
	for _, cell := range []string{"lstm", "gru"} {
		b.Run(cell, func(b *testing.B) {
			m := mustNew(b, New, Config{Arch: Arch{Cell: cell, VocabSize: 65, EmbedDim: 512, Hidden: 512, Layers: 2}}, nil, 1)
			opt := SampleOptions{Prompt: []int32{0}, MaxTokens: 200, Temperature: 1}
			tokens := 0
			for b.Loop() {
				opt.Seed++
				out, err := m.Sample(context.Background(), opt)
				if err != nil {
					b.Fatal(err)
				}
				tokens += len(out)
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// TestSampleAfterWeightChange samples, changes every parameter as an
// optimizer step would, and samples again: the kept generator must see
// the new weights (its input table rebuilt), as the forward path does.
func TestSampleAfterWeightChange(t *testing.T) {
	for _, cell := range []string{"lstm", "gru"} {
		m := mustNew(t, New, Config{Arch: Arch{Cell: cell, VocabSize: 9, EmbedDim: 16, Hidden: 24, Layers: 2}, InitRange: 0.4}, nil, 3)
		opt := SampleOptions{Prompt: []int32{1, 2}, MaxTokens: 30, Temperature: 1, Seed: 5}
		for round := range 3 {
			want, _, err := sampleByForward(m, opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Sample(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s round %d: Sample = %v\nforward path gives %v", cell, round, got, want)
			}
			for i, p := range m.Params() {
				for j := range p.Data {
					p.Data[j] += float32((i+j)%5-2) * 0.05
				}
			}
		}
	}
}
