package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/infer"
)

// TestHostileRequests sends requests a careless or hostile client might:
// each gets a 4xx {"error"} naming what is wrong, and the server keeps
// serving after them.
func TestHostileRequests(t *testing.T) {
	_, ts := newTestServer(t, Options{MaxLength: 300})
	long := strings.Repeat("1 june 2001 ", 17)[:200] // 200 source tokens: a default output of 410 > 300
	many := make([]string, 40)
	for i := range many {
		many[i] = strings.Repeat("5 june 2001 ", 34)[:400]
	}
	manyJSON := `["` + strings.Join(many, `","`) + `"]`
	// Sources times the rows decoded together (the texts, or the beam):
	// 64 beams over 40k characters, or 500 short texts padded to 5k
	// characters, are past the cap of 2^26 floats for this model (33 a
	// source position and row); without it they asked for hundreds of MB,
	// and a 1 MB body of a real model's for tens of GB.
	longSrc := strings.Repeat("5 june 2001 ", 3400)[:40000]
	padded := make([]string, 501)
	for i := range padded {
		padded[i] = "5 june"
	}
	padded[500] = longSrc[:5000]
	paddedJSON := `["` + strings.Join(padded, `","`) + `"]`
	for _, c := range []struct {
		path, body string
		status     int
		msg        []string // all in the error
	}{
		// A body that is not an object names JSON types, not Go types.
		{"/v1/generate", `[]`, 400, []string{"JSON array", "want a JSON object"}},
		{"/v1/classify", `"texts"`, 400, []string{"JSON string", "want a JSON object"}},
		// Numbers of the wrong kind say which kind the field wants.
		{"/v1/generate", `{"model": "shakespeare", "length": 1e18}`, 400, []string{`"length"`, "want an integer"}},
		{"/v1/generate", `{"model": "shakespeare", "n": 2.5}`, 400, []string{`"n"`, "want an integer"}},
		{"/v1/generate", `{"model": "shakespeare", "seed": -1}`, 400, []string{`"seed"`, "want a non-negative integer"}},
		{"/v1/similar", `{"model": "vectors", "positive": ["king"], "topn": 1.5}`, 400, []string{`"topn"`, "want an integer"}},
		// Every array is bounded, the optional ones too.
		{"/v1/similar", `{"model": "vectors", "positive": ["king"], "negative": [` + strings.Repeat(`"man", `, maxItems) + `"man"]}`, 400, []string{`"negative"`, "4097 items", "at most 4096"}},
		{"/v1/similar", `{"model": "vectors", "positive": ["king"], "negative": [` + strings.Repeat(`"man", `, maxItems-1) + `"man"]}`, 200, nil},
		// Invalid values name their field even when "n" is left out.
		{"/v1/generate", `{"model": "shakespeare", "length": -5}`, 400, []string{"length: -5"}},
		{"/v1/generate", `{"model": "shakespeare", "top_k": -1}`, 400, []string{"top_k: -1"}},
		{"/v1/generate", `{"model": "cond", "label": "positive", "length": -5}`, 400, []string{"length: -5"}},
		// A long source without max_len would decode 2*source+10 tokens,
		// past the server's cap on output lengths.
		{"/v1/translate", `{"model": "dates", "texts": ["5 june", "` + long + `"]}`, 400, []string{"texts[1]", "cap of 300", "max_len"}},
		{"/v1/translate", `{"model": "dates", "texts": ["` + long + `"], "max_len": 20}`, 200, nil},
		// Attention weights: output tokens times source tokens per text,
		// capped per request.
		{"/v1/translate", `{"model": "dates", "texts": ` + manyJSON + `, "max_len": 300, "attention": true}`, 400, []string{"attention", "over the cap"}},
		{"/v1/translate", `{"model": "dates", "texts": ` + manyJSON + `, "max_len": 20, "attention": true}`, 200, nil},
		{"/v1/translate", `{"model": "dates", "texts": ["` + longSrc + `"], "max_len": 2, "beam": 64}`, 400, []string{"64 rows", "40000 tokens", "over the cap", "smaller beam"}},
		{"/v1/translate", `{"model": "dates", "texts": ` + paddedJSON + `, "max_len": 2}`, 400, []string{"501 rows", "5000 tokens", "over the cap"}},
		{"/v1/translate", `{"model": "dates", "texts": ["` + longSrc[:1000] + `"], "max_len": 2, "beam": 64}`, 200, nil},
	} {
		a := do(t, ts, "POST", c.path, c.body)
		if a.status != c.status {
			t.Errorf("%s %.80s: status %d, want %d (%.200s)", c.path, c.body, a.status, c.status, a.body)
			continue
		}
		if c.status == 200 {
			continue
		}
		msg := a.errMsg(t)
		for _, m := range c.msg {
			if !strings.Contains(msg, m) {
				t.Errorf("%s %.80s: error %q lacks %q", c.path, c.body, msg, m)
			}
		}
		if strings.Contains(msg, "serve.") || strings.Contains(msg, "infer.") {
			t.Errorf("%s %.80s: error %q names a Go type", c.path, c.body, msg)
		}
	}
	if a := post(t, ts, "/v1/generate", map[string]any{"model": "shakespeare", "length": 5}); a.status != 200 {
		t.Errorf("after the hostile requests: %d %s", a.status, a.body)
	}
}

// TestAuthForms: the token is compared whole (a prefix, an extension or
// an empty token is refused) and the scheme's name in any case is
// accepted, as HTTP defines it.
func TestAuthForms(t *testing.T) {
	_, ts := newTestServer(t, Options{Token: "s3cret"})
	for _, c := range []struct {
		auth   string
		status int
	}{
		{"Bearer s3cret", 200},
		{"bearer s3cret", 200},
		{"BEARER s3cret", 200},
		{"Bearer s3cre", 401},
		{"Bearer s3cret2", 401},
		{"Bearer ", 401},
		{"Bearer", 401},
		{"Basic s3cret", 401},
		{"Bearer  s3cret", 401},
		{"s3cret", 401},
	} {
		a := do(t, ts, "GET", "/v1/models", "", "Authorization", c.auth)
		if a.status != c.status {
			t.Errorf("Authorization %q: %d, want %d", c.auth, a.status, c.status)
		}
		if c.status == 401 && (a.header.Get("WWW-Authenticate") == "" || !strings.Contains(a.errMsg(t), "token")) {
			t.Errorf("Authorization %q: 401 without WWW-Authenticate or message: %s", c.auth, a.body)
		}
	}
}

// TestBodyLimitEdges: a body of exactly --max-body bytes is read, one
// byte more is a 413, with or without Content-Length (chunked); trailing
// data is refused as such (400) before the limit is reached; the server
// answers the next request.
func TestBodyLimitEdges(t *testing.T) {
	const limit = 300
	_, ts := newTestServer(t, Options{MaxBody: limit})
	body := func(n int) string {
		b := `{"model": "vectors", "positive": ["king"]}`
		return b + strings.Repeat(" ", n-len(b))
	}
	send := func(b string, chunked bool) answer {
		var r io.Reader = strings.NewReader(b)
		if chunked {
			r = io.MultiReader(r) // no length known: Transfer-Encoding: chunked
		}
		req, _ := http.NewRequest("POST", ts.URL+"/v1/similar", r)
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return answer{res.StatusCode, res.Header, out}
	}
	for _, chunked := range []bool{false, true} {
		if a := send(body(limit), chunked); a.status != 200 {
			t.Errorf("chunked %v: a body of exactly the limit: %d %s", chunked, a.status, a.body)
		}
		a := send(body(limit+1), chunked)
		if a.status != 413 || !strings.Contains(a.errMsg(t), "300 bytes") {
			t.Errorf("chunked %v: one byte over the limit: %d %s", chunked, a.status, a.body)
		}
		a = send(`{"model": "vectors", "positive": ["king"]}`+strings.Repeat("x", 10*limit), chunked)
		if a.status != 400 || !strings.Contains(a.errMsg(t), "after the object") {
			t.Errorf("chunked %v: trailing data past the limit: %d %s", chunked, a.status, a.body)
		}
	}
	if a := post(t, ts, "/v1/similar", map[string]any{"model": "vectors", "positive": []string{"king"}}); a.status != 200 {
		t.Errorf("after: %d %s", a.status, a.body)
	}
}

// TestSlowBodyFreesItsSlot: a client that sends part of its body and then
// stalls (slowloris) gets a 408 once the request's deadline passes, and
// its queue slot is freed, instead of holding it for as long as it keeps
// the connection open.
func TestSlowBodyFreesItsSlot(t *testing.T) {
	s, ts := newTestServer(t, Options{Queue: 1, Timeout: 200 * time.Millisecond})
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/similar HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\": ")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // the test's own bound: without the fix nothing comes
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "body") {
		t.Errorf("stalled body: %d %s", res.StatusCode, body)
	}
	if n := s.inFlight.Load(); n != 0 {
		t.Errorf("%d requests in flight after the stalled one was answered", n)
	}
	if a := post(t, ts, "/v1/similar", map[string]any{"model": "vectors", "positive": []string{"king"}}); a.status != 200 {
		t.Errorf("after: %d %s", a.status, a.body)
	}
}

// TestUnreadAnswerFreesItsSlot: a client that asks for a large answer and
// never reads it (its socket buffers fill and the server's write blocks)
// loses its connection once the request's deadline and as long again
// have passed, and its queue slot is freed, instead of holding both for
// as long as it keeps the connection open.
func TestUnreadAnswerFreesItsSlot(t *testing.T) {
	s, ts := newTestServer(t, Options{Timeout: 500 * time.Millisecond})
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	texts := make([]string, 40)
	for i := range texts {
		texts[i] = strings.Repeat("5 june 2001 ", 34)[:400]
	}
	b, _ := json.Marshal(map[string]any{"model": "dates", "texts": texts, "max_len": 250, "attention": true}) // about 45 MB of answer
	fmt.Fprintf(conn, "POST /v1/translate HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(b), b)
	for deadline := time.Now().Add(10 * time.Second); s.inFlight.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	for deadline := time.Now().Add(20 * time.Second); s.inFlight.Load() != 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.inFlight.Load(); n != 0 {
		t.Errorf("%d requests in flight: the unread answer still holds its slot", n)
	}
	if a := post(t, ts, "/v1/similar", map[string]any{"model": "vectors", "positive": []string{"king"}}); a.status != 200 {
		t.Errorf("after: %d %s", a.status, a.body)
	}
}

// TestDefaultLengthCapped: a generation that leaves "length" out gets the
// model's default length only within the server's --max-length (the
// default of 500 tokens went past a cap of 5), streamed or not.
func TestDefaultLengthCapped(t *testing.T) {
	_, ts := newTestServer(t, Options{MaxLength: 5})
	for _, model := range []string{"shakespeare", "words"} {
		var got struct{ Samples []string }
		post(t, ts, "/v1/generate", map[string]any{"model": model, "stop_at_eos": false, "temperature": 0}).json(t, &got)
		_, done := stream(t, ts, generateRequest{Model: model, Stream: true, GenerateOptions: infer.GenerateOptions{StopAtEOS: ptr(false), Temperature: ptr(0.0)}})
		if done.Tokens != 5 || len(got.Samples) != 1 || got.Samples[0] != done.Samples[0] {
			t.Errorf("%s without a length: %d tokens streamed (want the cap of 5), %.60q and %.60q", model, done.Tokens, done.Samples, got.Samples)
		}
	}
	_, done := stream(t, ts, generateRequest{Model: "cond", Stream: true, GenerateOptions: infer.GenerateOptions{Label: "positive"}})
	if done.Tokens > 5 {
		t.Errorf("cond without a length: %d tokens, over the cap of 5", done.Tokens)
	}
}

// TestExtremeTemperatures: a temperature so small that the scaled logits
// overflow float32 samples as greedy decoding does (the limit), not from
// a softmax of infinities (NaN everywhere, the same token every step),
// and one so large that it scales every logit to 0 samples uniformly
// without ever drawing a banned token (-Inf times 0 is NaN).
func TestExtremeTemperatures(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	sample := func(model string, opt map[string]any) string {
		t.Helper()
		body := map[string]any{"model": model, "length": 40, "seed": 3, "stop_at_eos": false}
		for k, v := range opt {
			body[k] = v
		}
		var got struct{ Samples []string }
		a := post(t, ts, "/v1/generate", body)
		if a.status != 200 {
			t.Fatalf("%v: %d %s", opt, a.status, a.body)
		}
		a.json(t, &got)
		return got.Samples[0]
	}
	for _, model := range []string{"shakespeare", "words"} {
		greedy := sample(model, map[string]any{"temperature": 0})
		for _, temp := range []float64{1e-300, 1e-40} {
			if got := sample(model, map[string]any{"temperature": temp}); got != greedy {
				t.Errorf("%s at temperature %g: %q, greedy %q", model, temp, got, greedy)
			}
		}
	}
	for seed := range 20 {
		if got := sample("words", map[string]any{"temperature": 1e300, "no_unk": true, "seed": seed}); strings.Contains(got, "<unk>") {
			t.Errorf("temperature 1e300, no_unk, seed %d: <unk> drawn: %q", seed, got)
		}
	}
}

// TestTextLengthCapped: a classify or tag text longer than MaxTextLen
// characters (not bytes), or a pre-tokenized sentence of more tokens, is
// a 400 naming it; one at the cap is answered. (Their models hold every
// position's activations, so one long text within --max-body could ask
// for GB.) The default cap is 32768.
func TestTextLengthCapped(t *testing.T) {
	s, ts := newTestServer(t, Options{MaxTextLen: 100})
	at, over := strings.Repeat("é", 100), strings.Repeat("é", 101) // 200 and 202 bytes
	words := func(n int) []string { return strings.Fields(strings.Repeat("Paris ", n)) }
	for _, c := range []struct {
		path   string
		body   map[string]any
		status int
		msg    string
	}{
		{"/v1/classify", map[string]any{"model": "sentiment", "texts": []string{"good", at}}, 200, ""},
		{"/v1/classify", map[string]any{"model": "sentiment", "texts": []string{"good", over}}, 400, "text 1 has 101 characters, at most 100"},
		{"/v1/tag", map[string]any{"model": "ner", "texts": []string{at}}, 200, ""},
		{"/v1/tag", map[string]any{"model": "ner", "texts": []string{over}}, 400, "text 0 has 101 characters"},
		{"/v1/tag", map[string]any{"model": "ner", "tokens": [][]string{words(100)}}, 200, ""},
		{"/v1/tag", map[string]any{"model": "ner", "tokens": [][]string{{"a"}, words(101)}}, 400, "sentence 1 has 101 tokens, at most 100"},
	} {
		a := post(t, ts, c.path, c.body)
		if a.status != c.status || c.status == 400 && !strings.Contains(a.errMsg(t), c.msg) {
			t.Errorf("%s: %d %.200s, want %d %q", c.path, a.status, a.body, c.status, c.msg)
		}
	}
	if s.opt.MaxTextLen != 100 {
		t.Errorf("MaxTextLen %d", s.opt.MaxTextLen)
	}
	d := New(Options{})
	defer d.Close(context.Background())
	if d.opt.MaxTextLen != 1<<15 {
		t.Errorf("default MaxTextLen %d, want 32768", d.opt.MaxTextLen)
	}
}
