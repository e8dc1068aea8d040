package bench

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/serve"
)

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, tc := range []struct{ p, want float64 }{{0, 1}, {0.5, 6}, {0.99, 10}, {1, 10}} {
		if got := Percentile(xs, tc.p); got != tc.want {
			t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if xs[0] != 5 {
		t.Errorf("Percentile sorted its argument")
	}
	if got := Percentile(nil, 0.5); got != 0 {
		t.Errorf("Percentile(nil) = %v, want 0", got)
	}
}

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct {
		a, b []int32
		want int
	}{{[]int32{1, 2, 3}, []int32{1, 2, 3}, -1}, {[]int32{1, 2, 3}, []int32{1, 5, 3}, 1}, {[]int32{1, 2}, []int32{1, 2, 3}, 2}, {nil, []int32{4}, 0}} {
		if got := firstDiff(tc.a, tc.b); got != tc.want {
			t.Errorf("firstDiff(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestFlipCountPaths checks the two paths FlipCount compares: a sample
// stepped alone is exactly lm.Sample's, and batches hold the samples in
// seed order.
func TestFlipCountPaths(t *testing.T) {
	m, err := CharLSTM(16)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := flipOptions(m, 12)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := sampleBatched(context.Background(), m, opt, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	batched, err := sampleBatched(context.Background(), m, opt, 5, 3)
	if err != nil || len(alone) != 5 || len(batched) != 5 {
		t.Fatalf("sampleBatched: %d and %d samples, %v; want 5 each", len(alone), len(batched), err)
	}
	for i := range alone {
		want, err := m.Sample(context.Background(), opt(i))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(alone[i], want) {
			t.Errorf("sample %d alone %v, lm.Sample %v", i, alone[i], want)
		}
		if len(batched[i]) != 12 {
			t.Errorf("batched sample %d has %d tokens, want 12", i, len(batched[i]))
		}
	}
	r, err := FlipCount(context.Background(), FlipConfig{Samples: 4, Length: 8, Hidden: 16, Batch: 2})
	if err != nil || r.Differ < 0 || r.Differ > 4 || (r.Differ == 0 && r.FirstSum != 0) {
		t.Errorf("FlipCount = %+v, %v", r, err)
	}
	var text bytes.Buffer
	r.WriteText(&text)
	if !strings.Contains(text.String(), "LSTM 2x16, 4 samples of 8 tokens at temperature 0.8, batches of 2:") {
		t.Errorf("FlipReport text %q", text.String())
	}
	if _, err := FlipCount(context.Background(), FlipConfig{Samples: 0, Length: 8, Hidden: 16, Batch: 2}); err == nil {
		t.Errorf("FlipCount with no samples: nil error")
	}
}

// TestServeChild is the server TestServeLoad starts: this test binary,
// run with "--" and recurrent serve's arguments, serves until interrupted.
func TestServeChild(t *testing.T) {
	args := flag.Args()
	if os.Getenv("RECURRENT_BENCH_SERVE_CHILD") == "" || len(args) == 0 || args[0] != "serve" {
		t.Skip("the server of TestServeLoad")
	}
	c := serve.RunConfig{Options: serve.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	for i := 1; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--addr":
			c.Addr = args[i+1]
		case "--debug-addr":
			c.DebugAddr = args[i+1]
		case "--model":
			spec, err := serve.ParseModelSpec(args[i+1])
			if err != nil {
				t.Fatal(err)
			}
			c.Models = append(c.Models, spec)
		case "--quiet":
			i--
		}
	}
	c.Progress = func(e serve.RunEvent) { e.WriteText(os.Stdout) }
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := serve.Run(ctx, c); err != nil {
		t.Fatal(err)
	}
}

// TestGenerateSummaryCPU: the summary reports CPU time per token of the
// server and the clients, one client against many, and leaves the line
// out where a CPU time is unknown.
func TestGenerateSummaryCPU(t *testing.T) {
	g := GenerateSummary{Clients: 16,
		One:  GenerateRun{Tokens: 1000, Elapsed: time.Second, ServerCPU: 80 * time.Millisecond, ClientCPU: 20 * time.Millisecond},
		Many: GenerateRun{Tokens: 4000, Elapsed: time.Second, ServerCPU: 80 * time.Millisecond, ClientCPU: 40 * time.Millisecond}}
	g.Many.add(GenerateRun{Tokens: 4000, Elapsed: time.Second, ServerCPU: 80 * time.Millisecond, ClientCPU: 40 * time.Millisecond})
	var b strings.Builder
	if err := g.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "CPU per token: 1 client 100.0 us (server 80.0 + clients 20.0), 16 clients 30.0 us (server 20.0 + clients 10.0): 3.33x less; server alone 4.00x less\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("summary:\n%s\nwant a line %q", b.String(), want)
	}
	g.Many.add(GenerateRun{Tokens: 1, ServerCPU: -1})
	b.Reset()
	g.WriteText(&b)
	if strings.Contains(b.String(), "CPU per token") {
		t.Errorf("CPU line with an unknown CPU time:\n%s", b.String())
	}
}

// TestServeLoad runs a small load test against a real server process.
func TestServeLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	t.Setenv("RECURRENT_BENCH_SERVE_CHILD", "1")
	var events []string
	c := ServeConfig{Command: []string{os.Args[0], "-test.run=^TestServeChild$", "--"},
		Clients: 2, Requests: 2, Length: 6, Rounds: 2, Queries: 3, Words: 40, Dim: 4, Dir: t.TempDir(), ClientProcs: 1,
		Flip:     FlipConfig{Samples: 3, Length: 5, Hidden: 8},
		Progress: func(e ServeEvent) { events = append(events, fmt.Sprintf("%T", e)) }}
	procs := runtime.GOMAXPROCS(0)
	r, err := ServeLoad(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if p := runtime.GOMAXPROCS(0); p != procs {
		t.Errorf("GOMAXPROCS %d after the run with ClientProcs 1, want %d restored", p, procs)
	}
	g := r.Generate
	if g.One.Tokens != 2*2*6 || g.Many.Tokens != 2*2*2*6 || len(g.Ratios) != 2 || len(g.One.Gaps) != 2*2*5 {
		t.Errorf("generate: one client %d tokens (%d gaps), many %d tokens, %d rounds; want 24 (20), 48, 2",
			g.One.Tokens, len(g.One.Gaps), g.Many.Tokens, len(g.Ratios))
	}
	// A time per output token per request, the mean of its gaps.
	if len(g.One.LongestGap) != 2*2 || slices.Max(g.One.LongestGap) != slices.Max(g.One.Gaps) {
		t.Errorf("one client's longest gaps %v: want one per request, the largest the largest gap %v", g.One.LongestGap, slices.Max(g.One.Gaps))
	}
	if len(g.One.PerToken) != 2*2 || len(g.Many.PerToken) != 2*2*2 || len(g.PerTokenRatio) != 2 {
		t.Errorf("time per output token: %d and %d requests, %d round ratios; want 4, 8, 2", len(g.One.PerToken), len(g.Many.PerToken), len(g.PerTokenRatio))
	} else if lo, hi := slices.Min(g.One.Gaps), slices.Max(g.One.Gaps); slices.Min(g.One.PerToken) < lo || slices.Max(g.One.PerToken) > hi {
		t.Errorf("one client's times per output token %v outside its gaps' range [%v, %v]", g.One.PerToken, lo, hi)
	}
	// The server's histograms: a gap per token after each stream's first,
	// a delay per token.
	if g.One.Server.Gap.Count != 2*2*5 || g.Many.Server.Gap.Count != 2*2*2*5 || g.Many.Server.Delay.Count != 2*2*2*6 || g.One.Server.Step.Count < 2*2*6 {
		t.Errorf("server timing: %v and %v gaps (want 20 and 40), %v delays (want 48), %v steps (want >= 24)",
			g.One.Server.Gap.Count, g.Many.Server.Gap.Count, g.Many.Server.Delay.Count, g.One.Server.Step.Count)
	}
	if runtime.GOOS == "linux" && (g.One.ServerWait < 0 || g.Many.ClientWait < 0) {
		t.Errorf("run-queue waits unknown on Linux: server %v, clients %v", g.One.ServerWait, g.Many.ClientWait)
	}
	if runtime.GOOS == "linux" && (g.One.ServerCPU < 0 || g.Many.ServerCPU < 0 || g.Many.ClientCPU < 0) {
		t.Errorf("CPU times unknown on Linux: server %v and %v, clients %v", g.One.ServerCPU, g.Many.ServerCPU, g.Many.ClientCPU)
	}
	if len(r.Classify.Ms) != 3 || len(r.Similar.Ms) != 3 || r.Flips == nil || r.Flips.Batch != 2 || r.Flips.Samples != 3 {
		t.Errorf("classify %v, similar %v, flips %+v", r.Classify.Ms, r.Similar.Ms, r.Flips)
	}
	want := []string{"bench.LoadAverage", "bench.GenerateStart", "bench.GenerateRound", "bench.GenerateRound",
		"bench.GenerateSummary", "bench.LoadAverage", "bench.Latency", "bench.Latency"}
	if r.PeakRSS != "" {
		want = append(want, "bench.PeakRSS")
	}
	want = append(want, "bench.LoadAverage", "bench.FlipReport")
	if !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"load average at start: ", "6 tokens per request, streamed, 2 rounds of 1 then 2 clients (load generator on 1 thread(s), GOMAXPROCS 1):", "  round 2: 1 client",
		"  2 clients:     48 tokens in", "classify, BiLSTM 128 (300-d embedding, 20k words), one 19-token sentence: p50",
		"similar, 40 random 4-d vectors, top 10: p50", "    server side: between token writes p50 ", "server-side p99 gap ratio", "(3 requests)", "load average at end: ", "batching flips, LSTM 2x8"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, text.String())
		}
	}
	if _, err := ServeLoad(context.Background(), ServeConfig{Clients: 1, Requests: 1, Length: 1, Queries: 1}); err == nil {
		t.Errorf("ServeLoad with --length 1: nil error")
	}
}

// TestServerTimingOldServer: a server without the timing histograms (an
// older build) gives no server-side figures and no error; one whose page
// names them but lacks the model's series is an error.
func TestServerTimingOldServer(t *testing.T) {
	page := "recurrent_http_requests_total{route=\"/v1/generate\",status=\"200\"} 3\n"
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, page) }))
	defer ts.Close()
	s := &server{url: ts.URL + "/"}
	got, err := s.timing(context.Background(), "chars8")
	if err != nil || got.Gap.Count != 0 || len(got.Gap.Bounds) != 0 {
		t.Errorf("old server: %+v, %v; want empty timing, no error", got, err)
	}
	page = "recurrent_generate_step_seconds_bucket{model=\"other\",le=\"+Inf\"} 1\n"
	if _, err := s.timing(context.Background(), "chars8"); err == nil {
		t.Error("a page without the model's series: no error")
	}
}

// ServeLoad writes its models as Dir/lm, Dir/sst, Dir/lm8 and
// Dir/vectors.bin, replacing what is there: a Dir holding anything else
// (a directory of the user's own models, its lm a real checkpoint) is
// refused before a model is written (bench serve --dir ~/models replaced
// ~/models/lm with a random model).
func TestServeLoadKeepsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	mine := map[string]string{"notes.txt": "mine", "lm/config.json": "{}", "lm/model.safetensors": "weights"}
	for name, s := range mine {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := ServeConfig{Command: []string{filepath.Join(dir, "no-server")}, Clients: 1, Requests: 1, Length: 2, Queries: 1, Words: 2, Dim: 2, Dir: dir}
	if _, err := ServeLoad(context.Background(), c); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("ServeLoad into a directory of other files: %v, want a refusal naming notes.txt", err)
	}
	for name, s := range mine {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != s {
			t.Errorf("%s after the refused run: %d bytes, %v; want its %d kept", name, len(b), err, len(s))
		}
	}
	// A directory of an earlier run's models is reused.
	fresh := filepath.Join(t.TempDir(), "models")
	c.Dir = fresh
	for range 2 {
		if _, err := ServeLoad(context.Background(), c); err == nil || !strings.Contains(err.Error(), "no-server") {
			t.Fatalf("ServeLoad with no server: %v, want the start to fail", err)
		}
	}
}
