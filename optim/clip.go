package optim

import (
	"math"
	"sync"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
)

// GradNorm returns the global L2 norm of all gradients together,
// accumulated in float64: each gradient's tensor.SumSquares (computed on
// tensor.Threads() goroutines, whole gradients each), added in parameter
// order, so the norm does not depend on the thread count.
func GradNorm(params []*nn.Param) float64 {
	buf := gradSums.Get().(*[]float64)
	defer gradSums.Put(buf)
	*buf = xslices.Resize(*buf, len(params))
	sums := *buf
	nn.GradSumSquares(params, sums)
	var s float64
	for _, v := range sums {
		s += v
	}
	return math.Sqrt(s)
}

// gradSums holds the per-parameter sums of squares of GradNorm and
// CheckFinite between calls.
var gradSums = sync.Pool{New: func() any { return new([]float64) }}

// ClipGradNorm rescales all gradients together so that their global L2 norm
// is at most maxNorm, as torch.nn.utils.clip_grad_norm_: with total the
// norm before clipping, every gradient is multiplied by
// maxNorm / (total + 1e-6) when that is below 1. It returns total. When
// total is NaN or infinite the gradients are left alone (Step will then
// refuse them).
func ClipGradNorm(params []*nn.Param, maxNorm float64) (normBefore float64) {
	total := GradNorm(params)
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total
	}
	coef := maxNorm / (total + 1e-6)
	if coef < 1 {
		nn.ScaleGrads(params, float32(coef))
	}
	return total
}

// ClipGradValue clamps every gradient element to [-clip, clip], as
// torch.nn.utils.clip_grad_value_. NaNs are left as they are.
func ClipGradValue(params []*nn.Param, clip float64) {
	c := float32(clip)
	for _, p := range params {
		for j, g := range p.Grad {
			if g > c {
				p.Grad[j] = c
			} else if g < -c {
				p.Grad[j] = -c
			}
		}
	}
}
