package vectors

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
)

// TestEvaluate runs the tiny analogy and similarity files and checks the
// report's figures, JSON shape and text.
func TestEvaluate(t *testing.T) {
	var stages []EvalProgress
	e := Evaluation{Analogies: "testdata/tiny_analogies.txt", Similarity: []string{"testdata/tiny_pairs.txt"}, Method: "3cosadd",
		Restrict: 30000, SimilarityRestrict: 300000, Progress: func(p EvalProgress) { stages = append(stages, p) }}
	rep, err := Evaluate(context.Background(), text.Stdio{}, Source{Path: "testdata/tiny.txt"}, e)
	if err != nil {
		t.Fatal(err)
	}
	a := rep.Analogy
	if rep.Words != 18 || rep.Dim != 12 || a.Total != 6.0/7 || a.Semantic != 0.8 || a.Syntactic != 1 || a.Questions != 10 || a.OOV != 3 {
		t.Errorf("report %+v, analogies %+v", rep, a)
	}
	if len(a.Sections) != 4 || a.Sections[1] != (SectionSummary{"family", 2, 1, 0, 2.0 / 3}) || a.Counts[0].Section != "total" {
		t.Errorf("sections %+v, counts %+v", a.Sections, a.Counts)
	}
	if len(stages) == 0 || stages[len(stages)-1] != (EvalProgress{"analogies", 7, 7}) {
		t.Errorf("progress %+v", stages)
	}
	p := rep.Similarity["tiny_pairs.txt"]
	if p == nil || p.Pairs != 5 || p.OOV != 1 || p.Skipped != 2 || p.Pearson < 0.95 || p.File != "testdata/tiny_pairs.txt" {
		t.Fatalf("similarity %+v", rep.Similarity)
	}
	var buf strings.Builder
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"testdata/tiny.txt: 18 words, dimension 12\nanalogies testdata/tiny_analogies.txt\n",
		"  family                          66.67%  (2/3, 0 OOV)\n",
		"  semantic                        80.00%  (4/5)\n  syntactic                      100.00%  (2/2)\n  total                           85.71%  (6/7)\n",
		"  questions with OOV words: 3 of 10 (30.0%), skipped\n",
		"similarity tiny_pairs.txt: spearman 0.1081  pearson 0.9580  (5 pairs, 1 OOV = 16.7%, 2 lines skipped)\n",
	} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, buf.String())
		}
	}
	b, _ := json.Marshal(rep)
	for _, key := range []string{`"vectors":"testdata/tiny.txt"`, `"oov_percent":30`, `"skipped_lines":2`, `"accuracy":0.6666666666666666`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}

// TestEvaluateInputs: the vectors and test files come through the Stdio
// ("-" its input), every file is read before any test runs, and errors name
// the file.
func TestEvaluateInputs(t *testing.T) {
	tiny, err := os.ReadFile("testdata/tiny.txt")
	if err != nil {
		t.Fatal(err)
	}
	in := text.Stdio{In: strings.NewReader(string(tiny))}
	rep, err := Evaluate(context.Background(), in, Source{Path: "-"}, Evaluation{NoAnalogies: true, Method: "3cosadd"})
	if err != nil || rep.Words != 18 || rep.Analogy != nil {
		t.Fatalf("from standard input: %+v, %v", rep, err)
	}
	if err := rep.WriteText(&strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	called := false
	e := Evaluation{Method: "3cosadd", Similarity: []string{"testdata/missing.txt"}, Progress: func(EvalProgress) { called = true }}
	if _, err := Evaluate(context.Background(), text.Stdio{}, Source{Path: "testdata/tiny.txt"}, e); err == nil || !strings.Contains(err.Error(), "missing.txt") || called {
		t.Errorf("missing similarity file: %v (analogies run: %v)", err, called)
	}
	if _, err := Evaluate(context.Background(), text.Stdio{}, Source{Path: "testdata/tiny.txt"}, Evaluation{Method: "nope"}); err == nil {
		t.Error("unknown method accepted")
	}
	if _, err := Evaluate(context.Background(), text.Stdio{}, Source{Path: "testdata/tiny.txt", Format: "nope"}, Evaluation{Method: "3cosadd"}); err == nil {
		t.Error("unknown format accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("2 3\na 1 2 3\nb 1 NaN 3\n"), 0o644)
	if _, err := (Source{Path: bad}).Read(text.Stdio{}); err == nil || !strings.Contains(err.Error(), "bad.txt: line 3") {
		t.Errorf("bad vectors: %v", err)
	}
}

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
		if n := tensor.Dot(v.Vec(i), v.Vec(i)); n < 0.9999 || n > 1.0001 {
			t.Errorf("%s: squared norm %g, want 1", v.Words[i], n)
		}
	}
	if s.Definitional == 0 || s.Neutralized == 0 || len(s.Explained) == 0 || s.Analogy == nil || s.Analogy.Before.Restrict != 30000 || s.Analogy.After.Questions != 10 {
		t.Fatalf("summary %+v", s)
	}
	var buf strings.Builder
	if err := s.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"neutralized ", "analogy accuracy (testdata/tiny_analogies.txt, first 30000 words): total 85.71% -> ", "wrote " + out + " (glove)\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
	// --eval-restrict 0 evaluates on every word, and says so.
	s.Analogy.Before.Restrict, s.Analogy.After.Restrict = 0, 0
	buf.Reset()
	if err := s.WriteText(&buf); err != nil || !strings.Contains(buf.String(), "(testdata/tiny_analogies.txt, all words)") {
		t.Errorf("restrict 0: %v\n%s", err, buf.String())
	}
	job.Lists = t.TempDir() // no lists there
	if _, err := DebiasFiles(context.Background(), text.Stdio{}, Source{Path: "testdata/tiny.txt"}, job); err == nil || !strings.Contains(err.Error(), "definitional_pairs.json") {
		t.Errorf("missing lists: %v", err)
	}
}

// TestAnalogyReportsMalformedLines: analogy lines that are not four words
// (blank ones included) are skipped as gensim skips them, but the report
// says how many and where the first is, as the similarity report counts
// its skipped lines; they used to vanish from the counts without a word.
// The tiny file has three (lines 14-16); the bad copy two more.
func TestAnalogyReportsMalformedLines(t *testing.T) {
	good, err := os.ReadFile("testdata/tiny_analogies.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	// A question cut short on line 3 and one with a fifth word on line 5.
	lines[2] = strings.Join(strings.Fields(lines[2])[:3], " ") + "\n"
	lines[4] = strings.TrimSpace(lines[4]) + " extra\n"
	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file     string
		skipped  int
		wantText string
	}{
		{"testdata/tiny_analogies.txt", 3, "  lines not of four words: 3 (the first is line 14), skipped\n"},
		{bad, 5, "  lines not of four words: 5 (the first is line 3), skipped\n"},
	} {
		rep, err := Evaluate(context.Background(), text.Stdio{}, Source{Path: "testdata/tiny.txt"}, Evaluation{Analogies: c.file, Method: "3cosadd"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Analogy.Skipped != c.skipped {
			t.Errorf("%s: %d lines skipped, want %d", c.file, rep.Analogy.Skipped, c.skipped)
		}
		var buf strings.Builder
		rep.WriteText(&buf)
		if !strings.Contains(buf.String(), c.wantText) {
			t.Errorf("%s: report\n%s\nwant the line %q", c.file, buf.String(), c.wantText)
		}
		b, _ := json.Marshal(rep)
		var back struct {
			Analogy struct {
				Skipped int `json:"skipped_lines"`
			} `json:"analogy"`
		}
		if err := json.Unmarshal(b, &back); err != nil || back.Analogy.Skipped != c.skipped {
			t.Errorf("%s: JSON skipped_lines %d, want %d: %s", c.file, back.Analogy.Skipped, c.skipped, b)
		}
	}
}
