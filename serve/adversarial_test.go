package serve

import (
	"strings"
	"testing"
)

// TestHostileRequests sends requests a careless or hostile client might:
// each gets a 4xx {"error"} naming what is wrong, and the server keeps
// serving after them.
func TestHostileRequests(t *testing.T) {
	_, ts := newTestServer(t, Options{MaxLength: 300})
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
		// Invalid values name their field even when "n" is left out.
		{"/v1/generate", `{"model": "shakespeare", "length": -5}`, 400, []string{"length: -5"}},
		{"/v1/generate", `{"model": "shakespeare", "top_k": -1}`, 400, []string{"top_k: -1"}},
		{"/v1/generate", `{"model": "cond", "label": "positive", "length": -5}`, 400, []string{"length: -5"}},
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
