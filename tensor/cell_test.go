package tensor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func cellRandom(rng *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = scale * (2*rng.Float32() - 1)
	}
	return v
}

// TestCellsMatchSeparateKernels: the fused LSTM and GRU cell kernels give
// bit for bit the results of their twins made of the separate vector
// kernels (lstmCellGo, gruCellGo), for unit counts
// with and without an 8-unit tail, gate blocks of several spacings, and
// pre-activations spread far enough to reach the activations' clamps.
func TestCellsMatchSeparateKernels(t *testing.T) {
	// Both fused paths where the CPU has them: AVX-512 (masked tail) and
	// AVX2 (8-unit blocks, Go tail); the separate kernels keep their own.
	defer func(v bool) { cellAVX512 = v }(cellAVX512)
	for _, wide := range []bool{cellAVX512, false} {
		cellAVX512 = wide
		t.Run(fmt.Sprintf("avx512=%v", wide), testCellsMatch)
	}
}

func testCellsMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, n := range []int{1, 7, 8, 9, 16, 24, 31, 64, 100, 128, 132} {
		for _, gap := range []int{0, 5, 64} {
			for _, scale := range []float32{1, 4, 30} {
				name := fmt.Sprintf("n=%d gap=%d scale=%g", n, gap, scale)
				gs, hs := n+gap, n+2*gap
				gates, hw := cellRandom(rng, 4*gs, scale), cellRandom(rng, 4*hs, scale)
				st := [][]float32{cellRandom(rng, n, 2), cellRandom(rng, n, 1), cellRandom(rng, n, 1), cellRandom(rng, n, 1)}
				var got [2][][]float32
				for k, f := range []func(g []float32, gs int, hw []float32, hs int, cp, c, tc, h []float32){LSTMCell, lstmCellGo} {
					g := slices.Clone(gates)
					s := [][]float32{slices.Clone(st[0]), slices.Clone(st[1]), slices.Clone(st[2]), slices.Clone(st[3])}
					f(g, gs, hw, hs, s[0], s[1], s[2], s[3])
					got[k] = append(s, g)
				}
				for i := range got[0] {
					if !slices.Equal(got[0][i], got[1][i]) {
						t.Fatalf("LSTM %s: output %d differs:\n%v\n%v", name, i, got[0][i], got[1][i])
					}
				}
				// In place, as the steppers call it: c is cp, tc is h.
				for k, f := range []func(g []float32, gs int, hw []float32, hs int, cp, c, tc, h []float32){LSTMCell, lstmCellGo} {
					g, c, h := slices.Clone(gates), slices.Clone(st[0]), make([]float32, n)
					f(g, gs, hw, hs, c, c, h, h)
					if !slices.Equal(g, got[1][4]) || !slices.Equal(c, got[1][1]) || !slices.Equal(h, got[1][3]) {
						t.Fatalf("LSTM %s, kernel %d with c = cp and tc = h: gates, c or h differ from the separate outputs", name, k)
					}
				}
				for _, bias := range []bool{true, false} {
					var bhn []float32
					if bias {
						bhn = cellRandom(rng, n, scale)
					}
					gates, hw := cellRandom(rng, 3*gs, scale), cellRandom(rng, 3*hs, scale)
					hp := cellRandom(rng, n, 1)
					for k, f := range []func(g []float32, gs int, hw []float32, hs int, bhn, hp, hn, h []float32){GRUCell, gruCellGo} {
						g := slices.Clone(gates)
						hn, h := make([]float32, n), make([]float32, n)
						f(g, gs, hw, hs, bhn, hp, hn, h)
						got[k] = [][]float32{g, hn, h}
					}
					for i := range got[0] {
						if !slices.Equal(got[0][i], got[1][i]) {
							t.Fatalf("GRU %s bias %v: output %d differs:\n%v\n%v", name, bias, i, got[0][i], got[1][i])
						}
					}
				}
			}
		}
	}
}

// TestCellsPanicOnShortBlocks: gate blocks closer than n units apart are
// a programming error.
func TestCellsPanicOnShortBlocks(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("LSTMCell with overlapping gate blocks did not panic")
		}
	}()
	v := make([]float32, 64)
	LSTMCell(v, 8, v, 16, v[:16], v[:16], v[:16], v[:16])
}

// BenchmarkLSTMCell times a row of n units fused and as separate kernels
// (24: a part of H=128 on the team; 128: H=128 whole; 132: a part of H=512).
func BenchmarkLSTMCell(b *testing.B) {
	for _, n := range []int{24, 128, 132} {
		rng := rand.New(rand.NewPCG(1, 1))
		gates0, hw := cellRandom(rng, 4*n, 2), cellRandom(rng, 4*n, 2)
		cp, c, tc, h := cellRandom(rng, n, 1), make([]float32, n), make([]float32, n), make([]float32, n)
		gates := slices.Clone(gates0)
		for _, k := range []struct {
			name string
			f    func(g []float32, gs int, hw []float32, hs int, cp, c, tc, h []float32)
		}{{"fused", LSTMCell}, {"separate", lstmCellGo}} {
			b.Run(fmt.Sprintf("%s/units%d", k.name, n), func(b *testing.B) {
				for b.Loop() {
					copy(gates, gates0)
					k.f(gates, n, hw, n, cp, c, tc, h)
				}
			})
		}
	}
}
