package lm

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

// goldenCase is one case of testdata/golden_lm.json (see gen_golden.py).
type goldenCase struct {
	Name           string
	Cell           string
	VocabSize      int `json:"vocab_size"`
	EmbedDim       int `json:"embed_dim"`
	HiddenSize     int `json:"hidden_size"`
	NumLayers      int `json:"num_layers"`
	Tied           bool
	Cutoffs        []int   `json:"adaptive_cutoffs"`
	DivValue       float64 `json:"div_value"`
	T, B           int
	X, Y           []int32
	H0, C0, HN, CN []float32
	Params, Grads  map[string][]float32
	Loss           float64
}

// readCases reads the non-empty list "cases" of a JSON test file.
func readCases[C any](t *testing.T, path string) []C {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []C }
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(file.Cases) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return file.Cases
}

func TestGoldenPyTorch(t *testing.T) {
	for _, c := range readCases[goldenCase](t, "testdata/golden_lm.json") {
		t.Run(c.Name, func(t *testing.T) {
			m := mustNew(t, New, Config{Arch: Arch{Cell: c.Cell, VocabSize: c.VocabSize, EmbedDim: c.EmbedDim, Hidden: c.HiddenSize,
				Layers: c.NumLayers}, Tied: c.Tied, AdaptiveCutoffs: c.Cutoffs, DivValue: c.DivValue}, nil, 1)
			// Every parameter has a PyTorch tensor of the same name and size.
			if len(m.Params()) != len(c.Params) {
				t.Fatalf("%d parameters, PyTorch state_dict has %d", len(m.Params()), len(c.Params))
			}
			for _, p := range m.Params() {
				d, ok := c.Params[p.Name]
				if !ok || len(d) != p.Size() {
					t.Fatalf("parameter %s (%d values): PyTorch has %d (present %v)", p.Name, p.Size(), len(d), ok)
				}
				copy(p.Data, d)
			}
			st := m.NewState(c.B)
			copy(st.H, c.H0)
			copy(st.C, c.C0)
			nn.ZeroGrads(m.Params())
			loss, err := m.TrainChunk(c.X, c.Y, c.T, c.B, st, 0)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(loss-c.Loss) > 1e-5*math.Max(1, math.Abs(c.Loss)) {
				t.Errorf("loss %.7f, PyTorch %.7f", loss, c.Loss)
			}
			near := func(what string, got, want []float32) {
				t.Helper()
				if len(got) != len(want) {
					t.Errorf("%s: %d values, want %d", what, len(got), len(want))
					return
				}
				for i := range got {
					if d := math.Abs(float64(got[i] - want[i])); d > 1e-5+1e-4*math.Abs(float64(want[i])) {
						t.Errorf("%s[%d] = %.7g, PyTorch %.7g", what, i, got[i], want[i])
						return
					}
				}
			}
			near("hN", st.H, c.HN)
			if c.Cell == "lstm" {
				near("cN", st.C, c.CN)
			}
			for _, p := range m.Params() {
				near(p.Name+".grad", p.Grad, c.Grads[p.Name])
			}
		})
	}
}
