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
	eps := float32(opt.Eps)
	for i, p := range ps {
		for range opt.Samples {
			k := opt.Rand.IntN(len(p.Data))
			if opt.Skip != nil && opt.Skip(i, p, k, grads[i][k]) {
				continue
			}
			orig := p.Data[k]
			p.Data[k] = orig + eps
			lp := loss()
			p.Data[k] = orig - eps
			lm := loss()
			p.Data[k] = orig
			num := (lp - lm) / (2 * opt.Eps)
			got := float64(grads[i][k])
			if math.Abs(num-got) > opt.Atol+opt.Rtol*math.Abs(num) {
				bad = append(bad, GradMismatch{Param: p.Name, Index: k, Analytic: got, Numeric: num})
			}
			checked++
		}
	}
	return bad, checked
}
