package lm

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// TestBatchSharedMoreThreadsThanStreams: on a machine with more threads
// (tensor.Threads, by default GOMAXPROCS) than the streams of a shared
// int8 step, every stream still steps and samples Sample's tokens. A step
// of n >= sharedMin streams is cut into max(threads, ceil(n/8)) parts,
// so with 12 threads and 10 streams some parts get no stream.
func TestBatchSharedMoreThreadsThanStreams(t *testing.T) {
	for _, c := range []struct{ threads, cap, streams int }{{12, 16, 10}, {16, 16, 10}, {16, 16, 15}} {
		testBatchShared(t, c.threads, c.cap, c.streams)
	}
}

// TestBatchSharedStreamCounts: shared int8 steps of 9 (one batched step),
// 10 and 17 streams (two and three parts) on two and three threads give
// every stream Sample's tokens, with batches larger than the steps.
func TestBatchSharedStreamCounts(t *testing.T) {
	for _, c := range []struct{ threads, cap, streams int }{{2, 20, 9}, {2, 20, 10}, {2, 20, 17}, {3, 17, 17}, {2, 10, 10}} {
		testBatchShared(t, c.threads, c.cap, c.streams)
	}
}

// testBatchShared steps streams int8 streams of a batch of capacity cap
// on threads threads until they are done, and compares their tokens with
// Sample's.
func testBatchShared(t *testing.T, threads, cap, streams int) {
	t.Run(fmt.Sprintf("threads=%d/cap=%d/streams=%d", threads, cap, streams), func(t *testing.T) {
		defer tensor.SetThreads(tensor.Threads())
		tensor.SetThreads(threads)
		m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 30, EmbedDim: 8, Hidden: 24, Layers: 1}}, nil, 3)
		var bb *Batch
		err := m.Quantize()
		if err == nil {
			bb, err = m.NewBatch(cap)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer bb.Close()
		var opts []SampleOptions
		var active []*Stream
		for i := range streams {
			opt := SampleOptions{Prompt: []int32{int32(1 + i%5)}, MaxTokens: 6, Seed: uint64(10 + i), Temperature: 0.8}
			s, err := bb.NewStream(opt)
			if err != nil {
				t.Fatal(err)
			}
			opts, active = append(opts, opt), append(active, s)
		}
		all := slices.Clone(active)
		em := make([]int32, len(active))
		for step := 0; len(active) > 0; step++ {
			if err := bb.Step(active, em); err != nil {
				t.Fatalf("step %d of %d streams on %d threads: %v", step, len(active), threads, err)
			}
			active = slices.DeleteFunc(active, (*Stream).Done)
		}
		for i, opt := range opts {
			want, err := m.Sample(context.Background(), opt)
			if got := all[i].Tokens(); err != nil || !slices.Equal(got, want) {
				t.Errorf("stream %d: batched %v, Sample %v (%v)", i, got, want, err)
			}
		}
		if shared := bb.shared; (streams >= sharedMin && threads > 1) != (shared > 0) {
			t.Errorf("%d streams on %d threads: %d shared steps", streams, threads, shared)
		}
	})
}
