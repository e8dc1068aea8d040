package lm

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/recurrent-go/recurrent/internal/cputime"
	"github.com/recurrent-go/recurrent/tensor"
)

// TestBatchAloneEqualsSample: a stream stepped alone gives exactly
// Sample's tokens, with the input table (V <= steps) and without.
func TestBatchAloneEqualsSample(t *testing.T) {
	for _, cell := range []string{"lstm", "gru", "gru_cho", "adaptive"} {
		cfg := Config{Arch: Arch{Cell: cell, VocabSize: 30, EmbedDim: 6, Hidden: 40, Layers: 2}}
		if cell == "adaptive" {
			cfg.Cell, cfg.AdaptiveCutoffs = "lstm", []int{8, 16}
		}
		m := mustNew(t, New, cfg, nil, 3)
		b, err := m.NewBatch(4)
		if err != nil {
			t.Fatal(err)
		}
		for _, max := range []int{10, 60} { // 10 + prompt < V: no table; 60: table
			for seed := range uint64(4) {
				opt := SampleOptions{Prompt: []int32{1, 2, 3}, MaxTokens: max, Seed: seed, TopK: int(seed), Stop: []int32{7}}
				want, err := m.Sample(context.Background(), opt)
				if err != nil {
					t.Fatal(err)
				}
				s, err := b.NewStream(opt)
				if err != nil {
					t.Fatal(err)
				}
				var got []int32
				em := make([]int32, 1)
				for !s.Done() {
					if err := b.Step([]*Stream{s}, em); err != nil {
						t.Fatal(err)
					}
					if em[0] >= 0 {
						got = append(got, em[0])
					}
				}
				if !slices.Equal(got, want) || !slices.Equal(s.Tokens(), want) {
					t.Errorf("%s max %d seed %d: alone %v, Sample %v", cell, max, seed, got, want)
				}
			}
		}
		b.Close()
	}
}

// TestBatchJoinLeave runs streams that join and leave a running batch at
// different steps, with different prompts, options and lengths, and
// compares each with Sample: equal tokens (the tiny model's logits are far
// from ties, so float32 rounding of the batched products flips none).
func TestBatchJoinLeave(t *testing.T) {
	for _, cell := range []string{"lstm", "gru", "rnn_tanh", "gru_minimal", "adaptive"} {
		t.Run(cell, func(t *testing.T) {
			cfg := Config{Arch: Arch{Cell: cell, VocabSize: 25, EmbedDim: 8, Hidden: 33, Layers: 2}}
			if cell == "adaptive" {
				cfg.Cell, cfg.AdaptiveCutoffs = "gru", []int{10}
			}
			m := mustNew(t, New, cfg, nil, 5)
			b, err := m.NewBatch(3)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			type job struct {
				at  int // step at which it joins
				opt SampleOptions
			}
			jobs := []job{
				{0, SampleOptions{Prompt: []int32{1}, MaxTokens: 30, Seed: 1}},
				{0, SampleOptions{Prompt: []int32{4, 5, 6, 7}, MaxTokens: 12, Seed: 2, Temperature: 0.7}},
				{3, SampleOptions{Prompt: []int32{2}, MaxTokens: 20, Greedy: true}},
				{5, SampleOptions{Prompt: []int32{3, 3}, MaxTokens: 40, Seed: 4, TopP: 0.9, Stop: []int32{0}}},
				{20, SampleOptions{Prompt: []int32{9}, MaxTokens: 8, Seed: 5, TopK: 5}},
			}
			var active []*Stream
			streams := make([]*Stream, len(jobs))
			em := make([]int32, 3)
			for step := 0; step < 200; step++ {
				for i, j := range jobs {
					if j.at == step || (j.at < step && streams[i] == nil) {
						if len(active) < 3 {
							s, err := b.NewStream(j.opt)
							if err != nil {
								t.Fatal(err)
							}
							streams[i] = s
							active = append(active, s)
						}
					}
				}
				if err := b.Step(active, em); err != nil {
					t.Fatal(err)
				}
				active = slices.DeleteFunc(active, (*Stream).Done)
			}
			for i, j := range jobs {
				want, err := m.Sample(context.Background(), j.opt)
				if err != nil {
					t.Fatal(err)
				}
				if streams[i] == nil || !streams[i].Done() || !slices.Equal(streams[i].Tokens(), want) {
					t.Errorf("job %d: batched %v, Sample %v", i, streams[i].Tokens(), want)
				}
			}
			if steps, rows := b.Stats(); cell != "gru_minimal" && (steps == 0 || rows < 2*steps) {
				t.Errorf("batched steps %d rows %d", steps, rows)
			}
		})
	}
}

func TestBatchErrors(t *testing.T) {
	m, _ := New(Config{Arch: Arch{Cell: "lstm", VocabSize: 5, EmbedDim: 2, Hidden: 3, Layers: 1}}, nil, 1)
	b, _ := m.NewBatch(2)
	for i, opt := range []SampleOptions{{}, {Prompt: []int32{9}}, {Prompt: []int32{1}, Ban: []int32{0, 1, 2, 3, 4}}, {Prompt: []int32{1}, TopP: 3}} {
		if _, err := b.NewStream(opt); err == nil {
			t.Errorf("options %d accepted", i)
		}
	}
	s1, _ := b.NewStream(SampleOptions{Prompt: []int32{1}, MaxTokens: 1})
	s2, _ := b.NewStream(SampleOptions{Prompt: []int32{1}, MaxTokens: 1})
	s3, _ := b.NewStream(SampleOptions{Prompt: []int32{1}, MaxTokens: 1})
	if err := b.Step([]*Stream{s1, s2, s3}, make([]int32, 3)); err == nil {
		t.Error("three streams stepped in a batch of two")
	}
	if err := b.Step([]*Stream{s1}, make([]int32, 1)); err != nil || !s1.Done() {
		t.Fatal(err)
	}
	if err := b.Step([]*Stream{s1}, make([]int32, 1)); err == nil {
		t.Error("a done stream was stepped")
	}

}

// BenchmarkBatchStep times one token of B streams on an LSTM 2x512
// character model (B=1 runs the batch-1 stepper), then on the same model
// quantized to int8 ("int8_B=...").
func BenchmarkBatchStep(b *testing.B) {
	m := mustNew(b, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 65, EmbedDim: 64, Hidden: 512, Layers: 2}}, nil, 1)
	sizes := []int{1, 4, 16, 32}
	benchBatchStep(b, m, "", sizes, nil)
	if err := m.Quantize(); err != nil {
		b.Fatal(err)
	}
	benchBatchStep(b, m, "int8_", sizes, nil)
}

// BenchmarkBatchTwinStep times a Twin's steps as a server's second
// generation loop runs them: serial (beside another loop) and shared (left
// alone, SetSerial(false)), float32 and int8.
func BenchmarkBatchTwinStep(b *testing.B) {
	m := mustNew(b, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 65, EmbedDim: 64, Hidden: 512, Layers: 2}}, nil, 1)
	for _, q := range []string{"", "int8_"} {
		if q != "" {
			if err := m.Quantize(); err != nil {
				b.Fatal(err)
			}
		}
		for _, serial := range []bool{true, false} {
			mode := map[bool]string{true: "serial_", false: "shared_"}[serial]
			benchBatchStep(b, m, q+"twin_"+mode, []int{1, 16}, func(bt *Batch) *Batch {
				tw, err := bt.Twin()
				if err != nil {
					b.Fatal(err)
				}
				tw.SetSerial(serial)
				return tw
			})
		}
	}
}

// benchBatchStep times B streams of m for each B in sizes, on a batch of
// capacity 32 or, with use, on the batch use returns for it.
func benchBatchStep(b *testing.B, m *Model, prefix string, sizes []int, use func(*Batch) *Batch) {
	for _, B := range sizes {
		b.Run(fmt.Sprintf("%sB=%d", prefix, B), func(b *testing.B) {
			bt, err := m.NewBatch(32)
			if err != nil {
				b.Fatal(err)
			}
			defer bt.Close()
			if use != nil {
				bt = use(bt)
				defer bt.Close()
			}
			streams := make([]*Stream, B)
			em := make([]int32, B)
			for i := range streams {
				streams[i], _ = bt.NewStream(SampleOptions{Prompt: []int32{1}, MaxTokens: 1 << 30, Seed: uint64(i)})
			}
			b.ResetTimer()
			cpu0 := cputime.Process()
			for range b.N {
				if err := bt.Step(streams, em); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(B*b.N)/b.Elapsed().Seconds(), "tokens/s")
			// CPU time per token (all threads): the cost that decides the
			// batch's speed-up on an idle machine, less noisy under load.
			if cpu0 >= 0 {
				b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/float64(B*b.N), "cpu-us/token")
			}
		})
	}
}

// TestCondBatch: conditional streams stepped alone give exactly
// CondModel.Sample's tokens (every conditioning, with and without the
// input table), and streams of different labels joining a running batch
// give the same tokens too (the tiny model's logits are far from ties).
func TestCondBatch(t *testing.T) {
	v := condVocab(t, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")
	for _, c := range []struct {
		cond string
		bias bool
		cell string
	}{{CondNone, false, "lstm"}, {CondInit, true, "lstm"}, {CondInput, false, "gru"}, {CondBoth, true, "lstm"}, {CondBoth, false, "gru_cho"}} {
		t.Run(fmt.Sprintf("%s/bias=%v/%s", c.cond, c.bias, c.cell), func(t *testing.T) {
			m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: c.cell, VocabSize: v.Len(), EmbedDim: 5, Hidden: 24, Layers: 2},
				Labels: []string{"x", "y", "z"}, Condition: c.cond, LabelDim: 3, LabelBias: c.bias}, v, 4)
			b, err := m.NewBatch(4)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if _, err := b.NewStream(SampleOptions{MaxTokens: 3}); err == nil {
				t.Error("NewStream accepted on a conditional batch")
			}
			if _, err := b.NewCondStream(3, SampleOptions{MaxTokens: 3}); err == nil {
				t.Error("label 3 of 3 accepted")
			}
			type job struct {
				label int
				opt   SampleOptions
			}
			var jobs []job
			for i := range 8 {
				opt := SampleOptions{MaxTokens: []int{4, 20}[i%2], Seed: uint64(i), Temperature: 1.5}
				if i%3 == 0 {
					opt.Prompt = []int32{3, 4}
				}
				jobs = append(jobs, job{i % 3, opt})
			}
			em := make([]int32, 4)
			for i, j := range jobs {
				want, err := m.Sample(context.Background(), j.label, j.opt)
				if err != nil {
					t.Fatal(err)
				}
				s, err := b.NewCondStream(j.label, j.opt)
				if err != nil {
					t.Fatal(err)
				}
				for !s.Done() {
					if err := b.Step([]*Stream{s}, em); err != nil {
						t.Fatal(err)
					}
				}
				if !slices.Equal(s.Tokens(), want) {
					t.Errorf("job %d alone: %v, Sample %v", i, s.Tokens(), want)
				}
			}
			// Batched: all jobs, four at a time, joining as others leave.
			var active []*Stream
			streams := make([]*Stream, len(jobs))
			next := 0
			for steps := 0; steps < 500 && (next < len(jobs) || len(active) > 0); steps++ {
				for len(active) < 4 && next < len(jobs) {
					s, err := b.NewCondStream(jobs[next].label, jobs[next].opt)
					if err != nil {
						t.Fatal(err)
					}
					streams[next] = s
					active = append(active, s)
					next++
				}
				if err := b.Step(active, em); err != nil {
					t.Fatal(err)
				}
				active = slices.DeleteFunc(active, (*Stream).Done)
			}
			for i, j := range jobs {
				want, _ := m.Sample(context.Background(), j.label, j.opt)
				if !slices.Equal(streams[i].Tokens(), want) {
					t.Errorf("job %d batched: %v, Sample %v", i, streams[i].Tokens(), want)
				}
			}
			if steps, _ := b.Stats(); c.cell != "gru_cho" && steps == 0 {
				t.Error("no batched step ran")
			}
		})
	}
}

// TestBatchSetSerial: a batch stepped on the calling goroutine alone
// (SetSerial), switched between that and its shared steps from one step
// to the next, or a Twin stepped at the same time as its batch (sharing
// its own steps after SetSerial(false), as a server's lane left alone
// does), gives the same tokens as the shared steps: float32 and int8, a
// lone stream (its batch-1 stepper) and a shared step's worth of streams.
// On one CPU there is no team to switch from.
func TestBatchSetSerial(t *testing.T) {
	for _, q := range []bool{false, true} {
		m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 30, EmbedDim: 6, Hidden: 72, Layers: 2}}, nil, 5)
		if q {
			if err := m.Quantize(); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range []int{1, sharedMin + 2} {
			var runs [4][][]int32
			for mode := range runs {
				b, err := m.NewBatch(sharedMin + 2)
				if err != nil {
					t.Fatal(err)
				}
				finish := func() {}
				if mode == 3 {
					// The twin steps while its batch steps other streams.
					tw, err := b.Twin()
					if err != nil {
						t.Fatal(err)
					}
					other := make([]*Stream, n)
					for i := range other {
						other[i], _ = b.NewStream(SampleOptions{Prompt: []int32{3}, MaxTokens: 1 << 20, Seed: 99})
					}
					stop := make(chan struct{})
					var wg sync.WaitGroup
					base := b
					wg.Go(func() {
						em := make([]int32, n)
						for {
							select {
							case <-stop:
								return
							default:
								if err := base.Step(other, em); err != nil {
									t.Error(err)
									return
								}
							}
						}
					})
					finish = func() { close(stop); wg.Wait(); base.Close() }
					b = tw
				}
				streams := make([]*Stream, n)
				for i := range streams {
					streams[i], _ = b.NewStream(SampleOptions{Prompt: []int32{1, 2}, MaxTokens: 40, Seed: uint64(i)})
				}
				em := make([]int32, n)
				for step := 0; !streams[0].Done(); step++ {
					b.SetSerial(mode == 1 || mode == 2 && step%3 != 0)
					if err := b.Step(streams, em); err != nil {
						t.Fatal(err)
					}
				}
				finish()
				for _, s := range streams {
					runs[mode] = append(runs[mode], s.out)
				}
				if mode == 3 && q && n >= sharedMin && tensor.Threads() > 1 && b.team == nil {
					t.Error("the twin has no team: left alone, it could not share its steps")
				}
				if mode == 1 && b.team != nil {
					t.Error("a batch that only stepped serially started a team")
				}
				if b.shareable && n >= sharedMin {
					// The int8 steps of many streams: shared, or not
					// (the twin's too, SetSerial(false) as it is).
					if shared := b.shared; (mode == 1) != (shared == 0) || mode == 2 && shared == b.stepped {
						t.Errorf("int8, mode %d: %d of %d steps shared", mode, shared, b.stepped)
					}
				}
				b.Close()
			}
			for mode := 1; mode < len(runs); mode++ {
				for i := range runs[0] {
					if !slices.Equal(runs[mode][i], runs[0][i]) {
						t.Errorf("int8 %v, %d streams, mode %d: stream %d gave %v, shared steps %v", q, n, mode, i, runs[mode][i], runs[0][i])
					}
				}
			}
		}
	}
}
