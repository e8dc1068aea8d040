package word2vec

import (
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

func randSlice(r *xrand.RNG, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
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
					for i := range m {
						for j := range n {
							var want float64
							for p := range dp {
								want += float64(a[i*dp+p]) * float64(b[j*dp+p])
							}
							if got := float64(s[i*n+j]); math.Abs(got-want) > 1e-5*float64(dp) {
								t.Fatalf("%s scores dp=%d m=%d n=%d [%d,%d] = %v, want %v", name, dp, m, n, i, j, got, want)
							}
						}
					}
					// c [m, dp] = g [m, n] (stride n+2) times b [n, dp].
					lda := n + 2
					g := randSlice(&r, m*lda)
					c := randSlice(&r, m*dp)
					k.gemm(g, lda, b, c, m, n, dp)
					for i := range m {
						for p := range dp {
							var want float64
							for j := range n {
								want += float64(g[i*lda+j]) * float64(b[j*dp+p])
							}
							if got := float64(c[i*dp+p]); math.Abs(got-want) > 1e-5*float64(n) {
								t.Fatalf("%s gemm dp=%d m=%d k=%d [%d,%d] = %v, want %v", name, dp, m, n, i, p, got, want)
							}
						}
					}
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
