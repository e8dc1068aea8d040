package optim

import (
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

func TestClipGradNorm(t *testing.T) {
	tests := []struct {
		name    string
		grads   [][]float32
		maxNorm float64
		norm    float64
		scaled  bool
	}{
		{"clipped", [][]float32{{3, 0}, {0, 4}}, 1, 5, true},
		{"under the limit", [][]float32{{0.3}, {0.4}}, 1, 0.5, false},
		{"zero", [][]float32{{0, 0}}, 1, 0, false},
	}
	for _, tc := range tests {
		var ps []*nn.Param
		for i, g := range tc.grads {
			p := nn.NewParam("p", len(g))
			copy(p.Grad, g)
			ps = append(ps, p)
			_ = i
		}
		norm := ClipGradNorm(ps, tc.maxNorm)
		if math.Abs(norm-tc.norm) > 1e-6 {
			t.Errorf("%s: norm before %v, want %v", tc.name, norm, tc.norm)
		}
		coef := 1.0
		if tc.scaled {
			coef = tc.maxNorm / (tc.norm + 1e-6) // PyTorch's formula, with its 1e-6
		}
		for k, p := range ps {
			for i, g := range p.Grad {
				if want := float64(tc.grads[k][i]) * coef; math.Abs(float64(g)-want) > 1e-7 {
					t.Errorf("%s: grad %d[%d] = %v, want %v", tc.name, k, i, g, want)
				}
			}
		}
		if after := GradNorm(ps); after > tc.maxNorm+1e-6 {
			t.Errorf("%s: norm after clipping %v > %v", tc.name, after, tc.maxNorm)
		}
	}
	p := nn.NewParam("nan", 2)
	p.Grad[0], p.Grad[1] = float32(math.NaN()), 1
	if n := ClipGradNorm([]*nn.Param{p}, 1); !math.IsNaN(n) || p.Grad[1] != 1 {
		t.Errorf("NaN gradient: norm %v, other gradient %v (want NaN and untouched 1)", n, p.Grad[1])
	}
}

func TestClipGradValue(t *testing.T) {
	p := nn.NewParam("p", 4)
	copy(p.Grad, []float32{-3, -0.5, 0.5, 3})
	ClipGradValue([]*nn.Param{p}, 1)
	want := []float32{-1, -0.5, 0.5, 1}
	for i := range want {
		if p.Grad[i] != want[i] {
			t.Fatalf("ClipGradValue = %v, want %v", p.Grad, want)
		}
	}
}

func TestCheckFinite(t *testing.T) {
	p := nn.NewParam("w", 3)
	if err := CheckFinite([]*nn.Param{p}); err != nil {
		t.Fatal(err)
	}
	p.Grad[2] = float32(math.Inf(1))
	if err := CheckFinite([]*nn.Param{p}); err == nil {
		t.Fatal("CheckFinite accepted +Inf")
	}
}
