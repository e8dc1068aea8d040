package word2vec

import (
	"github.com/recurrent-go/recurrent/internal/xrand"

	"math"
	"testing"
)

func TestKernelsMatchScalar(t *testing.T) {
	for _, n := range []int{1, 3, 7, 8, 9, 16, 31, 32, 33, 100, 300} {
		r := xrand.New(7, uint64(n))
		mk := func() []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = r.Float32()*2 - 1
			}
			return v
		}
		x, y := mk(), mk()
		var want float64
		for i := range x {
			want += float64(x[i]) * float64(y[i])
		}
		if got := dot(x, y); math.Abs(float64(got)-want) > 1e-4*float64(n) {
			t.Errorf("n=%d: dot = %v, want %v", n, got, want)
		}
		y2 := append([]float32(nil), y...)
		axpy(0.5, x, y2)
		for i := range y2 {
			if w := y[i] + 0.5*x[i]; math.Abs(float64(y2[i]-w)) > 1e-6 {
				t.Fatalf("n=%d: axpy[%d] = %v, want %v", n, i, y2[i], w)
			}
		}
		h, out, acc := mk(), mk(), mk()
		out0, acc0 := append([]float32(nil), out...), append([]float32(nil), acc...)
		update(-0.25, h, out, acc)
		for i := range h {
			wa := acc0[i] - 0.25*out0[i]
			wo := out0[i] - 0.25*h[i]
			if math.Abs(float64(acc[i]-wa)) > 1e-6 || math.Abs(float64(out[i]-wo)) > 1e-6 {
				t.Fatalf("n=%d: update[%d] = (%v, %v), want (%v, %v)", n, i, acc[i], out[i], wa, wo)
			}
		}
	}
}

func BenchmarkDot100(b *testing.B) {
	x, y := make([]float32, 100), make([]float32, 100)
	var s float32
	for b.Loop() {
		s += dot(x, y)
	}
	_ = s
}

func BenchmarkUpdate100(b *testing.B) {
	x, y, z := make([]float32, 100), make([]float32, 100), make([]float32, 100)
	for b.Loop() {
		update(0.1, x, y, z)
	}
}
