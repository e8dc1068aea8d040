package serve

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/tensor"
)

// TestInt8StreamsBatchedEqualAlone serves a quantized language model on
// two threads (so that steps of 10 or more streams are cut into parts
// stepped at once) to 12 concurrent streaming clients, and checks that
// every sample equals the same request answered alone: int8 streams are
// bit-identical in any batch.
func TestInt8StreamsBatchedEqualAlone(t *testing.T) {
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
	threads := tensor.Threads()
	defer tensor.SetThreads(threads)
	tensor.SetThreads(2) // before the batch is made
	reg := prometheus.NewRegistry()
	s := New(Options{Registry: reg, MaxBatch: 16, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s.Add("chars8", m8); err != nil {
		t.Fatal(err)
	}
	s.Ready()
	ts := httptest.NewServer(s)
	defer func() {
		ts.Close()
		_ = s.Close(context.Background())
	}()
	const clients, length = 12, 400
	req := func(c int, stream bool) generateRequest {
		return generateRequest{Model: "chars8", Stream: stream, GenerateOptions: infer.GenerateOptions{Length: ptr(length),
			Seed: ptr(uint64(40 + c)), Temperature: ptr(0.7 + 0.05*float64(c%4)), Prompt: []string{"", "to be", "O"}[c%3]}}
	}
	alone := make([]string, clients)
	for c := range clients {
		var res infer.GenerateResult
		a := post(t, ts, "/v1/generate", req(c, false))
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
	// How many steps held over 8 streams (parts stepped at once) depends
	// on how the clients overlap on a busy machine: logged, not required.
	mf, _ := reg.Gather()
	for _, f := range mf {
		if f.GetName() == "recurrent_generate_batch_size" {
			h := f.Metric[0].GetHistogram()
			var upTo8 uint64
			for _, b := range h.GetBucket() {
				if b.GetUpperBound() == 8 {
					upTo8 = b.GetCumulativeCount()
				}
			}
			t.Logf("%d steps (%d alone first), %d of over 8 streams", h.GetSampleCount(), clients*length, h.GetSampleCount()-upTo8)
		}
	}
}
