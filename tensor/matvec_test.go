package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestMatVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, kernel := range GemmKernels() {
		if err := SetGemmKernel(kernel); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ rows, cols, ld int }{
			{1, 1, 1}, {3, 7, 7}, {4, 16, 20}, {5, 17, 17}, {9, 33, 40}, {13, 100, 128}, {64, 512, 512}, {7, 1024, 1030}, {2, 0, 3},
		} {
			m := make([]float32, c.rows*c.ld)
			x := make([]float32, c.cols)
			for i := range m {
				m[i] = rng.Float32()*2 - 1
			}
			for i := range x {
				x[i] = rng.Float32()*2 - 1
			}
			y := make([]float32, c.rows)
			for i := range y {
				y[i] = 99 // must be overwritten
			}
			MatVec(m, c.ld, x, y)
			for i := range y {
				var want float64
				for p := 0; p < c.cols; p++ {
					want += float64(m[i*c.ld+p]) * float64(x[p])
				}
				if d := float64(y[i]) - want; d > 1e-4 || d < -1e-4 {
					t.Errorf("%s %dx%d ld %d: y[%d] = %v, want %v", kernel, c.rows, c.cols, c.ld, i, y[i], want)
				}
			}
		}
	}
	if err := SetGemmKernel(GemmKernels()[0]); err != nil {
		t.Fatal(err)
	}
}

func TestMatVecPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short ld": func() { MatVec(make([]float32, 100), 3, make([]float32, 4), make([]float32, 2)) },
		"short m":  func() { MatVec(make([]float32, 7), 4, make([]float32, 4), make([]float32, 2)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestMatVecNoAlloc(t *testing.T) {
	m, x, y := make([]float32, 64*256), make([]float32, 256), make([]float32, 64)
	if n := testing.AllocsPerRun(10, func() { MatVec(m, 256, x, y) }); n != 0 {
		t.Errorf("MatVec allocates %v times", n)
	}
}

// BenchmarkMatVec measures the bandwidth of y = M x over matrices that fit
// the L2 cache, the L3 cache, and the four matrices of a 2-layer
// H=512 LSTM step (16 MiB) read one after the other.
func BenchmarkMatVec(b *testing.B) {
	for _, c := range []struct{ rows, cols, mats int }{{256, 512, 1}, {2048, 512, 1}, {2048, 512, 2}, {2048, 512, 3}, {2048, 512, 4}, {2048, 512, 6}} {
		b.Run(fmt.Sprintf("%dx%dx%d", c.rows, c.cols, c.mats), func(b *testing.B) {
			ms := make([][]float32, c.mats)
			for i := range ms {
				ms[i] = make([]float32, c.rows*c.cols)
				for j := range ms[i] {
					ms[i][j] = float32(j%7) - 3
				}
			}
			x, y := make([]float32, c.cols), make([]float32, c.rows)
			b.SetBytes(int64(4 * c.rows * c.cols * c.mats))
			for b.Loop() {
				for _, m := range ms {
					MatVec(m, c.cols, x, y)
				}
			}
		})
	}
}
