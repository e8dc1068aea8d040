package checkpoint

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
)

func newAdamOver(t *testing.T, lr float64) (*optim.Adam, *nn.Param) {
	t.Helper()
	p := nn.NewParam("w", 2, 3)
	for i := range p.Data {
		p.Data[i] = float32(i) / 7
	}
	cfg := optim.DefaultAdam()
	cfg.LR = lr
	o, err := optim.NewAdam([]*nn.Param{p}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o, p
}

// TestOptimizerStateRoundTrip saves Adam's state after two steps through a
// safetensors file, restores it into a fresh optimizer, and checks that the
// next step moves both copies of the weights identically.
func TestOptimizerStateRoundTrip(t *testing.T) {
	a, pa := newAdamOver(t, 0.01)
	for step := 0; step < 2; step++ {
		for i := range pa.Grad {
			pa.Grad[i] = float32(i+step) - 2
		}
		if err := a.Step(); err != nil {
			t.Fatal(err)
		}
	}
	ts, meta, err := OptimizerTensors(a)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, ts, meta); err != nil {
		t.Fatal(err)
	}
	ts2, meta2, err := ReadSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	b, pb := newAdamOver(t, 0.5)
	copy(pb.Data, pa.Data)
	if err := RestoreOptimizer(b, ts2, meta2); err != nil {
		t.Fatal(err)
	}
	if b.LR() != 0.01 {
		t.Errorf("restored lr = %g, want 0.01", b.LR())
	}
	for i := range pa.Grad {
		pa.Grad[i] = 1
		pb.Grad[i] = 1
	}
	if err := a.Step(); err != nil {
		t.Fatal(err)
	}
	if err := b.Step(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pa.Data, pb.Data) {
		t.Errorf("after restore the next step differs:\n%v\n%v", pa.Data, pb.Data)
	}
}

func TestRestoreOptimizerErrors(t *testing.T) {
	a, _ := newAdamOver(t, 0.01)
	ts, meta, err := OptimizerTensors(a)
	if err != nil {
		t.Fatal(err)
	}
	sgd, err := optim.NewSGD([]*nn.Param{nn.NewParam("w", 2, 3)}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	if err := RestoreOptimizer(sgd, ts, meta); err == nil || !strings.Contains(err.Error(), "is for") {
		t.Errorf("restoring Adam state into SGD: err = %v", err)
	}
	for key := range ts {
		delete(ts, key)
		break
	}
	b, _ := newAdamOver(t, 0.01)
	if err := RestoreOptimizer(b, ts, meta); err == nil {
		t.Error("restoring with a buffer missing: no error")
	}
}

// An optimizer state holding values no optimizer reaches is refused: a NaN
// or infinite buffer, or a negative running mean of squares (Adam's
// exp_avg_sq, whose square root every step takes). They were restored, and
// the next step turned the weights NaN, which the training loop reported
// as a diverged run rather than as a bad file.
func TestRestoreOptimizerImpossibleValues(t *testing.T) {
	a, _ := newAdamOver(t, 0.01)
	for _, tc := range []struct {
		buffer string
		value  float32
	}{
		{"w/exp_avg", float32(math.NaN())},
		{"w/exp_avg", float32(math.Inf(-1))},
		{"w/exp_avg_sq", float32(math.Inf(1))},
		{"w/exp_avg_sq", -1e-3},
	} {
		ts, meta, err := OptimizerTensors(a)
		if err != nil {
			t.Fatal(err)
		}
		ts[tc.buffer].Data[4] = tc.value
		b, _ := newAdamOver(t, 0.01)
		if err := RestoreOptimizer(b, ts, meta); err == nil || !strings.Contains(err.Error(), tc.buffer[2:]) || !strings.Contains(err.Error(), "4") {
			t.Errorf("%s[4] = %v: error %v, want one naming the buffer and element 4", tc.buffer, tc.value, err)
		}
	}
}
