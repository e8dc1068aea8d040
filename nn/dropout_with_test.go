package nn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
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

// TestPCGAdvance: the jump-ahead lands where k draws of math/rand/v2's PCG
// do.
func TestPCGAdvance(t *testing.T) {
	for _, k := range []uint64{0, 1, 2, 3, 7, 64, 1000, 65537} {
		g := rand.NewPCG(0x1234, 0xfedcba9876543210)
		for range k {
			g.Uint64()
		}
		h, l := pcgAdvance(0x1234, 0xfedcba9876543210, k)
		j := rand.NewPCG(h, l)
		for i := range 3 {
			if a, b := g.Uint64(), j.Uint64(); a != b {
				t.Fatalf("k=%d: draw %d after the jump %#x, want %#x", k, i, b, a)
			}
		}
	}
}

// TestDropoutPCGSameMasks: DropoutPCG and the RNN's parallel mask draw give
// DropoutWith's (and the serial loop's) masks and outputs, and leave the
// generator where it leaves it, on one and two threads.
func TestDropoutPCGSameMasks(t *testing.T) {
	old := tensor.Threads()
	defer tensor.SetThreads(old)
	for _, threads := range []int{1, 2} {
		tensor.SetThreads(threads)
		for _, n := range []int{5, 4000, 100003} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(i%7) - 3
			}
			ref := rand.NewPCG(3, 4)
			wm, wd := make([]float32, n), make([]float32, n)
			DropoutWith(rand.New(ref), 0.5, wm, wd, x)
			src := rand.NewPCG(3, 4)
			gm, gd := make([]float32, n), make([]float32, n)
			DropoutPCG(src, 0.5, gm, gd, x)
			if !slices.Equal(wm, gm) || !slices.Equal(wd, gd) {
				t.Fatalf("threads %d n %d: DropoutPCG differs from DropoutWith", threads, n)
			}
			if a, b := ref.Uint64(), src.Uint64(); a != b {
				t.Fatalf("threads %d n %d: generator after DropoutPCG at %#x, want %#x", threads, n, b, a)
			}
			// The RNN's inter-layer draw.
			r := rand.New(rand.NewPCG(5, 6))
			scale := float32(1 / (1 - 0.3))
			for i := range wm {
				if r.Float64() < 0.3 {
					wm[i] = 0
				} else {
					wm[i] = scale
				}
			}
			tensor.Mul(wd, x, wm)
			src = rand.NewPCG(5, 6)
			dropoutMaskPCG(src, 0.3, scale, gm, gd, x)
			if !slices.Equal(wm, gm) || !slices.Equal(wd, gd) {
				t.Fatalf("threads %d n %d: dropoutMaskPCG differs from the loop", threads, n)
			}
			if a, b := r.Uint64(), src.Uint64(); a != b {
				t.Fatalf("threads %d n %d: generator after dropoutMaskPCG at %#x, want %#x", threads, n, b, a)
			}
		}
	}
}
