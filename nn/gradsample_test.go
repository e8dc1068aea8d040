package nn

import (
	"math/rand/v2"
	"testing"
)

func TestGradSample(t *testing.T) {
	// loss = sum_i w_i^2 / 2 + 3 b; its gradient is (w, 3).
	w := &Param{Name: "w", Shape: []int{4}, Data: []float32{1, -2, 0.5, 3}}
	b := &Param{Name: "b", Shape: []int{1}, Data: []float32{0.25}}
	ps := []*Param{w, b}
	loss := func() float64 {
		var s float64
		for _, v := range w.Data {
			s += float64(v) * float64(v) / 2
		}
		return s + 3*float64(b.Data[0])
	}
	opt := GradSampleOptions{Samples: 5, Eps: 1e-2, Atol: 1e-3, Rtol: 1e-2}
	cases := []struct {
		name    string
		wGrad   []float32
		skipB   bool
		wantBad bool
		checked int
	}{
		{"correct", []float32{1, -2, 0.5, 3}, false, false, 10},
		{"wrong", []float32{-1, 2, -0.5, -3}, false, true, 10},
		{"skip", []float32{1, -2, 0.5, 3}, true, false, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w.Grad, b.Grad = append([]float32(nil), c.wGrad...), []float32{3}
			o := opt
			o.Rand = rand.New(rand.NewPCG(1, 1))
			if c.skipB {
				o.Skip = func(i int, p *Param, k int, g float32) bool { return p.Name == "b" }
			}
			before := append([]float32(nil), w.Data...)
			bad, checked := GradSample(ps, loss, o)
			if checked != c.checked {
				t.Errorf("checked %d, want %d", checked, c.checked)
			}
			if (len(bad) > 0) != c.wantBad {
				t.Errorf("mismatches %v, want some: %v", bad, c.wantBad)
			}
			for i, v := range before {
				if w.Data[i] != v {
					t.Fatalf("w not restored: %v, want %v", w.Data, before)
				}
			}
		})
	}
}
