package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeLoadInt8 runs the load test with --int8: each round runs the
// float32 model then the int8 one on the same server, and the report has
// both summaries.
func TestServeLoadInt8(t *testing.T) {
	t.Setenv("RECURRENT_BENCH_SERVE_CHILD", "1")
	if testing.Short() {
		t.Skip("starts a server process")
	}
	c := ServeConfig{Command: []string{os.Args[0], "-test.run=^TestServeChild$", "--"}, Int8: true,
		Clients: 2, Requests: 1, Length: 6, Rounds: 1, Queries: 1, Words: 20, Dim: 4, Dir: t.TempDir(),
		Trace: filepath.Join(t.TempDir(), "server.trace"), Profile: filepath.Join(t.TempDir(), "server.pprof"), TraceSeconds: 0.2}
	r, err := ServeLoad(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*GenerateSummary{&r.Generate, r.Generate8} {
		if g == nil || g.One.Tokens != 6 || g.Many.Tokens != 2*6 || len(g.Ratios) != 1 {
			t.Fatalf("summary %+v: want 6 tokens alone, 12 with 2 clients, 1 round", g)
		}
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	// The trace is the server's, from its loopback debug endpoint.
	if b, err := os.ReadFile(c.Trace); err != nil || !bytes.HasPrefix(b, []byte("go 1.")) {
		t.Errorf("trace file: %d bytes, %v; want a Go execution trace", len(b), err)
	}
	if b, err := os.ReadFile(c.Profile); err != nil || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("profile file: %d bytes, %v; want a gzipped profile", len(b), err)
	}
	for _, s := range []string{"  float32   round 1: 1 client", "  int8   round 1: 1 client", "  int8 model:\n",
		"server trace of a chars8 many-client phase: " + c.Trace, "server profile of a chars8 many-client phase: " + c.Profile} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, text.String())
		}
	}
}
