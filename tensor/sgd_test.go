package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSGDUpdateMatchesLoop: the kernel (and its Go twin) give the bits of
// optim.SGD's scalar loop, with zeros of both signs, tiny, huge and
// infinite weights, and weight decay on and off.
func TestSGDUpdateMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	val := func() float32 {
		switch rng.IntN(10) {
		case 0:
			return 0
		case 1:
			return float32(math.Copysign(0, -1))
		case 2:
			return float32(rng.NormFloat64() * 1e-40) // subnormal
		case 3:
			return float32(rng.NormFloat64() * 1e30)
		}
		return float32(rng.NormFloat64())
	}
	for _, lr := range []float64{35, 1e-3, 0.7} {
		for _, wd := range []float64{0, 1e-4} {
			for _, n := range []int{1, 15, 16, 17, 64, 1000, 4099} {
				w, g := make([]float32, n), make([]float32, n)
				for i := range w {
					w[i], g[i] = val(), val()
				}
				if n > 3 {
					w[2] = float32(math.Inf(-1))
				}
				want := append([]float32(nil), w...)
				for j, w32 := range want { // optim.SGD's loop without momentum
					w, g := float64(w32), float64(g[j])
					g += wd * w
					want[j] = float32(w - lr*g)
				}
				twin := append([]float32(nil), w...)
				sgdGo(twin, g, lr, wd)
				SGDUpdate(w, g, lr, wd)
				for i := range want {
					if math.Float32bits(w[i]) != math.Float32bits(want[i]) || math.Float32bits(twin[i]) != math.Float32bits(want[i]) {
						t.Fatalf("lr=%v wd=%v n=%d: w[%d] = %v (Go twin %v), want %v (the loop)", lr, wd, n, i, w[i], twin[i], want[i])
					}
				}
			}
		}
	}
}

// BenchmarkSGDUpdate: one step over 1<<18 weights (in cache), the AVX-512
// kernel against the Go loop.
func BenchmarkSGDUpdate(b *testing.B) {
	const n = 1 << 18
	w, g := make([]float32, n), make([]float32, n)
	for i := range g {
		g[i] = float32(i%13) * 0.01
	}
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			SGDUpdate(w, g, 1e-3, 0)
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			sgdGo(w, g, 1e-3, 0)
		}
	})
}
