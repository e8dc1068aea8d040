package nn

import (
	"math/rand/v2"
	"testing"
)

// newTestRand returns a fixed-seed generator for tests.
func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(11, 12)) }

func TestActivationGradients(t *testing.T) {
	tests := []struct {
		name string
		fwd  func(dst, x []float32)
		bwd  func(dx, dy, y []float32)
	}{
		{"tanh", Tanh, TanhBackward},
		{"sigmoid", Sigmoid, SigmoidBackward},
		{"relu", ReLU, ReLUBackward},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := newTestRand()
			x := rnnRandom(rng, 16, 3)
			for i := range x { // keep relu away from its kink at 0
				if x[i] > -0.05 && x[i] < 0.05 {
					x[i] = 0.5
				}
			}
			w := rnnRandom(rng, 16, 1)
			y := make([]float32, 16)
			loss := func() float64 { tc.fwd(y, x); return rnnDot(y, w) }
			loss()
			dx := make([]float32, 16)
			tc.bwd(dx, w, y)
			checkGrad(t, "dx", dx, numericGrad(loss, x, 1e-3), 2e-3)
		})
	}
}

func TestReLUValues(t *testing.T) {
	x := []float32{-2, 0, 3}
	y := make([]float32, 3)
	ReLU(y, x)
	if y[0] != 0 || y[1] != 0 || y[2] != 3 {
		t.Fatalf("ReLU(%v) = %v", x, y)
	}
	dx := make([]float32, 3)
	ReLUBackward(dx, []float32{1, 1, 1}, y)
	if dx[0] != 0 || dx[1] != 0 || dx[2] != 1 {
		t.Fatalf("ReLUBackward = %v, want [0 0 1]", dx)
	}
}
