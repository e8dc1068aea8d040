package nn

import (
	"math"
	"testing"
)

// ceReference computes the masked cross-entropy sum and count in float64
// directly from the definition -log(exp(x_t) / sum_j exp(x_j)).
func ceReference(logits []float32, n, v int, targets []int32, valid []bool) (float64, int) {
	sum, count := 0.0, 0
	for i := 0; i < n; i++ {
		if valid != nil && !valid[i] {
			continue
		}
		var z float64
		for j := 0; j < v; j++ {
			z += math.Exp(float64(logits[i*v+j]))
		}
		sum += -math.Log(math.Exp(float64(logits[i*v+int(targets[i])])) / z)
		count++
	}
	return sum, count
}

func TestSoftmaxCrossEntropy(t *testing.T) {
	const T, B, V = 3, 4, 5
	rng := newTestRand()
	logits := rnnRandom(rng, T*B*V, 3)
	targets := make([]int32, T*B)
	for i := range targets {
		targets[i] = int32(rng.IntN(V))
	}
	valid, err := LengthMask(T, []int{3, 1, 0, 2})
	if err != nil {
		t.Fatal(err)
	}
	refSum, refCount := ceReference(logits, T*B, V, targets, valid)
	if refCount != 6 {
		t.Fatalf("LengthMask counted %d valid steps, want 6", refCount)
	}
	tests := []struct {
		name string
		opt  LossOptions
		want float64
	}{
		{"sum", LossOptions{Reduction: ReduceSum, Valid: valid}, refSum},
		{"mean", LossOptions{Reduction: ReduceMean, Valid: valid}, refSum / float64(refCount)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := make([]float32, len(logits))
			loss, count, err := SoftmaxCrossEntropy(d, logits, T*B, V, targets, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if count != refCount || math.Abs(loss-tc.want) > 1e-5 {
				t.Fatalf("loss %v (count %d), want %v (count %d)", loss, count, tc.want, refCount)
			}
			f := func() float64 {
				l, _, err := SoftmaxCrossEntropy(nil, logits, T*B, V, targets, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			checkGrad(t, "dlogits", d, numericGrad(f, logits, 1e-2), 2e-3)
			for i, ok := range valid {
				for _, g := range d[i*V : (i+1)*V] {
					if !ok && g != 0 {
						t.Fatalf("padded row %d has gradient %v", i, d[i*V:(i+1)*V])
					}
				}
			}
		})
	}
}

func TestSoftmaxCrossEntropyStableAndIgnoreIndex(t *testing.T) {
	// Huge logits overflow a naive exp; the loss must stay finite and exact.
	logits := []float32{1000, 0, -1000, 1000, 1000, 1000}
	targets := []int32{1, -100}
	d := make([]float32, 6)
	loss, count, err := SoftmaxCrossEntropy(d, logits, 2, 3, targets,
		LossOptions{Reduction: ReduceSum, IgnoreIndex: -100, UseIgnoreIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	if count != 1 || math.Abs(loss-1000) > 1e-3 {
		t.Fatalf("loss %v count %d, want 1000 and 1", loss, count)
	}
	if d[0] != 1 || d[1] != -1 || d[3] != 0 || d[4] != 0 {
		t.Fatalf("gradient %v, want [1 -1 0 0 0 0]", d)
	}
	// In-place gradient (dLogits aliasing logits) gives the same result.
	in := []float32{0.1, 0.2, 0.3}
	want := make([]float32, 3)
	_, _, _ = SoftmaxCrossEntropy(want, in, 1, 3, []int32{2}, LossOptions{})
	if _, _, err := SoftmaxCrossEntropy(in, in, 1, 3, []int32{2}, LossOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if in[i] != want[i] {
			t.Fatalf("aliased gradient %v, want %v", in, want)
		}
	}
}

func TestLossErrors(t *testing.T) {
	x := make([]float32, 6)
	tests := []struct {
		name string
		run  func() error
	}{
		{"target out of range", func() error {
			_, _, err := SoftmaxCrossEntropy(nil, x, 2, 3, []int32{0, 3}, LossOptions{})
			return err
		}},
		{"target count", func() error {
			_, _, err := SoftmaxCrossEntropy(nil, x, 2, 3, []int32{0}, LossOptions{})
			return err
		}},
		{"mask length", func() error {
			_, _, err := SoftmaxCrossEntropy(nil, x, 2, 3, []int32{0, 1}, LossOptions{Valid: []bool{true}})
			return err
		}},
		{"logits length", func() error {
			_, _, err := BCEWithLogits(nil, x, 2, 4, make([]float32, 8), LossOptions{})
			return err
		}},
		{"grad length", func() error {
			_, _, err := MSE(make([]float32, 5), x, 2, 3, make([]float32, 6), LossOptions{})
			return err
		}},
		{"bad length", func() error { _, err := LengthMask(2, []int{3}); return err }},
		{"NaN loss", func() error { return CheckLoss(math.NaN()) }},
		{"Inf loss", func() error { return CheckLoss(math.Inf(1)) }},
	}
	for _, tc := range tests {
		if err := tc.run(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if err := CheckLoss(1.5); err != nil {
		t.Errorf("CheckLoss(1.5) = %v", err)
	}
}

func TestElementwiseLosses(t *testing.T) {
	const N, K = 4, 3
	rng := newTestRand()
	x := rnnRandom(rng, N*K, 4)
	y := rnnRandom(rng, N*K, 1)
	for i := range y {
		y[i] = (y[i] + 1) / 2 // probabilities in [0, 1]
	}
	valid := []bool{true, false, true, true}
	type lossFn func(d, x []float32, n, k int, y []float32, opt LossOptions) (float64, int, error)
	tests := []struct {
		name string
		fn   lossFn
		elem func(x, y float64) float64
	}{
		{"bce", BCEWithLogits, func(x, y float64) float64 {
			p := 1 / (1 + math.Exp(-x))
			return -(y*math.Log(p) + (1-y)*math.Log(1-p))
		}},
		{"mse", MSE, func(x, y float64) float64 { return (x - y) * (x - y) }},
	}
	for _, tc := range tests {
		for _, red := range []Reduction{ReduceSum, ReduceMean} {
			opt := LossOptions{Reduction: red, Valid: valid}
			want := 0.0
			for i := 0; i < N; i++ {
				if valid[i] {
					for j := i * K; j < (i+1)*K; j++ {
						want += tc.elem(float64(x[j]), float64(y[j]))
					}
				}
			}
			if red == ReduceMean {
				want /= 3 * K
			}
			d := make([]float32, N*K)
			got, count, err := tc.fn(d, x, N, K, y, opt)
			if err != nil {
				t.Fatal(err)
			}
			if count != 3*K || math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s/%d: loss %v count %d, want %v count %d", tc.name, red, got, count, want, 3*K)
			}
			f := func() float64 { l, _, _ := tc.fn(nil, x, N, K, y, opt); return l }
			checkGrad(t, tc.name+" dx", d, numericGrad(f, x, 1e-2), 2e-3)
			for _, g := range d[K : 2*K] {
				if g != 0 {
					t.Fatalf("%s: masked row has gradient %v", tc.name, d[K:2*K])
				}
			}
		}
	}
}

func BenchmarkSoftmaxCrossEntropy(b *testing.B) {
	const N, V = 64, 10000
	rng := newTestRand()
	x := rnnRandom(rng, N*V, 3)
	d := make([]float32, N*V)
	targets := make([]int32, N)
	for i := range targets {
		targets[i] = int32(rng.IntN(V))
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = SoftmaxCrossEntropy(d, x, N, V, targets, LossOptions{})
	}
}
