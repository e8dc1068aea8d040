package serve

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/tensor"
)

// TestInt8StreamsBatchedEqualAlone serves a quantized language model on
// two threads (two generation loops: the first takes 8 streams, then the
// second, each stepping on its own goroutine alone while both are busy)
// to 12 concurrent streaming clients, and checks that every sample equals
// the same request answered alone: int8 streams are bit-identical in any
// batch and loop.
func TestInt8StreamsBatchedEqualAlone(t *testing.T) {
	defer tensor.SetThreads(tensor.Threads())
	tensor.SetThreads(2)
	m, err := lm.Load(testPaths(t).LM)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Quantize(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "lm8")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m8, err := infer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(opt Options) (*Server, *httptest.Server) {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		s := New(opt)
		if err := s.Add("chars8", m8); err != nil {
			t.Fatal(err)
		}
		s.Ready()
		ts := httptest.NewServer(s)
		t.Cleanup(func() {
			ts.Close()
			_ = s.Close(context.Background())
		})
		return s, ts
	}
	_, ts1 := serve(Options{MaxBatch: 16})
	// Steps slowed so that the streamed requests overlap.
	s, ts := serve(Options{MaxBatch: 16, stepDelay: 100 * time.Microsecond})
	const clients, length = 12, 200
	req := func(c int, stream bool) generateRequest {
		return generateRequest{Model: "chars8", Stream: stream, GenerateOptions: infer.GenerateOptions{Length: ptr(length),
			Seed: ptr(uint64(40 + c)), Temperature: ptr(0.7 + 0.05*float64(c%4)), Prompt: []string{"", "to be", "O"}[c%3]}}
	}
	alone := make([]string, clients)
	for c := range clients {
		var res infer.GenerateResult
		a := post(t, ts1, "/v1/generate", req(c, false))
		if a.status != 200 {
			t.Fatalf("alone %d: %d %s", c, a.status, a.body)
		}
		a.json(t, &res)
		alone[c] = res.Samples[0]
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			_, done := stream(t, ts, req(c, true))
			if len(done.Samples) != 1 || done.Samples[0] != alone[c] {
				t.Errorf("client %d batched: %q, alone %q", c, done.Samples, alone[c])
			}
		})
	}
	wg.Wait()
	loops := s.models["chars8"].gen.loops
	if len(loops) != 2 {
		t.Fatalf("%d generation loops on 2 threads, want 2", len(loops))
	}
	for i, g := range loops {
		steps, rows := g.batch.Stats()
		t.Logf("loop %d: %d batched steps of %d rows", i, steps, rows)
		if steps == 0 {
			t.Errorf("loop %d ran no batched step: the 12 streams did not share the loops", i)
		}
	}
}
