package nn

import (
	"cmp"
	"slices"
	"sync"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// The passes over every gradient between two training steps (zeroing,
// the norm for clipping, its scaling, the optimizer's finite check) are
// memory-bound: a word model's 20M gradients (80 MB) take 3-5 ms a pass on
// one core. They are shared out on the RNNs' step team (see rnn_team.go)
// when the team is free and there are at least splitMin elements, so that
// the other cores do not idle through them. Each element is computed as
// the serial loop computes it, and a gradient's sum of squares is always
// one tensor.SumSquares over the whole gradient, so results do not depend
// on the thread count.

// gradRanges calls f(i, lo, hi) on ranges [lo, hi) of ps[i].Grad that
// cover every gradient once, shared out on the step team when there are at
// least splitMin elements in all: the concatenated gradients are cut into
// about two parts per goroutine, each part's ranges in parameter order.
// The parameters must not share gradient storage.
func gradRanges(ps []*Param, f func(i, lo, hi int)) {
	total := 0
	for _, p := range ps {
		total += len(p.Grad)
	}
	if total < splitMin {
		for i, p := range ps {
			f(i, 0, len(p.Grad))
		}
		return
	}
	tm := acquireTeam()
	if tm == nil {
		for i, p := range ps {
			f(i, 0, len(p.Grad))
		}
		return
	}
	defer teamMu.Unlock()
	parts := min(2*tm.n, stepMaxPhase)
	chunk := ((total+parts-1)/parts + 15) &^ 15
	parts = (total + chunk - 1) / chunk
	tm.Run(1, parts, func(_, part int) {
		// Global range [a, b) of the concatenation, mapped onto the
		// parameters it overlaps.
		a, b := part*chunk, min((part+1)*chunk, total)
		off := 0
		for i, p := range ps {
			n := len(p.Grad)
			if lo, hi := max(a-off, 0), min(b-off, n); lo < hi {
				f(i, lo, hi)
			}
			off += n
			if off >= b {
				break
			}
		}
	})
}

// zeroGradsMin is the least number of gradients ZeroGrads shares out:
// clearing is cheaper than the other passes.
const zeroGradsMin = 1 << 18

// ZeroGrads clears the gradients of every parameter in ps (shared out over
// tensor.Threads() goroutines when they are large).
func ZeroGrads(ps []*Param) {
	if CountParams(ps) < zeroGradsMin {
		for _, p := range ps {
			p.ZeroGrad()
		}
		return
	}
	gradRanges(ps, func(i, lo, hi int) { clear(ps[i].Grad[lo:hi]) })
}

// ScaleGrads multiplies every gradient of ps by c (tensor.Scale), shared
// out over tensor.Threads() goroutines when they are large. The parameters
// must be distinct.
func ScaleGrads(ps []*Param, c float32) {
	gradRanges(ps, func(i, lo, hi int) { tensor.Scale(c, ps[i].Grad[lo:hi]) })
}

// sumOrder holds GradSumSquares' parameter order between calls.
var sumOrder = sync.Pool{New: func() any { return new([]int) }}

// GradSumSquares sets sums[i] = tensor.SumSquares(ps[i].Grad) for every
// parameter (sums needs len(ps) elements). Whole gradients are shared out,
// largest first, over tensor.Threads() goroutines when there are enough
// elements; each sum is the one tensor.SumSquares gives, whatever the
// thread count.
func GradSumSquares(ps []*Param, sums []float64) {
	sums = sums[:len(ps)]
	total := 0
	for _, p := range ps {
		total += len(p.Grad)
	}
	var tm *stepTeam
	if len(ps) > 1 && len(ps) <= stepMaxPhase && total >= splitMin {
		tm = acquireTeam()
	}
	if tm == nil {
		for i, p := range ps {
			sums[i] = tensor.SumSquares(p.Grad)
		}
		return
	}
	defer teamMu.Unlock()
	buf := sumOrder.Get().(*[]int)
	defer sumOrder.Put(buf)
	*buf = xslices.Resize(*buf, len(ps))
	order := *buf
	for i := range order {
		order[i] = i
	}
	// Largest first, so that the last parts to be claimed are small.
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(ps[b].Grad), len(ps[a].Grad)) })
	tm.Run(1, len(ps), func(_, part int) {
		i := order[part]
		sums[i] = tensor.SumSquares(ps[i].Grad)
	})
}
