package tensor

import "math"

// Pure-Go kernels: the fallback under the purego build tag and on other
// architectures, and the reference the assembly is tested against on
// amd64. Lengths are those of the first slice argument; callers have
// already resliced the others to match.

func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func scaleGo(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

func addGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func mulGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func mulAddGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] += a[i] * b[i]
	}
}

func addScalarGo(dst, x []float32, c float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = v + c
	}
}

// dotGo uses four accumulators, both for speed and to shorten the
// rounding-error chains.
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func sumSquaresGo(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a, b, c, d := float64(x[i]), float64(x[i+1]), float64(x[i+2]), float64(x[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(x); i++ {
		a := float64(x[i])
		s0 += a * a
	}
	return (s0 + s1) + (s2 + s3)
}

// maxGo ignores NaN elements and returns -Inf when there are no others.
func maxGo(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

func expGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

func sigmoidGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(sigmoid64(float64(v)))
	}
}

// sigmoid64 evaluates 1/(1+e^-x); in float64 neither tail cancels.
func sigmoid64(x float64) float64 {
	return 1 / (1 + math.Exp(-x))
}

func tanhGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(tanh64(float64(v)))
	}
}

// tanh64 evaluates tanh with its Taylor series near 0, where (1-e)/(1+e)
// would cancel, and through math.Exp elsewhere (math.Tanh is slower). It
// avoids math.Copysign, which is oddly slow in this loop on amd64.
func tanh64(x float64) float64 {
	if math.Abs(x) < 0.0625 {
		x2 := x * x
		return x * (1 + x2*(-1.0/3+x2*(2.0/15+x2*(-17.0/315+x2*(62.0/2835)))))
	}
	e := math.Exp(-2 * min(max(x, -20), 20))
	return (1 - e) / (1 + e)
}

func expShiftSumGo(dst, x []float32, shift float32) float64 {
	x = x[:len(dst)]
	var s float64
	for i, v := range x {
		e := float32(math.Exp(float64(v - shift)))
		dst[i] = e
		s += float64(e)
	}
	return s
}

func sumExpShiftGo(x []float32, shift float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(float32(math.Exp(float64(v - shift))))
	}
	return s
}
