package word2vec

// dot and axpy are tensor's kernels (AVX2+FMA assembly or pure Go): a
// separate copy here measured no faster (BenchmarkDot100 best 7.5 ns
// against tensor's 6.3 ns; BenchmarkTrainSkipGram within noise). The fused
// update below (and its assembly) has no twin in tensor.

import "github.com/recurrent-go/recurrent/tensor"

// dot returns sum x[i]*y[i]; len(y) >= len(x).
func dot(x, y []float32) float32 { return tensor.Dot(x, y) }

// axpy computes y += a*x; len(y) >= len(x).
func axpy(a float32, x, y []float32) { tensor.Axpy(a, x, y) }

// updateGo is the portable fused update.
func updateGo(g float32, h, out, acc []float32) {
	out = out[:len(h)]
	acc = acc[:len(h)]
	for i, v := range h {
		o := out[i]
		acc[i] += g * o
		out[i] = o + g*v
	}
}
