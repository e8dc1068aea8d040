// Package serve is recurrent's HTTP API and web page: an http.Handler
// built from models loaded by package infer, which any Go program can
// mount in its own server. Run listens, loads models from their files and
// shuts down gracefully: recurrent serve is a thin main around it.
//
// Routes (JSON in and out; the model is named in the body):
//
//	GET  /v1/models      {"models": [{"name", "kind", "config"}]}
//	POST /v1/generate    lm, lm-conditional (with "stream": Server-Sent Events)
//	POST /v1/score       lm
//	POST /v1/classify    classify
//	POST /v1/tag         tag
//	POST /v1/translate   translate
//	POST /v1/similar, /v1/analogy, /v1/similarity, /v1/project   vectors
//	GET  /healthz, /metrics (Prometheus), / (the web page)
//
// Errors are {"error": "..."} with 400 (malformed JSON or an invalid
// value, naming the field; an operation the model's kind lacks), 401
// (missing bearer token when one is set), 403 (a browser's call from
// another site's page), 404 (unknown model or route), 405, 408 (a body
// that did not arrive before the deadline), 413 (body over the limit),
// 429 with Retry-After (queue full), 500 (a panic: the server keeps
// serving), 503 (loading or shutting down) and 504 (the request's
// deadline passed). An error or panic after a stream's
// 200 went out ends it with a last event "event: error" whose data is
// {"error": "..."} (worded as the answer would be), counted and logged
// with that status.
//
// Concurrent generate requests on one lm model share a batched recurrent
// step per token (continuous batching, see lm.Batch). A model has a
// generation loop per CPU (Options.Lanes), each with its own batch over
// the same weights: the first takes requests alone, sharing each step
// among the CPUs; once it holds a few, the next ones go to the loop with
// the fewest, and the loops then step side by side, each on one CPU; a
// loop left alone with work shares its steps again, whichever it is, and
// a request waiting for room in a full loop moves to one with room. Every
// other operation runs in the request's goroutine on a model that is safe
// for concurrent use (see package infer).
package serve

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/tensor"
)

// Options configure a Server. Zero fields take the defaults given.
type Options struct {
	// MaxBatch is the most generation streams of one model stepped
	// together (default 32).
	MaxBatch int
	// Queue is the most /v1 requests admitted at once, running or
	// waiting; more get 429 (default 64).
	Queue int
	// Timeout is each request's deadline (default 2 minutes).
	Timeout time.Duration
	// MaxBody is the largest request body in bytes (default 1 MiB).
	MaxBody int64
	// MaxLength caps a generation's length in tokens (default 2000; a
	// request without "length" gets the model's default length, at most
	// MaxLength) and MaxSamples its number of samples (default 16).
	MaxLength, MaxSamples int
	// MaxTextLen caps each text of /v1/classify and /v1/tag in characters
	// (raw texts) or tokens (pre-tokenized sentences), default 32768: their
	// models hold every position's activations at once, so one long text
	// costs memory in proportion (about 4 KB a token for even a tiny
	// tagger), where --max-body alone let a single request ask for GB.
	MaxTextLen int
	// Token, when set, is required as "Authorization: Bearer <Token>" on
	// every /v1 route.
	Token string
	// Logger receives one line per request (nil: slog.Default()).
	Logger *slog.Logger
	// Registry receives the metrics (nil: a new registry, served at
	// /metrics with the Go runtime and process collectors).
	Registry *prometheus.Registry

	// Lanes is the number of generation loops of each language model, each
	// with its own batch of up to MaxBatch streams over the same weights
	// (default: tensor.Threads(), at most MaxBatch; 1: one loop whose
	// steps are shared by the CPUs, as before lanes existed); see the
	// package documentation.
	Lanes int

	// stepDelay slows every generation step (tests that watch a stream).
	stepDelay time.Duration
}

// lanes returns the number of generation loops per model.
func (o *Options) lanes() int {
	if o.Lanes > 0 {
		return o.Lanes
	}
	return max(1, min(tensor.Threads(), o.MaxBatch))
}

func (o *Options) defaults() {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 32
	}
	if o.Queue <= 0 {
		o.Queue = 64
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.MaxLength <= 0 {
		o.MaxLength = 2000
	}
	if o.MaxSamples <= 0 {
		o.MaxSamples = 16
	}
	if o.MaxTextLen <= 0 {
		o.MaxTextLen = 1 << 15
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// entry is one named model.
type entry struct {
	name  string
	model infer.Model
	gen   lanes // lm and lm-conditional models only
}

// Server is the http.Handler. Models are added with Add before Ready;
// until then every route but /metrics answers 503.
type Server struct {
	opt      Options
	mu       sync.RWMutex
	models   map[string]*entry
	ready    atomic.Bool
	closing  atomic.Bool
	inFlight atomic.Int64
	wg       sync.WaitGroup
	routes   map[string]route
	metrics  *metrics
	origin   *http.CrossOriginProtection // refuses a browser's cross-site calls of the API
	// hook, when set (tests), runs at the start of every API handler;
	// admitting inside the admission of a /v1 request; flushed after
	// every flush of an answer (a streamed one's events).
	hook      func(route string)
	admitting func()
	flushed   func()
}

type route struct {
	method string
	auth   bool // a /v1 route: token and queue apply
	h      func(w http.ResponseWriter, r *http.Request) error
}

// New returns a server with no models, answering 503 until Ready.
func New(opt Options) *Server {
	opt.defaults()
	s := &Server{opt: opt, models: map[string]*entry{}, origin: http.NewCrossOriginProtection()}
	reg := opt.Registry
	own := reg == nil
	if own {
		reg = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(reg, own, func() float64 { return float64(s.inFlight.Load()) })
	s.routes = map[string]route{
		"/":              {http.MethodGet, false, s.handlePage},
		"/healthz":       {http.MethodGet, false, s.handleHealth},
		"/metrics":       {http.MethodGet, false, nil},
		"/v1/models":     {http.MethodGet, true, s.handleModels},
		"/v1/generate":   {http.MethodPost, true, s.handleGenerate},
		"/v1/score":      {http.MethodPost, true, jsonRoute(s.handleScore)},
		"/v1/classify":   {http.MethodPost, true, jsonRoute(s.handleClassify)},
		"/v1/tag":        {http.MethodPost, true, jsonRoute(s.handleTag)},
		"/v1/translate":  {http.MethodPost, true, jsonRoute(s.handleTranslate)},
		"/v1/similar":    {http.MethodPost, true, jsonRoute(s.handleSimilar)},
		"/v1/analogy":    {http.MethodPost, true, jsonRoute(s.handleAnalogy)},
		"/v1/similarity": {http.MethodPost, true, jsonRoute(s.handleSimilarity)},
		"/v1/project":    {http.MethodPost, true, jsonRoute(s.handleProject)},
	}
	s.routes["/metrics"] = route{http.MethodGet, false, func(w http.ResponseWriter, r *http.Request) error {
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
		return nil
	}}
	return s
}

// Add makes model available under name (a language model also gets its
// continuous batch). Names are unique.
func (s *Server) Add(name string, m infer.Model) error {
	if name == "" || strings.ContainsAny(name, " \t\n/") {
		return fmt.Errorf("serve: model name %q: want a non-empty name without spaces or slashes", name)
	}
	e := &entry{name: name, model: m}
	batches, err := s.batches(m)
	if err != nil {
		return fmt.Errorf("serve: %s: %w", name, err)
	}
	if batches != nil {
		e.gen = newLanes(batches, s.opt.MaxBatch, func(b, n int, d time.Duration) {
			s.metrics.step(name, b, n, d)
			if s.opt.stepDelay > 0 {
				time.Sleep(s.opt.stepDelay)
			}
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.models[name]; dup {
		if e.gen != nil {
			e.gen.close()
		}
		return fmt.Errorf("serve: two models named %q", name)
	}
	s.models[name] = e
	return nil
}

// batches returns a language model's batches, one per generation loop:
// the model's own, then its twins (none for a model of another kind).
func (s *Server) batches(m infer.Model) ([]*lm.Batch, error) {
	var (
		b   *lm.Batch
		err error
	)
	switch m := m.(type) {
	case *infer.LM:
		b, err = m.M.NewBatch(s.opt.MaxBatch)
	case *infer.CondLM:
		b, err = m.M.NewBatch(s.opt.MaxBatch)
	}
	if b == nil || err != nil {
		return nil, err
	}
	bs := []*lm.Batch{b}
	for len(bs) < s.opt.lanes() {
		t, err := b.Twin()
		if err != nil {
			for _, b := range bs {
				b.Close()
			}
			return nil, err
		}
		bs = append(bs, t)
	}
	return bs, nil
}

// Ready opens the API once the models are added.
func (s *Server) Ready() { s.ready.Store(true) }

// Close makes every new request answer 503, waits for the requests in
// flight (or ctx) and stops the generation loops.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock() // no request is between admit's check and its wg.Add
	s.closing.Store(true)
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.models {
		switch {
		case e.gen == nil:
		case err == nil:
			e.gen.close()
		default: // the loop ends once the requests still in it end
			go e.gen.close()
		}
	}
	return err
}

// httpError is an error with its status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &httpError{status, fmt.Sprintf(format, args...)}
}

var errBodyTimeout = errorf(http.StatusRequestTimeout, "the request body did not arrive before the request's deadline")

var errShuttingDown = errorf(http.StatusServiceUnavailable, "the server is shutting down")

// statusWriter records the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status   int
	bytes    int64
	writeErr error  // the first failed write: the client went away or stopped reading
	flushed  func() // Server.flushed
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	if err != nil && w.writeErr == nil {
		w.writeErr = err
	}
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	if w.flushed != nil {
		w.flushed()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP routes, authenticates, admits, recovers from panics, logs and
// counts every request.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &statusWriter{ResponseWriter: rw, flushed: s.flushed}
	name := "unknown"
	var streamErr error // the error that ended an answer already under way
	defer func() { s.finish(w, r, name, start, streamErr, recover()) }()
	rt, ok := s.routes[r.URL.Path]
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "no route %s (see GET /v1/models and the API in the README)", r.URL.Path))
		return
	}
	name = r.URL.Path
	if r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead) {
		allow := rt.method
		if rt.method == http.MethodGet {
			allow += ", " + http.MethodHead // answered too
		}
		w.Header().Set("Allow", allow)
		writeError(w, errorf(http.StatusMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, rt.method))
		return
	}
	if name != "/metrics" && (!s.ready.Load() || s.closing.Load()) {
		w.Header().Set("Retry-After", "1")
		writeError(w, errorf(http.StatusServiceUnavailable, "the server is %s", map[bool]string{true: "shutting down", false: "loading its models"}[s.closing.Load()]))
		return
	}
	if rt.auth {
		// A web page on another site must not make the user's browser
		// call the API (the server often has no token on loopback):
		// browsers label such requests (Sec-Fetch-Site, Origin); programs
		// and the server's own page pass.
		if err := s.origin.Check(r); err != nil {
			writeError(w, errorf(http.StatusForbidden, "%v: the API answers programs and this server's own page, not other sites' pages", err))
			return
		}
		if s.opt.Token != "" && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="recurrent"`)
			writeError(w, errorf(http.StatusUnauthorized, "missing or wrong bearer token (Authorization: Bearer <token>)"))
			return
		}
		if s.inFlight.Add(1) > int64(s.opt.Queue) {
			s.inFlight.Add(-1)
			w.Header().Set("Retry-After", "1")
			writeError(w, errorf(http.StatusTooManyRequests, "the server is busy (%d requests in flight); retry later", s.opt.Queue))
			return
		}
		if !s.admit() {
			s.inFlight.Add(-1)
			w.Header().Set("Retry-After", "1")
			writeError(w, errShuttingDown)
			return
		}
		defer func() { s.inFlight.Add(-1); s.wg.Done() }()
		// The body must arrive before the request's deadline: a read
		// blocked on a stalled client does not see the context, so the
		// connection gets a read deadline, lifted once the body is read
		// (the server then reads on to notice a client going away).
		// Likewise a client that does not read its answer: writes end
		// once the deadline and as long again have passed (an answer
		// made just before the deadline still has time to go out;
		// net/http lifts the deadline once the answer is written).
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(s.opt.Timeout)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, lift: func() { rc.SetReadDeadline(time.Time{}) }}
		}
		_ = rc.SetWriteDeadline(time.Now().Add(2 * s.opt.Timeout))
		r.Body = http.MaxBytesReader(w, r.Body, s.opt.MaxBody)
		ctx, cancel := context.WithTimeout(r.Context(), s.opt.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	if s.hook != nil {
		s.hook(name)
	}
	if err := rt.h(w, r); err != nil {
		if w.status != 0 {
			streamErr = failStream(w, err)
			return
		}
		writeError(w, err)
	}
}

// finish ends a request: it answers a panic (v, recovered; logged) with a
// 500, or ends a stream already under way with it (failStream), then
// counts and logs the request (with streamErr, the error that ended an
// answer under way).
func (s *Server) finish(w *statusWriter, r *http.Request, name string, start time.Time, streamErr error, v any) {
	if v != nil {
		s.opt.Logger.Error("panic", "route", name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		err := errorf(http.StatusInternalServerError, "internal error: %v", v)
		if w.status == 0 {
			writeError(w, err)
		} else {
			streamErr = failStream(w, err)
		}
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	d := time.Since(start)
	s.metrics.request(name, w.status, d)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", w.status,
		"bytes", w.bytes, "ms", float64(d.Microseconds()) / 1000, "remote", r.RemoteAddr}
	if streamErr != nil {
		attrs = append(attrs, "error", streamErr.Error())
	}
	s.opt.Logger.Info("request", attrs...)
}

// failStream ends with err an answer whose status has gone out: an event
// stream gets a last "error" event, {"error": ...} worded as writeError
// words it, and the request is counted and logged with err's status
// (w.status; the client saw 200 and then the event), or, once a write to
// it failed (the client went away or stopped reading; nothing more
// reaches it), as 499. It returns err as worded. Any other answer (a JSON
// one cut off by its client) keeps its status.
func failStream(w *statusWriter, err error) error {
	status, err := errorStatus(err)
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
		return err
	}
	if w.writeErr != nil {
		w.status = 499
		return fmt.Errorf("the client is gone: %w", w.writeErr)
	}
	(&sse{w: w}).fail(err)
	w.status = status
	return err
}

// admit counts a request in Close's wait group unless the server is
// closing. The check and the count happen under s.mu, which Close takes
// to start closing: otherwise a request could pass the check, Close find
// nothing to wait for and stop the generation loops, and the request then
// run on a closed server (and a WaitGroup Add racing its Wait can panic).
func (s *Server) admit() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closing.Load() {
		return false
	}
	if s.admitting != nil {
		s.admitting()
	}
	s.wg.Add(1)
	return true
}

func (s *Server) authorized(r *http.Request) bool {
	// The scheme's name is case-insensitive (RFC 9110, section 11.1).
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(tok), []byte(s.opt.Token)) == 1
}

// deadlineBody is a request body read under a connection read deadline,
// lifted (lift) when the body ends.
type deadlineBody struct {
	io.ReadCloser
	lift func()
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.lift != nil {
		b.lift()
		b.lift = nil
	}
	return n, err
}

// writeError answers err as {"error": ...} with its status.
func writeError(w http.ResponseWriter, err error) {
	status, err := errorStatus(err)
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// errorStatus returns the status of an answer to err and the error as
// the answer words it.
func errorStatus(err error) (int, error) {
	status := http.StatusInternalServerError
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		status = he.status
	case errors.As(err, &mbe):
		status = http.StatusRequestEntityTooLarge
		err = fmt.Errorf("request body over the limit of %d bytes", mbe.Limit)
	case errors.Is(err, infer.ErrInput):
		status = http.StatusBadRequest
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
		err = errors.New("the request's deadline passed")
	case errors.Is(err, context.Canceled):
		status = 499 // the client went away; nobody reads this
	}
	return status, err
}

// writeJSON answers v as JSON with status. v is encoded before the status
// goes out: a value JSON cannot hold (a NaN) is then an error (a 500 from
// ServeHTTP), not a 200 with a cut-off body.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding the answer: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// decode reads the JSON body into v: unknown fields (names match
// exactly, case included), a field given twice, trailing data and values
// of the wrong type are 400 errors naming the field.
func decode(r *http.Request, v any) error {
	dec, body := bodyDecoder(r)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, os.ErrDeadlineExceeded):
			return errBodyTimeout
		case errors.As(err, &te) && te.Field == "":
			return errorf(http.StatusBadRequest, "the body is a JSON %s; want a JSON object", te.Value)
		case errors.As(err, &te):
			field := te.Field[strings.LastIndexByte(te.Field, '.')+1:] // without an embedded struct's name
			return errorf(http.StatusBadRequest, "field %q: got a JSON %s, want %s", field, te.Value, jsonType(te.Type.String()))
		case errors.As(err, &se):
			return errorf(http.StatusBadRequest, "malformed JSON at byte %d: %v", se.Offset, err)
		case errors.Is(err, io.EOF):
			return errorf(http.StatusBadRequest, "empty body: want a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errorf(http.StatusBadRequest, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return errorf(http.StatusBadRequest, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return errBodyTimeout
		}
		return errorf(http.StatusBadRequest, "malformed JSON: data after the object")
	}
	return checkKeys(body.Bytes(), v)
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "uint"):
		return "a non-negative integer"
	case strings.HasPrefix(goType, "int"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return goType
}

// model returns the named model, or a 400/404 error.
func (s *Server) model(name string) (*entry, error) {
	if name == "" {
		return nil, errorf(http.StatusBadRequest, `field "model": required (see GET /v1/models)`)
	}
	s.mu.RLock()
	e, ok := s.models[name]
	s.mu.RUnlock()
	if !ok {
		return nil, errorf(http.StatusNotFound, "unknown model %q (see GET /v1/models)", name)
	}
	return e, nil
}

// kindErr is the 400 of an operation the model's kind lacks.
func kindErr(e *entry, route string, want ...infer.Kind) error {
	ws := make([]string, len(want))
	for i, k := range want {
		ws[i] = string(k)
	}
	return errorf(http.StatusBadRequest, "model %q is a %s model; %s needs a %s model", e.name, e.model.Kind(), route, strings.Join(ws, " or "))
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	s.mu.RLock()
	n := len(s.models)
	s.mu.RUnlock()
	return writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "models": n})
}

// ModelInfo is one entry of GET /v1/models.
type ModelInfo struct {
	Name   string     `json:"name"`
	Kind   infer.Kind `json:"kind"`
	Config any        `json:"config"`
	// Examples are a few words of a vector model's vocabulary, for the
	// web page's prefilled queries.
	Examples []string `json:"examples,omitempty"`
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) error {
	s.mu.RLock()
	out := make([]ModelInfo, 0, len(s.models))
	for _, e := range s.models {
		mi := ModelInfo{Name: e.name, Kind: e.model.Kind(), Config: e.model.Config()}
		if v, ok := e.model.(*infer.Vectors); ok {
			mi.Examples = v.X.V.Words[:min(12, v.X.V.Len())]
		}
		out = append(out, mi)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return writeJSON(w, http.StatusOK, map[string]any{"models": out})
}
