package word2vec

import (
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/internal/xrand"
	"github.com/recurrent-go/recurrent/text"
)

// batchWorker returns a worker with alpha 0.05 and shared negatives over a
// model of v words with random rows (seed modelSeed) and counts 100, 100-step,
// ..., drawing with seed workerSeed.
func batchWorker(opt Options, v int, step int64, modelSeed, workerSeed uint64) *worker {
	counts := make([]int64, v)
	for i := range counts {
		counts[i] = 100 - step*int64(i)
	}
	r := xrand.New(modelSeed, 0)
	m := &Model{Vocab: &text.CorpusVocab{}, Dim: opt.Dim, In: randSlice(&r, v*opt.Dim), Out: randSlice(&r, v*opt.Dim)}
	opt.ShareNegatives = true
	tr := &trainer{opt: opt, m: m, dim: opt.Dim, neg: newAliasTable(counts, 0.75)}
	return &worker{trainer: tr, r: xrand.New(workerSeed, 1), alpha: 0.05, window: opt.Window,
		negs: make([]int32, 0, opt.Negative), bs: newBatchScratch(opt.Dim, opt.Window, opt.Negative)}
}

// TestSkipGramBatchMatchesReference trains one sentence with skipgramBatch
// and replays it in float64 with the same random draws: per centre word the
// reduced window, the next centre word's negatives, then every (context, output) pair's
// gradient from the rows as they were before that centre word, added to
// both matrices. Repeated words (in the window and among the negatives)
// check that colliding updates add up.
func TestSkipGramBatchMatchesReference(t *testing.T) {
	const v, dim, window, negative = 12, 37, 3, 4
	w := batchWorker(Options{Method: SkipGram, Dim: dim, Window: window, Negative: negative}, v, 7, 5, 11)
	tr, m := w.trainer, w.m
	for i := range m.Out {
		m.Out[i] *= 0.5
	}
	sen := []int32{3, 0, 7, 3, 3, 11, 0, 5, 1, 9, 2}

	in := make([]float64, len(m.In))
	out := make([]float64, len(m.Out))
	for i := range in {
		in[i], out[i] = float64(m.In[i]), float64(m.Out[i])
	}
	rr := w.r // the reference replays the worker's draws
	draw := func(word int32) []int32 {
		tgt := []int32{word}
		for range negative {
			if id := tr.neg.sample(&rr); id != word {
				tgt = append(tgt, id)
			}
		}
		return tgt
	}
	next := draw(sen[0])
	for i := range sen {
		b := rr.Intn(window)
		lo, hi := max(0, i-window+b), min(len(sen)-1, i+window-b)
		tgt := next
		if i+1 < len(sen) {
			next = draw(sen[i+1]) // a step ahead, before this word's update
		}
		din := make([]float64, len(in))
		dout := make([]float64, len(out))
		for j := lo; j <= hi; j++ {
			if j == i {
				continue
			}
			c := int(sen[j]) * dim
			for ti, id := range tgt {
				o := int(id) * dim
				var f float64
				for p := range dim {
					f += in[c+p] * out[o+p]
				}
				label := 0.0
				if ti == 0 {
					label = 1
				}
				g := (label - float64(sigmoid(float32(f)))) * 0.05
				for p := range dim {
					din[c+p] += g * out[o+p]
					dout[o+p] += g * in[c+p]
				}
			}
		}
		for p := range in {
			in[p] += din[p]
			out[p] += dout[p]
		}
	}
	w.skipgramBatch(sen)
	for p := range in {
		if math.Abs(float64(m.In[p])-in[p]) > 1e-5 || math.Abs(float64(m.Out[p])-out[p]) > 1e-5 {
			t.Fatalf("element %d: in %v out %v, want %v %v", p, m.In[p], m.Out[p], in[p], out[p])
		}
	}
	if w.preds == 0 || w.loss <= 0 {
		t.Errorf("preds %v loss %v: not counted", w.preds, w.loss)
	}
}

// TestCBOWBatchMatchesReference trains one sentence with cbowBatch and
// replays it in float64 with the same random draws: per group of
// cbowGroup centre words the shared negatives, then per centre word its
// reduced window and hidden vector (the mean of its context rows), and
// every gradient from the rows as they were before the group, added to
// both matrices. Repeated words (as centre words, in windows and among the
// negatives) check that colliding updates add up and that a negative equal
// to a centre word is left out of that word's prediction.
func TestCBOWBatchMatchesReference(t *testing.T) {
	const v, dim, window, negative = 6, 21, 3, 5
	w := batchWorker(Options{Method: CBOW, Dim: dim, Window: window, Negative: negative}, v, 9, 7, 13)
	tr, m := w.trainer, w.m
	sen := []int32{3, 0, 2, 3, 3, 5, 0, 4, 1, 2, 2, 0, 1, 3, 5, 4, 0, 0, 2, 1}
	if len(sen) <= cbowGroup {
		t.Fatalf("sentence of %d words does not span two groups of %d", len(sen), cbowGroup)
	}

	in := make([]float64, len(m.In))
	out := make([]float64, len(m.Out))
	for i := range in {
		in[i], out[i] = float64(m.In[i]), float64(m.Out[i])
	}
	rr := w.r
	var skipped int
	for g0 := 0; g0 < len(sen); g0 += cbowGroup {
		negs := make([]int32, negative)
		for k := range negs {
			negs[k] = tr.neg.sample(&rr)
		}
		din := make([]float64, len(in))
		dout := make([]float64, len(out))
		for i := g0; i < min(g0+cbowGroup, len(sen)); i++ {
			b := rr.Intn(window)
			lo, hi := max(0, i-window+b), min(len(sen)-1, i+window-b)
			h := make([]float64, dim)
			for j := lo; j <= hi; j++ {
				if j != i {
					for p := range dim {
						h[p] += in[int(sen[j])*dim+p] / float64(hi-lo)
					}
				}
			}
			dh := make([]float64, dim)
			for ti, id := range append([]int32{sen[i]}, negs...) {
				label := 0.0
				if ti == 0 {
					label = 1
				} else if id == sen[i] {
					skipped++
					continue
				}
				o := int(id) * dim
				var f float64
				for p := range dim {
					f += h[p] * out[o+p]
				}
				g := (label - float64(sigmoid(float32(f)))) * 0.05
				for p := range dim {
					dh[p] += g * out[o+p]
					dout[o+p] += g * h[p]
				}
			}
			for j := lo; j <= hi; j++ {
				if j != i {
					for p := range dim {
						din[int(sen[j])*dim+p] += dh[p]
					}
				}
			}
		}
		for p := range in {
			in[p] += din[p]
			out[p] += dout[p]
		}
	}
	if skipped == 0 {
		t.Fatal("no negative equal to its centre word: the test does not cover that case")
	}
	w.cbowBatch(sen)
	for p := range in {
		if math.Abs(float64(m.In[p])-in[p]) > 1e-5 || math.Abs(float64(m.Out[p])-out[p]) > 1e-5 {
			t.Fatalf("element %d: in %v out %v, want %v %v", p, m.In[p], m.Out[p], in[p], out[p])
		}
	}
	if want := float64(len(sen)*(1+negative) - skipped); w.preds != want || w.loss <= 0 {
		t.Errorf("preds %v (want %v) loss %v", w.preds, want, w.loss)
	}
}
