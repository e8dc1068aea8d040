package seq2seq

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestCorpusBLEU(t *testing.T) {
	bp76 := math.Exp(1 - 7.0/6)
	cases := []struct {
		name           string
		hyps, refs     []string
		correct, total [4]int
		sysLen, refLen int
		precisions     [4]float64 // percent
		bp, score      float64
	}{
		{
			// hyp 1-grams a b c d e f: a,b,c,d,f match (5/6); 2-grams ab bc cd
			// de ef vs ref ab bc cd dx xf fg: 3/5; 3-grams abc bcd cde def vs
			// abc bcd cdx dxf xfg: 2/4; 4-grams abcd bcde cdef vs abcd bcdx
			// cdxf dxfg: 1/3. BP = exp(1-7/6).
			name: "hand counted", hyps: []string{"a b c d e f"}, refs: []string{"a b c d x f g"},
			correct: [4]int{5, 3, 2, 1}, total: [4]int{6, 5, 4, 3}, sysLen: 6, refLen: 7,
			precisions: [4]float64{500.0 / 6, 60, 50, 100.0 / 3},
			bp:         bp76, score: bp76 * math.Pow(5.0/6*3/5*2/4*1/3, 0.25) * 100,
		},
		{
			// 1-grams 3/4; 2-grams ab bc cd vs ab bx xd: 1/3; 3-grams abc bcd:
			// 0/2 -> first zero order, 100/(2*2); 4-gram abcd: 0/1 -> second
			// zero order, 100/(4*1).
			name: "exp smoothing", hyps: []string{"a b c d"}, refs: []string{"a b x d"},
			correct: [4]int{3, 1, 0, 0}, total: [4]int{4, 3, 2, 1}, sysLen: 4, refLen: 4,
			precisions: [4]float64{75, 100.0 / 3, 25, 25},
			bp:         1, score: math.Pow(0.75*(1.0/3)*0.25*0.25, 0.25) * 100,
		},
		{
			// Clipping: "the" occurs 4 times, once in the reference: 1/4.
			// 2-grams "the the" x3: 0/3 -> 100/6; 3-grams 0/2 -> 100/8;
			// 4-gram 0/1 -> 100/8.
			name: "clipping", hyps: []string{"the the the the"}, refs: []string{"the cat"},
			correct: [4]int{1, 0, 0, 0}, total: [4]int{4, 3, 2, 1}, sysLen: 4, refLen: 2,
			precisions: [4]float64{25, 100.0 / 6, 12.5, 12.5},
			bp:         1, score: math.Pow(0.25*(1.0/6)*0.125*0.125, 0.25) * 100,
		},
		{
			// Corpus level: segment 1 matches fully (4/4 3/3 2/2 1/1),
			// segment 2 not at all (0/2 0/1); sums 4/6 3/4 2/2 1/1, lengths
			// 6 and 7.
			name: "corpus sums", hyps: []string{"a b c d", "x y"}, refs: []string{"a b c d", "p q r"},
			correct: [4]int{4, 3, 2, 1}, total: [4]int{6, 4, 2, 1}, sysLen: 6, refLen: 7,
			precisions: [4]float64{400.0 / 6, 75, 100, 100},
			bp:         bp76, score: bp76 * math.Pow(4.0/6*0.75, 0.25) * 100,
		},
		{
			name: "perfect", hyps: []string{"one two three four five", "six seven eight nine"},
			refs:    []string{"one two three four five", "six seven eight nine"},
			correct: [4]int{9, 7, 5, 3}, total: [4]int{9, 7, 5, 3}, sysLen: 9, refLen: 9,
			precisions: [4]float64{100, 100, 100, 100}, bp: 1, score: 100,
		},
		{
			// No matches at all: score 0 and precisions 0 (sacreBLEU's early
			// return), BP still reported.
			name: "zero matches", hyps: []string{"x y z"}, refs: []string{"a b c d"},
			correct: [4]int{}, total: [4]int{3, 2, 1, 0}, sysLen: 3, refLen: 4,
			bp: math.Exp(1 - 4.0/3), score: 0,
		},
		{
			name: "empty hypothesis", hyps: []string{""}, refs: []string{"a b c"},
			total: [4]int{}, sysLen: 0, refLen: 3, bp: 0, score: 0,
		},
		{
			// Hypotheses shorter than 4 tokens have no 4-grams: without
			// effective order the 4-gram precision is 0 and so is BLEU.
			name: "too short", hyps: []string{"a b c"}, refs: []string{"a b c"},
			correct: [4]int{3, 2, 1, 0}, total: [4]int{3, 2, 1, 0}, sysLen: 3, refLen: 3,
			precisions: [4]float64{100, 100, 100, 0}, bp: 1, score: 0,
		},
		{
			// Whitespace as Python's split: tabs, repeated spaces, U+001F and
			// U+3000 separate tokens.
			name: "whitespace", hyps: []string{" a\tb  c\x1fd\u3000e "}, refs: []string{"a b c d e"},
			correct: [4]int{5, 4, 3, 2}, total: [4]int{5, 4, 3, 2}, sysLen: 5, refLen: 5,
			precisions: [4]float64{100, 100, 100, 100}, bp: 1, score: 100,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := CorpusBLEU(c.hyps, c.refs)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(b.Counts, c.correct[:]) || !reflect.DeepEqual(b.Totals, c.total[:]) {
				t.Errorf("counts %v totals %v, want %v %v", b.Counts, b.Totals, c.correct, c.total)
			}
			if b.SysLen != c.sysLen || b.RefLen != c.refLen {
				t.Errorf("lengths %d %d want %d %d", b.SysLen, b.RefLen, c.sysLen, c.refLen)
			}
			for n := range 4 {
				if math.Abs(b.Precisions[n]-c.precisions[n]) > 1e-9 {
					t.Errorf("precision %d = %v want %v", n+1, b.Precisions[n], c.precisions[n])
				}
			}
			if math.Abs(b.BP-c.bp) > 1e-12 || math.Abs(b.Score-c.score) > 1e-9 {
				t.Errorf("bp %v score %v, want %v %v", b.BP, b.Score, c.bp, c.score)
			}
		})
	}
}

func TestCorpusBLEUErrors(t *testing.T) {
	if _, err := CorpusBLEU([]string{"a", "b"}, []string{"a"}); err == nil || !strings.Contains(err.Error(), "2 hypothesis lines but 1 reference") {
		t.Errorf("err = %v", err)
	}
	if _, err := CorpusBLEUTokens([][]string{{"a"}}, nil); err == nil {
		t.Error("want error")
	}
}

func TestBLEUString(t *testing.T) {
	b, _ := CorpusBLEU([]string{"a b c d e f"}, []string{"a b c d x f g"})
	want := "BLEU = 45.48 83.3/60.0/50.0/33.3 (BP = 0.846 ratio = 0.857 hyp_len = 6 ref_len = 7)"
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestTokensMatchLines(t *testing.T) {
	hyps := []string{"the cat sat on the mat", "a b c d e"}
	refs := []string{"the cat is on the mat", "a b d c e"}
	a, _ := CorpusBLEU(hyps, refs)
	var ht, rt [][]string
	for i := range hyps {
		ht = append(ht, strings.Fields(hyps[i]))
		rt = append(rt, strings.Fields(refs[i]))
	}
	b, _ := CorpusBLEUTokens(ht, rt)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%v != %v", a, b)
	}
}

func BenchmarkCorpusBLEU(b *testing.B) {
	hyps := make([]string, 1000)
	refs := make([]string, 1000)
	for i := range hyps {
		hyps[i] = "the quick brown fox jumps over the lazy dog again and again"
		refs[i] = "the quick brown fox jumped over a lazy dog again and again"
	}
	for range b.N {
		if _, err := CorpusBLEU(hyps, refs); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTokenize(t *testing.T) {
	got := Tokenize(" a\tb  c\x1fd\u3000e\u00a0f ")
	if !reflect.DeepEqual(got, []string{"a", "b", "c", "d", "e", "f"}) {
		t.Errorf("Tokenize = %q", got)
	}
}

// naiveStats counts n-grams with joined-string keys, independently of the
// id-based counter.
func naiveStats(hyp, ref []string) BLEUStats {
	grams := func(toks []string) map[string]int {
		m := map[string]int{}
		for n := 1; n <= MaxOrder; n++ {
			for i := 0; i+n <= len(toks); i++ {
				m[strings.Join(toks[i:i+n], "\x00")]++
			}
		}
		return m
	}
	s := BLEUStats{SysLen: len(hyp), RefLen: len(ref)}
	r := grams(ref)
	for g, c := range grams(hyp) {
		n := strings.Count(g, "\x00") + 1
		s.Total[n-1] += c
		s.Correct[n-1] += min(c, r[g])
	}
	return s
}

func TestCorpusBLEURandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	words := []string{"a", "b", "c", "d", "the", "cat"}
	line := func() []string {
		toks := make([]string, rng.IntN(9))
		for i := range toks {
			toks[i] = words[rng.IntN(len(words))]
		}
		return toks
	}
	for range 200 {
		var hyps, refs []string
		var want BLEUStats
		for range 1 + rng.IntN(5) {
			h, r := line(), line()
			hyps = append(hyps, strings.Join(h, " "))
			refs = append(refs, strings.Join(r, "  "))
			want.Add(naiveStats(h, r))
		}
		got, err := CorpusBLEU(hyps, refs)
		if err != nil {
			t.Fatal(err)
		}
		if w := want.Score(); !reflect.DeepEqual(got, w) {
			t.Fatalf("%q vs %q: got %+v want %+v", hyps, refs, got, w)
		}
	}
}
