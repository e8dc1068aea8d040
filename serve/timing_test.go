package serve

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/recurrent-go/recurrent/infer"
)

// gatherText returns reg's metrics as GET /metrics shows them.
func gatherText(t *testing.T, reg *prometheus.Registry) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics: %d", rec.Code)
	}
	return rec.Body.Bytes()
}

func genOpts(length int, seed uint64) infer.GenerateOptions {
	return infer.GenerateOptions{Length: ptr(length), Seed: ptr(seed)}
}

// TestTokenTimerRecordsGaps feeds tokenTimer writes at known times and
// reads the gap and delay histograms back from /metrics' text format: the
// first write has no gap, a write's first token gets the time since the
// last write and the tokens written with it 0, every token its delay.
func TestTokenTimerRecordsGaps(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg, false, func() float64 { return 0 })
	tt := m.tokenTimer("x")
	t0 := time.Unix(1000, 0)
	ms := func(f float64) time.Time { return t0.Add(time.Duration(f * float64(time.Millisecond))) }
	tt.wrote(ms(1), []time.Time{ms(0)})                   // first token: delay 1 ms, no gap
	tt.wrote(ms(6), []time.Time{ms(4), ms(5)})            // gap 5 ms and 0; delays 2 and 1 ms
	tt.wrote(ms(6.5), nil)                                // nothing written: nothing recorded
	tt.wrote(ms(9), []time.Time{ms(8.5), ms(8.7), ms(9)}) // gap 3 ms, 0, 0; delays 0.5, 0.3, 0 ms
	page := gatherText(t, reg)
	gap, err := ReadHistogram(page, "recurrent_generate_token_gap_seconds", "x")
	if err != nil {
		t.Fatal(err)
	}
	if gap.Count != 5 || math.Abs(gap.Sum-0.008) > 1e-9 {
		t.Errorf("gaps: %v observations summing to %v s, want 5 summing to 0.008", gap.Count, gap.Sum)
	}
	// Three of the five gaps are 0 (in the first bucket), so the median
	// is in it; the largest, 5 ms, is in the bucket holding 0.005.
	if q := gap.Quantile(0.5); q > timingBuckets[0] {
		t.Errorf("gap p50 %v, want <= %v", q, timingBuckets[0])
	}
	if q := gap.Quantile(1); q < 0.004 || q > 0.00625 {
		t.Errorf("gap p100 %v, want the bucket of 5 ms", q)
	}
	delay, err := ReadHistogram(page, "recurrent_generate_token_delay_seconds", "x")
	if err != nil {
		t.Fatal(err)
	}
	if delay.Count != 6 || math.Abs(delay.Sum-0.0048) > 1e-9 {
		t.Errorf("delays: %v observations summing to %v s, want 6 summing to 0.0048", delay.Count, delay.Sum)
	}
	if _, err := ReadHistogram(page, "recurrent_generate_token_gap_seconds", "y"); err == nil {
		t.Error("a model without observations: no error")
	}
}

// TestStreamTimingMetrics streams a generation from a server whose steps
// are slowed to at least 3 ms each and checks /metrics: one gap per token
// after the first, adding up to at least most of the steps' time, one
// delay per token, and a step duration per step.
func TestStreamTimingMetrics(t *testing.T) {
	const length, delay = 30, 3 * time.Millisecond
	reg := prometheus.NewRegistry()
	_, ts := newTestServer(t, Options{Registry: reg, stepDelay: delay})
	before := do(t, ts, "GET", "/metrics", "").body
	evs, _ := stream(t, ts, generateRequest{Model: "shakespeare", Stream: true,
		GenerateOptions: genOpts(length, 7)})
	if len(evs) != length {
		t.Fatalf("%d tokens, want %d", len(evs), length)
	}
	after := do(t, ts, "GET", "/metrics", "").body
	read := func(name string) Histogram {
		t.Helper()
		h1, err := ReadHistogram(after, name, "shakespeare")
		if err != nil {
			t.Fatal(err)
		}
		h0, _ := ReadHistogram(before, name, "shakespeare")
		return h1.Sub(h0)
	}
	gap := read("recurrent_generate_token_gap_seconds")
	if gap.Count != length-1 {
		t.Errorf("%v gaps, want %d", gap.Count, length-1)
	}
	// The stream's writes span at least the sleeps between its first and
	// last token's steps, less how late the first write may be.
	if min := 0.5 * (length - 1) * delay.Seconds(); gap.Sum < min {
		t.Errorf("gaps sum to %.4f s, want >= %.4f (steps sleep %v)", gap.Sum, min, delay)
	}
	if tok := read("recurrent_generate_token_delay_seconds"); tok.Count != length {
		t.Errorf("%v token delays, want %d", tok.Count, length)
	}
	step := read("recurrent_generate_step_seconds")
	if step.Count < length {
		t.Errorf("%v steps recorded, want >= %d", step.Count, length)
	}
}

func TestHistogramQuantile(t *testing.T) {
	h := Histogram{Bounds: []float64{1, 2, 4, math.Inf(1)}, Counts: []float64{10, 30, 40, 40}}
	for _, c := range []struct{ q, want float64 }{{0.25, 1}, {0.5, 1.5}, {0.75, 2}, {0.875, 3}, {1, 4}} {
		if got := h.Quantile(c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	h.Counts = []float64{0, 0, 0, 5}
	if got := h.Quantile(0.5); got != 4 {
		t.Errorf("all over the bounds: %v, want the largest bound 4", got)
	}
	if got := h.Add(h); got.Count != 0 || got.Counts[3] != 10 {
		t.Errorf("Add: %+v, want counts doubled", got)
	}
	if got := (Histogram{}).Add(h); got.Counts[3] != 5 {
		t.Errorf("Add to empty: %+v", got)
	}
	if got := h.Sub(h).Quantile(0.5); !math.IsNaN(got) {
		t.Errorf("empty: %v, want NaN", got)
	}
}
