package word2vec

// Portable kernels, unrolled with independent accumulators so the adds do
// not form one long dependency chain.

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

func axpyGo(a float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

func updateGo(g float32, h, out, acc []float32) {
	out = out[:len(h)]
	acc = acc[:len(h)]
	for i, v := range h {
		o := out[i]
		acc[i] += g * o
		out[i] = o + g*v
	}
}
