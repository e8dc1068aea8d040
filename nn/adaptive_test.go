package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recurrent-go/recurrent/internal/golden"
)

func init() { goldenCheckers["adaptive_"] = checkGoldenAdaptive }

// adaptiveGoldenCase is the format written by gen_golden.py.
type adaptiveGoldenCase struct {
	InFeatures int                      `json:"in_features"`
	NClasses   int                      `json:"n_classes"`
	Cutoffs    []int                    `json:"cutoffs"`
	DivValue   float64                  `json:"div_value"`
	HeadBias   bool                     `json:"head_bias"`
	Params     map[string]golden.Tensor `json:"params"`
	Input      golden.Tensor            `json:"input"`
	Target     []int32                  `json:"target"`
	Expected   struct {
		Output  golden.Tensor `json:"output"`
		Loss    float64       `json:"loss"`
		LogProb golden.Tensor `json:"log_prob"`
	} `json:"expected"`
	Grads map[string]golden.Tensor `json:"grads"`
}

func checkGoldenAdaptive(t *testing.T, path string) {
	c := decodeGoldenCase[adaptiveGoldenCase](t, path)
	a := mustAdaptive(t, c.InFeatures, c.NClasses, c.Cutoffs, c.DivValue, c.HeadBias, nil)
	ps := a.Params()
	if len(ps) != len(c.Params) {
		t.Fatalf("%d parameters, PyTorch has %d", len(ps), len(c.Params))
	}
	for _, p := range ps {
		want, ok := c.Params[p.Name]
		if !ok {
			t.Fatalf("parameter %s (shape %v) is not in PyTorch's state_dict", p.Name, p.Shape)
		}
		if !equalShape(p.Shape, want.Shape) {
			t.Fatalf("%s: shape %v, PyTorch %v", p.Name, p.Shape, want.Shape)
		}
		copy(p.Data, want.Float32())
	}
	n := len(c.Target)
	x := c.Input.Float32()
	out, loss, count, err := a.Forward(x, n, c.Target, LossOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("counted %d rows, want %d", count, n)
	}
	compareGolden(t, "output", out, c.Expected.Output.Data, 1e-5)
	if d := math.Abs(loss - c.Expected.Loss); d > 1e-5*math.Max(1, math.Abs(c.Expected.Loss)) {
		t.Errorf("loss %.9g, want %.9g", loss, c.Expected.Loss)
	}
	dx, err := a.Backward()
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "grad input", dx, c.Grads["input"].Data, 1e-4)
	for _, p := range ps {
		compareGolden(t, "grad "+p.Name, p.Grad, c.Grads[p.Name].Data, 1e-4)
	}
	lp := make([]float32, n*c.NClasses)
	if err := a.LogProb(lp, x, n, nil); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "log_prob", lp, c.Expected.LogProb.Data, 1e-5)
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAdaptiveSoftmaxGradMasked checks every gradient against central
// differences with masked and ignored rows and the sum reduction, which
// the PyTorch cases do not cover.
func TestAdaptiveSoftmaxGradMasked(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := mustAdaptive(t, 8, 17, []int{4, 9, 13}, 2, true, rng)
	const n = 10
	x := rnnRandom(rng, n*8, 1)
	targets := []int32{0, 5, 16, 3, 10, 8, 12, 2, 15, 9}
	valid := []bool{true, true, true, false, true, true, true, true, true, true}
	opt := LossOptions{Reduction: ReduceSum, Valid: valid, UseIgnoreIndex: true, IgnoreIndex: 2}
	f := func() float64 {
		_, l, _, err := a.Forward(x, n, targets, opt)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ps := a.Params()
	ZeroGrads(ps)
	_, _, count, err := a.Forward(x, n, targets, opt)
	if err != nil {
		t.Fatal(err)
	}
	if count != 8 {
		t.Fatalf("counted %d rows, want 8 (one masked, one ignored)", count)
	}
	dx, err := a.Backward()
	if err != nil {
		t.Fatal(err)
	}
	dx = append([]float32(nil), dx...)
	checkGrad(t, "input", dx, numericGrad(f, x, 1e-2), 2e-3)
	for _, p := range ps {
		g := append([]float32(nil), p.Grad...)
		checkGrad(t, p.Name, g, numericGrad(f, p.Data, 1e-2), 2e-3)
	}
	for _, i := range []int{3, 7} { // masked, ignored: no input gradient
		for j := 0; j < 8; j++ {
			if dx[i*8+j] != 0 {
				t.Fatalf("row %d is not counted but has input gradient %v", i, dx[i*8:(i+1)*8])
			}
		}
	}
}

// TestAdaptiveSoftmaxLogProbNormalised checks that each row of LogProb is
// a distribution and agrees with Forward's per-target values.
func TestAdaptiveSoftmaxLogProbNormalised(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := mustAdaptive(t, 16, 40, []int{8, 20}, 4, false, rng)
	const n = 5
	x := rnnRandom(rng, n*16, 2)
	lp := make([]float32, n*40)
	if err := a.LogProb(lp, x, n, new(AdaptiveScratch)); err != nil {
		t.Fatal(err)
	}
	targets := []int32{1, 9, 39, 20, 7}
	out, _, _, err := a.Forward(x, n, targets, LossOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		var s float64
		for _, v := range lp[i*40 : (i+1)*40] {
			s += math.Exp(float64(v))
		}
		if math.Abs(s-1) > 1e-5 {
			t.Errorf("row %d: probabilities sum to %.7f", i, s)
		}
		if d := math.Abs(float64(out[i] - lp[i*40+int(targets[i])])); d > 1e-5 {
			t.Errorf("row %d: Forward says %v, LogProb %v", i, out[i], lp[i*40+int(targets[i])])
		}
	}
}

func TestNewAdaptiveSoftmaxRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in, v   int
		cutoffs []int
		div     float64
	}{
		{"no cutoffs", 8, 10, nil, 4},
		{"descending", 8, 10, []int{5, 3}, 4},
		{"repeated", 8, 10, []int{3, 3}, 4},
		{"cutoff at n_classes", 8, 10, []int{10}, 4},
		{"zero cutoff", 8, 10, []int{0, 4}, 4},
		{"projection below 1", 3, 10, []int{2, 5}, 4},
		{"zero div", 8, 10, []int{5}, 0},
	} {
		if _, err := NewAdaptiveSoftmax(tc.in, tc.v, tc.cutoffs, tc.div, false, nil); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	a := mustAdaptive(t, 4, 10, []int{5}, 2, false, nil)
	if _, _, _, err := a.Forward(make([]float32, 8), 2, []int32{1, 10}, LossOptions{}); err == nil {
		t.Error("target 10 of 10 classes accepted")
	}
}

// TestAdaptiveSoftmaxSteadyStateAllocs: after the first call, Forward and
// Backward reuse their buffers.
func TestAdaptiveSoftmaxSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector inflates allocation counts")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	a := mustAdaptive(t, 32, 200, []int{20, 80}, 4, false, rng)
	const n = 64
	x := rnnRandom(rng, n*32, 1)
	targets := make([]int32, n)
	for i := range targets {
		targets[i] = int32(rng.IntN(200))
	}
	step := func() {
		if _, _, _, err := a.Forward(x, n, targets, LossOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Backward(); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if allocs := testing.AllocsPerRun(10, step); allocs > 0 {
		t.Errorf("%v allocations per Forward+Backward after warm-up", allocs)
	}
}

func BenchmarkAdaptiveSoftmax(b *testing.B) {
	// A word-level LM's output: 650 hidden units, 10k words, PTB-like cutoffs.
	rng := rand.New(rand.NewPCG(7, 8))
	a := mustAdaptive(b, 650, 10000, []int{2000, 6000}, 4, false, rng)
	const n = 700 // B 20 x T 35
	x := rnnRandom(rng, n*650, 1)
	targets := make([]int32, n)
	for i := range targets { // Zipf-ish: most targets in the shortlist
		targets[i] = int32(math.Min(9999, math.Floor(math.Exp(rng.Float64()*math.Log(10000)))))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := a.Forward(x, n, targets, LossOptions{}); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Backward(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// mustAdaptive returns NewAdaptiveSoftmax(in, classes, cutoffs, divValue,
// headBias, rng), failing the test or benchmark on error.
func mustAdaptive(tb testing.TB, in, classes int, cutoffs []int, divValue float64, headBias bool, rng *rand.Rand) *AdaptiveSoftmax {
	tb.Helper()
	a, err := NewAdaptiveSoftmax(in, classes, cutoffs, divValue, headBias, rng)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
