package word2vec

// batchScratch is a worker's scratch space for skipgramBatch, allocated
// once: the context rows of one window and the output rows (centre word
// and shared negatives), each padded to dp floats, their scores and
// gradients, and the row ids.
type batchScratch struct {
	dp   int
	in   []float32 // [2*Window, dp] context rows
	out  []float32 // [1+Negative, dp] output rows: centre word, negatives
	s    []float32 // [ctx, tgt] scores, then gradients G
	gt   []float32 // [tgt, ctx] G transposed
	din  []float32 // [2*Window, dp] gradient for the context rows
	dout []float32 // [1+Negative, dp] gradient for the output rows
	ctx  []int32   // context word ids
	tgt  []int32   // output word ids: centre word, negatives
	next []int32   // the next centre word's output ids, drawn a step ahead
}

func newBatchScratch(dim, window, negative int) batchScratch {
	dp := padDim(dim)
	k, n := 2*window, 1+negative
	return batchScratch{
		dp: dp, in: make([]float32, k*dp), out: make([]float32, n*dp),
		s: make([]float32, k*n), gt: make([]float32, n*k),
		din: make([]float32, k*dp), dout: make([]float32, n*dp),
		ctx: make([]int32, 0, k), tgt: make([]int32, 0, n), next: make([]int32, 0, n),
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
		b := w.r.Intn(w.window)
		lo := max(0, i-w.window+b)
		hi := min(n-1, i+w.window-b)
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
