package optim

import (
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

func TestNew(t *testing.T) {
	p := nn.NewParam("w", 3)
	for _, name := range Names {
		o, err := New(name, []*nn.Param{p}, Options{LR: 0.5, WeightDecay: 0.1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s := o.State(); s.Kind != name || o.LR() != 0.5 {
			t.Errorf("%s: kind %q lr %v", name, s.Kind, o.LR())
		}
	}
	if _, err := New("lbfgs", []*nn.Param{p}, Options{LR: 1}); err == nil || !strings.Contains(err.Error(), `"lbfgs"`) {
		t.Errorf("unknown optimizer: err %v", err)
	}
	if _, err := New("sgd", []*nn.Param{p}, Options{LR: 1, WeightDecay: -1}); err == nil {
		t.Error("negative weight decay accepted")
	}
}
