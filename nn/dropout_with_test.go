package nn

import (
	"math/rand/v2"
	"testing"
)

func TestDropoutWith(t *testing.T) {
	for _, p := range []float64{0, 0.25, 0.5} {
		const n = 4000
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		mask, dst := make([]float32, n), make([]float32, n)
		DropoutWith(rand.New(rand.NewPCG(1, 2)), p, mask, dst, x)
		keep := float32(1 / (1 - p))
		dropped := 0
		for i := range x {
			switch mask[i] {
			case 0:
				dropped++
				if dst[i] != 0 {
					t.Fatalf("p=%v: dropped element %d has output %v", p, i, dst[i])
				}
			case keep:
				if dst[i] != x[i]*keep {
					t.Fatalf("p=%v: kept element %d: %v, want %v", p, i, dst[i], x[i]*keep)
				}
			default:
				t.Fatalf("p=%v: mask[%d] = %v, want 0 or %v", p, i, mask[i], keep)
			}
		}
		if got := float64(dropped) / n; got < p-0.03 || got > p+0.03 {
			t.Errorf("p=%v: dropped fraction %.3f", p, got)
		}
		// The same generator state gives the same mask.
		mask2 := make([]float32, n)
		DropoutWith(rand.New(rand.NewPCG(1, 2)), p, mask2, dst, x)
		for i := range mask {
			if mask[i] != mask2[i] {
				t.Fatalf("p=%v: masks from the same seed differ at %d", p, i)
			}
		}
	}
}
