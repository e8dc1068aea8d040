package nn

import (
	"math"
	"testing"
)

// Shared helpers for numerical gradient checks in package nn's tests.
//
// Typical use:
//
//	w := rnnRandom(rng, len(out), 1)        // fixed loss weights
//	loss := func() float64 { fwd(); return rnnDot(out, w) }
//	loss(); backward(dOut = w)              // analytic gradients
//	num := numericGrad(loss, p.Data, 1e-2)  // central differences
//	checkGrad(t, "weight", p.Grad, num, 1e-2)

// numericGrad returns the central-difference gradient of f with respect to
// every element of x: (f(x+h e_i) - f(x-h e_i)) / (2h). x is perturbed in
// place and restored exactly; the step actually taken (after rounding to
// float32) is used as the denominator, so the estimate is as accurate as f's
// float32 arithmetic allows. eps around 1e-2 suits float32 forward passes.
func numericGrad(f func() float64, x []float32, eps float64) []float64 {
	g := make([]float64, len(x))
	for i := range x {
		orig := x[i]
		up := float32(float64(orig) + eps)
		dn := float32(float64(orig) - eps)
		x[i] = up
		fu := f()
		x[i] = dn
		fd := f()
		x[i] = orig
		g[i] = (fu - fd) / (float64(up) - float64(dn))
	}
	return g
}

// checkGrad fails t when analytic and numeric gradients differ by more than
// tol relative to the largest magnitude in either (with a floor of 1e-3, so
// an all-near-zero gradient is compared absolutely). It reports at most five
// offending elements by index.
func checkGrad(t testing.TB, name string, analytic []float32, numeric []float64, tol float64) {
	t.Helper()
	if len(analytic) != len(numeric) {
		t.Fatalf("%s: analytic gradient has %d elements, numeric %d", name, len(analytic), len(numeric))
		return
	}
	scale := 1e-3
	for i := range numeric {
		scale = math.Max(scale, math.Max(math.Abs(numeric[i]), math.Abs(float64(analytic[i]))))
	}
	bad := 0
	for i := range numeric {
		d := math.Abs(float64(analytic[i]) - numeric[i])
		if !(d <= tol*scale) { // also catches NaN
			if bad < 5 {
				t.Errorf("%s[%d]: analytic %.6g, numeric %.6g (|diff| %.3g > %.3g = tol*scale)",
					name, i, analytic[i], numeric[i], d, tol*scale)
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d elements out of tolerance", name, bad, len(numeric))
	}
}

func TestNumericGradQuadratic(t *testing.T) {
	// f(x) = sum_i (i+1) * x_i^2 has gradient 2(i+1)x_i.
	x := []float32{0.5, -1.25, 2, 0}
	f := func() float64 {
		var s float64
		for i, v := range x {
			s += float64(i+1) * float64(v) * float64(v)
		}
		return s
	}
	num := numericGrad(f, x, 1e-2)
	want := make([]float32, len(x))
	for i, v := range x {
		want[i] = 2 * float32(i+1) * v
	}
	checkGrad(t, "quadratic", want, num, 1e-4)
	if x[0] != 0.5 || x[1] != -1.25 || x[2] != 2 || x[3] != 0 {
		t.Fatalf("numericGrad did not restore x: %v", x)
	}
}

// recordTB is a testing.TB that records failures instead of reporting them.
type recordTB struct {
	testing.TB
	failed bool
}

func (r *recordTB) Helper()               {}
func (r *recordTB) Errorf(string, ...any) { r.failed = true }
func (r *recordTB) Fatalf(string, ...any) { r.failed = true }

func TestCheckGradDetectsMismatch(t *testing.T) {
	tests := []struct {
		name     string
		analytic []float32
		numeric  []float64
		fail     bool
	}{
		{"equal", []float32{1, 2}, []float64{1, 2}, false},
		{"off by 20%", []float32{1, 2}, []float64{1, 2.5}, true},
		{"NaN", []float32{1, float32(math.NaN())}, []float64{1, 2}, true},
		{"length", []float32{1}, []float64{1, 2}, true},
	}
	for _, tc := range tests {
		r := &recordTB{TB: t}
		checkGrad(r, tc.name, tc.analytic, tc.numeric, 1e-3)
		if r.failed != tc.fail {
			t.Errorf("%s: checkGrad failed=%v, want %v", tc.name, r.failed, tc.fail)
		}
	}
}
