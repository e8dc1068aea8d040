package vectors

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// TestFloatJSON: NaN and infinities, which encoding/json refuses, are null.
func TestFloatJSON(t *testing.T) {
	b, err := json.Marshal([]Float{0.25, Float(math.NaN()), Float(math.Inf(-1))})
	if err != nil || string(b) != "[0.25,null,null]" {
		t.Errorf("got %s, %v", b, err)
	}
}

// TestOutputFormat: a named format wins over the guess from the path.
func TestOutputFormat(t *testing.T) {
	for _, c := range []struct {
		path, name string
		want       Format
	}{{"x.bin", "", Word2VecBinary}, {"x.bin", "auto", Word2VecBinary}, {"glove.txt", "", GloVeText}, {"x.bin", "glove", GloVeText}, {"x.txt", "AUTO", Word2VecText}} {
		if got, err := OutputFormat(c.path, c.name); err != nil || got != c.want {
			t.Errorf("OutputFormat(%q, %q) = %v, %v; want %v", c.path, c.name, got, err, c.want)
		}
	}
	if _, err := OutputFormat("x", "nope"); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestCheckOutput: an output in a missing directory, a file standing for
// its directory, or a directory standing for the file is refused before
// any work; "-" and files in existing directories pass, and a bad format
// is named.
func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"-", filepath.Join(dir, "v.bin"), "v.txt"} {
		if _, err := CheckOutput(path, "auto"); err != nil {
			t.Errorf("CheckOutput(%q): %v", path, err)
		}
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "none", "v.txt"): "--out " + filepath.Join(dir, "none", "v.txt") + ": directory " + filepath.Join(dir, "none") + " does not exist",
		filepath.Join(file, "v.txt"):        "directory " + file + " does not exist",
		// An existing directory as the file: vectors train trained for
		// its whole run, then failed to rename its output over it.
		dir: "--out " + dir + " is a directory",
	} {
		if _, err := CheckOutput(path, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckOutput(%q): %v, want %q", path, err, want)
		}
	}
	if _, err := CheckOutput("-", "nope"); err == nil || !strings.HasPrefix(err.Error(), "--out-format: ") {
		t.Errorf("unknown format: %v", err)
	}
}

// TestReports covers the small reports: Head, neighbours, output and plot
// summaries.
func TestReports(t *testing.T) {
	x := loadTiny(t)
	if h := x.V.Head(3); h.Len() != 3 || len(h.Data) != 3*h.Dim || h.Words[2] != x.V.Words[2] || x.V.Head(0) != x.V || x.V.Head(99) != x.V {
		t.Errorf("Head")
	}
	ns := []Neighbor{{"queen", 7, 0.75}, {"king", 2, 0.5}}
	var buf bytes.Buffer
	if err := Neighbors(ns).WriteText(&buf); err != nil || buf.String() != "queen\t0.7500\nking\t0.5000\n" {
		t.Errorf("Neighbors.WriteText: %q, %v", buf.String(), err)
	}
	buf.Reset()
	if err := (&PairSimilarity{0.5, "a", "b"}).WriteText(&buf); err != nil || buf.String() != "0.500000\n" {
		t.Errorf("PairSimilarity.WriteText: %q, %v", buf.String(), err)
	}
	buf.Reset()
	if err := (&OddWord{[]string{"zzz"}, "paris"}).WriteText(&buf); err != nil || buf.String() != "paris\n" {
		t.Errorf("OddWord.WriteText: %q, %v", buf.String(), err)
	}
	if b, _ := json.Marshal(ns); string(b) != `[{"word":"queen","score":0.75},{"word":"king","score":0.5}]` {
		t.Errorf("neighbours JSON %s", b)
	}
	buf.Reset()
	if err := x.V.Head(5).Summary("o.bin", Word2VecBinary).WriteText(&buf); err != nil || buf.String() != "wrote 5 vectors of dimension 12 to o.bin (word2vec-bin)\n" {
		t.Errorf("output summary %q, %v", buf.String(), err)
	}
	path := filepath.Join(t.TempDir(), "p.svg")
	job := PlotJob{Words: []string{"man", "woman", "zzz", "King"}, Out: path, Width: 10, Height: 8}
	s, err := PlotFiles(text.Stdio{}, Source{Path: "testdata/tiny.txt"}, job)
	if err != nil || len(s.Words) != 3 || len(s.Ignored) != 1 || s.Ignored[0] != "zzz" {
		t.Fatalf("PlotFiles: %+v, %v", s, err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("PCA of tiny.txt")) {
		t.Errorf("plot file: %v", err)
	}
	buf.Reset()
	if s.WriteText(&buf); buf.String() != "wrote "+path+" (3 words)\n" {
		t.Errorf("plot text %q", buf.String())
	}
	job.Words = []string{"man", "zzz"}
	if _, err := PlotFiles(text.Stdio{}, Source{Path: "testdata/tiny.txt"}, job); err == nil {
		t.Error("plot of one known word succeeded")
	}
}
