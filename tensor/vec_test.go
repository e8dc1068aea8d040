package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	gonumblas "gonum.org/v1/gonum/blas/gonum"
)

var vecLengths = []int{0, 1, 7, 8, 15, 16, 17, 31, 33, 1000, 4097}

// vecImpls runs f once per available kernel implementation: the assembly
// (when this build and CPU have it) and the pure-Go code.
func vecImpls(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	orig, orig512 := useAVX2, useAVX512
	defer func() { useAVX2, useAVX512 = orig, orig512 }()
	if orig512 {
		useAVX2, useAVX512 = true, true
		t.Run("avx512", f)
	}
	if orig {
		useAVX2, useAVX512 = true, false
		t.Run("avx2", f)
	}
	useAVX2, useAVX512 = false, false
	t.Run("go", f)
}

const vecGuard = 9 // sentinel elements on each side of every test vector

var sentinel = float32(math.Float32frombits(0x7fc0beef)) // a NaN nothing computes

// guarded returns a slice of n elements at the given offset (in elements)
// inside a larger buffer whose other elements hold a sentinel; check
// reports writes outside the slice.
type guarded struct {
	buf []float32
	off int
	n   int
}

func newGuarded(n, off int) guarded {
	g := guarded{buf: make([]float32, n+off+2*vecGuard), off: off + vecGuard, n: n}
	for i := range g.buf {
		g.buf[i] = sentinel
	}
	return g
}

func (g guarded) s() []float32 { return g.buf[g.off : g.off+g.n : g.off+g.n] }

func (g guarded) check(t *testing.T, what string) {
	t.Helper()
	for i, v := range g.buf {
		if (i < g.off || i >= g.off+g.n) && math.Float32bits(v) != math.Float32bits(sentinel) {
			t.Fatalf("%s wrote outside its slice: buf[%d] (slice [%d,%d)) = %v", what, i, g.off, g.off+g.n, v)
		}
	}
}

func fillRand(rng *rand.Rand, x []float32, scale float64) {
	for i := range x {
		x[i] = float32(scale * rng.NormFloat64())
	}
}

// fillInts fills x with small integers so that sums and products are exact.
func fillInts(rng *rand.Rand, x []float32) {
	for i := range x {
		x[i] = float32(rng.IntN(17) - 8)
	}
}

func TestElementwise(t *testing.T) {
	tests := []struct {
		name string
		run  func(dst, a, b []float32, alpha float32)
		want func(d, a, b, alpha float64) float64
	}{
		{"Axpy", func(d, a, _ []float32, al float32) { Axpy(al, a, d) }, func(d, a, _, al float64) float64 { return d + al*a }},
		{"Scale", func(d, _, _ []float32, al float32) { Scale(al, d) }, func(d, _, _, al float64) float64 { return d * al }},
		{"Add", func(d, a, b []float32, _ float32) { Add(d, a, b) }, func(_, a, b, _ float64) float64 { return a + b }},
		{"Mul", func(d, a, b []float32, _ float32) { Mul(d, a, b) }, func(_, a, b, _ float64) float64 { return a * b }},
		{"MulAdd", func(d, a, b []float32, _ float32) { MulAdd(d, a, b) }, func(d, a, b, _ float64) float64 { return d + a*b }},
	}
	vecImpls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 1))
		for _, tt := range tests {
			for _, n := range vecLengths {
				for off := range 3 {
					d, a, b := newGuarded(n, off), newGuarded(n, (off+1)%3), newGuarded(n, (off+2)%3)
					fillRand(rng, d.s(), 1)
					fillRand(rng, a.s(), 1)
					fillRand(rng, b.s(), 1)
					d0 := append([]float32(nil), d.s()...)
					alpha := float32(rng.NormFloat64())
					tt.run(d.s(), a.s(), b.s(), alpha)
					what := fmt.Sprintf("%s n=%d off=%d", tt.name, n, off)
					d.check(t, what)
					a.check(t, what)
					b.check(t, what)
					for i, got := range d.s() {
						want := tt.want(float64(d0[i]), float64(a.s()[i]), float64(b.s()[i]), float64(alpha))
						// One float32 rounding of each operation.
						ad, aa, ab, al := math.Abs(float64(d0[i])), math.Abs(float64(a.s()[i])), math.Abs(float64(b.s()[i])), math.Abs(float64(alpha))
						mag := ad + aa + ab + aa*(ab+al) + ad*al
						if math.Abs(float64(got)-want) > 1.2e-7*mag {
							t.Fatalf("%s: [%d] = %v, want %v", what, i, got, want)
						}
					}
				}
			}
		}
	})
}

func TestAliasing(t *testing.T) {
	vecImpls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(2, 2))
		x := make([]float32, 37)
		fillRand(rng, x, 2)
		for _, k := range []struct {
			name string
			f    func(dst, x []float32)
		}{{"Exp", Exp}, {"Sigmoid", Sigmoid}, {"Tanh", Tanh}, {"Add", func(d, x []float32) { Add(d, x, x) }}, {"Mul", func(d, x []float32) { Mul(d, x, x) }}} {
			want := make([]float32, len(x))
			k.f(want, x)
			got := append([]float32(nil), x...)
			k.f(got, got)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s in place: [%d] = %v, want %v", k.name, i, got[i], want[i])
				}
			}
		}
	})
}

func TestReductions(t *testing.T) {
	vecImpls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 3))
		for _, n := range vecLengths {
			for off := range 4 {
				x, y := newGuarded(n, off), newGuarded(n, 3-off)
				what := fmt.Sprintf("n=%d off=%d", n, off)

				// Small integers: every partial sum is exact, so any
				// missed or repeated element shows.
				fillInts(rng, x.s())
				fillInts(rng, y.s())
				var dot, ss float64
				for i := range n {
					dot += float64(x.s()[i]) * float64(y.s()[i])
					ss += float64(x.s()[i]) * float64(x.s()[i])
				}
				if got := Dot(x.s(), y.s()); float64(got) != dot {
					t.Fatalf("Dot %s (ints) = %v, want %v", what, got, dot)
				}
				if got := SumSquares(x.s()); got != ss {
					t.Fatalf("SumSquares %s (ints) = %v, want %v", what, got, ss)
				}

				fillRand(rng, x.s(), 3)
				fillRand(rng, y.s(), 3)
				dot, ss = 0, 0
				var absDot, ssy float64
				for i := range n {
					p := float64(x.s()[i]) * float64(y.s()[i])
					dot += p
					absDot += math.Abs(p)
					ss += float64(x.s()[i]) * float64(x.s()[i])
					ssy += float64(y.s()[i]) * float64(y.s()[i])
				}
				// Float32 accumulation error grows with the length of the
				// longest chain of additions (n/4 in pure Go, n/32 in asm).
				tol := float64(n/4+2) * 0x1p-24 * absDot
				if got := Dot(x.s(), y.s()); math.Abs(float64(got)-dot) > tol {
					t.Fatalf("Dot %s = %v, want %v ± %g", what, got, dot, tol)
				}
				if got := SumSquares(x.s()); math.Abs(got-ss) > 1e-12*ss {
					t.Fatalf("SumSquares %s = %v, want %v", what, got, ss)
				}
				cos := 0.0
				if ss > 0 && ssy > 0 {
					cos = dot / math.Sqrt(ss*ssy)
				}
				if got := Cosine(x.s(), y.s()); math.Abs(float64(got)-cos) > tol/math.Sqrt(ss*ssy+1e-300)+1e-6 {
					t.Fatalf("Cosine %s = %v, want %v", what, got, cos)
				}

				// Max and Argmax: put the maximum anywhere, including the
				// masked tail, sprinkle NaNs.
				if n > 0 {
					for trial := range 4 {
						fillRand(rng, x.s(), 1)
						at := rng.IntN(n)
						x.s()[at] = 5
						if trial >= 2 {
							x.s()[rng.IntN(n)] = float32(math.NaN())
						}
						if x.s()[at] != 5 { // the NaN landed on the maximum
							x.s()[at] = 5
						}
						if trial == 3 && at+1 < n {
							x.s()[n-1] = 5 // a later tie: the first wins
						}
						if got := Max(x.s()); got != 5 {
							t.Fatalf("Max %s trial %d = %v, want 5", what, trial, got)
						}
						if got := Argmax(x.s()); got != at {
							t.Fatalf("Argmax %s trial %d = %d, want %d", what, trial, got, at)
						}
					}
				}
				x.check(t, what)
				y.check(t, what)
			}
		}
	})
}

func TestReductionSpecialCases(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	vecImpls(t, func(t *testing.T) {
		tests := []struct {
			x      []float32
			max    float32
			argmax int
		}{
			{nil, -inf, -1},
			{[]float32{nan}, -inf, 0},
			{[]float32{nan, nan, nan, nan, nan, nan, nan, nan, nan}, -inf, 0},
			{[]float32{nan, 3, nan, 2}, 3, 1},
			{[]float32{-inf, -inf}, -inf, 0},
			{[]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, inf, 2}, inf, 9},
			{[]float32{-0.0, 0}, 0, 0},
		}
		for _, tt := range tests {
			if got := Max(tt.x); got != tt.max {
				t.Errorf("Max(%v) = %v, want %v", tt.x, got, tt.max)
			}
			if got := Argmax(tt.x); got != tt.argmax {
				t.Errorf("Argmax(%v) = %v, want %v", tt.x, got, tt.argmax)
			}
		}
		if got := Cosine([]float32{0, 0, 0}, []float32{1, 2, 3}); got != 0 {
			t.Errorf("Cosine with a zero vector = %v, want 0", got)
		}
		if got := Cosine([]float32{1, 2, 3}, []float32{-2, -4, -6}); math.Abs(float64(got)+1) > 1e-6 {
			t.Errorf("Cosine of opposite vectors = %v, want -1", got)
		}
		if got := Dot([]float32{1, nan}, []float32{1, 1}); !math.IsNaN(float64(got)) {
			t.Errorf("Dot with NaN = %v", got)
		}
	})
}

func TestShortOperandPanics(t *testing.T) {
	x, short := make([]float32, 9), make([]float32, 8)
	for name, f := range map[string]func(){
		"Dot":     func() { Dot(x, short) },
		"Axpy":    func() { Axpy(1, x, short) },
		"Add":     func() { Add(x, x, short) },
		"Mul":     func() { Mul(x, short, x) },
		"MulAdd":  func() { MulAdd(x, short, x) },
		"Exp":     func() { Exp(x, short) },
		"Sigmoid": func() { Sigmoid(x, short) },
		"Tanh":    func() { Tanh(x, short) },
		"Softmax": func() { Softmax(x, short) },
		"Cosine":  func() { Cosine(x, short) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a short operand did not panic", name)
				}
			}()
			f()
		}()
	}
}

// closeTo reports whether got is within the accepted error of the
// transcendental kernels: 1e-6 relative, or one subnormal step where
// float32 cannot do better.
func closeTo(got float32, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(float64(got))
	}
	if math.IsInf(float64(got), 0) || math.IsInf(want, 0) {
		// Overflow must match float32 rounding of the exact value.
		return got == float32(want)
	}
	return math.Abs(float64(got)-want) <= 1e-6*math.Abs(want)+0x1p-149
}

var transcendentals = []struct {
	name string
	f    func(dst, x []float32)
	ref  func(float64) float64
}{
	{"Exp", Exp, math.Exp},
	{"Sigmoid", Sigmoid, func(x float64) float64 {
		if x < 0 {
			e := math.Exp(x)
			return e / (1 + e)
		}
		return 1 / (1 + math.Exp(-x))
	}},
	{"Tanh", Tanh, math.Tanh},
}

// specials covers saturation, overflow and underflow boundaries, signed
// zeros, subnormals, infinities and NaN.
var specials = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 1e-3, -1e-3, 1e-8, -1e-8, 1e-30, -1e-30, 1e-40, -1e-40,
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 0.0624, 0.0626, 0.34657, 0.34658, 9, 9.01, 9.02, 10, 10.5, -9.01,
	15, -15, 16.7, -16.7, 20, -20, 30, -30, 80, -80, 87.33, 87.34, -87.33, -87.34, -87.5, -88.72, 88.72, 88.7228, 88.7229, 88.73, 88.8, 89, 90, -89, -90,
	-100, -103.27, -103.28, -103.9, -103.98, -104, -105, -150, 1000, -1000, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
	math.Inf(1), math.Inf(-1), math.NaN(),
}

// transcendentalInputs returns the specials, random values over the
// interesting ranges and log-uniform magnitudes, and a sweep over float32
// bit patterns.
func transcendentalInputs() []float32 {
	rng := rand.New(rand.NewPCG(4, 4))
	var xs []float32
	for _, v := range specials {
		xs = append(xs, float32(v))
	}
	for range 20000 {
		xs = append(xs, float32(rng.Float64()*40-20), float32(rng.Float64()*240-120))
		// Log-uniform magnitudes over the whole float32 range.
		m := float32(math.Exp2(rng.Float64()*276 - 149))
		if rng.IntN(2) == 0 {
			m = -m
		}
		xs = append(xs, m)
	}
	// A sweep over float32 bit patterns, every sign and exponent.
	for b := uint32(0); b < 1<<32-4099; b += 4099 {
		xs = append(xs, math.Float32frombits(b))
	}
	return xs
}

func TestTranscendental(t *testing.T) {
	xs := transcendentalInputs()
	vecImpls(t, func(t *testing.T) {
		for _, k := range transcendentals {
			got := make([]float32, len(xs))
			k.f(got, xs)
			worst, worstX := 0.0, float32(0)
			for i, x := range xs {
				want := k.ref(float64(x))
				if !closeTo(got[i], want) {
					t.Fatalf("%s(%v) = %v, want %v", k.name, x, got[i], want)
				}
				if want != 0 && !math.IsInf(float64(got[i]), 0) && math.Abs(want) >= 0x1p-126 {
					if e := math.Abs(float64(got[i])-want) / math.Abs(want); e > worst {
						worst, worstX = e, x
					}
				}
			}
			t.Logf("%s: %d inputs, worst relative error %.3g (%.2f × 2^-24) at x=%v", k.name, len(xs), worst, worst/0x1p-24, worstX)
			// Every length and offset, to exercise the masked tail.
			for _, n := range vecLengths {
				for off := range 3 {
					g := newGuarded(n, off)
					src := xs[off*50 : off*50+n]
					k.f(g.s(), src)
					g.check(t, fmt.Sprintf("%s n=%d off=%d", k.name, n, off))
					for i := range n {
						if !closeTo(g.s()[i], k.ref(float64(src[i]))) {
							t.Fatalf("%s n=%d off=%d: [%d] f(%v) = %v", k.name, n, off, i, src[i], g.s()[i])
						}
					}
				}
			}
		}
	})
}

func TestSoftmax(t *testing.T) {
	negInf := float32(math.Inf(-1))
	vecImpls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 5))
		for _, n := range vecLengths[1:] {
			for _, shift := range []float64{0, 1000, -1e4} {
				x := make([]float32, n)
				fillRand(rng, x, 5)
				for i := range x {
					x[i] += float32(shift)
				}
				if n > 2 {
					x[1] = negInf // a masked logit
				}
				var m float64 = math.Inf(-1)
				for _, v := range x {
					m = math.Max(m, float64(v))
				}
				var s float64
				for _, v := range x {
					s += math.Exp(float64(v) - m)
				}
				lse := m + math.Log(s)
				what := fmt.Sprintf("n=%d shift=%g", n, shift)

				g := newGuarded(n, 1)
				Softmax(g.s(), x)
				g.check(t, "Softmax "+what)
				var total float64
				for i, p := range g.s() {
					want := math.Exp(float64(x[i]) - lse)
					if math.Abs(float64(p)-want) > 2e-6*want+1e-30 {
						t.Fatalf("Softmax %s: [%d] = %v, want %v", what, i, p, want)
					}
					total += float64(p)
				}
				if math.Abs(total-1) > 1e-5 {
					t.Fatalf("Softmax %s sums to %v", what, total)
				}

				lg := newGuarded(n, 2)
				got := LogSoftmax(lg.s(), x)
				lg.check(t, "LogSoftmax "+what)
				if math.Abs(float64(got)-lse) > 1e-6*math.Abs(lse)+1e-6 {
					t.Fatalf("LogSoftmax %s returned %v, want %v", what, got, lse)
				}
				for i, v := range lg.s() {
					want := float64(x[i]) - lse
					// x - max is exact, log(sum) is within a few ulp.
					if !(math.IsInf(want, -1) && math.IsInf(float64(v), -1)) && math.Abs(float64(v)-want) > 1e-6*(math.Abs(want)+math.Abs(lse-m))+1e-7*math.Abs(m)+1e-7 {
						t.Fatalf("LogSoftmax %s: [%d] = %v, want %v", what, i, v, want)
					}
				}

				// Rows, in place, in a matrix view with stride > cols.
				mat := NewMat(3, n+5).Slice(0, 3, 2, 2+n)
				lmat := NewMat(3, n+5).Slice(0, 3, 2, 2+n)
				for r := range 3 {
					copy(mat.Row(r), x)
					copy(lmat.Row(r), x)
				}
				SoftmaxRows(mat)
				LogSoftmaxRows(lmat)
				for r := range 3 {
					for i := range n {
						if mat.At(r, i) != g.s()[i] || lmat.At(r, i) != lg.s()[i] {
							t.Fatalf("Rows %s: row %d differs from the single-row result at %d", what, r, i)
						}
					}
				}
			}
		}
		// Empty rows.
		Softmax(nil, nil)
		if got := LogSoftmax(nil, nil); !math.IsInf(float64(got), -1) {
			t.Errorf("LogSoftmax(empty) = %v, want -Inf", got)
		}
		// A NaN logit poisons the row (as in PyTorch).
		y := []float32{1, float32(math.NaN()), 2}
		Softmax(y, y)
		if !math.IsNaN(float64(y[0])) {
			t.Errorf("Softmax with NaN = %v", y)
		}
	})
}

func TestVecNoAlloc(t *testing.T) {
	x, y, d := make([]float32, 100), make([]float32, 100), make([]float32, 100)
	fillRand(rand.New(rand.NewPCG(6, 6)), x, 1)
	vecImpls(t, func(t *testing.T) {
		allocs := testing.AllocsPerRun(10, func() {
			Axpy(0.5, x, y)
			Scale(0.9, y)
			Add(d, x, y)
			Mul(d, x, y)
			MulAdd(d, x, y)
			_ = Dot(x, y) + Max(x) + Cosine(x, y)
			_ = SumSquares(x)
			_ = Argmax(x)
			Exp(d, x)
			Sigmoid(d, x)
			Tanh(d, x)
			Softmax(d, x)
			LogSoftmax(d, x)
		})
		if allocs != 0 {
			t.Errorf("kernels allocated %v times per run", allocs)
		}
	})
}

// Benchmarks report ns/elem; "go" is the pure-Go fallback, "math" the
// float64 standard library loop, "gonum" gonum's blas32-level kernels.

const benchN = 4096

func benchVec(b *testing.B, name string, f func()) {
	b.Run(name, func(b *testing.B) {
		b.SetBytes(4 * benchN)
		for b.Loop() {
			f()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/elem")
	})
}

// benchImpls benchmarks f under each kernel implementation.
func benchImpls(b *testing.B, f func()) {
	orig, orig512 := useAVX2, useAVX512
	defer func() { useAVX2, useAVX512 = orig, orig512 }()
	if orig512 {
		useAVX2, useAVX512 = true, true
		benchVec(b, "avx512", f)
	}
	if orig {
		useAVX2, useAVX512 = true, false
		benchVec(b, "avx2", f)
	}
	useAVX2, useAVX512 = false, false
	benchVec(b, "go", f)
}

func benchData() (x, y, d []float32) {
	rng := rand.New(rand.NewPCG(7, 7))
	x, y, d = make([]float32, benchN), make([]float32, benchN), make([]float32, benchN)
	fillRand(rng, x, 3)
	fillRand(rng, y, 3)
	return
}

func BenchmarkExp(b *testing.B) { benchUnary(b, Exp, math.Exp) }

func BenchmarkSigmoid(b *testing.B) {
	benchUnary(b, Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) })
}

func BenchmarkTanh(b *testing.B) { benchUnary(b, Tanh, math.Tanh) }

// benchUnary times the implementations of an element-wise function f and
// the float64 math function ref it approximates, on the same data.
func benchUnary(b *testing.B, f func(d, x []float32), ref func(float64) float64) {
	x, _, d := benchData()
	benchImpls(b, func() { f(d, x) })
	benchVec(b, "math", func() {
		for i, v := range x {
			d[i] = float32(ref(float64(v)))
		}
	})
}

func BenchmarkDot(b *testing.B) {
	x, y, _ := benchData()
	var sink float32
	benchImpls(b, func() { sink += Dot(x, y) })
	benchVec(b, "gonum", func() { sink += gonumblas.Implementation{}.Sdot(benchN, x, 1, y, 1) })
	_ = sink
}

func BenchmarkAxpy(b *testing.B) {
	x, y, _ := benchData()
	benchImpls(b, func() { Axpy(1e-3, x, y) })
	benchVec(b, "gonum", func() { gonumblas.Implementation{}.Saxpy(benchN, 1e-3, x, 1, y, 1) })
}

func BenchmarkMulAdd(b *testing.B) {
	x, y, d := benchData()
	benchImpls(b, func() { MulAdd(d, x, y) })
}

func BenchmarkSumSquares(b *testing.B) {
	x, _, _ := benchData()
	var sink float64
	benchImpls(b, func() { sink += SumSquares(x) })
	_ = sink
}

func BenchmarkMax(b *testing.B) {
	x, _, _ := benchData()
	var sink float32
	benchImpls(b, func() { sink += Max(x) })
	_ = sink
}

func BenchmarkSoftmax(b *testing.B) {
	x, _, d := benchData()
	benchImpls(b, func() { Softmax(d, x) })
}

func BenchmarkLogSoftmax(b *testing.B) {
	x, _, d := benchData()
	benchImpls(b, func() { LogSoftmax(d, x) })
}

// FuzzVecKernels checks the active kernels against the float64 references
// on arbitrary bit patterns, lengths and offsets.
func FuzzVecKernels(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0x80, 0xff}, uint8(1))
	f.Add(make([]byte, 4*37), uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, off uint8) {
		n := len(raw) / 4
		x := make([]float32, n+int(off%8))[off%8:]
		for i := range x {
			x[i] = math.Float32frombits(uint32(raw[4*i]) | uint32(raw[4*i+1])<<8 | uint32(raw[4*i+2])<<16 | uint32(raw[4*i+3])<<24)
		}
		d := make([]float32, n)
		for _, k := range transcendentals {
			k.f(d, x)
			for i := range x {
				if !closeTo(d[i], k.ref(float64(x[i]))) {
					t.Fatalf("%s(%v) = %v, want %v", k.name, x[i], d[i], k.ref(float64(x[i])))
				}
			}
		}
		m, want := Max(x), maxGo(x)
		if math.Float32bits(m) != math.Float32bits(want) && !(m == 0 && want == 0) {
			t.Fatalf("Max = %v, want %v", m, want)
		}
		var ss float64
		for _, v := range x {
			ss += float64(v) * float64(v)
		}
		if got := SumSquares(x); !(got == ss || math.Abs(got-ss) <= 1e-12*ss || math.IsNaN(got) && math.IsNaN(ss)) {
			t.Fatalf("SumSquares = %v, want %v", got, ss)
		}
	})
}
