package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestBatchStepperMatchesForward steps B rows with their own states
// through a BatchStepper and compares each step with RNN.Forward over the
// whole batch (T = 1, states carried), for each supported cell, with and
// without biases, with the input from x or from InputProjections, and with
// a batch that shrinks between steps (rows leaving).
func TestBatchStepperMatchesForward(t *testing.T) {
	const I, H, B = 5, 40, 4
	for _, cell := range []string{"rnn_tanh", "rnn_relu", "lstm", "gru"} {
		for _, c := range []struct {
			layers        int
			noBias, table bool
		}{{1, false, false}, {2, false, true}, {3, true, false}} {
			t.Run(fmt.Sprintf("%s/L%d/nobias=%v/table=%v", cell, c.layers, c.noBias, c.table), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, uint64(c.layers)))
				r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: c.layers, NoBias: c.noBias, Dropout: 0.3})
				r.SetTraining(false)
				s, err := r.NewBatchStepper(B)
				if err != nil {
					t.Fatal(err)
				}
				L := c.layers
				h := make([]float32, L*B*H)
				cs := make([]float32, L*B*H)
				for i := range h {
					h[i], cs[i] = float32(rng.NormFloat64())*0.5, float32(rng.NormFloat64())*0.5
				}
				if cell != "lstm" {
					cs = nil
				}
				for step, b := range []int{4, 4, 3, 1} {
					// Keep the first b rows of every layer's state.
					shrink := func(x []float32, from int) []float32 {
						if x == nil {
							return nil
						}
						out := make([]float32, 0, L*b*H)
						for l := range L {
							out = append(out, x[l*from*H:l*from*H+b*H]...)
						}
						return out
					}
					from := len(h) / (L * H)
					h, cs = shrink(h, from), shrink(cs, from)
					x := make([]float32, b*I)
					for i := range x {
						x[i] = float32(rng.NormFloat64())
					}
					out, hN, cN, err := r.Forward(x, 1, b, nil, h, cs)
					if err != nil {
						t.Fatal(err)
					}
					var got []float32
					if c.table {
						gi0, err := s.InputProjections(x, b)
						if err != nil {
							t.Fatal(err)
						}
						got, err = s.Step(b, nil, gi0, h, cs)
					} else {
						got, err = s.Step(b, x, nil, h, cs)
					}
					if err != nil {
						t.Fatal(err)
					}
					if i, ok := stepClose(got, out, 1e-5); !ok {
						t.Fatalf("step %d (B=%d): output %d = %v, Forward %v", step, b, i, got[i], out[i])
					}
					if i, ok := stepClose(h, hN, 1e-5); !ok {
						t.Fatalf("step %d: h %d = %v, Forward %v", step, i, h[i], hN[i])
					}
					if cs != nil {
						if i, ok := stepClose(cs, cN, 1e-5); !ok {
							t.Fatalf("step %d: c %d = %v, Forward %v", step, i, cs[i], cN[i])
						}
					}
				}
			})
		}
	}
	r, _ := NewRNN(RNNConfig{Cell: "gru_cho", InputSize: 2, HiddenSize: 3, NumLayers: 1}, rand.New(rand.NewPCG(1, 1)))
	if _, err := r.NewBatchStepper(2); err == nil {
		t.Error("gru_cho accepted")
	}
}
