package serve

import (
	"sync"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/infer"
)

// TestLanes: with two generation loops, concurrent requests fill the
// first loop to laneFill before the second gets any, both loops step, and
// every request's text is the one it gets alone.
func TestLanes(t *testing.T) {
	s, ts := newTestServer(t, Options{Lanes: 2, MaxBatch: 8, stepDelay: time.Millisecond})
	e := s.models["shakespeare"]
	if len(e.gen) != 2 {
		t.Fatalf("%d generation loops, want 2", len(e.gen))
	}
	req := func(seed uint64) generateRequest {
		return generateRequest{Model: "shakespeare", Stream: true,
			GenerateOptions: infer.GenerateOptions{Length: ptr(150), Seed: ptr(seed)}}
	}
	const n = laneFill + 2
	alone := make([]string, n)
	for i := range alone {
		_, done := stream(t, ts, req(uint64(i)))
		alone[i] = done.Samples[0]
	}
	steps0, _ := e.gen[0].batch.Stats()
	if lone, _ := e.gen[1].batch.Stats(); lone != 0 || steps0 != 0 {
		// Alone, a request runs on the first loop's batch-1 stepper: no
		// batched step anywhere.
		t.Errorf("requests one at a time: %d and %d batched steps, want 0", steps0, lone)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, done := stream(t, ts, req(uint64(i)))
			if got := done.Samples[0]; got != alone[i] {
				t.Errorf("request %d beside others: %q, alone %q", i, got, alone[i])
			}
		})
	}
	wg.Wait()
	_, rows0 := e.gen[0].batch.Stats()
	_, rows1 := e.gen[1].batch.Stats()
	if rows0 == 0 || rows1 == 0 {
		t.Errorf("%d requests at once: the loops stepped %d and %d rows in batched steps; want both > 0", n, rows0, rows1)
	}
	if rows1 > rows0 {
		t.Errorf("the second loop stepped more rows (%d) than the first (%d), which takes %d requests first", rows1, rows0, laneFill)
	}
	for i, g := range e.gen {
		if l := g.load.Load(); l != 0 {
			t.Errorf("loop %d: %d requests still counted after all ended", i, l)
		}
	}
}
