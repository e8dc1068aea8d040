package vectors

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestEmbeddingMatrix(t *testing.T) {
	v := &Vectors{Words: []string{"the", "paris", "Paris"}, Dim: 2, Data: []float32{1, 2, 3, 4, 5, 6}}
	vocab := []string{"<pad>", "Paris", "THE", "unknownword", "paris"}
	for _, tc := range []struct {
		dim   int
		found int
		rows  map[int][]float32 // expected copied prefixes
	}{
		{2, 3, map[int][]float32{1: {5, 6}, 2: {1, 2}, 4: {3, 4}}},
		{3, 3, map[int][]float32{1: {5, 6}, 2: {1, 2}, 4: {3, 4}}},
		{1, 3, map[int][]float32{1: {5}, 2: {1}, 4: {3}}},
	} {
		data, found := EmbeddingMatrix(vocab, v, tc.dim, rand.New(rand.NewPCG(1, 1)))
		if found != tc.found || len(data) != len(vocab)*tc.dim {
			t.Fatalf("dim %d: found %d (%d values)", tc.dim, found, len(data))
		}
		for r, want := range tc.rows {
			for j, x := range want {
				if data[r*tc.dim+j] != x {
					t.Errorf("dim %d row %d: %v, want prefix %v", tc.dim, r, data[r*tc.dim:(r+1)*tc.dim], want)
				}
			}
		}
		// Unknown rows are random, not zero.
		if data[3*tc.dim] == 0 && data[0] == 0 {
			t.Errorf("dim %d: unknown rows not initialized", tc.dim)
		}
	}
	// Random rows follow the vectors' spread.
	big := randomVectors(2000, 50, 4)
	for i := range big.Data {
		big.Data[i] *= 0.1
	}
	vocab = make([]string, 500)
	for i := range vocab {
		vocab[i] = "missing"
	}
	data, found := EmbeddingMatrix(vocab, big, 50, nil)
	var ss float64
	for _, x := range data {
		ss += float64(x) * float64(x)
	}
	if std := math.Sqrt(ss / float64(len(data))); found != 0 || math.Abs(std-0.1) > 0.01 {
		t.Fatalf("random rows std %v (found %d), want about 0.1", std, found)
	}
}

func TestBuiltin(t *testing.T) {
	set, err := GoogleAnalogies()
	if err != nil {
		t.Fatal(err)
	}
	n, syn := 0, 0
	for _, s := range set.Sections {
		n += len(s.Questions)
		if s.Syntactic() {
			syn += len(s.Questions)
		}
	}
	if len(set.Sections) != 14 || n != 19544 || syn != 10675 || len(set.Skipped) != 0 {
		t.Fatalf("google set: %d sections, %d questions (%d syntactic), %d skipped", len(set.Sections), n, syn, len(set.Skipped))
	}
	l, err := BuiltinDebiasLists(false)
	if err != nil || len(l.GenderSpecific) != 1441 {
		t.Fatalf("builtin lists: %v", err)
	}
	// The embedded copies equal the testdata copies.
	fromFile, err := LoadAnalogies("../testdata/analogy/questions-words.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(fromFile.Sections) != len(set.Sections) || fromFile.Sections[13].Questions[5] != set.Sections[13].Questions[5] {
		t.Fatal("embedded analogy set differs from testdata")
	}
}

func TestProjectAndPlot(t *testing.T) {
	x := loadTiny(t)
	known, xy, missing, err := x.Project2D([]string{"man", "woman", "king", "queen", "paris", "unicorn"})
	if err != nil {
		t.Fatal(err)
	}
	if len(known) != 5 || len(missing) != 1 || len(xy) != 5 {
		t.Fatalf("known %v missing %v", known, missing)
	}
	// Coordinates are centered.
	var sx, sy float64
	for _, c := range xy {
		sx += c[0]
		sy += c[1]
	}
	if math.Abs(sx) > 1e-5 || math.Abs(sy) > 1e-5 {
		t.Fatalf("projection not centered: %v %v", sx, sy)
	}
	// paris is the odd one out and dominates the first component.
	if math.Abs(xy[4][0]) < math.Abs(xy[0][0]) {
		t.Fatalf("paris should be farthest on PC1: %v", xy)
	}
	if _, _, _, err := x.Project2D([]string{"man", "unicorn"}); err == nil {
		t.Fatal("one known word accepted")
	}
	path := filepath.Join(t.TempDir(), "words.png")
	if err := SavePlot(path, "tiny", known, xy, 12, 9); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w < 300 {
		t.Fatalf("png width %d", w)
	}
	if err := SavePlot(path, "", known[:1], xy, 12, 9); err == nil {
		t.Fatal("label count mismatch accepted")
	}
}
