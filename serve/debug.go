package serve

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"time"
)

// maxDebugSeconds bounds how long one trace or profile may record.
const maxDebugSeconds = 60

// Debugging reports the loopback-only debug endpoints (RunConfig.DebugAddr).
type Debugging struct {
	URL string // ends in "/debug/"
}

// WriteText writes the endpoints' URL.
func (e Debugging) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "debug endpoints (loopback only): %strace?seconds=N, %sprofile?seconds=N\n", e.URL, e.URL)
	return err
}

// listenDebug opens addr, which must be a loopback address, for the debug
// endpoints.
func listenDebug(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("debug address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("debug address %q: only a loopback address (127.0.0.1, ::1, localhost) may serve traces and profiles", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("debug address %q resolved to %v, not a loopback address", addr, ip)
	}
	return ln, nil
}

// debugHandler serves GET /debug/trace?seconds=N (a runtime/trace
// execution trace, for go tool trace) and GET /debug/profile?seconds=N (a
// CPU profile, for go tool pprof) of the whole process.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	record := func(start func(io.Writer) error, stop func()) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			sec, err := strconv.ParseFloat(r.URL.Query().Get("seconds"), 64)
			if err != nil || !(sec > 0 && sec <= maxDebugSeconds) { // NaN too
				http.Error(w, fmt.Sprintf("want ?seconds=N with 0 < N <= %d", maxDebugSeconds), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			if err := start(w); err != nil {
				http.Error(w, err.Error(), http.StatusConflict) // one at a time
				return
			}
			select {
			case <-time.After(time.Duration(sec * float64(time.Second))):
			case <-r.Context().Done():
			}
			stop()
		}
	}
	mux.HandleFunc("GET /debug/trace", record(trace.Start, trace.Stop))
	mux.HandleFunc("GET /debug/profile", record(pprof.StartCPUProfile, pprof.StopCPUProfile))
	return mux
}

// serveDebug serves the debug endpoints on ln until the returned server
// is closed.
func serveDebug(ln net.Listener) *http.Server {
	srv := &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv
}
