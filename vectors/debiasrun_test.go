package vectors

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// TestDebiasFiles debiases the tiny vectors with the built-in lists and
// checks the written file, the summary and its text.
func TestDebiasFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "deb.txt")
	job := DebiasJob{Analogies: "testdata/tiny_analogies.txt", EvalRestrict: 30000, Out: out, OutFormat: GloVeText}
	s, err := DebiasFiles(context.Background(), text.Stdio{}, Source{Path: "testdata/tiny.txt"}, job)
	if err != nil {
		t.Fatal(err)
	}
	v, err := LoadFormat(out, GloVeText)
	if err != nil || v.Len() != 18 {
		t.Fatalf("written vectors: %v", err)
	}
	for i := range v.Len() {
		var n float64
		for _, x := range v.Vec(i) {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-4 {
			t.Errorf("%s: squared norm %g, want 1", v.Words[i], n)
		}
	}
	if s.Definitional == 0 || s.Neutralized == 0 || len(s.Explained) == 0 || s.Analogy == nil || s.Analogy.Before.Restrict != 30000 || s.Analogy.After.Questions != 10 {
		t.Fatalf("summary %+v", s)
	}
	var buf bytes.Buffer
	if err := s.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"neutralized ", "analogy accuracy (testdata/tiny_analogies.txt, first 30000 words): total 85.71% -> ", "wrote " + out + " (glove)\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
	job.Lists = t.TempDir() // no lists there
	if _, err := DebiasFiles(context.Background(), text.Stdio{}, Source{Path: "testdata/tiny.txt"}, job); err == nil || !strings.Contains(err.Error(), "definitional_pairs.json") {
		t.Errorf("missing lists: %v", err)
	}
}
