package word2vec

import "github.com/recurrent-go/recurrent/vectors/internal/prefetch"

// The kernels below read and write the shared matrices In, Out and OutHS
// without synchronisation (Hogwild, see the package comment).

// predict runs one prediction of target from the hidden vector h ([Dim]):
// negative sampling (target plus Negative sampled words) and/or
// hierarchical softmax along target's Huffman path. It updates the output
// vectors and accumulates the gradient for h into neu1e.
func (w *worker) predict(h []float32, target int32, neu1e []float32) {
	dim := w.dim
	alpha := w.alpha
	if w.opt.HS {
		syn1 := w.m.OutHS
		t := &w.tree
		lo, hi := t.off[target], t.off[target+1]
		for k := lo; k < hi; k++ {
			p := int(t.points[k]) * dim
			out := syn1[p : p+dim : p+dim]
			f := dot(h, out)
			label := float32(1 - int(t.codes[k])) // code 0 is the positive class
			if f <= -maxExp || f >= maxExp {
				// Saturated: word2vec.c skips the update; the loss still counts.
				if (f > 0) != (label > 0) {
					w.loss += float64(abs(f))
				}
				w.preds++
				continue
			}
			g := (label - sigmoid(f)) * alpha
			if label > 0 {
				w.loss -= float64(logSigmoid(f))
			} else {
				w.loss -= float64(logSigmoid(-f))
			}
			w.preds++
			update(g, h, out, neu1e)
		}
	}
	if w.opt.Negative > 0 {
		if !w.opt.ShareNegatives {
			w.sampleNegatives(target)
		}
		w.predictNeg(h, target, neu1e)
	}
}

// sampleNegatives draws the negative samples for target into w.negs and
// prefetches their output rows, so that the loads overlap instead of
// stalling one dot product after another.
func (w *worker) sampleNegatives(target int32) {
	w.negs = w.appendNegatives(w.negs[:0], target)
}

// appendNegatives appends Negative draws to dst, skipping target itself,
// and prefetches their output rows.
func (w *worker) appendNegatives(dst []int32, target int32) []int32 {
	dim := w.dim
	syn1 := w.m.Out
	for range w.opt.Negative {
		id := w.neg.sample(&w.r)
		if id == target {
			continue
		}
		dst = append(dst, id)
		p := int(id) * dim
		prefetch.Row(syn1[p : p+dim])
	}
	return dst
}

// predictNeg is negative sampling's part of predict: target against the
// negatives in w.negs.
func (w *worker) predictNeg(h []float32, target int32, neu1e []float32) {
	dim := w.dim
	alpha := w.alpha
	syn1 := w.m.Out
	negs := w.negs
	for d := -1; d < len(negs); d++ {
		tgt, label := target, float32(1)
		if d >= 0 {
			tgt, label = negs[d], 0
		}
		p := int(tgt) * dim
		out := syn1[p : p+dim : p+dim]
		f := dot(h, out)
		var g float32
		if label > 0 {
			g = (1 - sigmoid(f)) * alpha
			w.loss -= float64(logSigmoid(f))
		} else {
			g = -sigmoid(f) * alpha
			w.loss -= float64(logSigmoid(-f))
		}
		w.preds++
		update(g, h, out, neu1e)
	}
}

func abs(f float32) float32 {
	if f < 0 {
		return -f
	}
	return f
}

// skipgram trains on one sentence: each context word's input vector
// predicts the centre word (word2vec.c's formulation), within a window
// reduced by a random amount per centre word.
func (w *worker) skipgram(sen []int32) {
	dim := w.dim
	syn0 := w.m.In
	neu1e := w.neu1e
	n := len(sen)
	for i, word := range sen {
		lo, hi := w.span(i, n)
		w.prefetchAhead(sen, i)
		if w.opt.ShareNegatives && w.opt.Negative > 0 {
			w.sampleNegatives(word)
		}
		for j := lo; j <= hi; j++ {
			if j == i {
				continue
			}
			p := int(sen[j]) * dim
			in := syn0[p : p+dim : p+dim]
			clear(neu1e)
			w.predict(in, word, neu1e)
			axpy(1, neu1e, in)
		}
	}
}

// cbow trains on one sentence: the mean of the context input vectors
// predicts the centre word; the gradient is added to every context vector.
func (w *worker) cbow(sen []int32) {
	dim := w.dim
	syn0 := w.m.In
	neu1, neu1e := w.neu1, w.neu1e
	n := len(sen)
	for i, word := range sen {
		lo, hi := w.span(i, n)
		w.prefetchAhead(sen, i)
		clear(neu1)
		cw := 0
		for j := lo; j <= hi; j++ {
			if j == i {
				continue
			}
			p := int(sen[j]) * dim
			axpy(1, syn0[p:p+dim:p+dim], neu1)
			cw++
		}
		if cw == 0 {
			continue
		}
		inv := 1 / float32(cw)
		for k := range neu1 {
			neu1[k] *= inv
		}
		clear(neu1e)
		if w.opt.ShareNegatives && w.opt.Negative > 0 {
			w.sampleNegatives(word)
		}
		w.predict(neu1, word, neu1e)
		for j := lo; j <= hi; j++ {
			if j == i {
				continue
			}
			p := int(sen[j]) * dim
			axpy(1, neu1e, syn0[p:p+dim:p+dim])
		}
	}
}

// span returns the context of position i in a sentence of n words: the
// positions lo..hi within the window reduced by a random amount (word2vec.c's
// dynamic window, which weights near words more).
func (w *worker) span(i, n int) (lo, hi int) {
	b := w.r.Intn(w.window)
	return max(0, i-w.window+b), min(n-1, i+w.window-b)
}

// prefetchAhead starts loading the rows the next centre word will need: the
// input row of the word entering the window and the next target's output
// row.
func (w *worker) prefetchAhead(sen []int32, i int) {
	dim := w.dim
	if j := i + w.window + 1; j < len(sen) {
		p := int(sen[j]) * dim
		prefetch.Row(w.m.In[p : p+dim])
	}
	if i+1 < len(sen) && w.m.Out != nil {
		p := int(sen[i+1]) * dim
		prefetch.Row(w.m.Out[p : p+dim])
	}
}
