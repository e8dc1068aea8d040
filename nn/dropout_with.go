package nn

import "math/rand/v2"

// DropoutWith applies inverted dropout with drop probability p in [0, 1)
// to x, drawing one r.Float64() per element: with probability p both
// mask[i] and dst[i] are 0, otherwise mask[i] = 1/(1-p) and
// dst[i] = x[i]/(1-p). mask and dst need len(x) elements (dst may be x).
// It suits a model that draws all its masks of a step from one generator
// it reseeds per step; Dropout is the layer that owns its generator.
func DropoutWith(r *rand.Rand, p float64, mask, dst, x []float32) {
	keep := float32(1 / (1 - p))
	for i, v := range x {
		if r.Float64() < p {
			mask[i], dst[i] = 0, 0
		} else {
			mask[i], dst[i] = keep, v*keep
		}
	}
}
