package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestInitOrthogonal(t *testing.T) {
	tests := []struct{ rows, cols int }{{5, 5}, {8, 3}, {3, 8}, {1, 4}}
	for _, tc := range tests {
		x := make([]float32, tc.rows*tc.cols)
		if err := InitOrthogonal(newTestRand(), x, tc.rows, tc.cols, 2); err != nil {
			t.Fatal(err)
		}
		// The shorter side's vectors must be orthogonal with norm gain = 2.
		m, n := tc.rows, tc.cols
		at := func(vec, i int) float64 { return float64(x[i*tc.cols+vec]) } // column vec
		if tc.rows < tc.cols {
			m, n = tc.cols, tc.rows
			at = func(vec, i int) float64 { return float64(x[vec*tc.cols+i]) } // row vec
		}
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				var d float64
				for i := 0; i < m; i++ {
					d += at(a, i) * at(b, i)
				}
				want := 0.0
				if a == b {
					want = 4
				}
				if math.Abs(d-want) > 1e-5 {
					t.Fatalf("%dx%d: <v%d, v%d> = %v, want %v", tc.rows, tc.cols, a, b, d, want)
				}
			}
		}
	}
	if err := InitOrthogonal(newTestRand(), make([]float32, 5), 2, 3, 1); err == nil {
		t.Error("InitOrthogonal accepted 5 values for 2x3")
	}
}

func TestInitOrthogonalBlocksAndForgetBias(t *testing.T) {
	const H = 4
	w := make([]float32, 4*H*H)
	if err := InitOrthogonalBlocks(newTestRand(), w, 4, H, H, 1); err != nil {
		t.Fatal(err)
	}
	for g := 0; g < 4; g++ { // each block's rows are orthonormal
		blk := w[g*H*H : (g+1)*H*H]
		for a := 0; a < H; a++ {
			var d float64
			for i := 0; i < H; i++ {
				d += float64(blk[a*H+i]) * float64(blk[a*H+i])
			}
			if math.Abs(d-1) > 1e-5 {
				t.Fatalf("block %d row %d has squared norm %v", g, a, d)
			}
		}
	}
	b := make([]float32, 4*H)
	if err := SetForgetBias(b, H, 1); err != nil {
		t.Fatal(err)
	}
	for i, v := range b {
		if want := float32(map[bool]int{true: 1}[i >= H && i < 2*H]); v != want {
			t.Fatalf("bias[%d] = %v, want %v", i, v, want)
		}
	}
	if err := SetForgetBias(b, H+1, 1); err == nil {
		t.Error("SetForgetBias accepted wrong length")
	}
}

func TestInitDistributions(t *testing.T) {
	const n = 40000
	tests := []struct {
		name      string
		fill      func(r *rand.Rand, x []float32)
		mean, std float64
		bound     float64 // 0 = unbounded
	}{
		{"uniform", func(r *rand.Rand, x []float32) { InitUniform(r, x, 0.5) }, 0, 0.5 / math.Sqrt(3), 0.5},
		{"pytorch default", func(r *rand.Rand, x []float32) { InitPyTorchDefault(r, x, 16) }, 0, 0.25 / math.Sqrt(3), 0.25},
		{"normal", func(r *rand.Rand, x []float32) { InitNormal(r, x, 1, 2) }, 1, 2, 0},
		{"xavier uniform", func(r *rand.Rand, x []float32) { InitXavierUniform(r, x, 100, 200, 1) }, 0, math.Sqrt(2.0 / 300), math.Sqrt(6.0 / 300)},
		{"xavier normal", func(r *rand.Rand, x []float32) { InitXavierNormal(r, x, 100, 200, 2) }, 0, 2 * math.Sqrt(2.0/300), 0},
	}
	for _, tc := range tests {
		x := make([]float32, n)
		tc.fill(rand.New(rand.NewPCG(1, 1)), x)
		var s, ss float64
		for _, v := range x {
			if tc.bound > 0 && math.Abs(float64(v)) > tc.bound {
				t.Fatalf("%s: %v outside ±%v", tc.name, v, tc.bound)
			}
			s += float64(v)
		}
		mean := s / n
		for _, v := range x {
			ss += (float64(v) - mean) * (float64(v) - mean)
		}
		std := math.Sqrt(ss / n)
		if math.Abs(mean-tc.mean) > 4*tc.std/math.Sqrt(n) || math.Abs(std-tc.std) > 0.02*tc.std {
			t.Errorf("%s: mean %.4f std %.4f, want %.4f and %.4f", tc.name, mean, std, tc.mean, tc.std)
		}
		y := make([]float32, n)
		tc.fill(rand.New(rand.NewPCG(1, 1)), y)
		if x[0] != y[0] || x[n-1] != y[n-1] {
			t.Errorf("%s: same seed, different values", tc.name)
		}
	}
}
