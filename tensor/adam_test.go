package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamUpdateMatchesLoop: AdamUpdate (the AVX-512 kernel where the CPU
// has it, then the Go tail) gives the Go element loop's bits for w, m and
// v, for Adam and AdamW, at lengths around the 16-element blocks, with
// zeros, tiny and large values among the data.
func TestAdamUpdateMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	val := func() float32 {
		switch rng.IntN(8) {
		case 0:
			return 0
		case 1:
			return float32(rng.NormFloat64() * 1e-30)
		case 2:
			return float32(rng.NormFloat64() * 1e20)
		}
		return float32(rng.NormFloat64())
	}
	for _, decoupled := range []bool{false, true} {
		for _, n := range []int{1, 15, 16, 17, 64, 1000, 4099} {
			k := &AdamConsts{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, Step: 2e-3 / (1 - 0.9*0.9), InvBc2: 1 / float32(math.Sqrt(1-0.999*0.999)),
				Eps: 1e-8, WD: 0.01, Dec: 1 - 2e-3*0.01, Decoupled: decoupled}
			mk := func() []float32 {
				x := make([]float32, n)
				for i := range x {
					x[i] = val()
				}
				return x
			}
			w, g, m, v := mk(), mk(), mk(), mk()
			for i := range v {
				v[i] = float32(math.Abs(float64(v[i])))
			}
			w2, m2, v2 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
			AdamUpdate(w, g, m, v, k)
			adamGo(w2, g, m2, v2, k)
			for _, c := range []struct {
				name      string
				got, want []float32
			}{{"w", w, w2}, {"m", m, m2}, {"v", v, v2}} {
				for i := range c.want {
					if math.Float32bits(c.got[i]) != math.Float32bits(c.want[i]) {
						t.Fatalf("decoupled=%v n=%d: %s[%d] = %v, want %v (the Go loop)", decoupled, n, c.name, i, c.got[i], c.want[i])
					}
				}
			}
		}
	}
}

// BenchmarkAdamUpdate: one step over 1<<18 weights (1 MiB each of w, g,
// m, v: in cache), the AVX-512 kernel against the Go loop.
func BenchmarkAdamUpdate(b *testing.B) {
	const n = 1 << 18
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range g {
		g[i] = float32(i%13) * 0.01
	}
	k := &AdamConsts{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, Step: 1e-3, InvBc2: 30, Eps: 1e-8}
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			AdamUpdate(w, g, m, v, k)
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			adamGo(w, g, m, v, k)
		}
	})
}
