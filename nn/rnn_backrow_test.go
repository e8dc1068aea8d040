package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// backLSTMRowArgs returns random gates (in (0,1), tanh in (-1,1)) and
// gradients for n units: ig, fg, gg, og, di, df, dgg, do, dh, dc, cp, tc, dhp.
func backLSTMRowArgs(rng *rand.Rand, n int) [][]float32 {
	args := make([][]float32, 13)
	for i := range args {
		args[i] = rnnRandom(rng, n, 1)
	}
	for _, g := range []int{0, 1, 3} {
		for j := range args[g] {
			args[g][j] = 0.5 + args[g][j]/2
		}
	}
	return args
}

func callBackLSTMRow(f func(ig, fg, gg, og, di, df, dgg, do, dh, dc, cp, tc, dhp []float32), a [][]float32) {
	f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12])
}

// TestBackLSTMRowBitIdentical: the vectorized LSTM backward row gives
// exactly the element-by-element results (so training is unchanged), at
// lengths around the vector widths.
func TestBackLSTMRowBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for _, n := range []int{1, 7, 8, 9, 16, 31, 64, 100, 128, 512} {
		for range 20 {
			a := backLSTMRowArgs(rng, n)
			b := make([][]float32, len(a))
			for i := range a {
				b[i] = slices.Clone(a[i])
			}
			callBackLSTMRow(backLSTMRowVec, a)
			callBackLSTMRow(backLSTMRowLoop, b)
			for i := range a {
				if !slices.Equal(a[i], b[i]) {
					t.Fatalf("n=%d: argument %d differs: %v, scalar %v", n, i, a[i], b[i])
				}
			}
		}
	}
}

// BenchmarkBackLSTMRow times the vectorized and the element-loop LSTM
// backward row at the unit counts of the team's parts (32: H=128, 128:
// H=512 on 2 threads).
func BenchmarkBackLSTMRow(b *testing.B) {
	for _, n := range []int{32, 64, 128} {
		for _, k := range []struct {
			name string
			f    func(ig, fg, gg, og, di, df, dgg, do, dh, dc, cp, tc, dhp []float32)
		}{{"vector", backLSTMRowVec}, {"scalar", backLSTMRowLoop}} {
			b.Run(fmt.Sprintf("%s/units%d", k.name, n), func(b *testing.B) {
				a := backLSTMRowArgs(rand.New(rand.NewPCG(1, 1)), n)
				dc := slices.Clone(a[9])
				for b.Loop() {
					copy(a[9], dc)
					callBackLSTMRow(k.f, a)
				}
			})
		}
	}
}

// TestBackGRURowBitIdentical: the vectorized GRU backward row gives
// exactly the element-by-element results.
func TestBackGRURowBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for _, n := range []int{1, 7, 8, 9, 16, 31, 64, 100, 128, 512} {
		for range 20 {
			a := make([][]float32, 11) // r, z, n, dr, dz, dn, dhn, dh, hp, hn, dhp
			for i := range a {
				a[i] = rnnRandom(rng, n, 1)
			}
			for _, g := range []int{0, 1} {
				for j := range a[g] {
					a[g][j] = 0.5 + a[g][j]/2
				}
			}
			b := make([][]float32, len(a))
			for i := range a {
				b[i] = slices.Clone(a[i])
			}
			backGRURowVec(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10])
			backGRURowLoop(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10])
			for i := range a {
				if !slices.Equal(a[i], b[i]) {
					t.Fatalf("n=%d: argument %d differs: %v, scalar %v", n, i, a[i], b[i])
				}
			}
		}
	}
}
