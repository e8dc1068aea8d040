package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestManyStreamsDisconnect: 16 streaming clients on two models go away
// mid-stream (some before reading anything, some after a few events) and
// 4 non-streaming generations are abandoned: afterwards the queue depth
// is back to 0, the generation loops hold no job (a new request runs
// alone and matches its earlier answer), and the goroutines settle back
// to their number before the clients came.
func TestManyStreamsDisconnect(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, ts := newTestServer(t, Options{Registry: reg, MaxLength: 1 << 20, MaxBatch: 8})
	probe := map[string]any{"model": "shakespeare", "length": 30, "seed": 9}
	before := post(t, ts, "/v1/generate", probe)
	if before.status != 200 {
		t.Fatalf("%d %s", before.status, before.body)
	}
	ts.Client().CloseIdleConnections()
	base := runtime.NumGoroutine()
	var wg sync.WaitGroup
	abandon, abandonAll := context.WithCancel(context.Background()) // the non-streaming clients' requests
	defer abandonAll()
	for c := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			if c >= 16 {
				ctx, cancel = context.WithCancel(abandon)
			}
			defer cancel()
			model := []string{"shakespeare", "words"}[c%2]
			b, _ := json.Marshal(map[string]any{"model": model, "length": 1 << 20, "stream": c < 16, "seed": c, "stop_at_eos": false})
			req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/generate", bytes.NewReader(b))
			res, err := ts.Client().Do(req)
			if c >= 16 {
				if err == nil {
					res.Body.Close()
					t.Errorf("an abandoned generation of %d tokens answered", 1<<20)
				}
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			if c%4 == 0 {
				return // gone before reading a token (or a whole answer)
			}
			r := bufio.NewReader(res.Body)
			for range 2 * c {
				if _, err := r.ReadString('\n'); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for deadline := time.Now().Add(20 * time.Second); s.inFlight.Load() < 4 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // until the non-streaming requests are in (the streams may be gone already)
	}
	abandonAll()
	wg.Wait()
	ts.Client().CloseIdleConnections()
	depth := func() string {
		for _, line := range strings.Split(string(gatherText(t, reg)), "\n") {
			if strings.HasPrefix(line, "recurrent_queue_depth ") {
				return strings.TrimPrefix(line, "recurrent_queue_depth ")
			}
		}
		return "missing"
	}
	deadline := time.Now().Add(20 * time.Second)
	for (s.inFlight.Load() != 0 || runtime.NumGoroutine() > base+2) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.inFlight.Load(); n != 0 || depth() != "0" {
		t.Errorf("after the disconnects: %d requests in flight, queue depth %s", n, depth())
	}
	if n := runtime.NumGoroutine(); n > base+2 {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines, %d before the clients:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
	if after := post(t, ts, "/v1/generate", probe); after.status != 200 || string(after.body) != string(before.body) {
		t.Errorf("after the disconnects: %d %s, before %s", after.status, after.body, before.body)
	}
}

// TestCloseWithStreamsRunning: Close while streams run answers new
// requests 503 with Retry-After, lets the running streams finish with
// their last event, returns once they did, and may be called again.
func TestCloseWithStreamsRunning(t *testing.T) {
	s, ts := newTestServer(t, Options{MaxBatch: 4, stepDelay: time.Millisecond})
	const clients, length = 3, 60
	started := make(chan struct{}, clients)
	var wg sync.WaitGroup
	dones := make([]doneEvent, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(map[string]any{"model": "shakespeare", "length": length, "stream": true, "seed": c})
			res, err := ts.Client().Post(ts.URL+"/v1/generate", "application/json", bytes.NewReader(b))
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			first := true
			for sc.Scan() {
				line, ok := strings.CutPrefix(sc.Text(), "data: ")
				if !ok {
					continue
				}
				if first {
					started <- struct{}{}
					first = false
				}
				if strings.Contains(line, `"done"`) {
					if err := json.Unmarshal([]byte(line), &dones[c]); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	for range clients {
		<-started
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close(context.Background()) }()
	for !s.closing.Load() {
		runtime.Gosched()
	}
	a := post(t, ts, "/v1/generate", map[string]any{"model": "shakespeare", "length": 5})
	if a.status != 503 || a.header.Get("Retry-After") == "" || !strings.Contains(a.errMsg(t), "shutting down") {
		t.Errorf("a new request while closing: %d %s", a.status, a.body)
	}
	wg.Wait()
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	for c, d := range dones {
		if !d.Done || d.Tokens != length || len(d.Samples) != 1 {
			t.Errorf("stream %d running at Close: last event %+v, want all %d tokens", c, d, length)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TestCloseTimeoutStillStopsLoops: a Close whose context ends before the
// requests in flight do still stops the generation loops once those
// requests end (their goroutines and batches used to stay forever).
func TestCloseTimeoutStillStopsLoops(t *testing.T) {
	s, ts := newTestServer(t, Options{MaxLength: 1 << 20, stepDelay: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, _ := json.Marshal(map[string]any{"model": "shakespeare", "length": 1 << 20, "stream": true})
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/generate", bytes.NewReader(b))
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	expired, stop := context.WithCancel(context.Background())
	stop()
	if err := s.Close(expired); err == nil {
		t.Fatal("Close with an ended context and a stream running: nil error")
	}
	cancel()                              // the client goes away
	bound := time.After(20 * time.Second) // the test's own bound
	for name, e := range s.models {
		for _, g := range e.gen {
			select {
			case <-g.done:
			case <-bound:
				t.Errorf("model %s: the generation loop still runs after Close and the end of its requests", name)
			}
		}
	}
}
