package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/tensor"
)

// stepClose reports whether got and want agree within tol relative to
// (1 + |want|).
func stepClose(got, want []float32, tol float64) (int, bool) {
	for i := range want {
		if math.Abs(float64(got[i])-float64(want[i])) > tol*(1+math.Abs(float64(want[i]))) {
			return i, false
		}
	}
	return 0, len(got) == len(want)
}

// TestStepperMatchesForward runs the same random sequence through
// RNN.Forward one step at a time (T = B = 1, state carried) and through a
// Stepper, for every cell, one and three layers, with and without biases,
// with a hidden size that does not split evenly over the goroutines, and
// with the first layer's input from x or from a precomputed table.
func TestStepperMatchesForward(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const I, H, T, V = 7, 72, 6, 5 // H: three parts of a step, the last short
	for _, cell := range rnnAllCells {
		for _, c := range []struct {
			layers, threads int
			noBias, table   bool
		}{{1, 1, false, false}, {3, 1, false, true}, {3, 2, false, false}, {3, 3, true, true}, {2, 2, false, true}} {
			name := fmt.Sprintf("%s/L%d/threads%d/nobias=%v/table=%v", cell, c.layers, c.threads, c.noBias, c.table)
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, uint64(c.layers)))
				r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: c.layers, NoBias: c.noBias, Dropout: 0.5})
				r.SetTraining(false)
				s, err := r.NewStepper(c.threads)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if want := min(c.threads, (H+stepUnits-1)/stepUnits); s.Threads() != want {
					t.Fatalf("Threads() = %d, want %d", s.Threads(), want)
				}
				emb := rnnRandom(rng, V*I, 1)
				if c.table {
					if err := s.SetInputTable(emb, V); err != nil {
						t.Fatal(err)
					}
				}
				// A non-zero initial state.
				h0 := rnnRandom(rng, c.layers*H, 0.5)
				var c0 []float32
				if r.Cell() == CellLSTM {
					c0 = rnnRandom(rng, c.layers*H, 0.5)
				}
				if err := s.Reset(h0, c0); err != nil {
					t.Fatal(err)
				}
				h, cs := rnnClone(h0), rnnClone(c0)
				for step := range T {
					id := rng.IntN(V)
					x := emb[id*I : (id+1)*I]
					out, hN, cN, err := r.Forward(x, 1, 1, nil, h, cs)
					if err != nil {
						t.Fatal(err)
					}
					h, cs = rnnClone(hN), rnnClone(cN)
					var got []float32
					if c.table {
						got, err = s.StepRow(id)
					} else {
						got, err = s.Step(x)
					}
					if err != nil {
						t.Fatal(err)
					}
					if i, ok := stepClose(got, out, 1e-5); !ok {
						t.Fatalf("step %d: output[%d] = %v, Forward gives %v", step, i, got[i], out[i])
					}
					sh, sc := s.State()
					if i, ok := stepClose(sh, h, 1e-5); !ok {
						t.Fatalf("step %d: h[%d] = %v, Forward gives %v", step, i, sh[i], h[i])
					}
					if i, ok := stepClose(sc, cs, 1e-5); !ok {
						t.Fatalf("step %d: c[%d] = %v, Forward gives %v", step, i, sc[i], cs[i])
					}
				}
			})
		}
	}
}

// TestStepperSequence checks a whole sequence against one Forward over
// T steps from a zero state, and that Reset(nil, nil) starts over.
func TestStepperSequence(t *testing.T) {
	const I, H, T = 5, 64, 20
	for _, cell := range rnnAllCells {
		rng := rand.New(rand.NewPCG(11, 12))
		r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: 2})
		x := rnnRandom(rng, T*I, 1)
		out, _, _, err := r.Forward(x, T, 1, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := mustStepper(t, r, 2)
		for pass := range 2 {
			if err := s.Reset(nil, nil); err != nil {
				t.Fatal(err)
			}
			for step := range T {
				got, err := s.Step(x[step*I : (step+1)*I])
				if err != nil {
					t.Fatal(err)
				}
				if i, ok := stepClose(got, out[step*H:(step+1)*H], 1e-5); !ok {
					t.Fatalf("%s pass %d step %d: output[%d] = %v, Forward gives %v", cell, pass, step, i, got[i], out[step*H+i])
				}
			}
		}
		s.Close()
		s.Close()
	}
}

func TestStepperErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	bi := mustRNN(t, rng, RNNConfig{Cell: "gru", InputSize: 3, HiddenSize: 4, NumLayers: 1, Bidirectional: true})
	if _, err := bi.NewStepper(1); err == nil {
		t.Error("NewStepper of a bidirectional RNN: no error")
	}
	gru := mustRNN(t, rng, RNNConfig{Cell: "gru", InputSize: 3, HiddenSize: 4, NumLayers: 2})
	s := mustStepper(t, gru, 1)
	defer s.Close()
	for name, err := range map[string]error{
		"short input":  func() error { _, err := s.Step(make([]float32, 2)); return err }(),
		"no table":     func() error { _, err := s.StepRow(0); return err }(),
		"short h0":     s.Reset(make([]float32, 7), nil),
		"c0 for a GRU": s.Reset(nil, make([]float32, 8)),
		"ragged table": s.SetInputTable(make([]float32, 10), 3),
		"empty table":  s.SetInputTable(make([]float32, 0), 0),
		"row out of range": func() error {
			if err := s.SetInputTable(make([]float32, 9), 3); err != nil {
				return nil
			}
			_, err := s.StepRow(3)
			return err
		}(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestStepperNoAlloc: a step allocates nothing, with float32 and with
// int8 products, from an input vector and from a table row.
func TestStepperNoAlloc(t *testing.T) {
	for _, int8 := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, cell := range rnnAllCells {
			r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: 32, HiddenSize: 64, NumLayers: 2})
			s := mustStepper(t, r, 2)
			if int8 {
				if err := s.SetInt8(true); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.SetInputTable(rnnRandom(rng, 4*32, 1), 4); err != nil {
				t.Fatal(err)
			}
			x := rnnRandom(rng, 32, 1)
			if n := testing.AllocsPerRun(20, func() {
				if _, err := s.Step(x); err != nil {
					t.Fatal(err)
				}
				if _, err := s.StepRow(1); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("%s int8=%v: a step allocates %v times", cell, int8, n)
			}
			s.Close()
		}
	}
}

// BenchmarkStepper is one batch-1 step of a 2-layer H=512 cell with the
// first layer's input from a table, as in character-level sampling. With
// two goroutines the stepper may run steps alone (see Stepper.run), so
// the threads2 figure is the better of the two ways on this machine now.
func BenchmarkStepper(b *testing.B) { benchStepper(b, false) }

// BenchmarkStepperInt8 is BenchmarkStepper with int8 products.
func BenchmarkStepperInt8(b *testing.B) { benchStepper(b, true) }

func benchStepper(b *testing.B, int8 bool) {
	for _, cell := range []string{"lstm", "gru"} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads%d", cell, threads), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				r := mustRNN(b, rng, RNNConfig{Cell: cell, InputSize: 512, HiddenSize: 512, NumLayers: 2})
				s := mustStepper(b, r, threads)
				defer s.Close()
				if err := s.SetInputTable(rnnRandom(rng, 65*512, 1), 65); err != nil {
					b.Fatal(err)
				}
				// Weights read per step: W_hh of layer 0 (its W_ih is
				// in the table), W_ih and W_hh of layer 1; MB/s is the
				// bandwidth reached.
				GH := r.Cell().Gates() * 512
				bytes := int64(4 * GH * 512 * 3)
				if int8 {
					if err := s.SetInt8(true); err != nil {
						b.Fatal(err)
					}
					bytes = int64(s.Int8Bytes()) - int64(r.dirs[0].wih.Size())
				}
				b.SetBytes(bytes)
				i := 0
				for b.Loop() {
					if _, err := s.StepRow(i % 65); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// TestStepperTableRebuild changes the first layer's input weights, the
// bias and the table rows between SetInputTable calls: each call must
// give projections of the current values, and StepRow must agree with
// Step on the same row.
func TestStepperTableRebuild(t *testing.T) {
	const I, H, V = 6, 32, 4
	rng := rand.New(rand.NewPCG(21, 22))
	r := mustRNN(t, rng, RNNConfig{Cell: "lstm", InputSize: I, HiddenSize: H, NumLayers: 2})
	s := mustStepper(t, r, 2)
	defer s.Close()
	emb := rnnRandom(rng, V*I, 1)
	wih, bih := r.Params()[0], r.Params()[2]
	for change, f := range []func(){
		func() {},
		func() { wih.Data[5] += 0.5 },
		func() { bih.Data[H+1] -= 0.5 },
		func() { emb[2*I+1] += 0.5 },
		func() {}, // unchanged: the snapshot must still be right
	} {
		f()
		if err := s.SetInputTable(emb, V); err != nil {
			t.Fatal(err)
		}
		for id := range V {
			if err := s.Reset(nil, nil); err != nil {
				t.Fatal(err)
			}
			got, err := s.StepRow(id)
			if err != nil {
				t.Fatal(err)
			}
			got = rnnClone(got)
			if err := s.Reset(nil, nil); err != nil {
				t.Fatal(err)
			}
			want, err := s.Step(emb[id*I : (id+1)*I])
			if err != nil {
				t.Fatal(err)
			}
			if i, ok := stepClose(got, want, 1e-5); !ok {
				t.Fatalf("change %d, row %d: StepRow output[%d] = %v, Step gives %v", change, id, i, got[i], want[i])
			}
		}
	}
}

// TestStepperTeamSameAsAlone runs a 2-goroutine stepper past its first
// probes of team and caller-alone steps (and so through both ways of
// running a step) beside a 1-goroutine one: the outputs must be
// identical, bit for bit, since the same parts do the same arithmetic
// whichever goroutine runs them.
func TestStepperTeamSameAsAlone(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const I, H, T = 8, 96, 3 * probeSteps
	for _, cell := range []string{"lstm", "gru_cho"} {
		rng := rand.New(rand.NewPCG(31, 32))
		r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: 2})
		one := mustStepper(t, r, 1)
		two := mustStepper(t, r, 2)
		if two.Threads() != 2 {
			t.Fatalf("%d goroutines, want 2", two.Threads())
		}
		x := rnnRandom(rng, T*I, 1)
		for step := range T {
			a, err := one.Step(x[step*I : (step+1)*I])
			if err != nil {
				t.Fatal(err)
			}
			b, err := two.Step(x[step*I : (step+1)*I])
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a, b) {
				t.Fatalf("%s step %d: outputs differ", cell, step)
			}
		}
		one.Close()
		two.Close()
	}
}

// mustStepper returns r.NewStepper(threads), failing the test or
// benchmark on error; the caller closes it.
func mustStepper(tb testing.TB, r *RNN, threads int) *Stepper {
	tb.Helper()
	s, err := r.NewStepper(threads)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestCellUpdateLSTM checks the LSTM update against a scalar reference
// with every operation rounded on its own (tensor's activations on
// gi + gh, then c = f*c + i*g and h = o*tanh(c)), bit for bit, over a part
// of the units, with out aliasing hp; and that gi is only read.
func TestCellUpdateLSTM(t *testing.T) {
	const H, lo, hi = 37, 3, 30
	rng := rand.New(rand.NewPCG(3, 9))
	gi, gh, c := make([]float32, 4*H), make([]float32, 4*H), make([]float32, H)
	for i := range gi {
		gi[i], gh[i] = float32(rng.NormFloat64())*3, float32(rng.NormFloat64())*3
	}
	for i := range c {
		c[i] = float32(rng.NormFloat64())
	}
	gi0, gh0, c0 := slices.Clone(gi), slices.Clone(gh), slices.Clone(c)
	h := make([]float32, H)
	cellUpdate(CellLSTM, gi, gh, H, lo, hi, h[lo:hi], c[lo:hi], h[lo:hi])
	if !slices.Equal(gi, gi0) {
		t.Error("the LSTM update wrote gi")
	}
	act := make([]float32, 4*H)
	tensor.Add(act, gi0, gh0)
	for g := range 4 {
		if g == 2 {
			tensor.Tanh(act[g*H:(g+1)*H], act[g*H:(g+1)*H])
		} else {
			tensor.Sigmoid(act[g*H:(g+1)*H], act[g*H:(g+1)*H])
		}
	}
	for j := range H {
		wc, wh := c0[j], float32(0)
		if j >= lo && j < hi {
			fc, ig := float32(act[H+j]*c0[j]), float32(act[j]*act[2*H+j])
			wc = fc + ig
			th := []float32{wc}
			tensor.Tanh(th, th)
			wh = float32(th[0] * act[3*H+j])
		}
		if math.Float32bits(c[j]) != math.Float32bits(wc) || math.Float32bits(h[j]) != math.Float32bits(wh) {
			t.Fatalf("unit %d: c %v h %v, reference %v %v", j, c[j], h[j], wc, wh)
		}
	}
}

// TestStepperStartsTeamWhenShared: steppers that only step serially
// (SetSerial, as a server's generation loops do while several have work)
// start no goroutines; the first shared step starts the team, and Close
// stops it.
func TestStepperStartsTeamWhenShared(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	rng := rand.New(rand.NewPCG(41, 42))
	r := mustRNN(t, rng, RNNConfig{Cell: "lstm", InputSize: 8, HiddenSize: 96, NumLayers: 2})
	r.SetTraining(false)
	x := rnnRandom(rng, 8, 1)
	members := func() int { return testutil.Goroutines("github.com/recurrent-go/recurrent/tensor.NewTeam") }
	before := members()
	var ss []*Stepper
	for range 8 {
		s := mustStepper(t, r, 3)
		s.SetSerial(true)
		if _, err := s.Step(x); err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	if n := members() - before; n > 0 || ss[0].team != nil {
		t.Errorf("8 serial steppers of 3 threads started %d goroutines", n)
	}
	s := ss[0]
	s.SetSerial(false)
	if _, err := s.Step(x); err != nil {
		t.Fatal(err)
	}
	if s.team == nil || s.team.Size() != 3 {
		t.Fatalf("a shared step on 3 threads: team %v", s.team)
	}
	for _, s := range ss {
		s.Close()
	}
}
