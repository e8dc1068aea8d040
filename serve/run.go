package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/text"
)

// ModelSpec names a model file or checkpoint directory to serve.
type ModelSpec struct {
	Name, Path string
}

// ParseModelSpec parses "NAME=PATH".
func ParseModelSpec(s string) (ModelSpec, error) {
	name, path, ok := strings.Cut(s, "=")
	if !ok || name == "" || path == "" {
		return ModelSpec{}, fmt.Errorf("%q: want NAME=PATH", s)
	}
	return ModelSpec{name, path}, nil
}

// ParseModelSpecs parses "NAME=PATH" arguments.
func ParseModelSpecs(args []string) ([]ModelSpec, error) {
	specs := make([]ModelSpec, len(args))
	for i, a := range args {
		var err error
		if specs[i], err = ParseModelSpec(a); err != nil {
			return nil, err
		}
	}
	return specs, nil
}

// ReadTokenFile returns the bearer token held in the file at path ("-":
// standard input, see text.ReadAll), white space trimmed; an empty token
// is an error. No path ("") means no token: it returns "".
func ReadTokenFile(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := text.ReadAll(path)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("%s is empty", text.DisplayName(path))
	}
	return tok, nil
}

// LoadError is Run's error for a model that could not be loaded.
type LoadError struct {
	ModelSpec
	Err error
}

// Error names the model (name=path) and the reason it failed to load.
func (e *LoadError) Error() string { return e.Name + "=" + e.Path + ": " + e.Err.Error() }

// Unwrap returns the load error, for errors.Is and errors.As.
func (e *LoadError) Unwrap() error { return e.Err }

// TextLogger returns a logger writing slog's text lines to w: one per
// request, or with quiet only warnings and errors.
func TextLogger(w io.Writer, quiet bool) *slog.Logger {
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// RunConfig configures Run.
type RunConfig struct {
	Options
	// Addr is the address to listen on (host:port; port 0 picks a free one).
	Addr string
	// Listener, when set, is served instead of listening on Addr (a socket
	// handed over by a service manager, say). Run closes it before it
	// returns.
	Listener net.Listener
	// Models are loaded with infer.Load, in order, after the listener is
	// open (requests meanwhile get 503).
	Models []ModelSpec
	// DebugAddr, when set, is a loopback address (host:port) on which Run
	// also serves an execution trace and a CPU profile of the process on
	// demand (GET /debug/trace?seconds=N, /debug/profile?seconds=N; see
	// Debugging). A non-loopback address is an error. Unset: no such
	// endpoint anywhere.
	DebugAddr string
	// Grace is how long requests in flight may take to finish once the
	// context ends.
	Grace time.Duration
	// Progress, when set, receives the events of the run: Debugging (with
	// DebugAddr), Loaded per model, Serving once all are loaded,
	// ShuttingDown when the context ends.
	Progress func(RunEvent)
}

// RunEvent is an event of Run: Loaded, Serving or ShuttingDown.
type RunEvent interface {
	// WriteText writes the event as recurrent serve prints it.
	WriteText(w io.Writer) error
}

// Loaded reports a model loaded and added to the server.
type Loaded struct {
	ModelSpec
	Kind infer.Kind
}

// WriteText writes "loaded NAME: KIND model from PATH".
func (e Loaded) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "loaded %s: %s model from %s\n", e.Name, e.Kind, e.Path)
	return err
}

// Serving reports that the server answers on URL (ending in "/").
type Serving struct {
	Models int
	URL    string
}

// WriteText writes the URL of the page and of the API.
func (e Serving) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "serving %d model(s) on %s  (web page; JSON API under %sv1/; Ctrl-C stops)\n", e.Models, e.URL, e.URL)
	return err
}

// ShuttingDown reports the start of a graceful shutdown.
type ShuttingDown struct {
	Grace time.Duration
}

// WriteText writes the grace period.
func (e ShuttingDown) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "shutting down: finishing requests in flight (up to %v)\n", e.Grace)
	return err
}

// Run listens on c.Addr, loads c.Models into a Server and serves until ctx
// ends, then shuts down gracefully: new requests get 503 while those in
// flight finish for up to c.Grace, and the rest are dropped. It returns nil
// after a shutdown, or the error that stopped it.
func Run(ctx context.Context, c RunConfig) error {
	if c.Listener != nil {
		defer c.Listener.Close()
	}
	if len(c.Models) == 0 {
		return errors.New("no models to serve")
	}
	event := func(e RunEvent) {
		if c.Progress != nil {
			c.Progress(e)
		}
	}
	if c.DebugAddr != "" {
		dl, err := listenDebug(c.DebugAddr)
		if err != nil {
			return err
		}
		defer serveDebug(dl).Close()
		event(Debugging{"http://" + dl.Addr().String() + "/debug/"})
	}
	ln := c.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", c.Addr); err != nil {
			return err
		}
	}
	s := New(c.Options)
	// A connection idle between requests is closed after --timeout (with
	// no IdleTimeout net/http keeps it, and its descriptor, for as long as
	// the client likes: ReadHeaderTimeout starts at a request's first byte).
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: s.opt.Timeout}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	for _, spec := range c.Models {
		m, err := infer.Load(spec.Path)
		if err == nil {
			err = s.Add(spec.Name, m)
		}
		if err != nil {
			srv.Close()
			s.Close(context.Background()) // the loops of the models loaded before (no request was admitted)
			return &LoadError{spec, err}
		}
		event(Loaded{spec, m.Kind()})
	}
	s.Ready()
	event(Serving{len(c.Models), "http://" + ln.Addr().String() + "/"})
	select {
	case err := <-served:
		// The listener failed: stop the generation loops too, after the
		// requests in flight (for up to the grace period).
		grace, cancel := context.WithTimeout(context.Background(), c.Grace)
		defer cancel()
		s.Close(grace)
		return err
	case <-ctx.Done():
	}
	event(ShuttingDown{c.Grace})
	grace, cancel := context.WithTimeout(context.Background(), c.Grace)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- s.Close(grace) }()
	if err := srv.Shutdown(grace); err != nil {
		srv.Close() // the grace period ended: drop the rest
	}
	<-closed
	return nil
}
