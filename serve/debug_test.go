package serve

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRunDebugEndpoints runs a server with DebugAddr on loopback, takes an
// execution trace and a CPU profile from it, and checks that the API's
// address serves neither, that bad durations are 400s, and that Run
// refuses a debug address that is not loopback.
func TestRunDebugEndpoints(t *testing.T) {
	p := testPaths(t)
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		err := Run(context.Background(), RunConfig{Addr: "127.0.0.1:0", DebugAddr: addr, Models: []ModelSpec{{"m", p.LM}}})
		if err == nil || !strings.Contains(err.Error(), "debug address") {
			t.Errorf("DebugAddr %q: %v, want an error about the debug address", addr, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan RunEvent, 8)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunConfig{Addr: "127.0.0.1:0", DebugAddr: "127.0.0.1:0", Grace: 5 * time.Second,
			Options: Options{Logger: slog.New(slog.DiscardHandler)}, Models: []ModelSpec{{"shakespeare", p.LM}},
			Progress: func(e RunEvent) { events <- e }})
	}()
	var debugURL, url string
	for url == "" {
		select {
		case e := <-events:
			switch e := e.(type) {
			case Debugging:
				debugURL = e.URL
			case Serving:
				url = e.URL
			}
		case err := <-done:
			t.Fatalf("Run stopped before serving: %v", err)
		}
	}
	if !strings.HasPrefix(debugURL, "http://127.0.0.1:") || !strings.HasSuffix(debugURL, "/debug/") {
		t.Fatalf("debug URL %q", debugURL)
	}
	get := func(u string) (int, []byte) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	if code, b := get(debugURL + "trace?seconds=0.2"); code != 200 || !bytes.HasPrefix(b, []byte("go 1.")) {
		t.Errorf("trace: %d, %d bytes starting %q; want 200 and a Go execution trace", code, len(b), b[:min(len(b), 8)])
	}
	if code, b := get(debugURL + "profile?seconds=0.1"); code != 200 || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("profile: %d, %d bytes; want 200 and a gzipped profile", code, len(b))
	}
	for _, q := range []string{"trace", "trace?seconds=0", "profile?seconds=x", "trace?seconds=1000", "trace?seconds=NaN", "profile?seconds=-Inf"} {
		if code, _ := get(debugURL + q); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
	if code, _ := get(url + "debug/trace?seconds=0.1"); code != http.StatusNotFound {
		t.Errorf("the API address serves debug/trace: %d, want 404", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v", err)
	}
	if _, err := http.Get(debugURL + "trace?seconds=0.1"); err == nil {
		t.Error("the debug endpoints outlive Run")
	}
}
