package serve

import (
	"net/http"
	"strings"
	"testing"
)

// TestExactFieldNames: request field names match exactly (encoding/json
// alone takes "Model" or "TOP_K" for "model" and "top_k"), a field given
// twice is refused (encoding/json alone lets the last win), both as 400s
// naming the field on every route; exact names, escaped exact names and
// the other errors (body limit included) are unchanged.
func TestExactFieldNames(t *testing.T) {
	_, ts := newTestServer(t, Options{MaxBody: 2000})
	for _, c := range []struct {
		path, body string
		status     int
		msg        string
	}{
		{"/v1/generate", `{"model": "shakespeare", "prompt": "A", "length": 3, "Top_K": 5}`, 400, `unknown field "Top_K" (field names are case-sensitive: "top_k")`},
		{"/v1/generate", `{"Model": "shakespeare", "prompt": "A", "length": 3}`, 400, `unknown field "Model"`},
		{"/v1/generate", `{"model": "shakespeare", "PROMPT": "A", "length": 3}`, 400, `unknown field "PROMPT"`},
		{"/v1/generate", `{"model": "shakespeare", "model": "words", "length": 3}`, 400, `field "model": given more than once`},
		{"/v1/generate", `{"model": "shakespeare", "length": 3, "stream": true, "stream": false}`, 400, `field "stream": given more than once`},
		{"/v1/generate", `{"model": "shakespeare", "length": 3, "lenght": 3}`, 400, `unknown field "lenght"`},
		{"/v1/similar", `{"model": "vectors", "Positive": ["king"]}`, 400, `unknown field "Positive" (field names are case-sensitive: "positive")`},
		{"/v1/similar", `{"model": "vectors", "positive": ["king"], "TopN": 3}`, 400, `unknown field "TopN"`},
		{"/v1/similar", `{"model": "vectors", "positive": ["king"], "positive": ["queen"]}`, 400, `field "positive": given more than once`},
		// Keys inside the values are data, not field names.
		{"/v1/similarity", `{"model": "vectors", "pairs": [["Model", "model"]], "pairs": []}`, 400, `field "pairs": given more than once`},
		{"/v1/analogy", `{"model": "vectors", "a": "man", "b": "king", "c": "woman", "Method": "3cosmul"}`, 400, `unknown field "Method"`},
		{"/v1/translate", `{"model": "dates", "texts": ["3 May 1979"], "Max_Len": 5}`, 400, `unknown field "Max_Len"`},
		{"/v1/classify", `{"model": "sentiment", "Texts": ["x"]}`, 400, `unknown field "Texts"`},
		{"/v1/score", `{"model": "words", "texts": ["a"], "Token_Scores": true}`, 400, `unknown field "Token_Scores"`},
		{"/v1/tag", `{"MODEL": "ner", "texts": ["Marta went to Paris."]}`, 400, `unknown field "MODEL"`},
		{"/v1/project", `{"model": "vectors", "words": ["king", "queen"], "Words": ["man"]}`, 400, `unknown field "Words"`},
		// Unchanged: other errors, and the limit on the body.
		{"/v1/generate", `{"model": "shakespeare", "length": "3"}`, 400, `field "length": got a JSON string, want an integer`},
		{"/v1/generate", `{"model": "shakespeare", "Length": "3"}`, 400, `field "length": got a JSON string`},
		{"/v1/generate", `{"model": "shakespeare", "length": 3,}`, 400, "malformed JSON at byte"},
		{"/v1/generate", `{"model": "shakespeare"} {}`, 400, "malformed JSON: data after the object"},
		{"/v1/similar", `{"model": "vectors", "positive": ["` + strings.Repeat("x", 3000) + `"], "Positive": []}`, 413, "over the limit of 2000 bytes"},
	} {
		a := do(t, ts, http.MethodPost, c.path, c.body)
		if a.status != c.status {
			t.Errorf("%s %s: status %d, want %d (%s)", c.path, c.body[:min(len(c.body), 90)], a.status, c.status, a.body)
			continue
		}
		if msg := a.errMsg(t); !strings.Contains(msg, c.msg) {
			t.Errorf("%s %s: error %q lacks %q", c.path, c.body[:min(len(c.body), 90)], msg, c.msg)
		}
	}
	// Exact names are answered, also written with escapes (the same name
	// to JSON), and so are keys that look alike inside the values.
	for _, c := range []struct{ path, body string }{
		{"/v1/generate", `{"model": "shakespeare", "prompt": "A", "length": 3, "top_k": 5, "seed": 1}`},
		{"/v1/generate", `{"\u006dodel": "shakespeare", "prompt": "A", "length": 3}`},
		{"/v1/tag", `{"model": "ner", "texts": ["{\"Model\": 1, \"model\": 2, \"texts\": []}"]}`},
		{"/v1/similar", `{"model": "vectors", "positive": ["king"], "negative": [], "topn": 3}`},
		{"/v1/similar", `null`},
	} {
		a := do(t, ts, http.MethodPost, c.path, c.body)
		if c.body == `null` {
			if a.status != 400 || !strings.Contains(a.errMsg(t), `field "model": required`) {
				t.Errorf("null body: %d %s", a.status, a.body)
			}
			continue
		}
		if a.status != 200 {
			t.Errorf("%s %s: status %d (%s)", c.path, c.body, a.status, a.body)
		}
	}
}

// TestTopLevelKeys: the keys of the top-level object only, unescaped, in
// order; strings holding quotes, braces and commas are skipped whole.
func TestTopLevelKeys(t *testing.T) {
	var got []string
	body := ` {"a": {"b": 1, "c": [{"d": 2}]}, "e\"f": "g,\"h\": {", "\u0069": [[], {}], "j": null}`
	if err := topLevelKeys([]byte(body), func(k string) error { got = append(got, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != `a|e"f|i|j` {
		t.Errorf("keys %q", got)
	}
}

// TestCheckKeysShadowedField: a name that a request type and a struct it
// embeds both have is one field, as encoding/json decodes it (the outer
// one): each of the type's names may be given once, and none is taken for
// another (the check numbered the shadowed name twice, so that a key was
// reported as given twice, or the check indexed past its table).
func TestCheckKeysShadowedField(t *testing.T) {
	type inner struct {
		Model string `json:"model"`
		N     int    `json:"n"`
	}
	type outer struct {
		Model string `json:"model"`
		inner
		Stream bool `json:"stream"`
	}
	type last struct {
		inner
		N int `json:"n"`
	}
	for _, c := range []struct {
		v    any
		body string
		msg  string // "" for no error
	}{
		{&outer{}, `{"model": "a", "n": 1, "stream": true}`, ""},
		{&outer{}, `{"n": 1}`, ""},
		{&outer{}, `{"model": "a", "model": "b"}`, `field "model": given more than once`},
		{&last{}, `{"model": "a", "n": 2}`, ""},
		{&last{}, `{"n": 2, "n": 3}`, `field "n": given more than once`},
	} {
		err := checkKeys([]byte(c.body), c.v)
		if c.msg == "" && err != nil || c.msg != "" && (err == nil || err.Error() != c.msg) {
			t.Errorf("%T %s: %v, want %q", c.v, c.body, err, c.msg)
		}
	}
}
