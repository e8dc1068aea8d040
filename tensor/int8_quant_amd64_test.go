//go:build !purego

package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestInt8QuantizeAVX512: the assembly maxAbs and quantization give their
// pure-Go twins' results bit for bit (finite, zero, subnormal, NaN and
// infinite elements; every tail length; scales that overflow the
// product), write nothing past n, and stay within half a step of the
// float64 quantization.
func TestInt8QuantizeAVX512(t *testing.T) {
	if !slices.Contains(int8Available(), int8VNNI) {
		t.Skip("the CPU lacks AVX-512 VNNI")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		1e-45, -1e-45, math.MaxFloat32, -math.MaxFloat32, 0.5, -0.5}
	sizes := []int{128, 300, 511, 512, 513}
	for n := 1; n <= 70; n++ {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		for trial := range 6 {
			v := make([]float32, n)
			mag := math.Pow(10, float64(rng.IntN(12)-6))
			fillRand(rng, v, mag)
			if trial >= 3 {
				for range 1 + n/8 {
					v[rng.IntN(n)] = special[rng.IntN(len(special))]
				}
			}
			got, want := maxAbsAVX512(&v[0], n), maxAbs(v)
			if math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("n=%d trial %d: maxAbsAVX512 %v, maxAbs %v", n, trial, got, want)
			}
			invs := []float32{rng.Float32() * 1000, float32(math.Inf(1)), 1e30}
			if want > 0 && !math.IsInf(float64(want), 0) {
				invs = append(invs, 127/want)
			}
			for _, inv := range invs {
				q1, u1 := make([]int8, n+1), make([]uint8, n+1)
				q2, u2 := make([]int8, n+1), make([]uint8, n+1)
				q1[n], u1[n] = 99, 99
				quantizeAVX512(&v[0], n, inv, &q1[0], &u1[0])
				int8QuantizeRowGo(q2[:n], u2[:n], v, inv)
				if q1[n] != 99 || u1[n] != 99 {
					t.Fatalf("n=%d: quantizeAVX512 wrote past the end", n)
				}
				for k := range n {
					if q1[k] != q2[k] || u1[k] != u2[k] {
						t.Fatalf("n=%d inv %v: v[%d] = %v quantized to %d (u %d), Go gives %d (u %d)", n, inv, k, v[k], q1[k], u1[k], q2[k], u2[k])
					}
					if uint8(q1[k])^0x80 != u1[k] || q1[k] < -127 {
						t.Fatalf("n=%d: code %d with operand %d", n, q1[k], u1[k])
					}
					x := float64(v[k]) * float64(inv)
					switch {
					case math.IsNaN(float64(v[k])):
						if q1[k] != 0 {
							t.Fatalf("NaN quantized to %d", q1[k])
						}
					case !math.IsNaN(x):
						ref := max(-127, min(127, x))
						if math.Abs(float64(q1[k])-ref) > 0.5+1e-6*math.Abs(ref) {
							t.Fatalf("n=%d: %v * %v quantized to %d, want %v +- 0.5", n, v[k], inv, q1[k], ref)
						}
					}
				}
			}
		}
	}
}
