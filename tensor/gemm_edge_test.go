package tensor

import (
	"math/rand/v2"
	"testing"
)

// TestSgemmTightOperands runs every transpose combination on small shapes
// with operands stored exactly as large as they must be (leading dimension
// equal to the stored row length, no slack), where a kernel that slices an
// operand by the wrong stride runs past its end.
func TestSgemmTightOperands(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for m := 1; m <= 9; m++ {
				for _, n := range []int{1, 2, 5, 7, 16, 33} {
					for _, k := range []int{1, 2, 3, 17} {
						lda, ldb := k, n
						if ta {
							lda = m
						}
						if tb {
							ldb = k
						}
						a := randSlice(rng, m*k)
						b := randSlice(rng, k*n)
						got := randSlice(rng, m*n)
						want := append([]float32(nil), got...)
						Sgemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, 0.5, got, n)
						sgemmRef(ta, tb, m, n, k, 1.5, a, lda, b, ldb, 0.5, want, n)
						for i := range got {
							if d := got[i] - want[i]; d > 1e-4 || d < -1e-4 {
								t.Fatalf("transA=%v transB=%v m=%d n=%d k=%d: c[%d]=%g, want %g", ta, tb, m, n, k, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}
