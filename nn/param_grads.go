package nn

import "github.com/recurrent-go/recurrent/tensor"

// The whole-gradient passes of a training step (clearing, the squared norm
// for clipping, scaling) read every gradient once; on one goroutine they
// leave the other threads idle between steps. They are shared out on the
// RNNs' step team (rnn_team.go) when it is free and the gradients are
// large: clearing and scaling by fixed chunks of the gradients laid end to
// end (elementwise, so any split gives the same bits), the sum of squares
// by whole parameters, added up afterwards in parameter order, so that it
// is the serial loop's value bit for bit at any thread count.

// gradSplitMin is the number of gradient elements from which the passes
// are shared out; gradChunk the least elements of one clearing or scaling
// part.
const (
	gradSplitMin = 1 << 16
	gradChunk    = 1 << 15
)

// Operations of gradJob.
const (
	gradZero = iota
	gradScale
	gradSumSquares
)

// gradJob is the pass being shared out; it is only used while teamMu is
// held, so runGradPart, a plain function, needs no closure.
var gradJob struct {
	ps    []*Param
	op    int
	c     float32
	chunk int       // elements per part (gradZero, gradScale)
	ss    []float64 // per-parameter sums of squares (gradSumSquares)
}

// ZeroGrads clears the gradients of every parameter in ps.
func ZeroGrads(ps []*Param) {
	if _, ok := shareGrads(ps, gradZero, 0); !ok {
		for _, p := range ps {
			p.ZeroGrad()
		}
	}
}

// ScaleGrads multiplies the gradients of every parameter in ps by c.
func ScaleGrads(ps []*Param, c float32) {
	if _, ok := shareGrads(ps, gradScale, c); !ok {
		for _, p := range ps {
			tensor.Scale(c, p.Grad)
		}
	}
}

// GradSumSquares returns the sum over ps, in order, of each gradient's
// tensor.SumSquares (float64): the same value, bit for bit, as that
// serial loop.
func GradSumSquares(ps []*Param) float64 {
	if s, ok := shareGrads(ps, gradSumSquares, 0); ok {
		return s
	}
	var s float64
	for _, p := range ps {
		s += tensor.SumSquares(p.Grad)
	}
	return s
}

// runGradPart is part i of gradJob: parameter i's sum of squares, or
// elements i*chunk.. of the gradients laid end to end.
func runGradPart(_, i int) {
	j := &gradJob
	if j.op == gradSumSquares {
		j.ss[i] = tensor.SumSquares(j.ps[i].Grad)
		return
	}
	lo, hi := i*j.chunk, (i+1)*j.chunk
	off := 0 // first element of p in the concatenation
	for _, p := range j.ps {
		n := len(p.Grad)
		a, b := max(lo-off, 0), min(hi-off, n)
		if a < b {
			if j.op == gradZero {
				clear(p.Grad[a:b])
			} else {
				tensor.Scale(j.c, p.Grad[a:b])
			}
		}
		off += n
		if off >= hi {
			return
		}
	}
}

// shareGrads runs pass op over ps on the step team and reports whether it
// did; false (nothing done) when the gradients are small, the team busy
// or there is one thread. For gradSumSquares it returns the sum of the
// per-parameter sums in parameter order.
func shareGrads(ps []*Param, op int, c float32) (float64, bool) {
	n := 0
	for _, p := range ps {
		n += len(p.Grad)
	}
	if n < gradSplitMin || (op == gradSumSquares && (len(ps) < 2 || len(ps) > stepMaxPhase)) {
		return 0, false
	}
	tm := acquireTeam()
	if tm == nil {
		return 0, false
	}
	defer teamMu.Unlock()
	parts := len(ps)
	gradJob.ps, gradJob.op, gradJob.c = ps, op, c
	if op == gradSumSquares {
		if cap(gradJob.ss) < len(ps) {
			gradJob.ss = make([]float64, len(ps))
		}
		gradJob.ss = gradJob.ss[:len(ps)]
	} else {
		gradJob.chunk = max(gradChunk, (n+stepMaxPhase-1)/stepMaxPhase)
		parts = (n + gradJob.chunk - 1) / gradJob.chunk
	}
	tm.Run(1, parts, runGradPart)
	gradJob.ps = nil
	if op != gradSumSquares {
		return 0, true
	}
	var s float64
	for _, x := range gradJob.ss {
		s += x
	}
	return s, true
}
