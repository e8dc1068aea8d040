package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestInt8MulBatchNBias: with every kernel, MulBatchNBias gives MulVec's
// results plus the bias bit for bit (float32 addition, -0 included: a
// zero vector's products), and with a nil bias MulBatchN's; row ranges
// aligned or not, partial groups of vectors, guards untouched.
func TestInt8MulBatchNBias(t *testing.T) {
	int8Impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, sz := range [][2]int{{96, 300}, {2048, 512}, {70, 64}} {
			rows, cols := sz[0], sz[1]
			w := make([]float32, rows*cols)
			fillRand(rng, w, 0.2)
			m, err := QuantizeInt8(w, rows, cols, cols)
			if err != nil {
				t.Fatal(err)
			}
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
