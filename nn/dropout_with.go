package nn

import (
	"math/bits"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/tensor"
)

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

// DropoutPCG is DropoutWith(rand.New(src), p, mask, dst, x): the same
// masks and outputs, and src left advanced by len(x) draws. Large inputs
// are shared out over tensor.Threads() goroutines, each part drawing from a
// copy of src advanced to its first element, so the masks do not depend on
// the thread count.
func DropoutPCG(src *rand.PCG, p float64, mask, dst, x []float32) {
	keep := float32(1 / (1 - p))
	mask, dst = mask[:len(x)], dst[:len(x)]
	drawMasks(src, len(x), func(sh, sl uint64, lo, hi int) {
		g := rand.NewPCG(sh, sl)
		for i := lo; i < hi; i++ {
			if pcgFloat64(g) < p {
				mask[i], dst[i] = 0, 0
			} else {
				mask[i], dst[i] = keep, x[i]*keep
			}
		}
	})
}

// dropoutMaskPCG fills mask [n] as RNN.Forward's loop does with
// rand.New(src): 0 with probability p (one Float64 draw per element), else
// scale; then dst = x * mask. Shared out like DropoutPCG.
func dropoutMaskPCG(src *rand.PCG, p float64, scale float32, mask, dst, x []float32) {
	mask, dst, x = mask[:len(x)], dst[:len(x)], x[:len(x)]
	drawMasks(src, len(x), func(sh, sl uint64, lo, hi int) {
		g := rand.NewPCG(sh, sl)
		for i := lo; i < hi; i++ {
			if pcgFloat64(g) < p {
				mask[i] = 0
			} else {
				mask[i] = scale
			}
		}
		tensor.Mul(dst[lo:hi], x[lo:hi], mask[lo:hi])
	})
}

// dropoutDrawUnit weighs a mask element (a generator draw) against the
// elements of splitMin.
const dropoutDrawUnit = 4

// drawMasks calls f(sh, sl, lo, hi) on ranges covering [0, n) (shared out
// by splitRange), (sh, sl) the state (seeds of rand.NewPCG) src would have
// after lo draws, and leaves src advanced by n draws.
func drawMasks(src *rand.PCG, n int, f func(sh, sl uint64, lo, hi int)) {
	var buf [20]byte
	b, _ := src.AppendBinary(buf[:0])
	hi0, lo0 := beUint64(b[4:]), beUint64(b[12:])
	splitRange(n, dropoutDrawUnit, func(lo, hi int) {
		sh, sl := pcgAdvance(hi0, lo0, uint64(lo))
		f(sh, sl, lo, hi)
	})
	src.Seed(pcgAdvance(hi0, lo0, uint64(n)))
}

// pcgFloat64 is rand.New(g).Float64().
func pcgFloat64(g *rand.PCG) float64 {
	return float64(g.Uint64()<<11>>11) / (1 << 53)
}

func beUint64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// pcgAdvance returns the state (hi, lo) of math/rand/v2's PCG after k
// steps from state (hi, lo): its 128-bit LCG state = state*mul + inc,
// jumped ahead in O(log k) (Brown, "Random number generation with
// arbitrary strides", 1994).
func pcgAdvance(hi, lo, k uint64) (uint64, uint64) {
	const (
		mulHi = 2549297995355413924
		mulLo = 4865540595714422341
		incHi = 6364136223846793005
		incLo = 1442695040888963407
	)
	mul128 := func(ah, al, bh, bl uint64) (uint64, uint64) {
		h, l := bits.Mul64(al, bl)
		return h + ah*bl + al*bh, l
	}
	add128 := func(ah, al, bh, bl uint64) (uint64, uint64) {
		l, c := bits.Add64(al, bl, 0)
		h, _ := bits.Add64(ah, bh, c)
		return h, l
	}
	accMulH, accMulL := uint64(0), uint64(1)
	accAddH, accAddL := uint64(0), uint64(0)
	curMulH, curMulL := uint64(mulHi), uint64(mulLo)
	curAddH, curAddL := uint64(incHi), uint64(incLo)
	for ; k > 0; k >>= 1 {
		if k&1 != 0 {
			accMulH, accMulL = mul128(accMulH, accMulL, curMulH, curMulL)
			accAddH, accAddL = mul128(accAddH, accAddL, curMulH, curMulL)
			accAddH, accAddL = add128(accAddH, accAddL, curAddH, curAddL)
		}
		// cur_add = (cur_mul + 1) * cur_add; cur_mul = cur_mul^2
		m1H, m1L := add128(curMulH, curMulL, 0, 1)
		curAddH, curAddL = mul128(m1H, m1L, curAddH, curAddL)
		curMulH, curMulL = mul128(curMulH, curMulL, curMulH, curMulL)
	}
	hi, lo = mul128(accMulH, accMulL, hi, lo)
	return add128(hi, lo, accAddH, accAddL)
}
