package word2vec

import (
	"github.com/recurrent-go/recurrent/internal/xrand"

	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/text"
)

// plantedCorpus writes sentences whose words all come from one of groups
// topics of size words each ("g3w7"), so words of a topic co-occur and
// words of different topics never do.
func plantedCorpus(t testing.TB, groups, size, sentences int) *text.Corpus {
	t.Helper()
	p := filepath.Join(t.TempDir(), "planted.txt")
	if err := os.WriteFile(p, []byte(testutil.PlantedTopics(42, groups, size, sentences, 12)), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := text.NewCorpus(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

// groupSeparation returns the mean cosine between words of the same topic
// and between words of different topics.
func groupSeparation(m *Model) (same, diff float64) {
	v := m.Vectors()
	var ns, nd int
	for i := range v.Words {
		for j := i + 1; j < len(v.Words); j++ {
			c := cosine(v.Vec(i), v.Vec(j))
			gi, gj := strings.Split(v.Words[i], "w")[0], strings.Split(v.Words[j], "w")[0]
			if gi == gj {
				same += c
				ns++
			} else {
				diff += c
				nd++
			}
		}
	}
	return same / float64(ns), diff / float64(nd)
}

func TestTrainPlantedStructure(t *testing.T) {
	c := plantedCorpus(t, 8, 10, 3000)
	tests := []struct {
		name string
		opt  Options
	}{
		{"skipgram-ns", Options{Method: SkipGram, Negative: 5}},
		{"skipgram-hs", Options{Method: SkipGram, HS: true}},
		{"skipgram-ns-shared", Options{Method: SkipGram, Negative: 5, ShareNegatives: true}},
		{"cbow-ns", Options{Method: CBOW, Negative: 5}},
		{"cbow-ns-shared", Options{Method: CBOW, Negative: 5, ShareNegatives: true}},
		{"cbow-hs+ns", Options{Method: CBOW, HS: true, Negative: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt
			opt.Dim, opt.Window, opt.MinCount, opt.Epochs, opt.Threads, opt.Seed = 24, 4, 1, 3, 2, 1
			var calls int
			m, err := Train(context.Background(), c, opt, func(Progress) { calls++ })
			if err != nil {
				t.Fatal(err)
			}
			if m.Vocab.Len() != 80 {
				t.Fatalf("vocab %d, want 80", m.Vocab.Len())
			}
			if want := int64(3 * 3000 * 12); m.Words != want {
				t.Errorf("trained %d words, want %d (3 epochs)", m.Words, want)
			}
			same, diff := groupSeparation(m)
			t.Logf("same-topic cosine %.3f, cross-topic %.3f, final loss %.3f", same, diff, m.Loss)
			if same < 0.5 || same-diff < 0.4 {
				t.Errorf("same-topic cosine %.3f, cross-topic %.3f: structure not learned", same, diff)
			}
			if calls == 0 {
				t.Error("progress never called")
			}
		})
	}
}

func TestTrainDeterministicSingleThread(t *testing.T) {
	c := plantedCorpus(t, 4, 10, 500)
	opt := Options{Method: SkipGram, Dim: 16, Negative: 5, HS: true, MinCount: 1, Epochs: 2, Threads: 1, Seed: 9, Sample: 1e-2}
	a, err := Train(context.Background(), c, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(context.Background(), c, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.In, b.In) || !slices.Equal(a.Out, b.Out) || !slices.Equal(a.OutHS, b.OutHS) {
		t.Error("two single-threaded runs with the same seed differ")
	}
	opt.Seed = 10
	d, err := Train(context.Background(), c, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.In, d.In) {
		t.Error("different seeds gave identical vectors")
	}
}

// TestShareNegatives: sharing negatives (over a skip-gram window, over a
// group of CBOW centre words) changes the updates of both models.
func TestShareNegatives(t *testing.T) {
	c := plantedCorpus(t, 4, 10, 500)
	for _, method := range []Method{SkipGram, CBOW} {
		opt := Options{Method: method, Dim: 16, Negative: 5, MinCount: 1, Epochs: 2, Threads: 1, Seed: 9}
		a, err := Train(context.Background(), c, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		opt.ShareNegatives = true
		b, err := Train(context.Background(), c, opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(a.In, b.In) {
			t.Errorf("%v: shared negatives give identical vectors", method)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	rare := filepath.Join(dir, "rare.txt")
	os.WriteFile(empty, nil, 0o644)
	os.WriteFile(rare, []byte("a b c d\n"), 0o644)
	for _, p := range []string{empty, rare} {
		c, _ := text.NewCorpus(p)
		_, err := Train(context.Background(), c, DefaultOptions(), nil)
		if !errors.Is(err, text.ErrEmptyVocab) {
			t.Errorf("%s: err = %v, want ErrEmptyVocab", p, err)
		}
	}
	c := plantedCorpus(t, 2, 5, 50)
	bad := []Options{
		{Negative: 0, HS: false, Dim: 10},
		{Dim: -1, Negative: 5},
		{Window: -2, Negative: 5},
		{Epochs: -1, Negative: 5},
		{Sample: -1, Negative: 5},
		// Non-finite rates and thresholds: --alpha NaN panicked in a
		// worker (sigmoid table index), --sample NaN was taken silently.
		{Alpha: math.NaN(), Negative: 5},
		{Alpha: math.Inf(1), Negative: 5},
		{Sample: math.NaN(), Negative: 5},
		{Sample: math.Inf(1), Negative: 5},
		{MinCount: -5, Negative: 5},
	}
	for _, o := range bad {
		if _, err := Train(context.Background(), c, o, nil); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, c, Options{Negative: 5, MinCount: 1}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

func TestHuffman(t *testing.T) {
	tests := [][]int64{
		{5},
		{3, 1},
		{10, 10, 10, 10},
		{100, 50, 20, 20, 7, 3, 1, 1},
		{1000, 900, 500, 400, 300, 200, 100, 80, 60, 50, 40, 30, 20, 10, 5, 5, 4, 3, 2, 1, 1, 1},
	}
	for _, counts := range tests {
		h := buildHuffman(counts)
		v := len(counts)
		var kraft float64
		var cost int64
		codes := map[string]bool{}
		for w := range v {
			code := h.codes[h.off[w]:h.off[w+1]]
			pts := h.points[h.off[w]:h.off[w+1]]
			if len(code) == 0 {
				t.Fatalf("%v: word %d has an empty code", counts, w)
			}
			kraft += math.Pow(2, -float64(len(code)))
			cost += counts[w] * int64(len(code))
			for _, p := range pts {
				if p < 0 || int(p) >= max(v-1, 1) {
					t.Fatalf("%v: point %d out of range", counts, p)
				}
			}
			if v > 1 && pts[0] != int32(v-2) {
				t.Errorf("%v: word %d path starts at %d, want root %d", counts, w, pts[0], v-2)
			}
			codes[fmt.Sprint(code)] = true
			if w > 0 && counts[w] < counts[w-1] && len(code) < int(h.off[w]-h.off[w-1]) {
				t.Errorf("%v: rarer word %d has a shorter code", counts, w)
			}
		}
		if len(codes) != v {
			t.Errorf("%v: codes not distinct", counts)
		}
		if v > 1 && math.Abs(kraft-1) > 1e-12 {
			t.Errorf("%v: Kraft sum %v, want 1 (full binary tree)", counts, kraft)
		}
		if v > 1 {
			if want := huffmanCost(counts); cost != want {
				t.Errorf("%v: weighted code length %d, want optimal %d", counts, cost, want)
			}
		}
	}
}

// huffmanCost is the optimal weighted code length: the sum of all merged
// weights, computed with a simple O(n^2) merge.
func huffmanCost(counts []int64) int64 {
	w := slices.Clone(counts)
	var cost int64
	for len(w) > 1 {
		slices.Sort(w)
		s := w[0] + w[1]
		cost += s
		w = append(w[2:], s)
	}
	return cost
}

func TestAliasTableDistribution(t *testing.T) {
	counts := []int64{1000, 400, 100, 30, 10, 1, 1}
	tab := newAliasTable(counts, 0.75)
	var z float64
	for _, c := range counts {
		z += math.Pow(float64(c), 0.75)
	}
	const n = 2_000_000
	hist := make([]int, len(counts))
	r := xrand.New(3, 0)
	for range n {
		hist[tab.sample(&r)]++
	}
	for i, c := range counts {
		p := math.Pow(float64(c), 0.75) / z
		got := float64(hist[i]) / n
		if sd := math.Sqrt(p * (1 - p) / n); math.Abs(got-p) > 5*sd+1e-6 {
			t.Errorf("word %d: frequency %.5f, want %.5f", i, got, p)
		}
	}
}

func TestSubsampling(t *testing.T) {
	const total = 1_000_000
	tests := []struct {
		count int64
		t     float64
		want  float64
	}{
		{100, 1e-3, 1},  // rarer than the threshold: always kept
		{1000, 1e-3, 1}, // f = t: (1+1)*1 capped at 1
		{100_000, 1e-3, (math.Sqrt(100) + 1) / 100}, // f = 100t
		{10_000, 1e-4, (math.Sqrt(100) + 1) / 100},
		{500_000, 0, 1}, // disabled
	}
	for _, tt := range tests {
		got := KeepProbability(tt.count, total, tt.t)
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("KeepProbability(%d, %d, %g) = %v, want %v", tt.count, total, tt.t, got, tt.want)
		}
		k := keepThresholds([]int64{tt.count}, total, tt.t)[0]
		if math.Abs(float64(k)/(1<<32)-tt.want) > 1e-9 {
			t.Errorf("threshold for %d: %v, want %v", tt.count, float64(k)/(1<<32), tt.want)
		}
	}
	// Empirical keep rate of the worker's test.
	k := keepThresholds([]int64{100_000}, total, 1e-3)[0]
	r := xrand.New(1, 1)
	kept := 0
	for range 1_000_000 {
		if uint32(r.Next()>>32) < k {
			kept++
		}
	}
	if got, want := float64(kept)/1e6, 0.11; math.Abs(got-want) > 0.002 {
		t.Errorf("empirical keep rate %.4f, want %.4f", got, want)
	}
}

func BenchmarkTrainSkipGram(b *testing.B) {
	c := plantedCorpus(b, 50, 200, 20000)
	voc, err := text.CountVocab(context.Background(), c, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{Method: SkipGram, Dim: 100, Negative: 5, Epochs: 1, Threads: 1, MinCount: 1, Sample: 1e-3}
	b.ResetTimer()
	for b.Loop() {
		if _, err := TrainVocab(context.Background(), c, voc, opt, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(voc.Total)*float64(b.N)/b.Elapsed().Seconds(), "words/s")
}
