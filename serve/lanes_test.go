package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
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

// TestLanesSmallBatch: with batches smaller than laneFill, a request that
// finds the first loop's batch full goes to an idle loop, rather than
// waiting in the first loop for a running request to end (the first loop
// took laneFill requests, however few of them its batch could step).
func TestLanesSmallBatch(t *testing.T) {
	const maxBatch = 2
	s, ts := newTestServer(t, Options{Lanes: 2, MaxBatch: maxBatch, MaxLength: 1 << 20, Timeout: 30 * time.Second, stepDelay: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range maxBatch { // streams that fill the first loop's batch until the test ends
		startStream(t, ctx, ts, 1<<20, i)
	}
	if a, ok := generateWithin(ts); !ok {
		t.Errorf("a request waited 10 s behind %d endless ones in a full loop (loads %d and %d) while the other loop was idle",
			maxBatch, s.models["shakespeare"].gen[0].load.Load(), s.models["shakespeare"].gen[1].load.Load())
	} else if a.status != http.StatusOK {
		t.Errorf("the request beside full batch: %d %s", a.status, a.body)
	}
}

// TestLanesLoneLoopShares: a request on the second loop steps on that
// loop's goroutine alone while the first loop has work too, and shares its
// steps among the CPUs once the first loop is idle (it used to stay on one
// CPU until it ended: only the first loop's batch could share).
func TestLanesLoneLoopShares(t *testing.T) {
	const maxBatch = 2
	s, ts := newTestServer(t, Options{Lanes: 2, MaxBatch: maxBatch, MaxLength: 1 << 20, Timeout: 30 * time.Second, stepDelay: time.Millisecond})
	second := s.models["shakespeare"].gen[1]
	var serial, shared atomic.Int64
	observe := second.observe
	// Set before any request reaches the loop (the job's channel send
	// orders it before the loop's reads).
	second.observe = func(b, n int, d time.Duration) {
		if second.batch.Serial() {
			serial.Add(1)
		} else {
			shared.Add(1)
		}
		if observe != nil {
			observe(b, n, d)
		}
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: after 10 s, %d serial and %d shared steps on the second loop", what, serial.Load(), shared.Load())
			}
		}
	}
	first, stopFirst := context.WithCancel(context.Background())
	defer stopFirst()
	for i := range maxBatch { // the first loop's batch is full
		startStream(t, first, ts, 1<<20, i)
	}
	last, stopLast := context.WithCancel(context.Background())
	defer stopLast()
	startStream(t, last, ts, 1<<20, 9) // on the second loop
	waitFor("beside the first loop", func() bool { return serial.Load() > 0 })
	if shared.Load() != 0 {
		t.Errorf("the second loop shared %d steps while the first loop had work", shared.Load())
	}
	stopFirst()
	waitFor("alone", func() bool { return shared.Load() > 0 })
}

// TestLanesTakeWaitingJobs: a request that had to wait in a full loop (every
// loop was full when it came) is taken by another loop once that one has
// room, instead of waiting for the endless streams ahead of it in its own.
func TestLanesTakeWaitingJobs(t *testing.T) {
	const maxBatch = 2
	s, ts := newTestServer(t, Options{Lanes: 2, MaxBatch: maxBatch, MaxLength: 1 << 20, Timeout: 30 * time.Second, stepDelay: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gen := s.models["shakespeare"].gen
	for i := range maxBatch {
		startStream(t, ctx, ts, 1<<20, i) // the first loop: endless
	}
	for i := range maxBatch {
		startStream(t, ctx, ts, 300, 10+i) // the second loop: ends after 300 steps
	}
	if gen[0].load.Load() != maxBatch || gen[1].load.Load() != maxBatch {
		t.Fatalf("loads %d and %d, want %d each", gen[0].load.Load(), gen[1].load.Load(), maxBatch)
	}
	if a, ok := generateWithin(ts); !ok {
		t.Errorf("a request waited 10 s behind endless streams while the other loop had room (loads %d and %d, waiting %d and %d)",
			gen[0].load.Load(), gen[1].load.Load(), gen[0].nWaiting.Load(), gen[1].nWaiting.Load())
	} else if a.status != http.StatusOK {
		t.Errorf("the waiting request: %d %s", a.status, a.body)
	}
}

// startStream starts a streamed generation of length tokens, bound to
// ctx, and returns once its first token came (the stream runs).
func startStream(t *testing.T, ctx context.Context, ts *httptest.Server, length, seed int) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"model": "shakespeare", "length": length, "stream": true, "seed": seed})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/v1/generate", bytes.NewReader(b))
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if _, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
}

// generateWithin posts a 20-token generation and reports whether it was
// answered within 10 s, and its answer.
func generateWithin(ts *httptest.Server) (answer, bool) {
	done := make(chan answer, 1)
	go func() {
		b, _ := json.Marshal(map[string]any{"model": "shakespeare", "length": 20, "seed": 7})
		res, err := ts.Client().Post(ts.URL+"/v1/generate", "application/json", bytes.NewReader(b))
		if err != nil {
			done <- answer{body: []byte(err.Error())}
			return
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		done <- answer{status: res.StatusCode, body: body}
	}()
	select {
	case a := <-done:
		return a, true
	case <-time.After(10 * time.Second):
		return answer{}, false
	}
}
