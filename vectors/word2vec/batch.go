package word2vec

// batchScratch is a worker's scratch space for skipgramBatch and
// cbowBatch, allocated once: small row-major matrices with rows padded to dp
// floats, their scores and gradients, and the row ids.
type batchScratch struct {
	dp   int
	in   []float32 // [rows, dp] skip-gram: context rows; CBOW: the group's hidden vectors
	out  []float32 // [1+Negative, dp] output rows (skip-gram: centre word, negatives; CBOW: negatives)
	s    []float32 // [rows, 1+Negative] scores, then gradients G
	gt   []float32 // [1+Negative, rows] G transposed
	din  []float32 // [rows, dp] gradient for the rows of in
	dout []float32 // [1+Negative, dp] gradient for the output rows
	ctx  []int32   // skip-gram: context word ids; CBOW: the group's centre words
	tgt  []int32   // output word ids
	next []int32   // skip-gram: the next centre word's output ids, drawn a step ahead
	gpos []float32 // CBOW: each centre word's own gradient
	span []int32   // CBOW: each centre word's context span lo, hi
}

// cbowGroup is the number of consecutive centre words whose CBOW
// predictions share one set of negative samples in cbowBatch.
const cbowGroup = 8

func newBatchScratch(dim, window, negative int) batchScratch {
	dp := padDim(dim)
	k, n := max(2*window, cbowGroup), 1+negative
	return batchScratch{
		dp: dp, in: make([]float32, k*dp), out: make([]float32, n*dp),
		s: make([]float32, k*n), gt: make([]float32, n*k),
		din: make([]float32, k*dp), dout: make([]float32, n*dp),
		ctx: make([]int32, 0, k), tgt: make([]int32, 0, n), next: make([]int32, 0, n),
		gpos: make([]float32, cbowGroup), span: make([]int32, 2*cbowGroup),
	}
}

// drawTargets returns dst holding word and its negative samples, their
// output rows prefetched.
func (w *worker) drawTargets(word int32, dst []int32) []int32 {
	return w.appendNegatives(append(dst[:0], word), word)
}

// skipgramBatch trains on one sentence like skipgram with shared
// negatives, but as HogBatch (Ji et al. 2016) does: for each centre word
// the k context rows and the n = 1+len(negs) output rows are gathered into
// small matrices, all k*n scores come from one product, and both gradients
// from two more, computed from the same (old) rows; the gradients are then
// added to the shared matrices. The per-pair form instead lets each context
// word see the output rows already updated by the previous one. The next
// centre word's negatives are drawn (and their rows prefetched) before the
// current one's products, so that their cache misses overlap the work.
func (w *worker) skipgramBatch(sen []int32) {
	dim, dp := w.dim, w.bs.dp
	syn0, syn1 := w.m.In, w.m.Out
	bs := &w.bs
	alpha := w.alpha
	n := len(sen)
	bs.next = w.drawTargets(sen[0], bs.next)
	for i := range sen {
		lo, hi := w.span(i, n)
		w.prefetchAhead(sen, i)
		tgt := bs.next
		bs.next = bs.tgt
		if i+1 < n {
			bs.next = w.drawTargets(sen[i+1], bs.next)
		}
		ctx := bs.ctx[:0]
		for j := lo; j <= hi; j++ {
			if j == i {
				continue
			}
			k := len(ctx)
			p := int(sen[j]) * dim
			copy(bs.in[k*dp:k*dp+dim], syn0[p:p+dim])
			ctx = append(ctx, sen[j])
		}
		bs.ctx, bs.tgt = ctx, tgt
		if len(ctx) == 0 {
			continue
		}
		for t, id := range tgt {
			p := int(id) * dim
			copy(bs.out[t*dp:t*dp+dim], syn1[p:p+dim])
		}
		k, nt := len(ctx), len(tgt)
		// s [k, nt] = in [k, dp] · out [nt, dp]ᵀ, then G in place.
		scores(bs.in, bs.out, bs.s, k, nt, dp)
		for a := range k {
			row := bs.s[a*nt : a*nt+nt]
			for t, f := range row {
				var g float32
				if t == 0 {
					g = (1 - sigmoid(f)) * alpha
					w.loss -= float64(logSigmoid(f))
				} else {
					g = -sigmoid(f) * alpha
					w.loss -= float64(logSigmoid(-f))
				}
				row[t] = g
				bs.gt[t*k+a] = g
			}
		}
		w.preds += float64(k * nt)
		// din [k, dp] = G [k, nt] · out [nt, dp]; dout [nt, dp] = Gᵀ [nt, k] · in [k, dp].
		gemmSmall(bs.s, nt, bs.out, bs.din, k, nt, dp)
		gemmSmall(bs.gt, k, bs.in, bs.dout, nt, k, dp)
		for a, id := range ctx {
			p := int(id) * dim
			axpy(1, bs.din[a*dp:a*dp+dim], syn0[p:p+dim:p+dim])
		}
		for t, id := range tgt {
			p := int(id) * dim
			axpy(1, bs.dout[t*dp:t*dp+dim], syn1[p:p+dim:p+dim])
		}
	}
}

// cbowBatch trains on one sentence like cbow, in groups of up to cbowGroup
// consecutive centre words that share one set of negative samples: the
// group's m hidden vectors (each the mean of its context rows) are scored
// against the negatives' rows in one small product [m, Negative] and each
// against its own centre word's output row; the gradients for the hidden
// vectors and for the negatives' rows come from two more products, all from
// the rows as they were before the group. Each hidden vector's gradient is
// then added to all its context rows, as in cbow. A negative drawn equal to
// a centre word is left out of that word's prediction.
func (w *worker) cbowBatch(sen []int32) {
	dim, dp := w.dim, w.bs.dp
	syn0, syn1 := w.m.In, w.m.Out
	bs := &w.bs
	for g0 := 0; g0 < len(sen); g0 += cbowGroup {
		negs := w.appendNegatives(bs.tgt[:0], -1)
		bs.tgt = negs
		m := w.cbowHidden(sen, g0)
		centres := bs.ctx
		alpha := w.alpha
		nn := len(negs)
		for t, id := range negs {
			p := int(id) * dim
			copy(bs.out[t*dp:t*dp+dim], syn1[p:p+dim])
		}
		// s [m, nn] = in [m, dp] · out [nn, dp]ᵀ, then G in place; each
		// centre word's own score and gradient gpos beside it.
		scores(bs.in, bs.out, bs.s, m, nn, dp)
		for r, c := range centres {
			p := int(c) * dim
			f := dot(bs.in[r*dp:r*dp+dim], syn1[p:p+dim])
			bs.gpos[r] = (1 - sigmoid(f)) * alpha
			w.loss -= float64(logSigmoid(f))
			w.preds++
			row := bs.s[r*nn : r*nn+nn]
			for t, f := range row {
				var g float32
				if negs[t] != c {
					g = -sigmoid(f) * alpha
					w.loss -= float64(logSigmoid(-f))
					w.preds++
				}
				row[t] = g
				bs.gt[t*m+r] = g
			}
		}
		// din [m, dp] = G [m, nn] · out [nn, dp] + gpos ⊙ centre rows;
		// dout [nn, dp] = Gᵀ [nn, m] · in [m, dp].
		gemmSmall(bs.s, nn, bs.out, bs.din, m, nn, dp)
		gemmSmall(bs.gt, m, bs.in, bs.dout, nn, m, dp)
		for r, c := range centres {
			p := int(c) * dim
			axpy(bs.gpos[r], syn1[p:p+dim], bs.din[r*dp:r*dp+dim])
		}
		for t, id := range negs {
			p := int(id) * dim
			axpy(1, bs.dout[t*dp:t*dp+dim], syn1[p:p+dim:p+dim])
		}
		for r, c := range centres {
			p := int(c) * dim
			axpy(bs.gpos[r], bs.in[r*dp:r*dp+dim], syn1[p:p+dim:p+dim])
			d := bs.din[r*dp : r*dp+dim]
			i := g0 + r
			for j := int(bs.span[2*r]); j <= int(bs.span[2*r+1]); j++ {
				if j != i {
					p := int(sen[j]) * dim
					axpy(1, d, syn0[p:p+dim:p+dim])
				}
			}
		}
	}
}

// cbowHidden prepares cbowBatch's group of centre words from position g0:
// their ids in bs.ctx, their context spans in bs.span and their hidden
// vectors, each the mean of its context rows, in bs.in [m, dp]. It returns
// m, the number of centre words.
func (w *worker) cbowHidden(sen []int32, g0 int) int {
	bs := &w.bs
	m := min(cbowGroup, len(sen)-g0)
	bs.ctx = append(bs.ctx[:0], sen[g0:g0+m]...)
	for r := range m {
		i := g0 + r
		lo, hi := w.span(i, len(sen))
		bs.span[2*r], bs.span[2*r+1] = int32(lo), int32(hi)
		h := bs.in[r*bs.dp : r*bs.dp+w.dim]
		clear(h)
		for j := lo; j <= hi; j++ {
			if j != i {
				p := int(sen[j]) * w.dim
				axpy(1, w.m.In[p:p+w.dim:p+w.dim], h)
			}
		}
		inv := 1 / float32(hi-lo) // hi-lo context words: a sentence of >= 2 leaves at least one
		for k := range h {
			h[k] *= inv
		}
	}
	return m
}
