package serve

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A browser's call of the API from another site's page is refused with a
// 403 {"error"}; the server's own page, programs (no browser headers) and
// GET routes pass, and the server keeps serving.
func TestCrossSiteCallsRefused(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	body := `{"model": "sentiment", "texts": ["a fine film"]}`
	for _, c := range []struct {
		name   string
		hdr    []string
		status int
	}{
		{"program", nil, 200},
		{"own page", []string{"Sec-Fetch-Site", "same-origin", "Origin", ts.URL}, 200},
		{"typed URL", []string{"Sec-Fetch-Site", "none"}, 200},
		{"other site", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, 403},
		{"same site, other origin", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://localhost:1"}, 403},
		{"old browser, other origin", []string{"Origin", "https://evil.example"}, 403},
	} {
		a := do(t, ts, "POST", "/v1/classify", body, append([]string{"Content-Type", "text/plain"}, c.hdr...)...)
		if a.status != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, a.status, c.status, a.body)
			continue
		}
		if c.status == 403 && !strings.Contains(a.errMsg(t), "other sites' pages") {
			t.Errorf("%s: error %q", c.name, a.body)
		}
	}
	if a := do(t, ts, "GET", "/v1/models", "", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); a.status != 200 {
		t.Errorf("cross-site GET /v1/models: status %d, want 200 (reading needs CORS, which the server does not grant)", a.status)
	}
}

// An answer JSON cannot hold is an error before any status goes out, so
// the request gets a 500 {"error"} instead of a 200 with a cut-off body.
func TestWriteJSONEncodesFirst(t *testing.T) {
	rec := httptest.NewRecorder()
	w := &statusWriter{ResponseWriter: rec}
	err := writeJSON(w, http.StatusOK, map[string]float64{"score": math.NaN()})
	if err == nil || w.status != 0 || rec.Body.Len() != 0 {
		t.Fatalf("NaN answer: err %v, status %d written, body %q", err, w.status, rec.Body.String())
	}
	writeError(w, err)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"error":"encoding the answer`) {
		t.Errorf("then: %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	if err := writeJSON(rec, http.StatusOK, map[string]int{"n": 1}); err != nil || rec.Body.String() != "{\"n\":1}\n" || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("plain answer: %v %q %q", err, rec.Body.String(), rec.Header())
	}
}

// TestMethodNotAllowedAllow: a 405 lists every method the route answers
// in Allow (a GET route answers HEAD too), and HEAD gets the GET's status
// and headers without a body.
func TestMethodNotAllowedAllow(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	for _, c := range []struct{ method, path, allow string }{
		{"OPTIONS", "/v1/models", "GET, HEAD"},
		{"POST", "/healthz", "GET, HEAD"},
		{"DELETE", "/", "GET, HEAD"},
		{"OPTIONS", "/v1/generate", "POST"},
		{"HEAD", "/v1/classify", "POST"},
		{"PUT", "/metrics", "GET, HEAD"},
	} {
		a := do(t, ts, c.method, c.path, "")
		if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d, Allow %q, want 405 and %q", c.method, c.path, a.status, a.header.Get("Allow"), c.allow)
		}
	}
	for _, path := range []string{"/v1/models", "/healthz", "/"} {
		if a := do(t, ts, "HEAD", path, ""); a.status != 200 || len(a.body) != 0 || a.header.Get("Content-Type") == "" {
			t.Errorf("HEAD %s: %d, %d bytes, Content-Type %q", path, a.status, len(a.body), a.header.Get("Content-Type"))
		}
	}
}
