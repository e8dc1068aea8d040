package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

var rnnAllCells = []string{"rnn_tanh", "rnn_relu", "lstm", "gru", "gru_cho", "gru_minimal"}

// rnnRandom returns n values uniform in [-a, a).
func rnnRandom(rng *rand.Rand, n int, a float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32((2*rng.Float64() - 1) * a)
	}
	return x
}

// rnnDot is sum(x*w) accumulated in float64: as a loss, its gradient
// with respect to x is exactly w.
func rnnDot(x, w []float32) float64 {
	s := 0.0
	for i := range x {
		s += float64(x[i]) * float64(w[i])
	}
	return s
}

// TestRNNGradCheck compares the BPTT gradients of every input with central
// differences, for every cell alone and in the bidirectional, stacked,
// variable-length, dropout combination.
func TestRNNGradCheck(t *testing.T) {
	type tc struct {
		cfg     RNNConfig
		T, B    int
		lengths []int
	}
	var cases []tc
	for _, cell := range rnnAllCells {
		cases = append(cases,
			tc{RNNConfig{Cell: cell, InputSize: 3, HiddenSize: 4, NumLayers: 1}, 4, 2, nil},
			tc{RNNConfig{Cell: cell, InputSize: 3, HiddenSize: 3, NumLayers: 2, Bidirectional: true, Dropout: 0.25}, 5, 3, []int{3, 5, 1}},
		)
	}
	cases = append(cases, tc{RNNConfig{Cell: "lstm", InputSize: 2, HiddenSize: 3, NumLayers: 2, NoBias: true}, 3, 2, []int{2, 3}})
	for i, c := range cases {
		name := fmt.Sprintf("%s/L%d", c.cfg.Cell, c.cfg.NumLayers)
		if c.cfg.Bidirectional {
			name += "/bidir"
		}
		if c.lengths != nil {
			name += "/varlen"
		}
		if c.cfg.NoBias {
			name += "/nobias"
		}
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(i)))
			r, err := NewRNN(c.cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			// Larger weights than the default make the check more telling.
			for _, p := range r.Params() {
				copy(p.Data, rnnRandom(rng, p.Size(), 0.8))
			}
			ss := r.StateShape(c.B)
			ns := ss[0] * ss[1] * ss[2]
			x := rnnRandom(rng, c.T*c.B*c.cfg.InputSize, 1)
			h0 := rnnRandom(rng, ns, 0.5)
			var c0, wc []float32
			if r.Cell() == CellLSTM {
				c0 = rnnRandom(rng, ns, 0.5)
				wc = rnnRandom(rng, ns, 1)
			}
			wo := rnnRandom(rng, c.T*c.B*r.OutputSize(), 1)
			wh := rnnRandom(rng, ns, 1)
			loss := func() float64 {
				r.rng = rand.New(rand.NewPCG(3, 4)) // the same dropout mask every time
				out, hN, cN, err := r.Forward(x, c.T, c.B, c.lengths, h0, c0)
				if err != nil {
					t.Fatal(err)
				}
				l := rnnDot(out, wo) + rnnDot(hN, wh)
				if cN != nil {
					l += rnnDot(cN, wc)
				}
				return l
			}
			loss()
			ZeroGrads(r.Params())
			dx, dh0, dc0, err := r.Backward(wo, wh, wc)
			if err != nil {
				t.Fatal(err)
			}
			dx, dh0, dc0 = append([]float32(nil), dx...), append([]float32(nil), dh0...), append([]float32(nil), dc0...)
			const eps, tol = 2e-3, 3e-3
			for _, p := range r.Params() {
				checkGrad(t, p.Name, p.Grad, numericGrad(loss, p.Data, eps), tol)
			}
			checkGrad(t, "input", dx, numericGrad(loss, x, eps), tol)
			checkGrad(t, "h0", dh0, numericGrad(loss, h0, eps), tol)
			if c0 != nil {
				checkGrad(t, "c0", dc0, numericGrad(loss, c0, eps), tol)
			}
		})
	}
}

// TestRNNTruncatedBPTT: carrying hN/cN into the next chunk reproduces the
// outputs of one long forward pass.
func TestRNNTruncatedBPTT(t *testing.T) {
	const T, B, I, H = 10, 3, 4, 5
	for _, cell := range rnnAllCells {
		t.Run(cell, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: 2})
			x := rnnRandom(rng, T*B*I, 1)
			out, hN, cN, err := r.Forward(x, T, B, nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantOut, wantH, wantC := rnnClone(out), rnnClone(hN), rnnClone(cN)
			var got []float32
			var h, c []float32
			for _, span := range [][2]int{{0, 4}, {4, 10}} {
				n := span[1] - span[0]
				o, hN, cN, err := r.Forward(x[span[0]*B*I:span[1]*B*I], n, B, nil, h, c)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, o...)
				h, c = hN, cN // views of the layer's own buffers: allowed as the next h0, c0
			}
			rnnSame(t, "output", got, wantOut, 1e-6)
			h, c = rnnClone(h), rnnClone(c)
			rnnSame(t, "h_n", h, wantH, 1e-6)
			rnnSame(t, "c_n", c, wantC, 1e-6)
		})
	}
}

func rnnClone(x []float32) []float32 {
	if x == nil {
		return nil
	}
	return append([]float32(nil), x...)
}

func rnnSame(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol) {
			t.Fatalf("%s[%d] = %.7g, want %.7g", name, i, got[i], want[i])
		}
	}
}

// TestRNNVarLenMatchesRows: a padded batch with unsorted lengths gives, for
// each row, the outputs, final states and input gradients of that row run
// alone with its own length; padded outputs and their gradients are zero.
func TestRNNVarLenMatchesRows(t *testing.T) {
	const T, B, I, H = 6, 4, 3, 4
	lengths := []int{4, 6, 1, 3}
	for _, cell := range rnnAllCells {
		t.Run(cell, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			cfg := RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: 2, Bidirectional: true}
			r, err := NewRNN(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			// Serial directions, so that a panic in a kernel surfaces here
			// as a test failure instead of ending the test binary.
			r.SetParallel(false)
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("panic: %v", e)
				}
			}()
			L2 := 2 * 2
			x := rnnRandom(rng, T*B*I, 1)
			h0 := rnnRandom(rng, L2*B*H, 0.5)
			wo := rnnRandom(rng, T*B*2*H, 1)
			out, hN, _, err := r.Forward(x, T, B, lengths, h0, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, hN = rnnClone(out), rnnClone(hN)
			ZeroGrads(r.Params())
			dx, dh0, _, err := r.Backward(wo, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			dx, dh0 = rnnClone(dx), rnnClone(dh0)
			for b, n := range lengths {
				xb := make([]float32, n*I)
				wb := make([]float32, n*2*H)
				for s := 0; s < n; s++ {
					copy(xb[s*I:(s+1)*I], x[(s*B+b)*I:])
					copy(wb[s*2*H:(s+1)*2*H], wo[(s*B+b)*2*H:])
				}
				hb := make([]float32, L2*H)
				for k := 0; k < L2; k++ {
					copy(hb[k*H:(k+1)*H], h0[(k*B+b)*H:])
				}
				ob, hNb, _, err := r.Forward(xb, n, 1, nil, hb, nil)
				if err != nil {
					t.Fatal(err)
				}
				for s := 0; s < T; s++ {
					got := out[(s*B+b)*2*H : (s*B+b+1)*2*H]
					want := make([]float32, 2*H)
					if s < n {
						want = ob[s*2*H : (s+1)*2*H]
					}
					rnnSame(t, t2name("output", b, s), got, want, 1e-6)
				}
				for k := 0; k < L2; k++ {
					rnnSame(t, t2name("h_n", b, k), hN[(k*B+b)*H:(k*B+b+1)*H], hNb[k*H:(k+1)*H], 1e-6)
				}
				dxb, dh0b, _, err := r.Backward(wb, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				for s := 0; s < T; s++ {
					want := make([]float32, I)
					if s < n {
						want = dxb[s*I : (s+1)*I]
					}
					rnnSame(t, t2name("dx", b, s), dx[(s*B+b)*I:(s*B+b+1)*I], want, 1e-5)
				}
				for k := 0; k < L2; k++ {
					rnnSame(t, t2name("dh0", b, k), dh0[(k*B+b)*H:(k*B+b+1)*H], dh0b[k*H:(k+1)*H], 1e-5)
				}
			}
		})
	}
}

// t2name labels a (row, index) comparison.
func t2name(what string, b, i int) string { return fmt.Sprintf("%s row %d at %d", what, b, i) }

// TestRNNBackwardAccumulates: gradients of two Backward calls add up.
func TestRNNBackwardAccumulates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	r := mustRNN(t, rng, RNNConfig{Cell: "gru", InputSize: 2, HiddenSize: 3, NumLayers: 2, Bidirectional: true})
	x := rnnRandom(rng, 4*2*2, 1)
	w := rnnRandom(rng, 4*2*6, 1)
	if _, _, _, err := r.Forward(x, 4, 2, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	ZeroGrads(r.Params())
	if _, _, _, err := r.Backward(w, nil, nil); err != nil {
		t.Fatal(err)
	}
	once := make([][]float32, 0)
	for _, p := range r.Params() {
		once = append(once, rnnClone(p.Grad))
	}
	if _, _, _, err := r.Backward(w, nil, nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range r.Params() {
		for j := range p.Grad {
			if math.Abs(float64(p.Grad[j]-2*once[i][j])) > 1e-5*(1+math.Abs(float64(p.Grad[j]))) {
				t.Fatalf("%s[%d]: %g after two backward passes, want 2*%g", p.Name, j, p.Grad[j], once[i][j])
			}
		}
	}
}

// TestRNNParamsLayout checks PyTorch's names, shapes and order.
func TestRNNParamsLayout(t *testing.T) {
	tests := []struct {
		cfg  RNNConfig
		want string
	}{
		{RNNConfig{Cell: "lstm", InputSize: 3, HiddenSize: 5, NumLayers: 1},
			"weight_ih_l0[20 3] weight_hh_l0[20 5] bias_ih_l0[20] bias_hh_l0[20]"},
		{RNNConfig{Cell: "gru", InputSize: 3, HiddenSize: 2, NumLayers: 2, Bidirectional: true, NoBias: true},
			"weight_ih_l0[6 3] weight_hh_l0[6 2] weight_ih_l0_reverse[6 3] weight_hh_l0_reverse[6 2] " +
				"weight_ih_l1[6 4] weight_hh_l1[6 2] weight_ih_l1_reverse[6 4] weight_hh_l1_reverse[6 2]"},
		{RNNConfig{Cell: "gru_minimal", InputSize: 1, HiddenSize: 2, NumLayers: 1},
			"weight_ih_l0[4 1] weight_hh_l0[4 2] bias_ih_l0[4] bias_hh_l0[4]"},
		{RNNConfig{Cell: "rnn_relu", InputSize: 1, HiddenSize: 2, NumLayers: 1},
			"weight_ih_l0[2 1] weight_hh_l0[2 2] bias_ih_l0[2] bias_hh_l0[2]"},
	}
	for _, tt := range tests {
		r, err := NewRNN(tt.cfg, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		bound := 1 / math.Sqrt(float64(tt.cfg.HiddenSize))
		for _, p := range r.Params() {
			parts = append(parts, fmt.Sprintf("%s%v", p.Name, p.Shape))
			for _, v := range p.Data {
				if math.Abs(float64(v)) > bound {
					t.Errorf("%s: initial value %g outside ±%g", p.Name, v, bound)
				}
			}
		}
		if got := strings.Join(parts, " "); got != tt.want {
			t.Errorf("%s params:\n got %s\nwant %s", tt.cfg.Cell, got, tt.want)
		}
	}
}

// TestRNNErrors: bad configuration and bad input give errors, not panics.
func TestRNNErrors(t *testing.T) {
	for _, cfg := range []RNNConfig{
		{Cell: "lstmx", InputSize: 1, HiddenSize: 1, NumLayers: 1},
		{Cell: "lstm", InputSize: 0, HiddenSize: 1, NumLayers: 1},
		{Cell: "lstm", InputSize: 1, HiddenSize: 0, NumLayers: 1},
		{Cell: "lstm", InputSize: 1, HiddenSize: 1, NumLayers: 0},
		{Cell: "lstm", InputSize: 1, HiddenSize: 1, NumLayers: 2, Dropout: 1},
	} {
		if _, err := NewRNN(cfg, nil); err == nil {
			t.Errorf("NewRNN(%+v) succeeded", cfg)
		}
	}
	r, err := NewRNN(RNNConfig{Cell: "gru", InputSize: 2, HiddenSize: 3, NumLayers: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := r.Backward(nil, nil, nil); err == nil {
		t.Error("Backward before Forward succeeded")
	}
	x := make([]float32, 4*2*2)
	for _, tt := range []struct {
		name    string
		x       []float32
		T, B    int
		lengths []int
		h0, c0  []float32
		errPart string
	}{
		{"short input", x[:5], 4, 2, nil, nil, nil, "input has 5 values"},
		{"zero T", x, 0, 2, nil, nil, nil, "T > 0"},
		{"length 0", x, 4, 2, []int{4, 0}, nil, nil, "row 1 is 0"},
		{"length > T", x, 4, 2, []int{5, 1}, nil, nil, "row 0 is 5"},
		{"lengths count", x, 4, 2, []int{4}, nil, nil, "1 lengths"},
		{"h0 size", x, 4, 2, nil, make([]float32, 5), nil, "h0 has 5"},
		{"c0 for gru", x, 4, 2, nil, nil, make([]float32, 6), "no cell state"},
	} {
		_, _, _, err := r.Forward(tt.x, tt.T, tt.B, tt.lengths, tt.h0, tt.c0)
		if err == nil || !strings.Contains(err.Error(), tt.errPart) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.errPart)
		}
	}
	if _, _, _, err := r.Forward(x, 4, 2, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := r.Backward(make([]float32, 3), nil, nil); err == nil || !strings.Contains(err.Error(), "dOut has 3") {
		t.Errorf("short dOut: error %v", err)
	}
}

// TestRNNDropoutEval: in evaluation mode dropout is off, and in training
// mode it changes the output of a stacked layer.
func TestRNNDropoutEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	r := mustRNN(t, rng, RNNConfig{Cell: "lstm", InputSize: 3, HiddenSize: 8, NumLayers: 2, Dropout: 0.5})
	x := rnnRandom(rng, 5*2*3, 1)
	r.SetTraining(false)
	a, _, _, _ := r.Forward(x, 5, 2, nil, nil, nil)
	a = rnnClone(a)
	b, _, _, _ := r.Forward(x, 5, 2, nil, nil, nil)
	rnnSame(t, "eval output", b, a, 0)
	r.SetTraining(true)
	c, _, _, _ := r.Forward(x, 5, 2, nil, nil, nil)
	diff := 0.0
	for i := range c {
		diff += math.Abs(float64(c[i] - a[i]))
	}
	if diff == 0 {
		t.Error("dropout 0.5 in training mode left the output unchanged")
	}
}

// TestRNNSteadyStateAllocs: once the working memory is sized, a training
// step allocates nothing per time step (only a few closures and goroutines
// per layer for the two directions).
func TestRNNSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector inflates allocation counts")
	}
	for _, cell := range rnnAllCells {
		allocs := func(T int) float64 {
			rng := rand.New(rand.NewPCG(1, 2))
			const L, B = 2, 4
			r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: 8, HiddenSize: 16, NumLayers: L, Bidirectional: true, Dropout: 0.1})
			x := rnnRandom(rng, T*B*8, 1)
			dOut := rnnRandom(rng, T*B*32, 1)
			lengths := []int{T, 3, T - 1, T / 2}
			step := func() {
				if _, _, _, err := r.Forward(x, T, B, lengths, nil, nil); err != nil {
					t.Fatal(err)
				}
				if _, _, _, err := r.Backward(dOut, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			step()
			return testing.AllocsPerRun(10, step)
		}
		// A per-step allocation would add 70+ at T=80; allow a few
		// sporadic ones (pools emptied by a garbage collection).
		short, long := allocs(10), allocs(80)
		if long > short+4 || long > 24 {
			t.Errorf("%s: %.0f allocations per training step at T=10, %.0f at T=80; want about the same, at most 24", cell, short, long)
		}
	}
}

// TestRNNSetInputGrad: without the input gradient, parameter and state
// gradients are unchanged and dx is nil.
func TestRNNSetInputGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	r := mustRNN(t, rng, RNNConfig{Cell: "lstm", InputSize: 3, HiddenSize: 4, NumLayers: 2, Bidirectional: true})
	x := rnnRandom(rng, 5*2*3, 1)
	w := rnnRandom(rng, 5*2*8, 1)
	grads := func() ([][]float32, []float32, []float32) {
		if _, _, _, err := r.Forward(x, 5, 2, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		ZeroGrads(r.Params())
		dx, dh0, _, err := r.Backward(w, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var gs [][]float32
		for _, p := range r.Params() {
			gs = append(gs, rnnClone(p.Grad))
		}
		return gs, rnnClone(dx), rnnClone(dh0)
	}
	full, dx, dh0 := grads()
	r.SetInputGrad(false)
	part, dx2, dh02 := grads()
	if dx == nil || dx2 != nil {
		t.Fatalf("dx with input gradient: %d values, without: %d; want some, then none", len(dx), len(dx2))
	}
	for i := range full {
		rnnSame(t, r.Params()[i].Name, part[i], full[i], 0)
	}
	rnnSame(t, "dh0", dh02, dh0, 0)
}

// mustRNN returns NewRNN(cfg, rng), failing the test or benchmark on error.
func mustRNN(tb testing.TB, rng *rand.Rand, cfg RNNConfig) *RNN {
	tb.Helper()
	r, err := NewRNN(cfg, rng)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
