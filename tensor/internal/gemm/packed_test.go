package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackThreadsSame: PackThreads on several goroutines packs the same
// data as Pack, for both layouts and shapes with partial panels and kc
// blocks.
func TestPackThreadsSame(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct {
		k, n   int
		transB bool
	}{{650, 2600, true}, {2600, 650, false}, {300, 1001, true}, {513, 777, false}, {5, 7, true}} {
		ldb := c.n + 3
		if c.transB {
			ldb = c.k + 3
		}
		rows := c.k
		if c.transB {
			rows = c.n
		}
		b := make([]float32, rows*ldb)
		for i := range b {
			b[i] = rng.Float32()*2 - 1
		}
		var one, many PackedB
		one.Pack(c.transB, c.k, c.n, b, ldb, 20)
		for _, th := range []int{2, 3, 7} {
			many.data = make([]float32, len(one.data)) // fresh, as garbage would be
			for i := range many.data {
				many.data[i] = float32(math.NaN())
			}
			many.PackThreads(c.transB, c.k, c.n, b, ldb, 20, th)
			if many.k != one.k || many.n != one.n || many.np != one.np || many.im != one.im || len(many.data) != len(one.data) {
				t.Fatalf("%+v threads %d: shape differs", c, th)
			}
			for i := range one.data {
				if math.Float32bits(one.data[i]) != math.Float32bits(many.data[i]) {
					t.Fatalf("%+v threads %d: packed[%d] = %v, want %v", c, th, i, many.data[i], one.data[i])
				}
			}
		}
	}
}
