package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestInt8MulBatchN checks the batched product over part of a large
// batch (up to 32 vectors, as a server's batch of streams): every result
// is bit-identical to MulVec of the same row and vector, within the
// quantization bound of the float64 product of the unquantized values,
// and nothing around the result is written (guard values).
func TestInt8MulBatchN(t *testing.T) {
	int8Impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, sz := range [][2]int{{7, 65}, {33, 512}, {130, 300}, {2048, 512}} {
			rows, cols := sz[0], sz[1]
			w := make([]float32, rows*cols)
			fillRand(rng, w, 0.2)
			m, err := QuantizeInt8(w, rows, cols, cols)
			if m == nil {
				t.Fatal(err)
			}
			for _, c := range [][2]int{{16, 16}, {16, 9}, {32, 32}, {24, 17}, {16, 1}} {
				B, nv := c[0], c[1]
				xb := NewInt8Batch(B, cols)
				xs := make([]float32, B*cols)
				for b := range B {
					x := xs[b*cols : (b+1)*cols]
					fillRand(rng, x, float64(b%5+1))
					xb.Quantize(b, x)
				}
				r0 := rows / 5
				n := rows - r0
				ldy := n + 1
				g := newGuarded((nv-1)*ldy+n, 3)
				m.MulBatchN(r0, n, xb, nv, g.s(), ldy)
				g.check(t, "MulBatchN")
				y := g.s()
				one := make([]float32, n)
				for b := range nv {
					m.MulVec(r0, xb, b, one)
					x := xs[b*cols : (b+1)*cols]
					for i := range n {
						got := y[b*ldy+i]
						if math.Float32bits(got) != math.Float32bits(one[i]) {
							t.Fatalf("[%d, %d] B=%d nv=%d: y[%d, %d] = %v, MulVec gives %v", rows, cols, B, nv, b, i, got, one[i])
						}
						row := w[(r0+i)*cols : (r0+i+1)*cols]
						var ref float64
						for k := range cols {
							ref += float64(row[k]) * float64(x[k])
						}
						if d := math.Abs(float64(got) - ref); d > int8Bound(row, x, m.scale[r0+i], xb.scale[b]) {
							t.Fatalf("[%d, %d] B=%d: y[%d, %d] = %v, float64 %v: error %g beyond the quantization bound", rows, cols, B, b, i, got, ref, d)
						}
					}
				}
			}
		}
	})
}

func TestInt8MulBatchNNoAlloc(t *testing.T) {
	m, err := QuantizeInt8(make([]float32, 256*128), 256, 128, 128)
	if err != nil {
		t.Fatal(err)
	}
	xb := NewInt8Batch(16, 128)
	y := make([]float32, 16*256)
	if a := testing.AllocsPerRun(10, func() { m.MulBatchN(0, 256, xb, 16, y, 256) }); a != 0 {
		t.Fatalf("MulBatchN allocates %v times", a)
	}
}

// TestInt8MulBatchNBias: with every kernel, MulBatchNBias gives MulVec's
// results plus the bias bit for bit (float32 addition, -0 included: a
// zero vector's products), and with a nil bias MulBatchN's; row ranges
// aligned or not, partial groups of vectors, guards untouched.
func TestInt8MulBatchNBias(t *testing.T) {
	int8Impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, sz := range [][2]int{{96, 300}, {2048, 512}, {70, 64}} {
			rows, cols := sz[0], sz[1]
			_, m := randInt8Matrix(t, rng, rows, cols, 0.2)
			for _, nv := range []int{2, 5, 16} {
				xb := NewInt8Batch(nv, cols)
				x := make([]float32, cols)
				for b := range nv {
					fillRand(rng, x, 1)
					if b == 1 {
						clear(x)
					}
					xb.Quantize(b, x)
				}
				for _, rr := range [][2]int{{0, rows}, {32, 64}, {5, rows - 9}} {
					r0, n := rr[0], min(rr[1], rows-rr[0])
					bias := make([]float32, n)
					fillRand(rng, bias, 0.5)
					bias[0] = 0
					name := fmt.Sprintf("[%d, %d] rows %d+%d nv=%d", rows, cols, r0, n, nv)
					ldy := n + 2
					g := newGuarded((nv-1)*ldy+n, 3)
					m.MulBatchNBias(r0, n, xb, nv, bias, g.s(), ldy)
					g.check(t, name)
					plain := make([]float32, (nv-1)*ldy+n)
					m.MulBatchNBias(r0, n, xb, nv, nil, plain, ldy)
					y, one := g.s(), make([]float32, n)
					for b := range nv {
						m.MulVec(r0, xb, b, one)
						for i := range n {
							if want := one[i] + bias[i]; math.Float32bits(y[b*ldy+i]) != math.Float32bits(want) {
								t.Fatalf("%s: y[%d, %d] = %v, MulVec+bias gives %v", name, b, i, y[b*ldy+i], want)
							}
							if math.Float32bits(plain[b*ldy+i]) != math.Float32bits(one[i]) {
								t.Fatalf("%s: nil bias: y[%d, %d] = %v, MulVec gives %v", name, b, i, plain[b*ldy+i], one[i])
							}
						}
					}
				}
			}
		}
	})
}

// randInt8Matrix returns a random [rows, cols] matrix (normal, standard
// deviation sd) and its quantized form.
func randInt8Matrix(t *testing.T, rng *rand.Rand, rows, cols int, sd float64) ([]float32, *Int8Matrix) {
	t.Helper()
	w := make([]float32, rows*cols)
	fillRand(rng, w, sd)
	m, err := QuantizeInt8(w, rows, cols, cols)
	if err != nil {
		t.Fatal(err)
	}
	return w, m
}
