package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestSgemmPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = rng.Float32()*2 - 1
		}
		return s
	}
	cases := []struct {
		m, n, k        int
		transA, transB bool
		beta           float32
	}{
		{1, 1, 1, false, false, 0},
		{3, 5, 7, false, true, 1},
		{32, 2048, 512, false, true, 0},
		{32, 512, 2048, false, false, 1},
		{32, 384, 128, true, false, 0.5},
		{40, 100, 600, false, false, 0},
		{17, 33, 1000, true, true, 1},
		{300, 70, 40, false, true, 0},
	}
	for _, th := range []int{1, 2} {
		for _, c := range cases {
			name := fmt.Sprintf("%dx%dx%d_tA%v_tB%v_beta%v_threads%d", c.m, c.n, c.k, c.transA, c.transB, c.beta, th)
			t.Run(name, func(t *testing.T) {
				SetThreads(th)
				defer SetThreads(0)
				lda, ldb := c.k+3, c.n+1
				if c.transA {
					lda = c.m + 2
				}
				if c.transB {
					ldb = c.k + 5
				}
				ar, br := c.m, c.k
				if c.transA {
					ar = c.k
				}
				if c.transB {
					br = c.n
				}
				a, b := fill(ar*lda), fill(br*ldb)
				ldc := c.n + 2
				c0 := fill(c.m * ldc)
				want := append([]float32(nil), c0...)
				sgemmRef(c.transA, c.transB, c.m, c.n, c.k, 0.75, a, lda, b, ldb, c.beta, want, ldc)
				var pm PackedMat
				pm.Pack(c.transB, c.k, c.n, b, ldb, c.m)
				for rep := 0; rep < 2; rep++ { // the packed matrix is reusable
					got := append([]float32(nil), c0...)
					SgemmPacked(c.transA, c.m, 0.75, a, lda, &pm, c.beta, got, ldc)
					for i := 0; i < c.m; i++ {
						for j := 0; j < ldc; j++ {
							g, w := got[i*ldc+j], want[i*ldc+j]
							if j >= c.n {
								if g != c0[i*ldc+j] {
									t.Fatalf("C[%d,%d] outside n changed", i, j)
								}
								continue
							}
							if math.Abs(float64(g-w)) > 1e-4*math.Sqrt(float64(c.k))+1e-5 {
								t.Fatalf("C[%d,%d] = %v, want %v", i, j, g, w)
							}
						}
					}
				}
			})
		}
	}
}

func TestSgemmPackedUnpackedPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	var pm PackedMat
	SgemmPacked(false, 1, 1, []float32{1}, 1, &pm, 0, []float32{0}, 1)
}

// BenchmarkSgemmPackedStep is the recurrent step of an LSTM with H=512 and
// a batch of 32: packed once, against Sgemm repacking every call.
func BenchmarkSgemmPackedStep(b *testing.B) {
	const m, n, k = 32, 2048, 512
	a, w, c := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
	for i := range w {
		w[i] = float32(i%7) * 0.1
	}
	b.Run("packed", func(b *testing.B) {
		var pm PackedMat
		pm.Pack(true, k, n, w, k, m)
		for b.Loop() {
			SgemmPacked(false, m, 1, a, k, &pm, 0, c, n)
		}
		b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("sgemm", func(b *testing.B) {
		for b.Loop() {
			Sgemm(false, true, m, n, k, 1, a, k, w, k, 0, c, n)
		}
		b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// TestSgemmPackedManyThreads: with more threads than the GEMM pool's
// maxParts (4096; SetThreads takes any count), a product with more
// panels than that was cut into one part per thread, but only the first
// 4096 parts ran: the columns of the others were left as they were. The
// packed product does not cap its threads at GOMAXPROCS, so any machine
// shows it. Every column must equal the serial product's.
func TestSgemmPackedManyThreads(t *testing.T) {
	defer SetThreads(Threads())
	const m, k, n = 1, 8, 5000 * 64 // > 4096 panels for any kernel width up to 64
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = rng.Float32()*2 - 1
	}
	for i := range b {
		b[i] = rng.Float32()*2 - 1
	}
	var pm PackedMat
	pm.Pack(false, k, n, b, n, m)
	want := make([]float32, m*n)
	SgemmPackedSerial(false, m, 1, a, k, &pm, 0, want, n)
	SetThreads(5000)
	got := make([]float32, m*n)
	for i := range got {
		got[i] = float32(math.NaN())
	}
	SgemmPacked(false, m, 1, a, k, &pm, 0, got, n)
	for j := range got {
		if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
			t.Fatalf("C[0,%d] = %v, want %v (the serial product's)", j, got[j], want[j])
		}
	}
}
