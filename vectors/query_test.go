package vectors

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

func loadTiny(t testing.TB) *Index {
	t.Helper()
	v, err := Load("testdata/tiny.txt")
	if err != nil {
		t.Fatal(err)
	}
	return NewIndex(v)
}

func words(ns []Neighbor) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Word
	}
	return out
}

func TestMostSimilarTiny(t *testing.T) {
	x := loadTiny(t)
	// Values from gensim 4.2 most_similar / most_similar_cosmul on the same file.
	for _, tc := range []struct {
		name   string
		method Method
		words  []string
		scores []float32
	}{
		{"3cosadd", CosAdd, []string{"King", "queen", "princess", "the"}, []float32{1.0, 0.99750936, 0.9268551, 0.4082483}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := x.MostSimilar([]string{"woman", "king"}, []string{"man"}, 4, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range got {
				if n.Word != tc.words[i] || math.Abs(float64(n.Score-tc.scores[i])) > 1e-5 {
					t.Fatalf("result %d: got %s %v, want %s %v", i, n.Word, n.Score, tc.words[i], tc.scores[i])
				}
			}
			an, err := x.Analogy("man", "woman", "king", tc.method, 4, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range an {
				if n.Word != tc.words[i] || math.Abs(float64(n.Score-tc.scores[i])) > 1e-5 {
					t.Fatalf("analogy result %d: got %s %v, want %s %v", i, n.Word, n.Score, tc.words[i], tc.scores[i])
				}
			}
		})
	}
	// 3CosMul: King has cos 0.5 with woman and king and 0 with man:
	// 0.75 * 0.75 / (0.5 + 0.001).
	cm, err := x.Analogy("man", "woman", "king", CosMul, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w := words(cm); w[0] != "King" || w[1] != "queen" || w[2] != "princess" || w[3] != "the" {
		t.Fatalf("3cosmul order %v", w)
	}
	if math.Abs(float64(cm[0].Score)-0.5625/0.501) > 1e-5 {
		t.Fatalf("3cosmul score %v, want %v", cm[0].Score, 0.5625/0.501)
	}
	// Restriction: only the first 6 words are candidates.
	got, err := x.MostSimilar([]string{"woman", "king"}, []string{"man"}, 10, 6)
	if err != nil {
		t.Fatal(err)
	}
	if w := words(got); len(w) != 3 || w[0] != "King" || w[1] != "queen" || w[2] != "the" {
		t.Fatalf("restricted: %v", w)
	}
	if _, err := x.MostSimilar([]string{"unicorn"}, nil, 3, 0); err == nil {
		t.Fatal("unknown word accepted")
	}
	if _, err := x.MostSimilar(nil, nil, 3, 0); err == nil {
		t.Fatal("empty query accepted")
	}
	s, err := x.Similarity("man", "woman")
	if err != nil || math.Abs(float64(s)-0.5) > 1e-6 {
		t.Fatalf("similarity man woman = %v, %v; want 0.5", s, err)
	}
	odd, missing, err := x.DoesntMatch([]string{"man", "woman", "king", "paris", "dragon"})
	if err != nil || odd != "paris" || len(missing) != 1 || missing[0] != "dragon" {
		t.Fatalf("doesn't match = %q %v %v", odd, missing, err)
	}
	// Case-insensitive fallback.
	if _, ok := x.Lookup("BERLIN"); ok {
		t.Fatal("case-sensitive lookup found BERLIN")
	}
	x.IgnoreCase()
	if i, ok := x.Lookup("BERLIN"); !ok || x.V.Words[i] != "berlin" {
		t.Fatal("case-insensitive lookup failed")
	}
	if i, _ := x.Lookup("PARIS"); x.V.Words[i] != "PARIS" {
		t.Fatal("exact match must win over case folding")
	}
}

// naiveAnalogy answers a:b::c:? by looping over words in float64.
func naiveAnalogy(v *Vectors, units [][]float64, a, b, c int, method Method, restrict int) (int, float64) {
	unit := func(i int) []float64 { return units[i] }
	ua, ub, uc := unit(a), unit(b), unit(c)
	q := make([]float64, v.Dim)
	for k := range q {
		q[k] = ub[k] - ua[k] + uc[k]
	}
	best, bestS := -1, math.Inf(-1)
	for i := 0; i < restrict; i++ {
		if i == a || i == b || i == c {
			continue
		}
		ui := unit(i)
		var s float64
		if method == CosAdd {
			s = cos64(ui, q)
		} else {
			s = (cos64(ui, ub) + 1) / 2 * (cos64(ui, uc) + 1) / 2 / ((cos64(ui, ua)+1)/2 + CosMulEpsilon)
		}
		if s > bestS {
			best, bestS = i, s
		}
	}
	return best, bestS
}

// units64 returns the unit vectors of v in float64.
func units64(v *Vectors) [][]float64 {
	out := make([][]float64, v.Len())
	for i := range out {
		u := make([]float64, v.Dim)
		var n float64
		for k, x := range v.Vec(i) {
			u[k] = float64(x)
			n += u[k] * u[k]
		}
		for k := range u {
			u[k] /= math.Sqrt(n)
		}
		out[i] = u
	}
	return out
}

func cos64(x, y []float64) float64 {
	var s, nx, ny float64
	for k := range x {
		s += x[k] * y[k]
		nx += x[k] * x[k]
		ny += y[k] * y[k]
	}
	return s / math.Sqrt(nx*ny)
}

func TestAnalogyBatchMatchesNaive(t *testing.T) {
	v := randomVectors(700, 24, 3)
	x := NewIndex(v)
	units := units64(v)
	rng := rand.New(rand.NewPCG(5, 5))
	qs := make([][3]int, 300)
	for i := range qs {
		qs[i] = [3]int{rng.IntN(700), rng.IntN(700), rng.IntN(700)}
	}
	for _, method := range []Method{CosAdd, CosMul} {
		for _, restrict := range []int{0, 350} {
			ans := x.AnalogyBatch(qs, method, 3, restrict, nil)
			r := x.restrictN(restrict)
			for q, qq := range qs {
				want, ws := naiveAnalogy(v, units, qq[0], qq[1], qq[2], method, r)
				if got := ans.Top[q][0]; got != want {
					t.Fatalf("%v restrict %d question %d: got %d (%v), want %d (%v)", method, restrict, q, got, ans.Score(q, 0), want, ws)
				}
				if math.Abs(float64(ans.Score(q, 0))-ws) > 1e-4 {
					t.Fatalf("%v question %d: score %v, want %v", method, q, ans.Score(q, 0), ws)
				}
				for n := 1; n < len(ans.Top[q]); n++ {
					if ans.Score(q, n) > ans.Score(q, n-1) {
						t.Fatalf("%v question %d: scores not descending", method, q)
					}
				}
			}
		}
	}
}

func TestTopK(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(60)
		scores := make([]float32, n)
		for i := range scores {
			scores[i] = float32(rng.IntN(10)) // many ties
		}
		if trial%7 == 0 {
			scores[rng.IntN(n)] = float32(math.NaN())
		}
		exclude := []int{rng.IntN(n), rng.IntN(n)}
		k := rng.IntN(n + 2)
		got := topK(scores, k, exclude, nil)
		var want []int
		for i := range scores {
			if i != exclude[0] && i != exclude[1] && !math.IsNaN(float64(scores[i])) {
				want = append(want, i)
			}
		}
		sort.SliceStable(want, func(a, b int) bool { return scores[want[a]] > scores[want[b]] })
		if len(want) > k {
			want = want[:k]
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d: got %v want %v", trial, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d: got %v want %v (scores %v)", trial, got, want, scores)
			}
		}
	}
}

func TestParseMethod(t *testing.T) {
	testutil.CheckParse(t, ParseMethod, []Method{CosAdd, CosMul}, "3cosdiv")
}

func BenchmarkMostSimilar(b *testing.B) {
	x := NewIndex(randomVectors(30000, 100, 1))
	b.ResetTimer()
	for b.Loop() {
		if _, err := x.MostSimilar([]string{"w10", "w20"}, []string{"w30"}, 10, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalogyBatch(b *testing.B) {
	x := NewIndex(randomVectors(30000, 100, 1))
	rng := rand.New(rand.NewPCG(1, 1))
	qs := make([][3]int, 1000)
	for i := range qs {
		qs[i] = [3]int{rng.IntN(30000), rng.IntN(30000), rng.IntN(30000)}
	}
	for _, m := range []Method{CosAdd, CosMul} {
		b.Run(m.String(), func(b *testing.B) {
			for b.Loop() {
				x.AnalogyBatch(qs, m, 5, 0, nil)
			}
			b.ReportMetric(float64(len(qs))*float64(b.N)/b.Elapsed().Seconds(), "questions/s")
		})
	}
}

// TestDuplicateWordNeverAnswers: a file naming a word twice is looked up by
// its first row (as gensim keeps); the later row must not come back as an
// answer, least of all to a query of that very word.
func TestDuplicateWordNeverAnswers(t *testing.T) {
	v := &Vectors{Words: []string{"foo", "bar", "foo", "baz"}, Dim: 2, Data: []float32{1, 2, 3, 4, 5, 6, 1, 0}}
	x := NewIndex(v)
	got, err := x.MostSimilar([]string{"foo"}, nil, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w := words(got); len(w) != 2 || w[0] != "bar" || w[1] != "baz" {
		t.Fatalf("most similar to foo: %v, want [bar baz]", w)
	}
	got, err = x.MostSimilar([]string{"bar"}, nil, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w := words(got); len(w) != 2 || got[0].Index != 0 {
		t.Fatalf("most similar to bar: %v (first row %d), want foo (row 0) and baz", w, got[0].Index)
	}
	for _, m := range []Method{CosAdd, CosMul} {
		an, err := x.Analogy("bar", "baz", "baz", m, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(an) != 1 || an[0].Index != 0 {
			t.Fatalf("%v analogy: %v, want only foo (row 0)", m, an)
		}
	}
}
