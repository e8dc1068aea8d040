package word2vec

import (
	"fmt"
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/internal/xrand"
)

// smallKernels are the implementations of scores and gemmSmall this build
// can run: the portable twins always, the AVX-512 ones where the CPU has it.
func smallKernels() map[string]struct {
	scores func(a, b, s []float32, m, n, dp int)
	gemm   func(a []float32, lda int, b, c []float32, m, k, dp int)
} {
	ks := map[string]struct {
		scores func(a, b, s []float32, m, n, dp int)
		gemm   func(a []float32, lda int, b, c []float32, m, k, dp int)
	}{"go": {scoresGo, gemmGo}}
	if useAVX512 {
		ks["avx512"] = struct {
			scores func(a, b, s []float32, m, n, dp int)
			gemm   func(a []float32, lda int, b, c []float32, m, k, dp int)
		}{
			func(a, b, s []float32, m, n, dp int) { scoresAVX512(&a[0], &b[0], &s[0], m, n, dp) },
			func(a []float32, lda int, b, c []float32, m, k, dp int) {
				gemmAVX512(&a[0], lda, &b[0], &c[0], m, k, dp)
			},
		}
	}
	return ks
}

// randSlice returns n values uniform in [-1, 1).
func randSlice(r *xrand.RNG, n int) (v []float32) {
	for range n {
		v = append(v, 2*r.Float32()-1)
	}
	return v
}

// checkClose fails t unless every got[x] is within tol of want(x).
func checkClose(t *testing.T, what string, got []float32, want func(x int) float64, tol float64) {
	t.Helper()
	for x, g := range got {
		if w := want(x); math.Abs(float64(g)-w) > tol {
			t.Fatalf("%s: element %d = %v, want %v", what, x, g, w)
		}
	}
}

// TestSmallKernelsMatchFloat64 checks every implementation of the two
// small products against a float64 reference over the shapes the batched
// skip-gram meets (1..2*window context rows, 1..1+negative output rows,
// padded dims 16..320), including a row stride lda larger than k; the
// output buffers start as garbage so that a kernel which accumulates
// instead of overwriting fails.
func TestSmallKernelsMatchFloat64(t *testing.T) {
	if !useAVX512 {
		t.Log("no AVX-512 kernels in this build or on this CPU: checking the portable twins only")
	}
	r := xrand.New(3, 0)
	for name, k := range smallKernels() {
		for _, dp := range []int{16, 32, 48, 64, 112, 128, 320} {
			for _, m := range []int{1, 2, 5, 10, 13} {
				for _, n := range []int{1, 3, 6, 8, 21} {
					a, b := randSlice(&r, m*dp), randSlice(&r, n*dp)
					s := randSlice(&r, m*n)
					k.scores(a, b, s, m, n, dp)
					checkClose(t, fmt.Sprintf("%s scores dp=%d m=%d n=%d", name, dp, m, n), s, func(x int) float64 {
						var sum float64
						for p := range dp {
							sum += float64(a[x/n*dp+p]) * float64(b[x%n*dp+p])
						}
						return sum
					}, 1e-5*float64(dp))
					// c [m, dp] = g [m, n] (stride n+2) times b [n, dp].
					lda := n + 2
					g := randSlice(&r, m*lda)
					c := randSlice(&r, m*dp)
					k.gemm(g, lda, b, c, m, n, dp)
					checkClose(t, fmt.Sprintf("%s gemm dp=%d m=%d k=%d", name, dp, m, n), c, func(x int) float64 {
						var sum float64
						for j := range n {
							sum += float64(g[x/dp*lda+j]) * float64(b[j*dp+x%dp])
						}
						return sum
					}, 1e-5*float64(n))
				}
			}
		}
	}
}

// BenchmarkSmall times one centre word's three products at the common
// shape (6 context rows, 1+5 output rows, dim 100 padded to 112).
func BenchmarkSmall(b *testing.B) {
	const m, n, dp = 6, 6, 112
	r := xrand.New(1, 0)
	in, out := randSlice(&r, m*dp), randSlice(&r, n*dp)
	s, gt := make([]float32, m*n), make([]float32, n*m)
	din, dout := make([]float32, m*dp), make([]float32, n*dp)
	for name, k := range smallKernels() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				k.scores(in, out, s, m, n, dp)
				k.gemm(s, n, out, din, m, n, dp)
				k.gemm(gt, m, in, dout, n, m, dp)
			}
		})
	}
}
