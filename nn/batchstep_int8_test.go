package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// TestBatchStepperInt8MatchesStepper steps up to 16 rows, each with its
// own state, through an int8 BatchStepper, with the batch shrinking and
// growing between steps, and checks every row bit for bit against a lone
// int8 Stepper (one and two goroutines) stepping that row alone: outputs,
// states, and the quantized output the decoder multiplies. It also checks
// the int8 step stays close to the float32 RNN.Forward.
func TestBatchStepperInt8MatchesStepper(t *testing.T) {
	const I, H, Cap, N = 5, 72, 16, 7 // N rows of the input table
	for _, cell := range []string{"rnn_tanh", "rnn_relu", "lstm", "gru"} {
		for _, c := range []struct {
			layers               int
			noBias, table, mixed bool // mixed: odd rows from x, even rows from the table (StepMixed)
		}{{1, false, false, false}, {2, false, true, false}, {2, true, false, false}, {2, false, false, true}} {
			t.Run(fmt.Sprintf("%s/L%d/nobias=%v/table=%v/mixed=%v", cell, c.layers, c.noBias, c.table, c.mixed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, uint64(c.layers)))
				r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: c.layers, NoBias: c.noBias})
				r.SetTraining(false)
				s, err := r.NewBatchStepper(Cap)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.SetInt8(true); err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				L := c.layers
				rows := make([]float32, N*I)
				for i := range rows {
					rows[i] = float32(rng.NormFloat64())
				}
				var lone []*Stepper
				for _, threads := range []int{1, 2} {
					st, err := r.NewStepper(threads)
					if err != nil {
						t.Fatal(err)
					}
					defer st.Close()
					if err := st.SetInt8(true); err != nil {
						t.Fatal(err)
					}
					if err := st.SetInputTable(rows, N); err != nil {
						t.Fatal(err)
					}
					lone = append(lone, st)
				}
				table, err := s.InputProjections(rows, N)
				if err != nil {
					t.Fatal(err)
				}
				GH := len(table) / N
				for step, B := range []int{16, 9, 16, 1, 13} {
					h, cs := make([]float32, L*B*H), make([]float32, L*B*H)
					for i := range h {
						h[i], cs[i] = float32(rng.NormFloat64())*0.5, float32(rng.NormFloat64())*0.5
					}
					if cell != "lstm" {
						cs = nil
					}
					h0 := append([]float32(nil), h...)
					c0 := append([]float32(nil), cs...)
					ids := make([]int, B)
					x := make([]float32, B*I)
					gi0 := make([]float32, B*GH)
					for b := range B {
						ids[b] = rng.IntN(N)
						copy(x[b*I:(b+1)*I], rows[ids[b]*I:])
						copy(gi0[b*GH:(b+1)*GH], table[ids[b]*GH:])
					}
					var want []float32
					fromTable := make([]bool, B)
					for b := range B {
						fromTable[b] = c.table || (c.mixed && b%2 == 0)
					}
					switch {
					case c.mixed:
						_, err = s.StepMixed(B, x, gi0, fromTable, h, cs)
					case !c.table:
						want, _, _, err = r.Forward(x, 1, B, nil, h0, c0)
						if err != nil {
							t.Fatal(err)
						}
						_, err = s.Step(B, x, nil, h, cs)
					default:
						_, err = s.Step(B, nil, gi0, h, cs)
					}
					if err != nil {
						t.Fatal(err)
					}
					out := s.Int8Output()
					for _, st := range lone {
						for b := range B {
							hb, cb := make([]float32, L*H), []float32(nil)
							for l := range L {
								copy(hb[l*H:(l+1)*H], h0[l*B*H+b*H:])
							}
							if cs != nil {
								cb = make([]float32, L*H)
								for l := range L {
									copy(cb[l*H:(l+1)*H], c0[l*B*H+b*H:])
								}
							}
							if err := st.Reset(hb, cb); err != nil {
								t.Fatal(err)
							}
							if fromTable[b] {
								_, err = st.StepRow(ids[b])
							} else {
								_, err = st.Step(x[b*I : (b+1)*I])
							}
							if err != nil {
								t.Fatal(err)
							}
							sh, sc := st.State()
							for l := range L {
								for j := range H {
									if got, w := h[l*B*H+b*H+j], sh[l*H+j]; math.Float32bits(got) != math.Float32bits(w) {
										t.Fatalf("step %d B=%d threads %d: row %d h[%d][%d] = %v, alone %v", step, B, st.Threads(), b, l, j, got, w)
									}
									if cs != nil {
										if got, w := cs[l*B*H+b*H+j], sc[l*H+j]; math.Float32bits(got) != math.Float32bits(w) {
											t.Fatalf("step %d B=%d: row %d c[%d][%d] = %v, alone %v", step, B, b, l, j, got, w)
										}
									}
								}
							}
							xq, v := st.Int8Output()
							if out.Scale(b) != xq.Scale(v) {
								t.Fatalf("step %d: row %d output scale %v, alone %v", step, b, out.Scale(b), xq.Scale(v))
							}
						}
					}
					if want != nil {
						got := h[(L-1)*B*H:]
						for i := range want {
							if math.Abs(float64(got[i]-want[i])) > 0.05 {
								t.Fatalf("step %d: output %d = %v, float32 Forward %v", step, i, got[i], want[i])
							}
						}
					}
				}
			})
		}
	}
}

// TestBatchStepperInt8NoAlloc checks that an int8 batched step allocates
// nothing, on one goroutine and on two.
func TestBatchStepperInt8NoAlloc(t *testing.T) {
	old := tensor.Threads()
	defer tensor.SetThreads(old)
	for _, threads := range []int{1, 2} {
		tensor.SetThreads(threads)
		rng := rand.New(rand.NewPCG(1, 2))
		r := mustRNN(t, rng, RNNConfig{Cell: "lstm", InputSize: 8, HiddenSize: 64, NumLayers: 2})
		r.SetTraining(false)
		s, err := r.NewBatchStepper(16)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetInt8(true); err != nil {
			t.Fatal(err)
		}
		x, h, c := make([]float32, 16*8), make([]float32, 2*16*64), make([]float32, 2*16*64)
		if a := testing.AllocsPerRun(20, func() {
			if _, err := s.Step(16, x, nil, h, c); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("threads %d: an int8 batched step allocates %v times", threads, a)
		}
		s.Close()
	}
}

// TestBatchStepperMixedFloat32 checks StepMixed on a float32 stepper:
// rows from the table and rows from x give RNN.Forward's outputs, and
// StepMixed rejects missing inputs.
func TestBatchStepperMixedFloat32(t *testing.T) {
	const I, H, B = 6, 24, 5
	rng := rand.New(rand.NewPCG(2, 3))
	r := mustRNN(t, rng, RNNConfig{Cell: "lstm", InputSize: I, HiddenSize: H, NumLayers: 2})
	r.SetTraining(false)
	s, err := r.NewBatchStepper(B)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, B*I)
	h, c := make([]float32, 2*B*H), make([]float32, 2*B*H)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for i := range h {
		h[i], c[i] = float32(rng.NormFloat64())*0.5, float32(rng.NormFloat64())*0.5
	}
	want, _, _, err := r.Forward(x, 1, B, nil, h, c)
	gi0, err2 := s.InputProjections(x, B)
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	x2 := slices.Clone(x)
	gi2 := slices.Clone(gi0)
	from := []bool{true, false, true, true, false}
	for b, tb := range from { // the unused form of each row is garbage
		if tb {
			clear(x2[b*I : (b+1)*I])
		} else {
			clear(gi2[b*len(gi0)/B : (b+1)*len(gi0)/B])
		}
	}
	got, err := s.StepMixed(B, x2, gi2, from, h, c)
	if err != nil {
		t.Fatal(err)
	}
	if i, ok := stepClose(got, want, 1e-5); !ok {
		t.Fatalf("output %d = %v, Forward %v", i, got[i], want[i])
	}
	if _, err := s.StepMixed(B, nil, gi0, from, h, c); err == nil {
		t.Error("StepMixed without x accepted")
	}
	if _, err := s.StepMixed(B, x, gi0, from[:2], h, c); err == nil {
		t.Error("StepMixed with 2 flags for 5 rows accepted")
	}
}

// TestBatchStepperTwin steps the rows of a batch in two parts on a twin
// and a sibling of a stepper, at once on two goroutines, and checks the
// states against the stepper's own step of the whole batch: bit for bit
// with int8 products, within float32 rounding without. Both share the
// weights (no second copy); the sibling shares its steps among
// goroutines of its own, and the twin's int8 step allocates nothing.
func TestBatchStepperTwin(t *testing.T) {
	const I, H, B, L = 6, 40, 11, 2
	for _, int8 := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(5, 6))
		r := mustRNN(t, rng, RNNConfig{Cell: "lstm", InputSize: I, HiddenSize: H, NumLayers: L})
		r.SetTraining(false)
		s := batchStepperFor(t, r, B, int8)
		if _, err := s.Twin(0); err == nil {
			t.Error("a twin of capacity 0 accepted")
		}
		cut := []int{0, 5, B}
		var twins []*BatchStepper
		for p, newTwin := range []func(int) (*BatchStepper, error){s.Twin, s.Sibling} {
			tw, err := newTwin(cut[p+1] - cut[p])
			if err != nil {
				t.Fatal(err)
			}
			defer tw.Close()
			if tw.Int8() != int8 || (int8 && tw.q.wih[0] != s.q.wih[0]) || &tw.whh[0] != &s.whh[0] {
				t.Fatal("the twin does not share the stepper's weights")
			}
			twins = append(twins, tw)
		}
		x := make([]float32, B*I)
		h, c := make([]float32, L*B*H), make([]float32, L*B*H)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range h {
			h[i], c[i] = float32(rng.NormFloat64())*0.5, float32(rng.NormFloat64())*0.5
		}
		// The parts' rows, [L, n, H] each, from the whole batch's.
		part := func(v []float32, p int) []float32 {
			n := cut[p+1] - cut[p]
			out := make([]float32, 0, L*n*H)
			for l := range L {
				out = append(out, v[l*B*H+cut[p]*H:l*B*H+cut[p+1]*H]...)
			}
			return out
		}
		ph, pc := [][]float32{part(h, 0), part(h, 1)}, [][]float32{part(c, 0), part(c, 1)}
		for step := range 3 {
			if _, err := s.Step(B, x, nil, h, c); err != nil {
				t.Fatal(err)
			}
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for p, tw := range twins {
				wg.Go(func() {
					_, errs[p] = tw.Step(cut[p+1]-cut[p], x[cut[p]*I:cut[p+1]*I], nil, ph[p], pc[p])
				})
			}
			wg.Wait()
			for p := range 2 {
				if errs[p] != nil {
					t.Fatal(errs[p])
				}
				for _, v := range [][2][]float32{{ph[p], part(h, p)}, {pc[p], part(c, p)}} {
					for i := range v[0] {
						got, want := v[0][i], v[1][i]
						if int8 && math.Float32bits(got) != math.Float32bits(want) || !int8 && math.Abs(float64(got-want)) > 1e-5 {
							t.Fatalf("int8 %v step %d part %d: state %d = %v, whole batch %v", int8, step, p, i, got, want)
						}
					}
				}
			}
		}
		// The sibling's int8 steps were shared (its team started at the
		// first), the twin's ran on the calling goroutine.
		if int8 && tensor.Threads() > 1 && (twins[1].q.team == nil || twins[0].q.team != nil) {
			t.Errorf("int8 teams: twin %v, sibling %v; want none and one", twins[0].q.team, twins[1].q.team)
		}
		if int8 {
			xp, hp, cp := x[:5*I], ph[0], pc[0]
			if a := testing.AllocsPerRun(10, func() {
				if _, err := twins[0].Step(5, xp, nil, hp, cp); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("an int8 twin's step allocates %v times", a)
			}
		}
	}
}

// batchStepperFor returns a batch stepper of r for capacity rows, with
// int8 products or not, closed when the test ends.
func batchStepperFor(t *testing.T, r *RNN, capacity int, int8 bool) *BatchStepper {
	t.Helper()
	s, err := r.NewBatchStepper(capacity)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.SetInt8(int8); err != nil {
		t.Fatal(err)
	}
	return s
}
