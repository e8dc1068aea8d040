package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// int8Weights replaces every W_ih and W_hh of r by its int8 rounding
// (dequantized), so that the int8 stepper's weights are those exactly.
func int8Weights(t testing.TB, r *RNN) {
	t.Helper()
	for _, dir := range r.dirs {
		for _, p := range []*Param{dir.wih, dir.whh} {
			m, err := tensor.QuantizeInt8(p.Data, p.Shape[0], p.Shape[1], p.Shape[1])
			if err != nil {
				t.Fatal(err)
			}
			m.Dequantize(p.Data)
		}
	}
}

// int8Exact returns n values k/128 with integer k in [-127, 127], one of
// them at +-127/128: a vector whose int8 quantization loses nothing
// (scale 1/128 exactly).
func int8Exact(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.IntN(255)-127) / 128
	}
	v[rng.IntN(n)] = -127.0 / 128
	return v
}

// TestStepperInt8Exact gives the int8 stepper weights, input and state
// that quantize without loss, so that its step must match RNN.Forward up
// to float32 rounding: the integer products, their scales, the biases and
// the gate arithmetic are all checked, for every cell, with the step
// split over goroutines and a last part shorter than the others.
// (GRU-Cho's r*h is quantized with loss; its check is looser.)
func TestStepperInt8Exact(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const I, H = 7, 72
	for _, cell := range rnnAllCells {
		for _, threads := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/threads%d", cell, threads), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(21, uint64(threads)))
				r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: 1})
				r.SetTraining(false)
				int8Weights(t, r)
				s := mustStepper(t, r, threads)
				defer s.Close()
				if err := s.SetInt8(true); err != nil {
					t.Fatal(err)
				}
				if !s.Int8() || s.Int8Bytes() == 0 {
					t.Fatalf("Int8() = %v, Int8Bytes() = %d after SetInt8(true)", s.Int8(), s.Int8Bytes())
				}
				h0, x := int8Exact(rng, H), int8Exact(rng, I)
				var c0 []float32
				if r.Cell() == CellLSTM {
					c0 = rnnRandom(rng, H, 0.5)
				}
				if err := s.Reset(h0, c0); err != nil {
					t.Fatal(err)
				}
				want, _, _, err := r.Forward(x, 1, 1, nil, h0, c0)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Step(x)
				if err != nil {
					t.Fatal(err)
				}
				tol := 2e-6
				if r.Cell() == CellGRUCho {
					tol = 2e-2
				}
				if i, ok := stepClose(got, want, tol); !ok {
					t.Fatalf("output[%d] = %v, Forward gives %v", i, got[i], want[i])
				}
			})
		}
	}
}

// TestStepperInt8Sequence runs 2-layer RNNs of every cell for many steps
// with int8 and with float32 products: the int8 states stay close to the
// float32 ones (quantization errors do not grow), thread counts give
// bit-identical results, Int8Output holds the quantized output, and
// SetInt8(false) returns to float32 exactly.
func TestStepperInt8Sequence(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const I, H, T, V = 16, 72, 40, 9
	for _, cell := range rnnAllCells {
		t.Run(cell, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, 32))
			r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: 2})
			r.SetTraining(false)
			emb := rnnRandom(rng, V*I, 1)
			ids := make([]int, T)
			for i := range ids {
				ids[i] = rng.IntN(V)
			}
			// The identity, to read Int8Output back: row i picks element i.
			eye := make([]float32, H*H)
			for i := range H {
				eye[i*H+i] = 1
			}
			id8, err := tensor.QuantizeInt8(eye, H, H, H)
			if err != nil {
				t.Fatal(err)
			}
			run := func(threads int, int8, table bool) [][]float32 {
				s := mustStepper(t, r, threads)
				defer s.Close()
				if table {
					if err := s.SetInputTable(emb, V); err != nil {
						t.Fatal(err)
					}
				}
				if int8 {
					if err := s.SetInt8(true); err != nil {
						t.Fatal(err)
					}
				}
				var outs [][]float32
				back := make([]float32, H)
				for _, id := range ids {
					var h []float32
					if table {
						h, err = s.StepRow(id)
					} else {
						h, err = s.Step(emb[id*I : (id+1)*I])
					}
					if err != nil {
						t.Fatal(err)
					}
					if int8 {
						x, b := s.Int8Output()
						id8.MulVec(0, x, b, back)
						sx := x.Scale(b)
						for j := range H {
							if math.Abs(float64(back[j]-h[j])) > float64(sx)*0.5001 {
								t.Fatalf("Int8Output element %d: %v, output %v (scale %v)", j, back[j], h[j], sx)
							}
						}
					}
					outs = append(outs, append([]float32(nil), h...))
				}
				if int8 {
					// Back to float32: the same as a float32 stepper.
					if err := s.SetInt8(false); err != nil {
						t.Fatal(err)
					}
					if x, _ := s.Int8Output(); x != nil || s.Int8() {
						t.Fatal("SetInt8(false) left int8 on")
					}
				}
				return outs
			}
			ref := run(1, false, true)
			got := run(1, true, true)
			var worst float64
			for step := range got {
				for j := range H {
					worst = max(worst, math.Abs(float64(got[step][j]-ref[step][j])))
				}
			}
			if worst > 0.03 {
				t.Fatalf("int8 states differ from float32 ones by up to %g", worst)
			}
			if worst == 0 {
				t.Fatal("int8 states equal the float32 ones: nothing was quantized")
			}
			t.Logf("largest state difference int8 - float32: %.4g", worst)
			// The same parts in the same order on any number of
			// goroutines: identical results. (With a table the first
			// layer's input projection is the float32 one, so the two
			// ways differ slightly.)
			noTable := run(1, true, false)
			for _, c := range []struct {
				threads int
				table   bool
			}{{3, true}, {2, false}} {
				other, want := run(c.threads, true, c.table), got
				if !c.table {
					want = noTable
				}
				for step := range other {
					for j := range H {
						if math.Float32bits(other[step][j]) != math.Float32bits(want[step][j]) {
							t.Fatalf("threads %d table %v: step %d h[%d] = %v, on one goroutine %v", c.threads, c.table, step, j, other[step][j], want[step][j])
						}
					}
				}
			}
		})
	}
}

func TestStepperInt8Errors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	r := mustRNN(t, rng, RNNConfig{Cell: "lstm", InputSize: 3, HiddenSize: 4, NumLayers: 2})
	r.dirs[1].whh.Data[5] = float32(math.NaN())
	s := mustStepper(t, r, 1)
	defer s.Close()
	if err := s.SetInt8(true); err == nil || s.Int8() {
		t.Fatalf("SetInt8 with a NaN weight: err %v, Int8() %v", err, s.Int8())
	}
}
