//go:build !purego

package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestAVX512BitIdentical checks that the AVX-512 transcendental kernels
// return exactly the bits of the AVX2 ones (which TestTranscendental holds
// to the float64 references) on specials, random and swept inputs, at
// every length 0..300 and three offsets (masked tails of 0..15 lanes), and
// write nothing outside dst.
func TestAVX512BitIdentical(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512F/DQ on this CPU")
	}
	xs := transcendentalInputs()
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
	unary := []struct {
		name       string
		avx512, v2 func(dst, x []float32)
	}{
		{"Exp", expAVX512, expAVX2},
		{"Sigmoid", sigmoidAVX512, sigmoidAVX2},
		{"Tanh", tanhAVX512, tanhAVX2},
	}
	for _, k := range unary {
		// The whole input set in one call.
		got, want := make([]float32, len(xs)), make([]float32, len(xs))
		k.avx512(got, xs)
		k.v2(want, xs)
		for i := range xs {
			if !same(got[i], want[i]) {
				t.Fatalf("%s(%v [%#08x]): avx512 %v [%#08x], avx2 %v [%#08x]", k.name, xs[i], math.Float32bits(xs[i]),
					got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
		for n := 0; n <= 300; n++ {
			for off := range 3 {
				src := xs[(n*37+off*11)%(len(xs)-n):][:n]
				g := newGuarded(n, off)
				k.avx512(g.s(), src)
				g.check(t, fmt.Sprintf("%s n=%d off=%d", k.name, n, off))
				k.v2(want[:n], src)
				for i := range n {
					if !same(g.s()[i], want[i]) {
						t.Fatalf("%s n=%d off=%d [%d] f(%v): avx512 %v, avx2 %v", k.name, n, off, i, src[i], g.s()[i], want[i])
					}
				}
			}
		}
	}
	// The softmax sums: the same dst and the same float64 sum, bit for bit,
	// including the order of the float64 additions. Inputs in a softmax
	// range, with a few specials mixed in.
	want := make([]float32, 301)
	for n := 0; n <= 300; n++ {
		for off := range 3 {
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(math.Sin(float64(i*7+off+n))) * 30
			}
			if n > 5 && off == 1 {
				src[n/2] = float32(math.Inf(-1))
				src[n/3] = -200
			}
			if n > 5 && off == 2 {
				src[n-1] = float32(math.NaN())
			}
			shift := float32(n%7) - 3
			g := newGuarded(n, off)
			s512 := expShiftSumAVX512(g.s(), src, shift)
			g.check(t, fmt.Sprintf("expShiftSum n=%d off=%d", n, off))
			s2 := expShiftSumAVX2(want[:n], src, shift)
			if math.Float64bits(s512) != math.Float64bits(s2) {
				t.Fatalf("expShiftSum n=%d off=%d: avx512 %v, avx2 %v", n, off, s512, s2)
			}
			for i := range n {
				if !same(g.s()[i], want[i]) {
					t.Fatalf("expShiftSum n=%d off=%d [%d]: avx512 %v, avx2 %v", n, off, i, g.s()[i], want[i])
				}
			}
			if a, b := sumExpShiftAVX512(src, shift), sumExpShiftAVX2(src, shift); math.Float64bits(a) != math.Float64bits(b) {
				t.Fatalf("sumExpShift n=%d off=%d: avx512 %v, avx2 %v", n, off, a, b)
			}
		}
	}
}
