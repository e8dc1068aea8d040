package stepdrop

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

// draws returns n values of the model's generator and n of the RNN's.
func draws(d *Dropout, rnnPCG *rand.PCG, n int) []uint64 {
	var out []uint64
	for range n {
		out = append(out, d.Rand.Uint64(), rnnPCG.Uint64())
	}
	return out
}

func TestReseedIsAFunctionOfSeedAndStep(t *testing.T) {
	d, pcg := New(7), rand.NewPCG(1, 2)
	d.SetRNN(nil, pcg)
	d.Reseed(3)
	a := draws(&d, pcg, 4)
	d.Reseed(4)
	b := draws(&d, pcg, 4)
	d.Reseed(3)
	if again := draws(&d, pcg, 4); !slices.Equal(a, again) {
		t.Errorf("step 3 drew %v, then %v", a, again)
	}
	if slices.Equal(a, b) {
		t.Error("steps 3 and 4 drew the same values")
	}
	d.Seed = 8
	d.Reseed(3)
	if c := draws(&d, pcg, 4); slices.Equal(a, c) {
		t.Error("seeds 7 and 8 drew the same values at step 3")
	}
}

func TestModeReachesTheRNN(t *testing.T) {
	pcg := rand.NewPCG(1, 0)
	rnn, err := nn.NewRNN(nn.RNNConfig{Cell: "lstm", InputSize: 3, HiddenSize: 4, NumLayers: 2, Dropout: 0.5}, rand.New(pcg))
	if err != nil {
		t.Fatal(err)
	}
	d := New(1)
	d.SetRNN(rnn, pcg)
	x := make([]float32, 5*2*3)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	// forward returns the output of x after reseeding with step.
	forward := func(step uint64) []float32 {
		d.Reseed(step)
		out, _, _, err := rnn.Forward(x, 5, 2, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(out)
	}
	if !d.Training() || !d.Active(0.5) || d.Active(0) {
		t.Fatalf("New: training %v, Active(0.5) %v, Active(0) %v", d.Training(), d.Active(0.5), d.Active(0))
	}
	if slices.Equal(forward(1), forward(2)) {
		t.Error("in training, two steps' inter-layer masks gave the same output")
	}
	if !slices.Equal(forward(1), forward(1)) {
		t.Error("in training, one step gave two outputs")
	}
	restore := d.EvalMode()
	if d.Training() || d.Active(0.5) {
		t.Error("EvalMode left dropout on")
	}
	if !slices.Equal(forward(1), forward(2)) {
		t.Error("in evaluation mode the RNN still drops")
	}
	restore()
	if !d.Training() || slices.Equal(forward(1), forward(2)) {
		t.Error("restore did not switch training back on")
	}
}
