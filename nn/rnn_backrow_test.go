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

// TestBackRowsAsmBitIdentical: the fused assembly cell-row kernels (where
// the CPU has them) give exactly the Go rows' results through
// backLSTMUnits and backGRUUnits, for unit ranges with and without an
// 8-unit tail, and with inactive rows.
func TestBackRowsAsmBitIdentical(t *testing.T) {
	if !rowAsm {
		t.Skip("no assembly cell-row kernels on this CPU or build")
	}
	defer func(v bool) { rowAsm = v }(rowAsm)
	rng := rand.New(rand.NewPCG(6, 7))
	const B = 3
	// gates returns B rows of G gate blocks of H, sigmoid-range except block tanhBlock.
	gates := func(G, H, tanhBlock int) []float32 {
		v := rnnRandom(rng, B*G*H, 1)
		for j := range v {
			if j%(G*H)/H != tanhBlock {
				v[j] = 0.5 + v[j]/2
			}
		}
		return v
	}
	// same runs f on copies of in with the assembly rows and with the Go
	// rows and fails unless every argument ends with the same bits.
	same := func(name string, in [][]float32, f func(a [][]float32)) {
		var got [2][][]float32
		for k, on := range []bool{true, false} {
			rowAsm = on
			a := make([][]float32, len(in))
			for i := range in {
				a[i] = slices.Clone(in[i])
			}
			f(a)
			got[k] = a
		}
		for i := range got[0] {
			if !slices.Equal(got[0][i], got[1][i]) {
				t.Fatalf("%s: argument %d differs", name, i)
			}
		}
	}
	for _, c := range []struct{ H, u0, u1 int }{{8, 0, 8}, {24, 0, 24}, {24, 12, 24}, {100, 0, 100}, {128, 36, 128}, {132, 0, 132}, {512, 132, 264}} {
		H := c.H
		for _, active := range [][]bool{nil, {true, false, true}} {
			name := fmt.Sprintf("H=%d units %d..%d active %v", H, c.u0, c.u1, active)
			act := gates(4, H, 2)
			st := func() []float32 { return rnnRandom(rng, B*H, 1) }
			// cp, tc, dh, dc, dg, dhp
			same("LSTM "+name, [][]float32{st(), st(), st(), st(), rnnRandom(rng, B*4*H, 1), st()}, func(a [][]float32) {
				backLSTMUnits(act, a[0], a[1], a[2], a[3], a[4], a[5], B, H, c.u0, c.u1, active)
			})
			gact := gates(3, H, 2)
			// aux, hp, dh, dg, dgh, dhp
			same("GRU "+name, [][]float32{st(), st(), st(), rnnRandom(rng, B*3*H, 1), rnnRandom(rng, B*3*H, 1), st()}, func(a [][]float32) {
				backGRUUnits(gact, a[0], a[1], a[2], a[3], a[4], a[5], B, H, c.u0, c.u1, active)
			})
		}
	}
}

// BenchmarkBackLSTMUnits times one step's LSTM backward cell work for a
// batch of 32 rows (H=128 whole, and one 132-unit part of H=512), with
// the fused assembly rows and with the Go rows.
func BenchmarkBackLSTMUnits(b *testing.B) {
	defer func(v bool) { rowAsm = v }(rowAsm)
	const B = 32
	for _, c := range []struct{ H, u0, u1 int }{{128, 0, 128}, {512, 132, 264}} {
		for _, on := range []bool{true, false} {
			name := fmt.Sprintf("H%d-units%d/asm=%v", c.H, c.u1-c.u0, on)
			b.Run(name, func(b *testing.B) {
				rowAsm = on
				rng := rand.New(rand.NewPCG(1, 1))
				H := c.H
				act := rnnRandom(rng, B*4*H, 0.5)
				cp, tc, dh, dc := rnnRandom(rng, B*H, 1), rnnRandom(rng, B*H, 1), rnnRandom(rng, B*H, 1), rnnRandom(rng, B*H, 1)
				dg, dhp, dc0 := make([]float32, B*4*H), make([]float32, B*H), slices.Clone(dc)
				for b.Loop() {
					copy(dc, dc0) // no drift into subnormals
					backLSTMUnits(act, cp, tc, dh, dc, dg, dhp, B, H, c.u0, c.u1, nil)
				}
			})
		}
	}
}
