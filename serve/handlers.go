package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/infer"
)

// Limits on the sizes a request may ask for (beyond the body size).
const (
	maxItems = 4096 // texts, words or pairs in one request
	maxTopN  = 1000
	maxBeam  = 64
	// maxAttention caps the attention weights of one translate answer
	// (about 12 bytes of JSON each).
	maxAttention = 1 << 22
	// maxSource caps the floats one translate request's sources take at
	// once (infer.TranslateOptions.MaxSource): 256 MB.
	maxSource = 1 << 26
)

func checkItems(field string, n int) error {
	switch {
	case n == 0:
		return errorf(http.StatusBadRequest, "field %q: required, a non-empty array", field)
	case n > maxItems:
		return errorf(http.StatusBadRequest, "field %q: %d items, at most %d per request", field, n, maxItems)
	}
	return nil
}

// checkLengths returns a 400 naming the first text longer than max
// characters (a text's tokens are never more than its characters).
func checkLengths(field string, texts []string, max int) error {
	for i, t := range texts {
		if len(t) > max && utf8.RuneCountInString(t) > max {
			return errorf(http.StatusBadRequest, "field %q: text %d has %d characters, at most %d per text (serve --max-text-len)", field, i, utf8.RuneCountInString(t), max)
		}
	}
	return nil
}

// generateRequest is the body of POST /v1/generate.
type generateRequest struct {
	Model string `json:"model"`
	infer.GenerateOptions
	Stream bool `json:"stream"`
}

// tokenEvent is one event of a streamed generation.
type tokenEvent struct {
	Sample int    `json:"sample"`
	Index  int    `json:"index"`
	Token  string `json:"token"`
}

// doneEvent is the last event of a streamed generation.
type doneEvent struct {
	Done    bool     `json:"done"`
	Samples []string `json:"samples"`
	Tokens  int      `json:"tokens"`
	Seconds float64  `json:"seconds"`
}

// sse writes Server-Sent Events. add queues an event and flush writes the
// queued ones and flushes them to the client, so that tokens produced
// while the client's goroutine was busy go out in one write.
type sse struct {
	w       http.ResponseWriter
	started bool
	buf     []byte
}

func (e *sse) add(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.buf = append(e.buf, "data: "...)
	e.buf = append(e.buf, b...)
	e.buf = append(e.buf, "\n\n"...)
	return nil
}

func (e *sse) flush() error {
	if !e.started {
		h := e.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		e.w.WriteHeader(http.StatusOK)
		e.started = true
	}
	if len(e.buf) == 0 {
		return nil
	}
	_, err := e.w.Write(e.buf)
	e.buf = e.buf[:0]
	if err != nil {
		return err
	}
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// send writes one event now.
func (e *sse) send(v any) error {
	if err := e.add(v); err != nil {
		return err
	}
	return e.flush()
}

// fail reports an error inside a started stream (as an "error" event;
// ServeHTTP sends it for an error or a panic after the stream started).
func (e *sse) fail(err error) {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	fmt.Fprintf(e.w, "event: error\ndata: %s\n\n", b)
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) handleGenerate(w http.ResponseWriter, r *http.Request) error {
	var req generateRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	e, err := s.model(req.Model)
	if err != nil {
		return err
	}
	if req.Length != nil && *req.Length > s.opt.MaxLength {
		return errorf(http.StatusBadRequest, "field \"length\": %d is over the server's cap of %d tokens", *req.Length, s.opt.MaxLength)
	}
	if req.N > s.opt.MaxSamples {
		return errorf(http.StatusBadRequest, "field \"n\": %d is over the server's cap of %d samples", req.N, s.opt.MaxSamples)
	}
	if req.Length == nil {
		// The model's default length, within the server's cap.
		def := infer.DefaultLength
		if _, ok := e.model.(*infer.CondLM); ok {
			def = infer.DefaultCondLength
		}
		if def > s.opt.MaxLength {
			req.Length = ptr(s.opt.MaxLength)
		}
	}
	start := time.Now()
	switch m := e.model.(type) {
	case *infer.LM:
		opts, err := m.PlanOptions(req.GenerateOptions)
		if err != nil {
			return err
		}
		dets := make([]*infer.Detokenizer, len(opts))
		for i := range dets {
			dets[i] = m.NewDetokenizer(req.Prompt)
		}
		return s.generate(w, r, e, req.Stream, newGenJob(r.Context(), opts, -1), start,
			func(k int, ids []int32) (string, error) {
				text, err := m.SampleText(req.Prompt, ids)
				return infer.JSONSample(text), err
			},
			func(k, _ int, id int32) string { return dets[k].Piece(id) })
	case *infer.CondLM:
		if req.Label == "" {
			return errorf(http.StatusBadRequest, "field \"label\": required by the conditional model %q (one of %q)", e.name, m.Labels())
		}
		label, opts, err := m.Plan(req.GenerateOptions)
		if err != nil {
			return err
		}
		return s.generate(w, r, e, req.Stream, newGenJob(r.Context(), opts, label), start,
			func(k int, ids []int32) (string, error) { return m.SampleText(opts[k].Prompt, ids), nil },
			func(k, i int, id int32) string { return m.Piece(len(opts[k].Prompt), i, id) })
	}
	return kindErr(e, "/v1/generate", infer.KindLM, infer.KindConditional)
}

// generate runs job's samples in the model's continuous batch and answers
// with their texts (sampleText of each sample's ids), or streams each
// token's piece (piece(sample, index, id)) as an event.
func (s *Server) generate(w http.ResponseWriter, r *http.Request, e *entry, stream bool, j *genJob, start time.Time,
	sampleText func(k int, ids []int32) (string, error), piece func(k, i int, id int32) string) error {
	ctx := r.Context()
	go e.gen.submit(j)
	var (
		out     = &sse{w: w}
		ids     = make([][]int32, len(j.opts))
		samples []string
		buf     []tokEvent
		total   int
		timer   = s.metrics.tokenTimer(e.name)
		made    []time.Time // the steps' end times of the tokens in out.buf
	)
	for {
		select {
		case <-j.notify:
		case <-ctx.Done():
			return ctx.Err()
		}
		evs, finished, jerr := j.take(buf)
		buf = evs
		for _, ev := range evs {
			if ev.End {
				text, err := sampleText(ev.Sample, ids[ev.Sample])
				if err != nil {
					return err
				}
				samples = append(samples, text)
				continue
			}
			ids[ev.Sample] = append(ids[ev.Sample], ev.ID)
			total++
			if stream {
				i := len(ids[ev.Sample]) - 1
				if err := out.add(tokenEvent{Sample: ev.Sample, Index: i, Token: piece(ev.Sample, i, ev.ID)}); err != nil {
					return err
				}
				made = append(made, ev.At)
			}
		}
		if stream && len(out.buf) > 0 {
			if err := out.flush(); err != nil {
				return err // the client went away: ctx ends the job
			}
			timer.wrote(time.Now(), made)
			made = made[:0]
		}
		if !finished {
			continue
		}
		if jerr != nil {
			return jerr
		}
		if samples == nil {
			samples = []string{}
		}
		if stream {
			return out.send(doneEvent{Done: true, Samples: samples, Tokens: total, Seconds: time.Since(start).Seconds()})
		}
		return writeJSON(w, http.StatusOK, infer.GenerateResult{Samples: samples})
	}
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// textsRequest is the body of POST /v1/classify, and the fields that
// /v1/score and /v1/translate add their options to: texts for one model.
type textsRequest struct {
	Model string   `json:"model"`
	Texts []string `json:"texts"`
}

// jsonRoute adapts a handler that returns its answer: the answer goes out as
// JSON with 200 OK, an error as the route's error response.
func jsonRoute(h func(r *http.Request) (any, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		res, err := h(r)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, res)
	}
}

// items returns the check of a request's array field: checkItems of its
// length once the body is decoded.
func items[E any](field string, a *[]E) func() error {
	return func() error { return checkItems(field, len(*a)) }
}

func (s *Server) handleScore(r *http.Request) (any, error) {
	var req struct {
		textsRequest
		TokenScores bool `json:"token_scores"`
	}
	l, err := decodeModel[*infer.LM](s, r, &req, &req.Model, infer.KindLM, items("texts", &req.Texts))
	if err != nil {
		return nil, err
	}
	return l.Score(r.Context(), req.Texts, 64, req.TokenScores)
}

func (s *Server) handleClassify(r *http.Request) (any, error) {
	var req textsRequest
	c, err := decodeModel[*infer.Classifier](s, r, &req, &req.Model, infer.KindClassify, items("texts", &req.Texts),
		func() error { return checkLengths("texts", req.Texts, s.opt.MaxTextLen) })
	if err != nil {
		return nil, err
	}
	return c.Predict(r.Context(), req.Texts, 256)
}

func (s *Server) handleTag(r *http.Request) (any, error) {
	var req struct {
		Model  string     `json:"model"`
		Texts  []string   `json:"texts"`
		Tokens [][]string `json:"tokens"`
	}
	t, err := decodeModel[*infer.Tagger](s, r, &req, &req.Model, infer.KindTag)
	if err != nil {
		return nil, err
	}
	switch {
	case (req.Texts == nil) == (req.Tokens == nil):
		return nil, errorf(http.StatusBadRequest, `give one of the fields "texts" (raw text) and "tokens" (tokenized sentences)`)
	case req.Texts != nil:
		if err := checkItems("texts", len(req.Texts)); err != nil {
			return nil, err
		}
		if err := checkLengths("texts", req.Texts, s.opt.MaxTextLen); err != nil {
			return nil, err
		}
		return t.TagTexts(r.Context(), req.Texts, 128)
	}
	if err := checkItems("tokens", len(req.Tokens)); err != nil {
		return nil, err
	}
	for i, toks := range req.Tokens {
		if len(toks) > s.opt.MaxTextLen {
			return nil, errorf(http.StatusBadRequest, "field \"tokens\": sentence %d has %d tokens, at most %d per sentence (serve --max-text-len)", i, len(toks), s.opt.MaxTextLen)
		}
	}
	return t.Tag(r.Context(), req.Tokens, 128)
}

func (s *Server) handleTranslate(r *http.Request) (any, error) {
	var req struct {
		textsRequest
		infer.TranslateOptions
	}
	t, err := decodeModel[*infer.Translator](s, r, &req, &req.Model, infer.KindTranslate, items("texts", &req.Texts))
	switch {
	case err != nil:
		return nil, err
	case req.Beam > maxBeam:
		return nil, errorf(http.StatusBadRequest, "field \"beam\": %d is over the server's cap of %d", req.Beam, maxBeam)
	case req.MaxLen > s.opt.MaxLength:
		return nil, errorf(http.StatusBadRequest, "field \"max_len\": %d is over the server's cap of %d", req.MaxLen, s.opt.MaxLength)
	}
	req.MaxOutput, req.MaxAttention, req.MaxSource = s.opt.MaxLength, maxAttention, maxSource
	return t.Translate(r.Context(), req.Texts, req.TranslateOptions)
}

// decodeModel decodes r's body into req and returns the model that its
// "model" field (*name) names, which must be a T: a model of another kind
// than want is a 400. checks then run in order (items of the request's
// arrays); the first error is returned.
func decodeModel[T infer.Model](s *Server, r *http.Request, req any, name *string, want infer.Kind, checks ...func() error) (T, error) {
	var zero T
	if err := decode(r, req); err != nil {
		return zero, err
	}
	e, err := s.model(*name)
	if err != nil {
		return zero, err
	}
	m, ok := e.model.(T)
	if !ok {
		return zero, kindErr(e, r.URL.Path, want)
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return zero, err
		}
	}
	return m, nil
}

func topN(n *int, def int) (int, error) {
	if n == nil {
		return def, nil
	}
	if *n < 1 || *n > maxTopN {
		return 0, errorf(http.StatusBadRequest, "field \"topn\": %d outside [1, %d]", *n, maxTopN)
	}
	return *n, nil
}

func (s *Server) handleSimilar(r *http.Request) (any, error) {
	var req struct {
		Model    string   `json:"model"`
		Positive []string `json:"positive"`
		Negative []string `json:"negative"`
		TopN     *int     `json:"topn"`
	}
	v, err := decodeModel[*infer.Vectors](s, r, &req, &req.Model, infer.KindVectors, items("positive", &req.Positive))
	if err != nil {
		return nil, err
	}
	if len(req.Negative) > maxItems { // optional: may be empty
		return nil, checkItems("negative", len(req.Negative))
	}
	n, err := topN(req.TopN, 10)
	if err != nil {
		return nil, err
	}
	return v.Similar(req.Positive, req.Negative, n)
}

func (s *Server) handleAnalogy(r *http.Request) (any, error) {
	var req struct {
		Model  string `json:"model"`
		A      string `json:"a"`
		B      string `json:"b"`
		C      string `json:"c"`
		TopN   *int   `json:"topn"`
		Method string `json:"method"`
	}
	v, err := decodeModel[*infer.Vectors](s, r, &req, &req.Model, infer.KindVectors)
	if err != nil {
		return nil, err
	}
	for f, x := range map[string]string{"a": req.A, "b": req.B, "c": req.C} {
		if x == "" {
			return nil, errorf(http.StatusBadRequest, "field %q: required (a is to b as c is to ?)", f)
		}
	}
	n, err := topN(req.TopN, 5)
	if err != nil {
		return nil, err
	}
	return v.Analogy(req.A, req.B, req.C, req.Method, n)
}

func (s *Server) handleSimilarity(r *http.Request) (any, error) {
	var req struct {
		Model string     `json:"model"`
		Pairs [][]string `json:"pairs"`
	}
	v, err := decodeModel[*infer.Vectors](s, r, &req, &req.Model, infer.KindVectors, items("pairs", &req.Pairs))
	if err != nil {
		return nil, err
	}
	pairs := make([][2]string, len(req.Pairs))
	for i, p := range req.Pairs {
		if len(p) != 2 {
			return nil, errorf(http.StatusBadRequest, "field \"pairs\": item %d has %d words, want 2", i, len(p))
		}
		pairs[i] = [2]string{p[0], p[1]}
	}
	return v.Similarity(pairs)
}

func (s *Server) handleProject(r *http.Request) (any, error) {
	var req struct {
		Model string   `json:"model"`
		Words []string `json:"words"`
	}
	v, err := decodeModel[*infer.Vectors](s, r, &req, &req.Model, infer.KindVectors, items("words", &req.Words))
	if err != nil {
		return nil, err
	}
	return v.Project(req.Words)
}
