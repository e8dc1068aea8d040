// Package gradtest checks, in tests, the analytic gradients of a model's
// parameters against central differences of its loss. It is used only by
// tests; nn.GradSample is the library's sampling check it reports.
package gradtest

import (
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

// Ends returns the entries 0, n/2 and n-1 of p: its first, middle and
// last value.
func Ends(p *nn.Param) []int { return []int{0, p.Size() / 2, p.Size() - 1} }

// All returns every entry of p.
func All(p *nn.Param) []int {
	at := make([]int, p.Size())
	for i := range at {
		at[i] = i
	}
	return at
}

// Check compares the gradients in ps, computed by the caller for loss,
// with the central differences nn.NumericGrad (step eps, taken in
// float32) at the entries at(p) of every parameter p. The gradients are copied first, so loss may accumulate
// into them; every perturbed entry is restored. An entry fails when
// |numeric - analytic| > atol + rtol*|numeric|; each failure is reported
// with t.Errorf. Check returns the number of entries compared.
func Check(t testing.TB, ps []*nn.Param, loss func() float64, at func(*nn.Param) []int, eps, atol, rtol float64) int {
	t.Helper()
	grads := make([][]float32, len(ps))
	for i, p := range ps {
		grads[i] = append([]float32(nil), p.Grad...)
	}
	checked := 0
	for pi, p := range ps {
		for _, i := range at(p) {
			num, got := nn.NumericGrad(p, i, eps, loss), float64(grads[pi][i])
			if math.Abs(num-got) > atol+rtol*math.Abs(num) {
				t.Errorf("%s[%d]: analytic %.6g, numeric %.6g", p.Name, i, got, num)
			}
			checked++
		}
	}
	return checked
}

// Sample checks a model's backward pass: it runs forward(true), zeroes
// the gradients of ps and runs backward on the output gradient forward
// returned, then runs nn.GradSample on ps with the loss forward(false) and reports
// to t: each entry out of tolerance is an error, and fewer than atLeast
// entries checked fail the test.
func Sample(t testing.TB, ps []*nn.Param, forward func(grad bool) (loss float64, dOut []float32), backward func(dOut []float32) error,
	o nn.GradSampleOptions, atLeast int) {
	t.Helper()
	_, dOut := forward(true)
	nn.ZeroGrads(ps)
	if err := backward(dOut); err != nil {
		t.Fatal(err)
	}
	bad, checked := nn.GradSample(ps, func() float64 { l, _ := forward(false); return l }, o)
	for _, b := range bad {
		t.Errorf("%s[%d]: analytic %.6g, numeric %.6g", b.Param, b.Index, b.Analytic, b.Numeric)
	}
	if checked < atLeast {
		t.Fatalf("only %d gradient entries checked, want at least %d", checked, atLeast)
	}
}
