package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// int8Impls runs f once per int8 kernel this CPU has (and pure Go).
func int8Impls(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	orig := int8Impl
	defer func() { int8Impl = orig }()
	for _, k := range int8Available() {
		int8Impl = k
		t.Run(k.String(), f)
	}
}

var int8Sizes = [][2]int{{1, 1}, {1, 64}, {3, 7}, {4, 63}, {5, 64}, {7, 65}, {8, 127}, {9, 128}, {31, 129}, {33, 512}, {65, 512}, {130, 300}}

// int8Exact is the product the kernels must give bit for bit: the exact
// integer sum of the codes, converted to float32 and scaled as they do.
func int8Exact(m *Int8Matrix, x *Int8Batch, b, row int) float32 {
	q := m.Int8()[row*m.cols : (row+1)*m.cols]
	xq := x.q[b*x.stride : b*x.stride+x.n]
	var s int64
	for k := range q {
		s += int64(q[k]) * int64(xq[k])
	}
	if s != int64(int32(s)) {
		panic("int32 overflow")
	}
	return float32(s) * m.scale[row] * x.scale[b]
}

// int8Bound is the largest error quantization can cause in row i of w x
// (float64), from |w - sw qw| <= sw/2 and |x - sx qx| <= sx/2 per element:
// sum_k |w_k| sx/2 + |x_k| sw/2 + sw sx/4, plus float32 rounding.
func int8Bound(w, x []float32, sw, sx float32) float64 {
	var b, mag float64
	for k := range x {
		aw, ax := math.Abs(float64(w[k])), math.Abs(float64(x[k]))
		b += aw*float64(sx)/2 + ax*float64(sw)/2 + float64(sw)*float64(sx)/4
		mag += aw * ax
	}
	return b*1.0001 + 1e-6*mag + 1e-30
}

func TestInt8MulVec(t *testing.T) {
	int8Impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, sz := range int8Sizes {
			rows, cols := sz[0], sz[1]
			ld := cols + rng.IntN(3)
			w := make([]float32, rows*ld)
			fillRand(rng, w, 0.3)
			m, err := QuantizeInt8(w, rows, cols, ld)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, cols)
			fillRand(rng, x, 1)
			// Vector 1 of two, so that the vector index is exercised.
			xb := NewInt8Batch(2, cols)
			xb.Quantize(1, x)
			fillRand(rng, x, 5)
			xb.Quantize(0, x)
			xb.Quantize(1, x) // and quantized again over other values
			for _, r0 := range []int{0, rows / 3} {
				n := rows - r0 - rng.IntN(2)
				if n < 0 {
					n = 0
				}
				g := newGuarded(n, rng.IntN(5))
				m.MulVec(r0, xb, 1, g.s())
				g.check(t, "MulVec")
				for i, got := range g.s() {
					row := r0 + i
					if want := int8Exact(m, xb, 1, row); math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("[%d, %d] row %d: got %v, exact integer sum gives %v", rows, cols, row, got, want)
					}
					var ref float64
					for k := range cols {
						ref += float64(w[row*ld+k]) * float64(x[k])
					}
					if d := math.Abs(float64(got) - ref); d > int8Bound(w[row*ld:row*ld+cols], x, m.scale[row], xb.scale[1]) {
						t.Fatalf("[%d, %d] row %d: got %v, float64 product %v: error %g beyond the quantization bound", rows, cols, row, got, ref, d)
					}
				}
			}
		}
	})
}

func TestInt8MulBatch(t *testing.T) {
	int8Impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, sz := range int8Sizes {
			for _, B := range []int{1, 2, 3, 8} {
				rows, cols := sz[0], sz[1]
				w := make([]float32, rows*cols)
				fillRand(rng, w, 1)
				m, err := QuantizeInt8(w, rows, cols, cols)
				if err != nil {
					t.Fatal(err)
				}
				xb := NewInt8Batch(B, cols)
				x := make([]float32, cols)
				for b := range B {
					fillRand(rng, x, float64(b+1))
					xb.Quantize(b, x)
				}
				r0 := rows / 4
				n := rows - r0
				ldy := n + 3
				g := newGuarded((B-1)*ldy+n, 2)
				m.MulBatch(r0, n, xb, g.s(), ldy)
				g.check(t, "MulBatch")
				y := g.s()
				for b := range B {
					for i := range n {
						if got, want := y[b*ldy+i], int8Exact(m, xb, b, r0+i); math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("[%d, %d] B=%d: y[%d, %d] = %v, want %v", rows, cols, B, b, i, got, want)
						}
					}
				}
			}
		}
	})
}

func TestInt8Quantize(t *testing.T) {
	int8Impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, n := range []int{1, 2, 63, 64, 65, 300} {
			x := make([]float32, n)
			fillRand(rng, x, 2)
			x[rng.IntN(n)] = -3 // the extreme may be negative
			xb := NewInt8Batch(2, n)
			xb.Quantize(1, x)
			s := xb.Scale(1)
			if want := maxAbs(x) / 127; s != want {
				t.Fatalf("n=%d: scale %v, want %v", n, s, want)
			}
			for k, v := range x {
				q := xb.q[xb.stride+k]
				if q < -127 || math.Abs(float64(q)*float64(s)-float64(v)) > float64(s)/2*1.0001 {
					t.Fatalf("n=%d: x[%d] = %v quantized to %d * %v", n, k, v, q, s)
				}
			}
			// Zeros and non-finite values.
			clear(x)
			xb.Quantize(0, x)
			if xb.Scale(0) != 0 {
				t.Fatalf("zero vector: scale %v", xb.Scale(0))
			}
			if n == 1 {
				continue
			}
			x[0] = float32(math.NaN())
			x[n-1] = 1
			xb.Quantize(0, x)
			if xb.q[0] != 0 || xb.q[n-1] != 127 {
				t.Fatalf("NaN vector: codes %d .. %d, want 0 .. 127", xb.q[0], xb.q[n-1])
			}
		}
	})
}

func TestInt8MatrixRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	rows, cols := 9, 70
	w := make([]float32, rows*cols)
	fillRand(rng, w, 1)
	clear(w[3*cols : 4*cols]) // an all-zero row
	m, err := QuantizeInt8(w, rows, cols, cols)
	if err != nil {
		t.Fatal(err)
	}
	if m.Scales()[3] != 0 {
		t.Fatalf("zero row has scale %v", m.Scales()[3])
	}
	d := make([]float32, rows*cols)
	m.Dequantize(d)
	for i := range rows {
		for k := range cols {
			if e := math.Abs(float64(d[i*cols+k] - w[i*cols+k])); e > float64(m.Scales()[i])/2*1.0001 {
				t.Fatalf("dequantized (%d, %d) = %v, was %v", i, k, d[i*cols+k], w[i*cols+k])
			}
		}
	}
	// Rebuilt from its codes and scales, and quantized again from the
	// dequantized values, the matrix is the same.
	m2, err := NewInt8Matrix(m.Int8(), m.Scales(), rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	m3, err := QuantizeInt8(d, rows, cols, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []*Int8Matrix{m2, m3} {
		for i, v := range o.q {
			if v != m.q[i] {
				t.Fatalf("code %d: %d, want %d", i, v, m.q[i])
			}
		}
		for i, v := range o.comp {
			if v != m.comp[i] || o.scale[i] != m.scale[i] {
				t.Fatalf("row %d: sum %d scale %v, want %d %v", i, v, o.scale[i], m.comp[i], m.scale[i])
			}
		}
	}
	q := m.Int8()
	q[5] = -128
	if _, err := NewInt8Matrix(q, m.Scales(), rows, cols); err == nil {
		t.Fatal("NewInt8Matrix accepted -128")
	}
	if _, err := NewInt8Matrix(q[:10], m.Scales(), rows, cols); err == nil {
		t.Fatal("NewInt8Matrix accepted a short slice")
	}
	w[7] = float32(math.Inf(1))
	if _, err := QuantizeInt8(w, rows, cols, cols); err == nil {
		t.Fatal("QuantizeInt8 accepted +Inf")
	}
}

// FuzzInt8MulVec checks every kernel against the exact integer sum for
// arbitrary codes, including the extremes (-127 x 127 everywhere).
func FuzzInt8MulVec(f *testing.F) {
	f.Add(uint8(3), uint8(70), []byte{1, 2, 255, 129, 127})
	f.Add(uint8(4), uint8(64), []byte{129})
	f.Fuzz(func(t *testing.T, rows, cols uint8, data []byte) {
		R, C := int(rows%40)+1, int(cols)+1
		if len(data) == 0 {
			data = []byte{0}
		}
		at := func(i int) int8 { return max(int8(data[i%len(data)]), -127) }
		q := make([]int8, R*C)
		for i := range q {
			q[i] = at(i)
		}
		sc := make([]float32, R)
		for i := range sc {
			sc[i] = float32(i+1) / 64
		}
		m, err := NewInt8Matrix(q, sc, R, C)
		if err != nil {
			t.Fatal(err)
		}
		orig := int8Impl
		defer func() { int8Impl = orig }()
		x := make([]float32, C)
		for k := range x {
			x[k] = float32(at(k*7 + 3))
		}
		for _, impl := range int8Available() {
			int8Impl = impl
			xb := NewInt8Batch(1, C)
			xb.Quantize(0, x)
			y := make([]float32, R)
			m.MulVec(0, xb, 0, y)
			for i := range R {
				if want := int8Exact(m, xb, 0, i); math.Float32bits(y[i]) != math.Float32bits(want) {
					t.Fatalf("%v [%d, %d] row %d: %v, want %v", impl, R, C, i, y[i], want)
				}
			}
		}
	})
}

// BenchmarkInt8MulVec compares the int8 product of an LSTM's recurrent
// weights [4H, H] and one state with the float32 MatVec.
func BenchmarkInt8MulVec(b *testing.B) {
	for _, H := range []int{128, 512} {
		rows := 4 * H
		rng := rand.New(rand.NewPCG(1, 1))
		w := make([]float32, rows*H)
		fillRand(rng, w, 0.1)
		x := make([]float32, H)
		fillRand(rng, x, 0.5)
		y := make([]float32, rows)
		b.Run(fmt.Sprintf("float32/%dx%d", rows, H), func(b *testing.B) {
			b.SetBytes(int64(4 * rows * H))
			for b.Loop() {
				MatVec(w, H, x, y)
			}
		})
		m, _ := QuantizeInt8(w, rows, H, H)
		orig := int8Impl
		for _, impl := range int8Available() {
			int8Impl = impl
			xb := NewInt8Batch(1, H)
			b.Run(fmt.Sprintf("%v/%dx%d", impl, rows, H), func(b *testing.B) {
				b.SetBytes(int64(rows * H))
				for b.Loop() {
					xb.Quantize(0, x)
					m.MulVec(0, xb, 0, y)
				}
			})
		}
		int8Impl = orig
	}
}

// BenchmarkInt8MulBatch is the small-batch product, per vector.
func BenchmarkInt8MulBatch(b *testing.B) {
	const H, rows = 512, 2048
	rng := rand.New(rand.NewPCG(1, 1))
	w := make([]float32, rows*H)
	fillRand(rng, w, 0.1)
	m, _ := QuantizeInt8(w, rows, H, H)
	for _, B := range []int{1, 4, 8, 16} {
		xb := NewInt8Batch(B, H)
		x := make([]float32, H)
		for i := range B {
			fillRand(rng, x, 1)
			xb.Quantize(i, x)
		}
		y := make([]float32, B*rows)
		b.Run(fmt.Sprintf("%v/B%d", int8Impl, B), func(b *testing.B) {
			b.SetBytes(int64(B * rows * H))
			for b.Loop() {
				m.MulBatch(0, rows, xb, y, rows)
			}
		})
	}
}
