package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBatchStepperStepTable checks that StepTable, reading the input
// projections in place from a table by id, gives Step's (every row from
// the table) and StepMixed's (alternate rows from x) states bit for bit,
// with float32 and int8 products, for every cell; and that it rejects bad
// ids and arguments.
func TestBatchStepperStepTable(t *testing.T) {
	const I, H, N, Cap = 5, 20, 11, 8
	for _, cell := range []string{"rnn_tanh", "rnn_relu", "lstm", "gru"} {
		for _, int8 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/int8=%v", cell, int8), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, 9))
				r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: 2})
				r.SetTraining(false)
				s := batchStepperFor(t, r, Cap, int8)
				rows := make([]float32, N*I)
				for i := range rows {
					rows[i] = float32(rng.NormFloat64())
				}
				table, err := s.InputProjections(rows, N)
				if err != nil {
					t.Fatal(err)
				}
				GH := len(table) / N
				for _, B := range []int{Cap, 3, 1} {
					ids := make([]int32, B)
					x, gi0 := make([]float32, B*I), make([]float32, B*GH)
					from := make([]bool, B)
					for b := range B {
						ids[b] = int32(rng.IntN(N))
						copy(x[b*I:(b+1)*I], rows[int(ids[b])*I:])
						copy(gi0[b*GH:(b+1)*GH], table[int(ids[b])*GH:])
						from[b] = b%2 == 0
					}
					h, c := make([]float32, 2*B*H), make([]float32, 2*B*H)
					for i := range h {
						h[i], c[i] = float32(rng.NormFloat64())*0.5, float32(rng.NormFloat64())*0.5
					}
					if cell != "lstm" {
						c = nil
					}
					for _, mixed := range []bool{false, true} {
						hw, cw := slices.Clone(h), slices.Clone(c)
						hg, cg := slices.Clone(h), slices.Clone(c)
						var errW, errG error
						if mixed {
							_, errW = s.StepMixed(B, x, gi0, from, hw, cw)
							_, errG = s.StepTable(B, table, ids, x, from, hg, cg)
						} else {
							_, errW = s.Step(B, nil, gi0, hw, cw)
							_, errG = s.StepTable(B, table, ids, nil, nil, hg, cg)
						}
						if errW != nil || errG != nil {
							t.Fatal(errW, errG)
						}
						for i := range hw {
							if math.Float32bits(hg[i]) != math.Float32bits(hw[i]) || c != nil && math.Float32bits(cg[i]) != math.Float32bits(cw[i]) {
								t.Fatalf("B=%d mixed=%v: state %d: StepTable h %v c %v, gathered %v %v", B, mixed, i, hg[i], cg, hw[i], cw)
							}
						}
						if slices.Equal(hg, h) {
							t.Fatalf("B=%d mixed=%v: the state did not change", B, mixed)
						}
					}
				}
				h, c := make([]float32, 2*2*H), make([]float32, 2*2*H)
				for _, bad := range []struct {
					name string
					ids  []int32
					x    []float32
					from []bool
				}{
					{"id past the table", []int32{0, N}, nil, nil},
					{"negative id", []int32{-1, 0}, nil, nil},
					{"one id for two rows", []int32{0}, nil, nil},
					{"row flags without x", []int32{0, 1}, nil, []bool{true, false}},
					{"one row flag for two rows", []int32{0, 1}, make([]float32, 2*I), []bool{true}},
				} {
					if _, err := s.StepTable(2, table, bad.ids, bad.x, bad.from, h, c); err == nil {
						t.Errorf("StepTable with %s accepted", bad.name)
					}
				}
				if _, err := s.StepTable(2, table[:GH+1], []int32{0, 0}, nil, nil, h, c); err == nil {
					t.Error("StepTable with a partial table row accepted")
				}
				// An id past the table in a row that reads x is not used.
				if _, err := s.StepTable(2, table, []int32{0, 1 << 30}, make([]float32, 2*I), []bool{true, false}, h, c); err != nil {
					t.Errorf("StepTable rejected the unused id of an x row: %v", err)
				}
			})
		}
	}
}
