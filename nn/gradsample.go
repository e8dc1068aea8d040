package nn

import (
	"math"
	"math/rand/v2"
)

// GradSampleOptions configures GradSample.
type GradSampleOptions struct {
	// Samples is the number of entries drawn per parameter.
	Samples int
	// Eps is the finite-difference step.
	Eps float64
	// Atol and Rtol bound the accepted difference:
	// |numeric - analytic| <= Atol + Rtol*|numeric|.
	Atol, Rtol float64
	// Skip, when not nil, excludes a drawn entry k of parameter i (its
	// analytic gradient is grad), e.g. embedding rows absent from the batch.
	// Skipped entries are not counted as checked.
	Skip func(i int, p *Param, k int, grad float32) bool
	// Rand draws the entries.
	Rand *rand.Rand
}

// GradMismatch is an entry whose analytic gradient disagrees with the
// central difference.
type GradMismatch struct {
	Param             string
	Index             int
	Analytic, Numeric float64
}

// GradSample checks the gradients currently in ps[i].Grad (computed by the
// caller for loss) against central differences
// (loss(x+Eps) - loss(x-Eps)) / 2Eps at Samples random entries per
// parameter, in parameter order. loss must evaluate without touching the
// gradients' meaning (they are copied first) and deterministically. It
// restores every perturbed entry and returns the entries out of tolerance
// and the number of entries checked.
func GradSample(ps []*Param, loss func() float64, opt GradSampleOptions) (bad []GradMismatch, checked int) {
	grads := make([][]float32, len(ps))
	for i, p := range ps {
		grads[i] = append([]float32(nil), p.Grad...)
	}
	for i, p := range ps {
		for range opt.Samples {
			k := opt.Rand.IntN(len(p.Data))
			if opt.Skip != nil && opt.Skip(i, p, k, grads[i][k]) {
				continue
			}
			num := NumericGrad(p, k, opt.Eps, loss)
			got := float64(grads[i][k])
			if math.Abs(num-got) > opt.Atol+opt.Rtol*math.Abs(num) {
				bad = append(bad, GradMismatch{Param: p.Name, Index: k, Analytic: got, Numeric: num})
			}
			checked++
		}
	}
	return bad, checked
}

// NumericGrad returns the central difference (loss(w+eps) -
// loss(w-eps)) / 2eps of loss with respect to element k of p's data, with
// w+eps and w-eps rounded to float32; it leaves p.Data[k] unchanged.
func NumericGrad(p *Param, k int, eps float64, loss func() float64) float64 {
	orig := p.Data[k]
	p.Data[k] = orig + float32(eps)
	lp := loss()
	p.Data[k] = orig - float32(eps)
	lm := loss()
	p.Data[k] = orig
	return (lp - lm) / (2 * eps)
}
