package lm

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// TestBatchInt8BitIdentical runs 16 streams of a quantized model (mixed
// seeds, temperatures, prompts and lengths; joining and leaving at
// different steps) in one int8 batch, each with a twin stepped alone in
// lockstep, and checks that every step leaves the batched stream's states
// bit-identical to its twin's and emits the same token, and that each
// stream's tokens are Sample's for its options: per-stream activation
// quantization makes a stream's int8 products independent of the batch.
// It runs with one goroutine (one batched step), and with two and three
// (steps of 10 or more streams cut into parts stepped at once, the parts
// up to 8 or 4 rows).
func TestBatchInt8BitIdentical(t *testing.T) {
	const Cap = 16
	defer tensor.SetThreads(tensor.Threads())
	defer func(r int) { partRows = r }(partRows)
	for _, c := range []struct {
		cell          string
		threads, rows int
	}{{"lstm", 1, 8}, {"gru", 1, 8}, {"lstm", 2, 8}, {"gru", 2, 8}, {"lstm", 3, 4}} {
		tensor.SetThreads(c.threads)
		partRows = c.rows
		cell := c.cell
		t.Run(fmt.Sprintf("%s/threads=%d/rows=%d", cell, c.threads, c.rows), func(t *testing.T) {
			m := mustNew(t, New, Config{Arch: Arch{Cell: cell, VocabSize: 40, EmbedDim: 8, Hidden: 72, Layers: 2}}, nil, 9)
			if err := m.Quantize(); err != nil {
				t.Fatal(err)
			}
			bb, err := m.NewBatch(Cap)
			if err != nil {
				t.Fatal(err)
			}
			defer bb.Close()
			solo, err := m.NewBatch(1)
			if err != nil {
				t.Fatal(err)
			}
			defer solo.Close()
			var opts []SampleOptions
			for i := range 24 {
				opts = append(opts, SampleOptions{Prompt: []int32{int32(1 + i%7), int32(2 + i%5)}[:1+i%2],
					MaxTokens: 20 + 7*i, Seed: uint64(100 + i), Temperature: 0.6 + 0.1*float64(i%6), TopK: i % 4})
			}
			var active, twins []*Stream
			streams := make([]*Stream, len(opts))
			next := 0
			em, em1 := make([]int32, Cap), make([]int32, 1)
			for step := 0; len(active) > 0 || next < len(opts); step++ {
				for len(active) < Cap && next < len(opts) && step >= next/2 {
					s, err := bb.NewStream(opts[next])
					if err != nil {
						t.Fatal(err)
					}
					tw, err := solo.NewStream(opts[next])
					if err != nil {
						t.Fatal(err)
					}
					streams[next] = s
					active, twins = append(active, s), append(twins, tw)
					next++
				}
				if err := bb.Step(active, em); err != nil {
					t.Fatal(err)
				}
				for i, s := range active {
					if err := solo.Step(twins[i:i+1], em1); err != nil {
						t.Fatal(err)
					}
					if em[i] != em1[0] {
						t.Fatalf("step %d (batch %d): stream emitted %d, alone %d", step, len(active), em[i], em1[0])
					}
					for j := range s.h {
						if math.Float32bits(s.h[j]) != math.Float32bits(twins[i].h[j]) || (s.c != nil && math.Float32bits(s.c[j]) != math.Float32bits(twins[i].c[j])) {
							t.Fatalf("step %d (batch %d): state %d differs from the stream alone", step, len(active), j)
						}
					}
				}
				keep := make([]bool, len(active))
				for i, s := range active {
					keep[i] = !s.Done()
				}
				k := 0
				for i := range active {
					if keep[i] {
						active[k], twins[k] = active[i], twins[i]
						k++
					}
				}
				active, twins = active[:k], twins[:k]
			}
			for i, opt := range opts {
				want, err := m.Sample(context.Background(), opt)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(streams[i].Tokens(), want) {
					t.Errorf("stream %d: batched %v, Sample %v", i, streams[i].Tokens(), want)
				}
			}
			if steps, rows := bb.Stats(); steps == 0 || rows < 8*steps {
				t.Errorf("batched steps %d rows %d: the batch was not full enough", steps, rows)
			}
			if shared := bb.shared; (c.threads > 1) != (shared > 0) {
				t.Errorf("%d threads: %d shared steps", c.threads, shared)
			}
		})
	}
}
