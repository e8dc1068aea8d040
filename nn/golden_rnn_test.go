package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/internal/golden"
)

func init() { goldenCheckers["rnn_"] = checkGoldenRNN }

// rnnGoldenCase is the format of testdata/golden/rnn_*.json (see its README).
type rnnGoldenCase struct {
	Name          string                   `json:"name"`
	Cell          string                   `json:"cell"`
	InputSize     int                      `json:"input_size"`
	HiddenSize    int                      `json:"hidden_size"`
	NumLayers     int                      `json:"num_layers"`
	Bidirectional bool                     `json:"bidirectional"`
	Bias          *bool                    `json:"bias"`
	Batch         int                      `json:"batch"`
	SeqLen        int                      `json:"seq_len"`
	Lengths       []int                    `json:"lengths"`
	Params        map[string]golden.Tensor `json:"params"`
	Input         golden.Tensor            `json:"input"`
	H0            *golden.Tensor           `json:"h0"`
	C0            *golden.Tensor           `json:"c0"`
	LossWeights   map[string]golden.Tensor `json:"loss_weights"`
	Expected      struct {
		Output golden.Tensor  `json:"output"`
		HN     golden.Tensor  `json:"h_n"`
		CN     *golden.Tensor `json:"c_n"`
		Loss   float64        `json:"loss"`
	} `json:"expected"`
	Grads map[string]golden.Tensor `json:"grads"`
}

func checkGoldenRNN(t *testing.T, path string) {
	c := decodeGoldenCase[rnnGoldenCase](t, path)
	cfg := RNNConfig{Cell: c.Cell, InputSize: c.InputSize, HiddenSize: c.HiddenSize, NumLayers: c.NumLayers,
		Bidirectional: c.Bidirectional, NoBias: c.Bias != nil && !*c.Bias}
	r, err := NewRNN(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Params()) != len(c.Params) {
		t.Fatalf("layer has %d params, golden case %d", len(r.Params()), len(c.Params))
	}
	for _, p := range r.Params() {
		g, ok := c.Params[p.Name]
		if !ok {
			t.Fatalf("golden case lacks parameter %s", p.Name)
		}
		if !slices.Equal(g.Shape, p.Shape) {
			t.Fatalf("%s: shape %v, golden %v", p.Name, p.Shape, g.Shape)
		}
		copy(p.Data, g.Float32())
	}
	var h0, c0 []float32
	if c.H0 != nil {
		h0 = c.H0.Float32()
	}
	if c.C0 != nil {
		c0 = c.C0.Float32()
	}
	T, B := c.SeqLen, c.Batch
	out, hN, cN, err := r.Forward(c.Input.Float32(), T, B, c.Lengths, h0, c0)
	if err != nil {
		t.Fatal(err)
	}
	rnnCloseAbs(t, "output", out, c.Expected.Output.Data, 1e-5)
	rnnCloseAbs(t, "h_n", hN, c.Expected.HN.Data, 1e-5)
	if c.Expected.CN != nil {
		rnnCloseAbs(t, "c_n", cN, c.Expected.CN.Data, 1e-5)
	}
	// The loss is a weighted sum, so its gradients are the weights.
	lossSum := 0.0
	lw := func(name string, got []float32) []float32 {
		w, ok := c.LossWeights[name]
		if !ok {
			return nil
		}
		loss := 0.0
		for i, v := range w.Data {
			loss += v * float64(got[i])
		}
		lossSum += loss
		return w.Float32()
	}
	dOut, dhN, dcN := lw("output", out), lw("h_n", hN), []float32(nil)
	if cN != nil {
		dcN = lw("c_n", cN)
	}
	if math.Abs(lossSum-c.Expected.Loss) > 1e-4*math.Max(1, math.Abs(c.Expected.Loss)) {
		t.Errorf("loss %.7g, golden %.7g", lossSum, c.Expected.Loss)
	}
	ZeroGrads(r.Params())
	dx, dh0, dc0, err := r.Backward(dOut, dhN, dcN)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range r.Params() {
		rnnCloseRel(t, "grad "+p.Name, p.Grad, c.Grads[p.Name].Data, 1e-4)
		checked++
	}
	for name, got := range map[string][]float32{"input": dx, "h0": dh0, "c0": dc0} {
		g, ok := c.Grads[name]
		if !ok {
			continue
		}
		rnnCloseRel(t, "grad "+name, got, g.Data, 1e-4)
		checked++
	}
	if checked != len(c.Grads) {
		t.Errorf("checked %d gradients, golden case has %d", checked, len(c.Grads))
	}
}

// closeAbs fails unless got and want agree within tol absolutely.
func rnnCloseAbs(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", name, len(got), len(want))
		return
	}
	worst, at := 0.0, 0
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if worst > tol || math.IsNaN(worst) {
		t.Errorf("%s: max abs error %.3g at %d (got %.7g, want %.7g), tolerance %g", name, worst, at, got[at], want[at], tol)
	}
}

// closeRel fails unless got and want agree within tol relative to the
// largest magnitude of want.
func rnnCloseRel(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	rnnCloseAbs(t, name, got, want, tol*math.Max(scale, 1e-12))
}
