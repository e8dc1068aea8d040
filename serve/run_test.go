package serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/text"
)

func TestParseModelSpec(t *testing.T) {
	good := map[string]ModelSpec{"lm=/tmp/ck": {"lm", "/tmp/ck"}, "v=a=b.txt": {"v", "a=b.txt"}}
	for in, want := range good {
		if got, err := ParseModelSpec(in); err != nil || got != want {
			t.Errorf("ParseModelSpec(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"noequals", "=path", "name="} {
		if _, err := ParseModelSpec(in); err == nil || !strings.Contains(err.Error(), "want NAME=PATH") {
			t.Errorf("ParseModelSpec(%q): %v, want an error saying what is wanted", in, err)
		}
	}
}

func TestTextLogger(t *testing.T) {
	var b bytes.Buffer
	for _, quiet := range []bool{false, true} {
		l := TextLogger(&b, quiet)
		l.Info("request", "route", "/v1/models")
		l.Warn("slow", "ms", 900)
	}
	out := b.String()
	if strings.Count(out, "msg=request") != 1 || strings.Count(out, "msg=slow") != 2 || !strings.Contains(out, "route=/v1/models") {
		t.Errorf("TextLogger wrote:\n%s", out)
	}
}

func TestParseModelSpecs(t *testing.T) {
	specs, err := ParseModelSpecs([]string{"a=x", "b=y"})
	if err != nil || len(specs) != 2 || specs[1] != (ModelSpec{"b", "y"}) {
		t.Errorf("ParseModelSpecs = %v, %v", specs, err)
	}
	if _, err := ParseModelSpecs([]string{"a=x", "bad"}); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("ParseModelSpecs with a bad spec: %v, want it named", err)
	}
}

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	good, blank := filepath.Join(dir, "token"), filepath.Join(dir, "blank")
	os.WriteFile(good, []byte("  s3cret\n"), 0o600)
	os.WriteFile(blank, []byte(" \n\t"), 0o600)
	if tok, err := ReadTokenFile(good); err != nil || tok != "s3cret" {
		t.Errorf("ReadTokenFile(good) = %q, %v; want s3cret", tok, err)
	}
	if _, err := ReadTokenFile(blank); err == nil || !strings.Contains(err.Error(), "blank is empty") {
		t.Errorf("ReadTokenFile(blank): %v, want an error naming the empty file", err)
	}
	if _, err := ReadTokenFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadTokenFile(missing): %v, want not exist", err)
	}
	// "-" is standard input (text.Stdin, read once), "" no token at all.
	text.Stdin = strings.NewReader("  from-stdin\n")
	if tok, err := ReadTokenFile("-"); err != nil || tok != "from-stdin" {
		t.Errorf(`ReadTokenFile("-") = %q, %v; want from-stdin`, tok, err)
	}
	if tok, err := ReadTokenFile(""); err != nil || tok != "" {
		t.Errorf(`ReadTokenFile("") = %q, %v; want no token`, tok, err)
	}
}

// TestRunServesAndShutsDown runs a server with a model on a free loopback
// port, checks its events and answers, then ends the context and expects a
// clean shutdown.
func TestRunServesAndShutsDown(t *testing.T) {
	p := testPaths(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan RunEvent, 8)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunConfig{Addr: "127.0.0.1:0", Grace: 5 * time.Second,
			Options:  Options{Logger: slog.New(slog.DiscardHandler)},
			Models:   []ModelSpec{{"shakespeare", p.LM}, {"vec", p.Vectors}},
			Progress: func(e RunEvent) { events <- e }})
	}()
	var text bytes.Buffer
	var url string
	for url == "" {
		select {
		case e := <-events:
			e.WriteText(&text)
			if s, ok := e.(Serving); ok {
				url = s.URL
			}
		case err := <-done:
			t.Fatalf("Run stopped before serving: %v", err)
		}
	}
	for _, want := range []string{"loaded shakespeare: lm model from " + p.LM, "loaded vec: vectors model from " + p.Vectors,
		"serving 2 model(s) on " + url, "JSON API under " + url + "v1/"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("events %q lack %q", text.String(), want)
		}
	}
	res, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("healthz: %d, want 200", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v, want nil", err)
	}
	if e := <-events; e != (ShuttingDown{5 * time.Second}) {
		t.Errorf("last event %#v, want ShuttingDown", e)
	}
	if _, err := http.Get(url + "healthz"); err == nil {
		t.Errorf("the server still answers after Run returned")
	}
}

func TestRunLoadError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing")
	err := Run(context.Background(), RunConfig{Addr: "127.0.0.1:0", Models: []ModelSpec{{"m", missing}}})
	var le *LoadError
	if !errors.As(err, &le) || le.Name != "m" || !strings.HasPrefix(err.Error(), "m="+missing+": ") {
		t.Errorf("Run with a missing model: %v, want a LoadError naming m=%s", err, missing)
	}
	if err := Run(context.Background(), RunConfig{Addr: "127.0.0.1:0"}); err == nil {
		t.Errorf("Run without models: nil error")
	}
}

// TestRunLoadErrorStopsLoops: a Run that fails to load a model stops the
// generation loops of the models it loaded before (they used to run on,
// with their batches' goroutines, after Run returned).
func TestRunLoadErrorStopsLoops(t *testing.T) {
	p := testPaths(t)
	before := loopGoroutines()
	missing := filepath.Join(t.TempDir(), "nothing")
	err := Run(context.Background(), RunConfig{Addr: "127.0.0.1:0", Options: Options{Lanes: 2, Logger: slog.New(slog.DiscardHandler)},
		Models: []ModelSpec{{"shakespeare", p.LM}, {"m", missing}}})
	if !errors.As(err, new(*LoadError)) {
		t.Fatalf("Run with a missing second model: %v, want a LoadError", err)
	}
	n := loopGoroutines()
	for deadline := time.Now().Add(5 * time.Second); n > before && time.Now().Before(deadline); n = loopGoroutines() {
		time.Sleep(10 * time.Millisecond)
	}
	if n > before {
		t.Errorf("%d generation loops still run after Run returned its load error (%d before)", n, before)
	}
}

// failingListener is a listener whose Accept waits until fail is closed,
// then fails for good.
type failingListener struct {
	net.Listener
	fail chan struct{}
}

var errAcceptFailed = errors.New("accept failed")

func (l failingListener) Accept() (net.Conn, error) {
	<-l.fail
	return nil, errAcceptFailed
}

// TestRunListenerErrorStopsLoops: when the listener fails, Run returns its
// error and stops the generation loops (it used to return with them
// running).
func TestRunListenerErrorStopsLoops(t *testing.T) {
	p := testPaths(t)
	before := loopGoroutines()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := failingListener{tcp, make(chan struct{})}
	serving := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), RunConfig{Listener: ln, Grace: 5 * time.Second,
			Options: Options{Lanes: 2, Logger: slog.New(slog.DiscardHandler)},
			Models:  []ModelSpec{{"shakespeare", p.LM}},
			Progress: func(e RunEvent) {
				if _, ok := e.(Serving); ok {
					close(serving)
				}
			}})
	}()
	select {
	case <-serving:
	case err := <-done:
		t.Fatalf("Run stopped before serving: %v", err)
	}
	if n := loopGoroutines(); n <= before {
		t.Fatalf("%d generation loops while serving (%d before): the test cannot tell", n, before)
	}
	close(ln.fail)
	if err := <-done; !errors.Is(err, errAcceptFailed) {
		t.Fatalf("Run after its listener failed: %v, want %v", err, errAcceptFailed)
	}
	n := loopGoroutines()
	for deadline := time.Now().Add(5 * time.Second); n > before && time.Now().Before(deadline); n = loopGoroutines() {
		time.Sleep(10 * time.Millisecond)
	}
	if n > before {
		t.Errorf("%d generation loops still run after Run returned its listener's error (%d before)", n, before)
	}
	if _, err := net.Dial("tcp", tcp.Addr().String()); err == nil {
		t.Errorf("the listener is still open after Run returned")
	}
}

// loopGoroutines counts the generation loops, started or about to start.
func loopGoroutines() int {
	return testutil.Goroutines("github.com/recurrent-go/recurrent/serve.newLanes")
}

// TestRunClosesIdleConnections: a client that keeps its connection open
// after a request, sending nothing more, has it closed once --timeout
// passes, instead of holding it (and a descriptor) for as long as it
// likes.
func TestRunClosesIdleConnections(t *testing.T) {
	p := testPaths(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	urls := make(chan string, 1)
	go func() {
		done <- Run(ctx, RunConfig{Addr: "127.0.0.1:0", Grace: 5 * time.Second,
			Options: Options{Logger: slog.New(slog.DiscardHandler), Timeout: 200 * time.Millisecond},
			Models:  []ModelSpec{{"vec", p.Vectors}},
			Progress: func(e RunEvent) {
				if s, ok := e.(Serving); ok {
					urls <- s.URL
				}
			}})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("Run stopped before serving: %v", err)
	}
	conn, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // the test's own bound: without the fix nothing comes
	r := bufio.NewReader(conn)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", res.StatusCode)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("an idle connection after a request: %v, want EOF (closed by the server)", err)
	}
}
