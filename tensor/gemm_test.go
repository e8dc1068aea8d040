package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/recurrent-go/recurrent/internal/cputime"
	"github.com/recurrent-go/recurrent/tensor/internal/gemm"
	"gonum.org/v1/gonum/blas"
	gonumblas "gonum.org/v1/gonum/blas/gonum"
)

// gemmCase is one Sgemm call with padded leading dimensions.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	padA, padB     int // extra leading-dimension columns
	padC           int
	alpha, beta    float32
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,%dx%dx%d,pad=%d/%d/%d,a=%g,b=%g",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.padA, tc.padB, tc.padC, tc.alpha, tc.beta)
}

// runGemmCase runs tc with random data and checks every element of C
// against a float64 reference, that padding of C is untouched, and that
// beta == 0 ignores NaNs in C.
func runGemmCase(t *testing.T, tc gemmCase, rng *rand.Rand) {
	t.Helper()
	if err := checkGemmCase(tc, rng); err != nil {
		t.Fatal(err)
	}
}

// storedDims returns the rows and columns of a matrix stored for an
// r x c operand op(X): transposed (trans), it is stored c x r.
func storedDims(trans bool, r, c int) (int, int) {
	if trans {
		return c, r
	}
	return r, c
}

// dense64 returns op(X) [r, c] as a dense row-major float64 matrix, X
// stored in x with leading dimension ld and op(X) = X^T when trans.
func dense64(x []float32, ld, r, c int, trans bool) []float64 {
	d := make([]float64, r*c)
	for i := range r {
		for j := range c {
			if trans {
				d[i*c+j] = float64(x[j*ld+i])
			} else {
				d[i*c+j] = float64(x[i*ld+j])
			}
		}
	}
	return d
}

// checkGemmCase runs one Sgemm on random data and returns its first
// difference from a float64 reference (nil: none). It touches no
// testing.T, so concurrent callers can report from their own goroutine.
func checkGemmCase(tc gemmCase, rng *rand.Rand) error {
	ar, ac := storedDims(tc.transA, tc.m, tc.k)
	br, bc := storedDims(tc.transB, tc.k, tc.n)
	lda, ldb, ldc := max(ac+tc.padA, 1), max(bc+tc.padB, 1), max(tc.n+tc.padC, 1)
	a := randSlice(rng, ar*lda)
	b := randSlice(rng, br*ldb)
	c := randSlice(rng, tc.m*ldc)
	const sentinel = float32(-12345)
	for i := 0; i < tc.m; i++ {
		for j := tc.n; j < ldc; j++ {
			c[i*ldc+j] = sentinel
		}
	}
	if tc.beta == 0 {
		for i := range c {
			if c[i] != sentinel && rng.IntN(2) == 0 {
				c[i] = float32(math.NaN())
			}
		}
	}
	c0 := append([]float32(nil), c...)
	// op(A) and op(B) as dense float64 matrices, rows of op(A) and columns
	// of op(B) contiguous.
	opA := dense64(a, lda, tc.m, tc.k, tc.transA)
	opBT := dense64(b, ldb, tc.n, tc.k, !tc.transB)
	Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	const eps = 1.0 / (1 << 23)
	for i := 0; i < tc.m; i++ {
		ai := opA[i*tc.k : (i+1)*tc.k]
		for j := 0; j < ldc; j++ {
			got := c[i*ldc+j]
			if j >= tc.n {
				if got != sentinel {
					return fmt.Errorf("%v: padding C[%d,%d] changed to %g", tc, i, j, got)
				}
				continue
			}
			var s, mag float64
			for p, bv := range opBT[j*tc.k : (j+1)*tc.k] {
				s += ai[p] * bv
				mag += math.Abs(ai[p] * bv)
			}
			want := float64(tc.alpha) * s
			mag *= math.Abs(float64(tc.alpha))
			if tc.beta != 0 {
				want += float64(tc.beta) * float64(c0[i*ldc+j])
				mag += math.Abs(float64(tc.beta) * float64(c0[i*ldc+j]))
			}
			tol := float64(tc.k+4)*eps*mag + 1e-30
			if d := math.Abs(float64(got) - want); !(d <= tol) {
				return fmt.Errorf("%v: C[%d,%d] = %g, want %g (tolerance %g)", tc, i, j, got, want, tol)
			}
		}
	}
	return nil
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

// forEachImpl runs f once per GEMM kernel set usable on this machine (the
// assembly ones and the pure-Go one; only pure Go with -tags purego) and
// per thread count.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	forEachImplThreads(t, []int{1, 3}, f)
}

// forEachImplThreads is forEachImpl with the given thread counts.
func forEachImplThreads(t *testing.T, threads []int, f func(t *testing.T)) {
	defer gemm.Use(gemm.Impl())
	defer SetThreads(0)
	names := gemm.Impls()
	if raceEnabled {
		// The race detector slows the Go loops tenfold; check the shared
		// parallel machinery once, with the default kernel set.
		names, threads = names[:1], []int{3}
	}
	for _, name := range names {
		for _, th := range threads {
			t.Run(fmt.Sprintf("%s/threads=%d", name, th), func(t *testing.T) {
				gemm.Use(name)
				SetThreads(th)
				f(t)
			})
		}
	}
}

func TestSgemmShapes(t *testing.T) {
	dims := [][3]int{
		{0, 0, 0}, {0, 5, 3}, {4, 0, 3}, {3, 4, 0}, {1, 1, 1}, {1, 7, 1}, {7, 1, 1},
		{2, 3, 5}, {5, 7, 11}, {13, 17, 19}, {31, 37, 41}, {1, 64, 33}, {1, 300, 257},
		{300, 1, 129}, {1, 1, 500}, {16, 32, 64}, {14, 32, 128}, {97, 103, 101},
		{257, 20, 9}, {6, 300, 40}, {130, 67, 300}, {64, 520, 8}, {2, 2, 1000},
		{9, 3100, 20}, {430, 20, 9}, // cross the NC and MC blocks
	}
	ab := [][2]float32{{1, 0}, {1, 1}, {-1.5, 0.25}, {0, 2}, {0.5, 0}}
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, d := range dims {
			for tr := 0; tr < 4; tr++ {
				for _, s := range ab {
					tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: d[0], n: d[1], k: d[2],
						padA: rng.IntN(3), padB: rng.IntN(3), padC: rng.IntN(3), alpha: s[0], beta: s[1]}
					runGemmCase(t, tc, rng)
				}
			}
		}
	})
}

// TestSgemmBlocks crosses the cache-block boundaries of every kernel set.
func TestSgemmBlocks(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large shapes: skipped with -short and -race")
	}
	dims := [][3]int{{200, 150, 600}, {520, 40, 300}, {33, 2100, 70}, {450, 300, 257}}
	forEachImplThreads(t, []int{2}, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, d := range dims {
			for tr := 0; tr < 4; tr++ {
				tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: d[0], n: d[1], k: d[2],
					padA: rng.IntN(5), padB: rng.IntN(5), padC: rng.IntN(5), alpha: 0.75, beta: -0.5}
				if tr == 1 {
					tc.beta = 0
				}
				runGemmCase(t, tc, rng)
			}
		}
	})
}

func TestSgemmRandom(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for it := 0; it < 60; it++ {
			tc := gemmCase{transA: rng.IntN(2) == 0, transB: rng.IntN(2) == 0,
				m: 1 + rng.IntN(90), n: 1 + rng.IntN(90), k: 1 + rng.IntN(90),
				padA: rng.IntN(9), padB: rng.IntN(9), padC: rng.IntN(9),
				alpha: rng.Float32()*4 - 2, beta: float32(rng.IntN(3)) * 0.5}
			runGemmCase(t, tc, rng)
		}
	})
}

// TestSgemmConcurrent runs many Sgemm calls at once (run it with -race).
func TestSgemmConcurrent(t *testing.T) {
	SetThreads(2)
	defer SetThreads(0)
	var wg sync.WaitGroup
	errs := make([]error, 4) // one per goroutine: t.Fatal must not run off the test's goroutine
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for it := 0; it < 6 && errs[g] == nil; it++ {
				tc := gemmCase{m: 40 + rng.IntN(60), n: 1 + rng.IntN(120), k: 30 + rng.IntN(60), alpha: 1, beta: 0.5,
					transA: it&1 != 0, transB: it&2 != 0}
				if it == 5 {
					tc.m = 1
				}
				errs[g] = checkGemmCase(tc, rng)
			}
		}()
	}
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", g, err)
		}
	}
}

func TestSgemmNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	cases := []struct{ m, n, k int }{{64, 64, 64}, {1, 512, 256}, {300, 1, 64}, {5, 5, 5}, {96, 200, 80}, {4, 300, 64}, {32, 1024, 128}}
	defer SetThreads(0)
	for _, th := range []int{1, 2} {
		SetThreads(th)
		for _, cs := range cases {
			a := make([]float32, cs.m*cs.k)
			b := make([]float32, cs.k*cs.n)
			c := make([]float32, cs.m*cs.n)
			got := testing.AllocsPerRun(20, func() {
				Sgemm(false, false, cs.m, cs.n, cs.k, 1, a, cs.k, b, cs.n, 0, c, cs.n)
			})
			if got > 0.5 {
				t.Errorf("threads=%d %dx%dx%d: %.1f allocations per call", th, cs.m, cs.n, cs.k, got)
			}
		}
	}
}

func TestSgemmPanics(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"negative", func() { Sgemm(false, false, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) }},
		{"short A", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"small ldb", func() {
			Sgemm(false, true, 2, 3, 2, 1, make([]float32, 4), 2, make([]float32, 9), 1, 0, make([]float32, 6), 3)
		}},
		{"short C", func() {
			Sgemm(true, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
}

func FuzzSgemm(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(0), uint8(1), uint16(1))
	f.Add(uint8(1), uint8(200), uint8(64), uint8(3), uint8(2), uint16(2))
	f.Add(uint8(65), uint8(1), uint8(33), uint8(1), uint8(0), uint16(3))
	f.Add(uint8(40), uint8(70), uint8(130), uint8(2), uint8(4), uint16(4))
	f.Fuzz(func(t *testing.T, m, n, k, flags, pad uint8, seed uint16) {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		tc := gemmCase{transA: flags&1 != 0, transB: flags&2 != 0, m: int(m) % 150, n: int(n), k: int(k) % 150,
			padA: int(pad & 3), padB: int(pad>>2) & 3, padC: int(pad>>4) & 3, alpha: 1, beta: 0}
		if flags&4 != 0 {
			tc.alpha, tc.beta = -0.5, 1.5
		}
		runGemmCase(t, tc, rng)
	})
}

// gemmShapes are the benchmark shapes: squares and the LSTM step shapes.
var gemmShapes = []struct {
	name    string
	m, n, k int
}{
	{"256", 256, 256, 256}, {"512", 512, 512, 512}, {"1024", 1024, 1024, 1024},
	{"32x512x2048", 32, 2048, 512}, {"1x512x2048", 1, 2048, 512},
}

func benchGemm(b *testing.B, f func(m, n, k int, a, bb, c []float32)) {
	for _, s := range gemmShapes {
		b.Run(s.name, func(b *testing.B) {
			a := make([]float32, s.m*s.k)
			bb := make([]float32, s.k*s.n)
			c := make([]float32, s.m*s.n)
			rng := rand.New(rand.NewPCG(1, 1))
			for i := range a {
				a[i] = rng.Float32()
			}
			for i := range bb {
				bb[i] = rng.Float32()
			}
			cpu0 := cputime.Process()
			for b.Loop() {
				f(s.m, s.n, s.k, a, bb, c)
			}
			work := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N) / 1e9
			b.ReportMetric(work/b.Elapsed().Seconds(), "GFLOP/s")
			// Work per CPU-second: the rate a loaded machine hides.
			if cpu := cputime.Process() - cpu0; cpu > 0 && cpu0 >= 0 {
				b.ReportMetric(work/cpu.Seconds(), "GFLOP/cpu-s")
			}
		})
	}
}

// BenchmarkSgemm measures every kernel set; -cpu sets the thread count.
func BenchmarkSgemm(b *testing.B) {
	defer gemm.Use(gemm.Impl())
	SetThreads(0)
	for _, name := range gemm.Impls() {
		b.Run(name, func(b *testing.B) {
			gemm.Use(name)
			benchGemm(b, func(m, n, k int, a, bb, c []float32) {
				Sgemm(false, false, m, n, k, 1, a, k, bb, n, 0, c, n)
			})
		})
	}
}

// BenchmarkGonumSgemm is the peer for BenchmarkSgemm.
func BenchmarkGonumSgemm(b *testing.B) {
	benchGemm(b, func(m, n, k int, a, bb, c []float32) {
		gonumblas.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, bb, n, 0, c, n)
	})
}

// TestSgemmMatchesRef compares the fast path with the simple float32
// reference sgemmRef on random problems.
func TestSgemmMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for it := 0; it < 40; it++ {
		tA, tB := rng.IntN(2) == 0, rng.IntN(2) == 0
		m, n, k := 1+rng.IntN(70), 1+rng.IntN(70), 1+rng.IntN(70)
		ar, ac := storedDims(tA, m, k)
		br, bc := storedDims(tB, k, n)
		a, b := randSlice(rng, ar*ac), randSlice(rng, br*bc)
		c := randSlice(rng, m*n)
		want := append([]float32(nil), c...)
		alpha, beta := rng.Float32()*2-1, rng.Float32()*2-1
		Sgemm(tA, tB, m, n, k, alpha, a, ac, b, bc, beta, c, n)
		sgemmRef(tA, tB, m, n, k, alpha, a, ac, b, bc, beta, want, n)
		for i := range c {
			if d := math.Abs(float64(c[i] - want[i])); d > 1e-4*float64(k) {
				t.Fatalf("tA=%v tB=%v %dx%dx%d: C[%d] = %g, reference %g", tA, tB, m, n, k, i, c[i], want[i])
			}
		}
	}
}

func TestSetGemmKernel(t *testing.T) {
	defer SetGemmKernel(GemmKernel())
	for _, name := range GemmKernels() {
		if err := SetGemmKernel(name); err != nil || GemmKernel() != name {
			t.Fatalf("SetGemmKernel(%q) = %v, now using %q", name, err, GemmKernel())
		}
	}
	if err := SetGemmKernel("no-such-kernel"); err == nil {
		t.Fatal("SetGemmKernel accepted an unknown name")
	}
}
