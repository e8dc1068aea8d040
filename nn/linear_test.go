package nn

import (
	"math/rand/v2"
	"testing"
)

func TestLinearGradients(t *testing.T) {
	tests := []struct {
		name       string
		n, in, out int
		bias       bool
	}{
		{"bias", 5, 4, 3, true},
		{"no bias", 3, 6, 2, false},
		{"single row", 1, 3, 7, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			l := NewLinear(tc.in, tc.out, tc.bias, rng)
			x := rnnRandom(rng, tc.n*tc.in, 1)
			w := rnnRandom(rng, tc.n*tc.out, 1)
			loss := func() float64 {
				y, err := l.Forward(x, tc.n)
				if err != nil {
					t.Fatal(err)
				}
				return rnnDot(y, w)
			}
			loss()
			ZeroGrads(l.Params())
			dx, err := l.Backward(w)
			if err != nil {
				t.Fatal(err)
			}
			dx = append([]float32(nil), dx...)
			checkGrad(t, "dx", dx, numericGrad(loss, x, 1e-2), 1e-3)
			for _, p := range l.Params() {
				checkGrad(t, p.Name, p.Grad, numericGrad(loss, p.Data, 1e-2), 1e-3)
			}
		})
	}
}

func TestLinearForwardValues(t *testing.T) {
	l := NewLinear(2, 2, true, nil)
	copy(l.Weight.Data, []float32{1, 2, 3, 4})
	copy(l.Bias.Data, []float32{10, 20})
	y, err := l.Forward([]float32{1, 1, 0, -1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{13, 27, 8, 16} // [1,1]->[1+2+10, 3+4+20]; [0,-1]->[-2+10, -4+20]
	for i := range want {
		if y[i] != want[i] {
			t.Fatalf("y = %v, want %v", y, want)
		}
	}
}

func TestLinearAccumulatesAndRejectsBadShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	l := NewLinear(3, 2, true, rng)
	x := rnnRandom(rng, 6, 1)
	dy := rnnRandom(rng, 4, 1)
	if _, err := l.Forward(x, 2); err != nil {
		t.Fatal(err)
	}
	if err := l.BackwardParams(dy); err != nil {
		t.Fatal(err)
	}
	once := append([]float32(nil), l.Weight.Grad...)
	if err := l.BackwardParams(dy); err != nil {
		t.Fatal(err)
	}
	for i, g := range l.Weight.Grad {
		if g != 2*once[i] {
			t.Fatalf("gradient not accumulated: %v then %v", once, l.Weight.Grad)
		}
	}
	if _, err := l.Forward(x[:5], 2); err == nil {
		t.Error("Forward accepted 5 values for 2x3")
	}
	if _, err := l.Backward(dy[:3]); err == nil {
		t.Error("Backward accepted 3 values for 2x2")
	}
}

func TestLinearDefaultInitRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	l := NewLinear(16, 8, true, rng)
	for _, p := range l.Params() {
		nonzero := 0
		for _, v := range p.Data {
			if v < -0.25 || v > 0.25 {
				t.Fatalf("%s value %v outside ±1/sqrt(16)", p.Name, v)
			}
			if v != 0 {
				nonzero++
			}
		}
		if nonzero < len(p.Data)/2 {
			t.Fatalf("%s mostly zero after init", p.Name)
		}
	}
}

func BenchmarkLinearForwardBackward(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, in, out = 256, 256, 256
	l := NewLinear(in, out, true, rng)
	x := rnnRandom(rng, n*in, 1)
	dy := rnnRandom(rng, n*out, 1)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = l.Forward(x, n)
		_, _ = l.Backward(dy)
	}
}
