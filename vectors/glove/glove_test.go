package glove

import (
	"github.com/recurrent-go/recurrent/internal/xrand"

	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/text"
)

func corpusOf(t testing.TB, content string) *text.Corpus {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.txt")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := text.NewCorpus(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect(t *testing.T, c *text.Corpus, voc *text.CorpusVocab, opt CooccurOptions) ([]Cooccurrence, CooccurStats) {
	t.Helper()
	var out []Cooccurrence
	st, err := Cooccur(context.Background(), c, voc, opt, nil, func(x Cooccurrence) error {
		out = append(out, x)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

func TestCooccurCounts(t *testing.T) {
	// Ids by frequency: a=0 (3), b=1 (2), c=2 (1); the newline resets the window.
	c := corpusOf(t, "a b a\nc a b\n")
	voc, err := text.CountVocab(context.Background(), c, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, c, voc, CooccurOptions{Window: 2})
	// Line 1: a-b d1, b-a d1, a-a d2. Line 2: c-a d1, a-b d1, c-b d2.
	want := map[[2]int32]float64{
		{0, 0}: 2 * 0.5, {0, 1}: 3, {1, 0}: 3,
		{0, 2}: 1, {2, 0}: 1, {1, 2}: 0.5, {2, 1}: 0.5,
	}
	if len(got) != len(want) || st.Pairs != int64(len(want)) {
		t.Fatalf("got %d entries (%d pairs), want %d: %v", len(got), st.Pairs, len(want), got)
	}
	for _, x := range got {
		if w, ok := want[[2]int32{x.I, x.J}]; !ok || math.Abs(x.X-w) > 1e-12 {
			t.Errorf("X[%d][%d] = %v, want %v", x.I, x.J, x.X, w)
		}
	}
}

// TestCooccurSpillIdentical counts a corpus with budgets from ample to tiny
// (no dense block, many spilled runs): the entries must be identical.
func TestCooccurSpillIdentical(t *testing.T) {
	r := xrand.New(5, 0)
	var sb strings.Builder
	for range 400 {
		n := 5 + r.Intn(30)
		for k := range n {
			if k > 0 {
				sb.WriteByte(' ')
			}
			// Zipf-like: small ids are frequent.
			fmt.Fprintf(&sb, "w%d", r.Intn(1+r.Intn(300)))
		}
		sb.WriteByte('\n')
	}
	c := corpusOf(t, sb.String())
	voc, err := text.CountVocab(context.Background(), c, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, st0 := collect(t, c, voc, CooccurOptions{Window: 7, MemoryBytes: 64 << 20})
	if st0.Runs != 0 {
		t.Fatalf("ample budget spilled %d runs", st0.Runs)
	}
	for _, mem := range []int64{1 << 16, 1 << 13} {
		got, st := collect(t, c, voc, CooccurOptions{Window: 7, MemoryBytes: mem, TempDir: t.TempDir()})
		if st.Runs < 2 {
			t.Errorf("budget %d: %d runs spilled, want several", mem, st.Runs)
		}
		if !reflect.DeepEqual(got, ref) {
			t.Errorf("budget %d: %d entries differ from the in-memory count (%d)", mem, len(got), len(ref))
		}
	}
	// Symmetry and order.
	for k := 1; k < len(ref); k++ {
		a, b := ref[k-1], ref[k]
		ka := [2]int32{min(a.I, a.J), max(a.I, a.J)}
		kb := [2]int32{min(b.I, b.J), max(b.I, b.J)}
		if ka[0] > kb[0] || (ka[0] == kb[0] && kb[1] < ka[1]) {
			t.Fatalf("entries out of order at %d", k)
		}
	}
}

func TestTrainPlanted(t *testing.T) {
	const groups, size = 6, 8
	c := corpusOf(t, testutil.PlantedTopics(11, groups, size, 1500, 10))
	calls := 0
	m, err := Train(context.Background(), c, Options{Dim: 16, Window: 5, MinCount: 1, Iterations: 25, XMax: 10, Threads: 2, Seed: 3},
		func(Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	v := m.Vectors()
	var same, diff float64
	var ns, nd int
	for i := range v.Words {
		for j := i + 1; j < len(v.Words); j++ {
			a, b := v.Vec(i), v.Vec(j)
			var d, na, nb float64
			for k := range a {
				d += float64(a[k] * b[k])
				na += float64(a[k] * a[k])
				nb += float64(b[k] * b[k])
			}
			cs := d / math.Sqrt(na*nb)
			if v.Words[i][:2] == v.Words[j][:2] {
				same, ns = same+cs, ns+1
			} else {
				diff, nd = diff+cs, nd+1
			}
		}
	}
	same, diff = same/float64(ns), diff/float64(nd)
	t.Logf("same-topic cosine %.3f, cross-topic %.3f, cost %.4f, pairs %d", same, diff, m.Loss, m.Pairs)
	if same-diff < 0.3 {
		t.Errorf("same-topic cosine %.3f, cross-topic %.3f: structure not learned", same, diff)
	}
	if calls == 0 {
		t.Error("progress never called")
	}
}

func TestTrainErrors(t *testing.T) {
	c := corpusOf(t, "a\nb\na\n")
	if _, err := Train(context.Background(), c, Options{MinCount: 1}, nil); err == nil || !strings.Contains(err.Error(), "no co-occurrences") {
		t.Errorf("single-word sentences: err = %v", err)
	}
	if _, err := Train(context.Background(), corpusOf(t, ""), Options{}, nil); err == nil {
		t.Error("empty corpus: no error")
	}
	if _, err := Train(context.Background(), c, Options{Window: MaxWindow + 1}, nil); err == nil {
		t.Error("window too large: no error")
	}
	// Non-finite weighting and rate (--x-max NaN trained as if every
	// count were over it), and a negative minimum count.
	good := corpusOf(t, "a b a c\nb a c\n")
	if _, err := Train(context.Background(), good, Options{MinCount: 1, Dim: 4, Iterations: 1}, nil); err != nil {
		t.Fatalf("control: %v", err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	for _, o := range []Options{{XMax: nan}, {XMax: inf}, {Power: nan}, {Alpha: nan}, {Alpha: inf}, {MinCount: -5}} {
		o.Dim, o.Iterations = 4, 1
		if o.MinCount == 0 {
			o.MinCount = 1
		}
		if _, err := Train(context.Background(), good, o, nil); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
}

func TestLCM(t *testing.T) {
	for n, want := range map[int]int64{1: 1, 2: 2, 5: 60, 10: 2520, 20: 232792560} {
		if got := lcm(n); got != want {
			t.Errorf("lcm(1..%d) = %d, want %d", n, got, want)
		}
	}
}

func TestAdagradKernel(t *testing.T) {
	for _, n := range []int{1, 7, 8, 13, 16, 100} {
		r := xrand.New(1, uint64(n))
		mk := func(pos bool) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = r.Float32() - 0.5
				if pos {
					s[i] = 1 + r.Float32()
				}
			}
			return s
		}
		w, wt, gw, gwt := mk(false), mk(false), mk(true), mk(true)
		w2, wt2, gw2, gwt2 := slices.Clone(w), slices.Clone(wt), slices.Clone(gw), slices.Clone(gwt)
		adagrad(0.3, w, wt, gw, gwt)
		adagradGo(0.3, w2, wt2, gw2, gwt2)
		for i := range w {
			for _, p := range [][2]float32{{w[i], w2[i]}, {wt[i], wt2[i]}, {gw[i], gw2[i]}, {gwt[i], gwt2[i]}} {
				if math.Abs(float64(p[0]-p[1])) > 1e-6 {
					t.Fatalf("n=%d: element %d: %v, want %v", n, i, p[0], p[1])
				}
			}
		}
	}
}

func TestEntryListBlocks(t *testing.T) {
	var l entryList
	n := 2*entryBlock + entryBlock/2
	for i := range n {
		l.append(entry{i: int32(i)})
	}
	for _, r := range [][2]int{{0, n}, {5, entryBlock + 3}, {entryBlock, 2 * entryBlock}, {n - 1, n}, {7, 7}} {
		k := r[0]
		for _, s := range l.slices(r[0], r[1]) {
			for _, e := range s {
				if int(e.i) != k {
					t.Fatalf("range %v: entry %d has index %d", r, k, e.i)
				}
				k++
			}
		}
		if k != r[1] {
			t.Errorf("range %v: ended at %d", r, k)
		}
	}
	if l.at(entryBlock+1).i != entryBlock+1 {
		t.Error("at() wrong across blocks")
	}
}
