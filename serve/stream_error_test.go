package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// lockedBuffer is a log destination safe for the handlers' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// sseEvent is one server-sent event: its type ("" for a plain message)
// and data.
type sseEvent struct{ typ, data string }

// readEvents posts a streamed generation and returns the answer's events,
// failing unless the stream started (200, text/event-stream).
func readEvents(t *testing.T, url string, req map[string]any) []sseEvent {
	t.Helper()
	req["stream"] = true
	b, _ := json.Marshal(req)
	res, err := http.Post(url+"/v1/generate", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var evs []sseEvent
	for _, block := range strings.Split(string(body), "\n\n") {
		if block == "" {
			continue
		}
		var ev sseEvent
		for _, line := range strings.Split(block, "\n") {
			if typ, ok := strings.CutPrefix(line, "event: "); ok {
				ev.typ = typ
			} else if data, ok := strings.CutPrefix(line, "data: "); ok {
				ev.data = data
			} else {
				t.Fatalf("stream line %q", line)
			}
		}
		evs = append(evs, ev)
	}
	return evs
}

// checkErrorEnd checks that evs are token events ending with one
// `event: error` whose data is {"error": want}.
func checkErrorEnd(t *testing.T, evs []sseEvent, want string) {
	t.Helper()
	if len(evs) < 2 {
		t.Fatalf("events %q: want tokens, then the error", evs)
	}
	for _, ev := range evs[:len(evs)-1] {
		var tok tokenEvent
		if ev.typ != "" || json.Unmarshal([]byte(ev.data), &tok) != nil || strings.Contains(ev.data, `"done"`) {
			t.Fatalf("event %q before the end: want a token", ev)
		}
	}
	last := evs[len(evs)-1]
	var e map[string]string
	if err := json.Unmarshal([]byte(last.data), &e); last.typ != "error" || err != nil || len(e) != 1 || e["error"] != want {
		t.Errorf("last event %q: want event: error with {\"error\": %q}", last, want)
	}
}

// TestStreamPanicEndsWithErrorEvent: a panic in a streaming generate
// handler after tokens went out ends the stream with an error event (the
// format of the stream's other errors), is logged and counted as a 500,
// and the server keeps serving.
func TestStreamPanicEndsWithErrorEvent(t *testing.T) {
	var logs lockedBuffer
	reg := prometheus.NewRegistry()
	s, ts := newTestServer(t, Options{Registry: reg, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	var flushes atomic.Int32
	s.flushed = func() {
		if flushes.Add(1) == 1 { // after the first tokens went out
			panic("boom in the stream")
		}
	}
	evs := readEvents(t, ts.URL, map[string]any{"model": "shakespeare", "prompt": "A", "length": 200, "seed": 1})
	checkErrorEnd(t, evs, "internal error: boom in the stream")
	if flushes.Load() < 2 { // the tokens, the error event
		t.Fatalf("%d flushes", flushes.Load())
	}
	// The server keeps serving: a stream ends normally.
	evs = readEvents(t, ts.URL, map[string]any{"model": "shakespeare", "prompt": "A", "length": 20, "seed": 1})
	if last := evs[len(evs)-1]; last.typ != "" || !strings.Contains(last.data, `"done":true`) {
		t.Errorf("the next stream ends with %q", last)
	}
	metrics := string(gatherText(t, reg))
	for _, want := range []string{`recurrent_http_requests_total{route="/v1/generate",status="500"} 1`, `recurrent_http_requests_total{route="/v1/generate",status="200"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	log := logs.String()
	if !strings.Contains(log, `msg=panic route=/v1/generate panic="boom in the stream"`) || !strings.Contains(log, `status=500`) ||
		!strings.Contains(log, `error="internal error: boom in the stream"`) {
		t.Errorf("log:\n%s", log)
	}
	if s.inFlight.Load() != 0 {
		t.Errorf("%d requests still in flight", s.inFlight.Load())
	}
}

// TestStreamDeadlineEndsWithErrorEvent: a stream past --timeout ends
// with an error event worded as the 504 answer is, and is counted as 504.
func TestStreamDeadlineEndsWithErrorEvent(t *testing.T) {
	reg := prometheus.NewRegistry()
	_, ts := newTestServer(t, Options{Registry: reg, Timeout: 300 * time.Millisecond, MaxLength: 1 << 20})
	evs := readEvents(t, ts.URL, map[string]any{"model": "shakespeare", "length": 1 << 20, "seed": 1})
	checkErrorEnd(t, evs, "the request's deadline passed")
	if metrics := string(gatherText(t, reg)); !strings.Contains(metrics, `recurrent_http_requests_total{route="/v1/generate",status="504"} 1`) {
		t.Errorf("metrics lack the 504:\n%s", metrics)
	}
}

// TestStreamDisconnectCounts499: a client that leaves a stream is
// counted as 499 (whether the server notices through the request's
// context or through a failed write), never as a 500 or a 200.
func TestStreamDisconnectCounts499(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, ts := newTestServer(t, Options{Registry: reg, MaxLength: 1 << 20})
	const clients = 6
	for c := range clients {
		b, _ := json.Marshal(map[string]any{"model": "shakespeare", "length": 1 << 20, "stream": true, "seed": c})
		res, err := http.Post(ts.URL+"/v1/generate", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := res.Body.Read(make([]byte, 64)); err != nil {
			t.Fatal(err)
		}
		res.Body.Close() // mid-stream
	}
	for deadline := time.Now().Add(10 * time.Second); s.inFlight.Load() != 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	metrics := string(gatherText(t, reg))
	if want := `recurrent_http_requests_total{route="/v1/generate",status="499"} 6`; !strings.Contains(metrics, want) || strings.Contains(metrics, `status="500"`) {
		t.Errorf("metrics lack %s:\n%s", want, metrics)
	}
}
