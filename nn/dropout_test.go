package nn

import (
	"math"
	"testing"
)

func TestDropoutStatisticsAndScale(t *testing.T) {
	d, err := NewDropout(0.3, 42)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 20000)
	for i := range x {
		x[i] = 1
	}
	y := d.Forward(x)
	zeros, sum := 0, 0.0
	for _, v := range y {
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v)-1/0.7) > 1e-6:
			t.Fatalf("kept value %v, want 1/(1-p)", v)
		}
		sum += float64(v)
	}
	if frac := float64(zeros) / float64(len(x)); math.Abs(frac-0.3) > 0.02 {
		t.Errorf("dropped fraction %.3f, want 0.3", frac)
	}
	if mean := sum / float64(len(x)); math.Abs(mean-1) > 0.03 {
		t.Errorf("mean %.3f, want 1 (inverted dropout keeps expectation)", mean)
	}
}

func TestDropoutSeededAndEval(t *testing.T) {
	a, _ := NewDropout(0.5, 9)
	b, _ := NewDropout(0.5, 9)
	x := rnnRandom(newTestRand(), 64, 1)
	ya := append([]float32(nil), a.Forward(x)...)
	yb := b.Forward(x)
	for i := range ya {
		if ya[i] != yb[i] {
			t.Fatal("same seed gave different masks")
		}
	}
	a.Training = false
	if y := a.Forward(x); &y[0] != &x[0] {
		t.Error("eval Forward is not the identity")
	}
	if _, err := NewDropout(1, 0); err == nil {
		t.Error("NewDropout accepted p = 1")
	}
}

func TestDropoutGradientFixedMask(t *testing.T) {
	d, _ := NewDropout(0.4, 1)
	rng := newTestRand()
	x := rnnRandom(rng, 12, 1)
	w := rnnRandom(rng, 12, 1)
	d.Sample(4) // one mask per row of 4, reused over 3 rows (locked dropout)
	y := make([]float32, 12)
	loss := func() float64 {
		if err := d.Apply(y, x); err != nil {
			t.Fatal(err)
		}
		return rnnDot(y, w)
	}
	dx := make([]float32, 12)
	if err := d.Apply(dx, w); err != nil {
		t.Fatal(err)
	}
	checkGrad(t, "dx", dx, numericGrad(loss, x, 1e-2), 1e-3)
	for r := 0; r < 3; r++ {
		for j, m := range d.Mask() {
			if (y[r*4+j] == 0) != (m == 0) && x[r*4+j] != 0 {
				t.Fatalf("mask not repeated over rows at row %d col %d", r, j)
			}
		}
	}
	if err := d.Apply(y[:10], x[:10]); err == nil {
		t.Error("Apply accepted 10 values for a mask of 4")
	}
	// Forward/Backward pair uses the same mask.
	y2 := d.Forward(x)
	dx2, err := d.Backward(w)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if (y2[i] == 0) != (dx2[i] == 0) && x[i] != 0 && w[i] != 0 {
			t.Fatal("Backward used a different mask from Forward")
		}
	}
}
