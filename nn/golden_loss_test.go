package nn

import (
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/internal/golden"
)

// GoldenCheckers exposes goldenCheckers to the external test package
// nn_test, whose checkers (for example optim_) need packages that import nn.
var GoldenCheckers = goldenCheckers

func init() {
	goldenCheckers["loss_"] = checkGoldenLoss
}

// goldenLossCase is the loss_*.json format of testdata/golden/README.md.
type goldenLossCase struct {
	Name     string        `json:"name"`
	Loss     string        `json:"loss"`
	Shape    []int         `json:"shape"` // [T, B, V]
	Lengths  []int         `json:"lengths"`
	Logits   golden.Tensor `json:"logits"`
	Targets  []int32       `json:"targets"`
	Expected struct {
		LossSum  *float64 `json:"loss_sum"`
		LossMean *float64 `json:"loss_mean_over_valid_tokens"`
	} `json:"expected"`
	Grads struct {
		LogitsOfMean *golden.Tensor `json:"logits_of_mean_loss"`
		LogitsOfSum  *golden.Tensor `json:"logits_of_sum_loss"`
	} `json:"grads"`
}

func checkGoldenLoss(t *testing.T, path string) {
	c := decodeGoldenCase[goldenLossCase](t, path)
	if c.Loss != "softmax_cross_entropy" {
		t.Fatalf("%s: unknown loss %q", path, c.Loss)
	}
	if len(c.Shape) != 3 {
		t.Fatalf("%s: shape %v, want [T, B, V]", path, c.Shape)
	}
	T, B, V := c.Shape[0], c.Shape[1], c.Shape[2]
	if c.Logits.Size() != T*B*V || len(c.Logits.Data) != T*B*V {
		t.Fatalf("%s: logits shape %v with %d values, want %v", path, c.Logits.Shape, len(c.Logits.Data), c.Shape)
	}
	var valid []bool
	if c.Lengths != nil {
		if len(c.Lengths) != B {
			t.Fatalf("%s: %d lengths for batch %d", path, len(c.Lengths), B)
		}
		var err error
		if valid, err = LengthMask(T, c.Lengths); err != nil {
			t.Fatal(err)
		}
	}
	logits := c.Logits.Float32()
	for _, red := range []struct {
		name string
		r    Reduction
		want *float64
		grad *golden.Tensor
	}{
		{"sum", ReduceSum, c.Expected.LossSum, c.Grads.LogitsOfSum},
		{"mean", ReduceMean, c.Expected.LossMean, c.Grads.LogitsOfMean},
	} {
		if red.want == nil && red.grad == nil {
			continue
		}
		d := make([]float32, len(logits))
		loss, _, err := SoftmaxCrossEntropy(d, logits, T*B, V, c.Targets, LossOptions{Reduction: red.r, Valid: valid})
		if err != nil {
			t.Fatalf("%s: %v", red.name, err)
		}
		if red.want != nil {
			t.Logf("loss %s: |diff| %.3g", red.name, math.Abs(loss-*red.want))
		}
		if red.want != nil && math.Abs(loss-*red.want) > 1e-5 {
			t.Errorf("loss %s = %.9g, want %.9g (|diff| %.3g > 1e-5)", red.name, loss, *red.want, math.Abs(loss-*red.want))
		}
		if red.grad != nil {
			compareGolden(t, "dlogits of "+red.name, d, red.grad.Data, 1e-4)
		}
	}
}

// compareGolden fails t when got and want differ anywhere by more than tol
// relative to the largest magnitude in want (the README's gradient rule).
func compareGolden(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	worst, at := 0.0, -1
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); !(d <= worst) {
			worst, at = d, i
		}
	}
	t.Logf("%s: largest difference %.3g (%.3g of max magnitude %.3g)", name, worst, worst/math.Max(scale, 1e-30), scale)
	if at >= 0 && !(worst <= tol*math.Max(scale, 1e-30)) {
		t.Errorf("%s[%d] = %.9g, want %.9g (|diff| %.3g > %.3g relative to max %.3g)", name, at, got[at], want[at], worst, tol, scale)
	}
}
