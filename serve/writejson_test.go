package serve

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
