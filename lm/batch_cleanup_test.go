package lm

import (
	"runtime"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/tensor"
)

// TestBatchDroppedStopsGoroutines: a quantized model's batch (and its
// twin) dropped without Close stops its teams' goroutines once collected,
// as a dropped nn.Stepper does; the shared-step team used to run on
// forever. The test drops batches that ran shared, batched and lone
// steps, and waits (collecting) for the count of team members to fall
// back to what it was.
func TestBatchDroppedStopsGoroutines(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer tensor.SetThreads(tensor.Threads())
	tensor.SetThreads(4)
	m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 30, EmbedDim: 8, Hidden: 24, Layers: 1}}, nil, 3)
	if err := m.Quantize(); err != nil {
		t.Fatal(err)
	}
	base := testutil.Goroutines("github.com/recurrent-go/recurrent/tensor.NewTeam")
	run := func(b *Batch) {
		for _, n := range []int{sharedMin + 1, 2, 1} {
			streams := make([]*Stream, n)
			for i := range streams {
				var err error
				if streams[i], err = b.NewStream(SampleOptions{Prompt: []int32{1}, MaxTokens: 3, Seed: uint64(i)}); err != nil {
					t.Fatal(err)
				}
			}
			em := make([]int32, n)
			for !streams[0].Done() {
				if err := b.Step(streams, em); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for range 3 {
		b, err := m.NewBatch(sharedMin + 2)
		if err != nil {
			t.Fatal(err)
		}
		tw, err := b.Twin()
		if err != nil {
			t.Fatal(err)
		}
		tw.SetSerial(false)
		run(b)
		run(tw)
		if b.team == nil || tw.team == nil {
			t.Fatal("no shared-step team after shared steps")
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for testutil.Goroutines("github.com/recurrent-go/recurrent/tensor.NewTeam") > base && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	if n := testutil.Goroutines("github.com/recurrent-go/recurrent/tensor.NewTeam"); n > base {
		t.Errorf("%d team goroutines left running by dropped batches (%d before)", n-base, base)
	}
}
