//go:build !purego

package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestInt8MulBatchNPacked: on a VNNI CPU the packed kernel runs for
// 16-aligned row ranges of 32 rows or more and two vectors or more; each
// of its results is bit-identical to MulVec (the row kernel) for every
// number of vectors (full groups of 8 and partial ones), with rows left
// over, a zero vector, saturated codes and the quantized vectors' sums
// exact; nothing around the results is written.
func TestInt8MulBatchNPacked(t *testing.T) {
	if !hasVNNI || int8Kernel() != int8VNNI {
		t.Skip("the CPU lacks AVX-512 VNNI")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range [][2]int{{48, 64}, {96, 300}, {65, 512}, {2048, 512}, {40, 1}} {
		rows, cols := sz[0], sz[1]
		w := make([]float32, rows*cols)
		fillRand(rng, w, 0.2)
		w[cols/2] = 5 // a row with a large element: the others' codes are small
		m, err := QuantizeInt8(w, rows, cols, cols)
		if err != nil {
			t.Fatal(err)
		}
		if m.pk != nil {
			t.Fatalf("[%d, %d]: packed before a batched product", rows, cols)
		}
		for _, nv := range []int{2, 3, 7, 8, 9, 16, 17} {
			xb := NewInt8Batch(nv+1, cols)
			x := make([]float32, cols)
			for b := range nv + 1 {
				fillRand(rng, x, float64(b%5+1))
				if b == 1 {
					clear(x)
				}
				xb.Quantize(b, x)
				var s int32
				for _, q := range xb.q[b*xb.stride : b*xb.stride+cols] {
					s += int32(q)
				}
				if xb.sum[b] != 128*s {
					t.Fatalf("vector %d: sum %d, want %d", b, xb.sum[b], 128*s)
				}
			}
			for _, rr := range [][2]int{{0, rows}, {16, 32}, {16, rows - 16}, {32, rows - 33}} {
				r0, n := rr[0], rr[1]
				if r0+n > rows || n < 1 {
					continue
				}
				name := fmt.Sprintf("[%d, %d] rows %d+%d nv=%d", rows, cols, r0, n, nv)
				ldy := n + 3
				g := newGuarded((nv-1)*ldy+n, 3)
				m.MulBatchN(r0, n, xb, nv, g.s(), ldy)
				g.check(t, name)
				if m.pk == nil {
					t.Fatalf("%s: no packed form after a batched product", name)
				}
				y, one := g.s(), make([]float32, n)
				for b := range nv {
					m.MulVec(r0, xb, b, one)
					for i := range n {
						if got := y[b*ldy+i]; math.Float32bits(got) != math.Float32bits(one[i]) {
							t.Fatalf("%s: y[%d, %d] = %v, MulVec gives %v", name, b, i, got, one[i])
						}
					}
				}
			}
		}
	}
}

// TestInt8PackConcurrent: batched products from several goroutines on a
// fresh matrix (shared read-only, as a server's models are) build the
// packed form once and agree bit for bit (run with -race).
func TestInt8PackConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const rows, cols, nv = 128, 256, 9
	_, m := randInt8Matrix(t, rng, rows, cols, 0.3)
	xb := NewInt8Batch(nv, cols)
	x := make([]float32, cols)
	for b := range nv {
		fillRand(rng, x, 1)
		xb.Quantize(b, x)
	}
	ys := make([][]float32, 4)
	done := make(chan struct{})
	for g := range ys {
		ys[g] = make([]float32, nv*rows)
		go func() {
			m.MulBatchN(0, rows, xb, nv, ys[g], rows)
			done <- struct{}{}
		}()
	}
	for range ys {
		<-done
	}
	for g := 1; g < len(ys); g++ {
		for i := range ys[0] {
			if math.Float32bits(ys[g][i]) != math.Float32bits(ys[0][i]) {
				t.Fatalf("goroutine %d: y[%d] = %v, goroutine 0 got %v", g, i, ys[g][i], ys[0][i])
			}
		}
	}
}
