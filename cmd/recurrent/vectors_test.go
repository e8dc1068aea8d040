package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/vectors"
)

// runVecCLI runs the root command with args and returns its standard output.
func runVecCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runCLIIn(t, "", args...)
}

const tinyVectors = "../../vectors/testdata/tiny.txt"

func TestVectorsCLI(t *testing.T) {
	out, err := runVecCLI(t, "vectors", "analogy", "--vectors", tinyVectors, "man", "woman", "king", "-k", "2", "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "queen\t") {
		t.Fatalf("analogy output %q", out)
	}

	out, err = runVecCLI(t, "vectors", "eval", "--vectors", tinyVectors, "--analogy", "../../vectors/testdata/tiny_analogies.txt",
		"--similarity", "../../vectors/testdata/tiny_pairs.txt", "--json", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Analogy struct {
			Total, Semantic, Syntactic float64
			Sections                   []struct {
				Section            string
				Correct, Incorrect int
			}
		}
		Similarity map[string]struct {
			Spearman, Pearson float64
			OOVPercent        float64 `json:"oov_percent"`
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("eval JSON: %v\n%s", err, out)
	}
	if res.Analogy.Total != 6.0/7 || res.Analogy.Semantic != 0.8 || res.Analogy.Syntactic != 1 || res.Analogy.Sections[1].Incorrect != 1 {
		t.Fatalf("analogy JSON %+v", res.Analogy)
	}
	if s := res.Similarity["tiny_pairs.txt"]; s.OOVPercent < 16.6 || s.OOVPercent > 16.7 || s.Pearson < 0.95 {
		t.Fatalf("similarity JSON %+v", res.Similarity)
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "tiny.bin")
	if _, err := runVecCLI(t, "vectors", "convert", "--in", tinyVectors, "--out", bin, "--limit", "10"); err != nil {
		t.Fatal(err)
	}
	v, err := vectors.Load(bin)
	if err != nil || v.Len() != 10 || v.Words[9] != "germany" {
		t.Fatalf("converted file: %v", err)
	}

	png1 := filepath.Join(dir, "words.png")
	if _, err := runVecCLI(t, "vectors", "plot", "--vectors", tinyVectors, "--words", "man,woman,king,queen,paris", "--out", png1); err != nil {
		t.Fatal(err)
	}
	if img, err := os.ReadFile(png1); err != nil {
		t.Fatal(err)
	} else if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Fatalf("plot is not a PNG: %v", err)
	}

	if _, err := runVecCLI(t, "vectors", "similar", "--vectors", filepath.Join(dir, "missing.txt"), "man"); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Fatalf("missing file error: %v", err)
	}
}
