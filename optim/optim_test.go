package optim

import (
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// The trajectory tests minimise f(w) = sum_i a_i*w_i^2/2 (gradient a_i*w_i)
// for a few steps and compare with a float64 reference written directly
// from torch.optim's documented update rules, one scalar at a time.

var (
	trajA  = []float64{0.5, 2, -1, 3, 0.1}
	trajW0 = []float64{1, -0.5, 0.25, 2, -3}
)

const trajSteps = 6

// runTrajectory runs an optimiser on the quadratic and returns the weights
// after each step.
func runTrajectory(t *testing.T, mk func([]*nn.Param) (Optimizer, error)) [][]float64 {
	t.Helper()
	p := nn.NewParam("w", len(trajW0))
	for i, v := range trajW0 {
		p.Data[i] = float32(v)
	}
	o, err := mk([]*nn.Param{p})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for s := 0; s < trajSteps; s++ {
		o.ZeroGrad()
		for i, w := range p.Data {
			p.Grad[i] = float32(trajA[i] * float64(w))
		}
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		row := make([]float64, len(p.Data))
		for i, w := range p.Data {
			row[i] = float64(w)
		}
		out = append(out, row)
	}
	return out
}

// reference runs update(i, w, g, t) for each scalar with float64 state and
// the same gradient rule, returning the weights after each step.
func reference(update func(i int, w, g float64, t int) float64) [][]float64 {
	w := append([]float64(nil), trajW0...)
	var out [][]float64
	for s := 1; s <= trajSteps; s++ {
		for i := range w {
			g := trajA[i] * float64(float32(w[i])) // the optimiser sees float32 weights
			w[i] = update(i, w[i], g, s)
		}
		out = append(out, append([]float64(nil), w...))
	}
	return out
}

func compareTrajectory(t *testing.T, got, want [][]float64) {
	t.Helper()
	for s := range want {
		for i := range want[s] {
			if d := math.Abs(got[s][i] - want[s][i]); !(d <= 2e-6*math.Max(1, math.Abs(want[s][i]))) {
				t.Fatalf("step %d w[%d] = %.9g, want %.9g", s+1, i, got[s][i], want[s][i])
			}
		}
	}
}

// trajCase is one configuration of an optimiser's trajectory test.
type trajCase[C any] struct {
	name string
	cfg  C
}

// checkTrajectories runs, for each case, the optimiser newOpt builds on the
// quadratic and compares its trajectory with the float64 reference of the
// update rule(cfg) returns (a fresh rule, its state zeroed, per case).
func checkTrajectories[C any, O Optimizer](t *testing.T, cases []trajCase[C], newOpt func([]*nn.Param, C) (O, error),
	rule func(c C) func(i int, w, g float64, step int) float64) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := reference(rule(tc.cfg))
			got := runTrajectory(t, func(ps []*nn.Param) (Optimizer, error) { return newOpt(ps, tc.cfg) })
			compareTrajectory(t, got, want)
		})
	}
}

func TestSGDTrajectories(t *testing.T) {
	checkTrajectories(t, []trajCase[SGDConfig]{
		{"plain", SGDConfig{LR: 0.1}},
		{"weight decay", SGDConfig{LR: 0.1, WeightDecay: 0.05}},
		{"momentum", SGDConfig{LR: 0.05, Momentum: 0.9}},
		{"momentum dampening", SGDConfig{LR: 0.05, Momentum: 0.9, Dampening: 0.3, WeightDecay: 0.01}},
		{"nesterov", SGDConfig{LR: 0.05, Momentum: 0.8, Nesterov: true}},
	}, NewSGD, func(c SGDConfig) func(i int, w, g float64, step int) float64 {
		buf := make([]float64, len(trajW0))
		return func(i int, w, g float64, step int) float64 {
			d := g + c.WeightDecay*w
			if c.Momentum != 0 {
				if step == 1 {
					buf[i] = d
				} else {
					buf[i] = c.Momentum*buf[i] + (1-c.Dampening)*d
				}
				if c.Nesterov {
					d = d + c.Momentum*buf[i]
				} else {
					d = buf[i]
				}
			}
			return w - c.LR*d
		}
	})
}

func TestAdagradTrajectories(t *testing.T) {
	checkTrajectories(t, []trajCase[AdagradConfig]{
		{"default", DefaultAdagrad()},
		{"decay, accumulator, wd", AdagradConfig{LR: 0.2, LRDecay: 0.1, InitialAccumulatorValue: 0.5, WeightDecay: 0.02, Eps: 1e-6}},
	}, NewAdagrad, func(c AdagradConfig) func(i int, w, g float64, step int) float64 {
		sum := make([]float64, len(trajW0))
		for i := range sum {
			sum[i] = c.InitialAccumulatorValue
		}
		return func(i int, w, g float64, step int) float64 {
			g += c.WeightDecay * w
			sum[i] += g * g
			clr := c.LR / (1 + float64(step-1)*c.LRDecay)
			return w - clr*g/(math.Sqrt(sum[i])+c.Eps)
		}
	})
}

func TestRMSpropTrajectories(t *testing.T) {
	checkTrajectories(t, []trajCase[RMSpropConfig]{
		{"default", DefaultRMSprop()},
		{"momentum", RMSpropConfig{LR: 0.01, Alpha: 0.9, Eps: 1e-8, Momentum: 0.7}},
		{"centered wd", RMSpropConfig{LR: 0.02, Alpha: 0.95, Eps: 1e-6, Centered: true, WeightDecay: 0.1}},
		{"centered momentum", RMSpropConfig{LR: 0.01, Alpha: 0.8, Eps: 1e-8, Centered: true, Momentum: 0.5}},
	}, NewRMSprop, func(c RMSpropConfig) func(i int, w, g float64, step int) float64 {
		n := len(trajW0)
		sq, ga, buf := make([]float64, n), make([]float64, n), make([]float64, n)
		return func(i int, w, g float64, _ int) float64 {
			g += c.WeightDecay * w
			sq[i] = c.Alpha*sq[i] + (1-c.Alpha)*g*g
			v := sq[i]
			if c.Centered {
				ga[i] = c.Alpha*ga[i] + (1-c.Alpha)*g
				v -= ga[i] * ga[i]
			}
			avg := math.Sqrt(v) + c.Eps
			if c.Momentum > 0 {
				buf[i] = c.Momentum*buf[i] + g/avg
				return w - c.LR*buf[i]
			}
			return w - c.LR*g/avg
		}
	})
}

// adamCase is an Adam configuration with the weight decay coupled to the
// gradient (Adam) or decoupled (AdamW).
type adamCase struct {
	AdamConfig
	decoupled bool
}

func TestAdamTrajectories(t *testing.T) {
	newAdam := func(ps []*nn.Param, c adamCase) (Optimizer, error) {
		if c.decoupled {
			return NewAdamW(ps, c.AdamConfig)
		}
		return NewAdam(ps, c.AdamConfig)
	}
	checkTrajectories(t, []trajCase[adamCase]{
		{"adam", adamCase{DefaultAdam(), false}},
		{"adam wd amsgrad", adamCase{AdamConfig{LR: 0.05, Beta1: 0.8, Beta2: 0.9, Eps: 1e-6, WeightDecay: 0.1, AMSGrad: true}, false}},
		{"adamw", adamCase{AdamConfig{LR: 0.05, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.2}, true}},
	}, newAdam, func(c adamCase) func(i int, w, g float64, step int) float64 {
		n := len(trajW0)
		m, v, vmax := make([]float64, n), make([]float64, n), make([]float64, n)
		return func(i int, w, g float64, step int) float64 {
			if c.decoupled {
				w -= c.LR * c.WeightDecay * w
			} else {
				g += c.WeightDecay * w
			}
			m[i] = c.Beta1*m[i] + (1-c.Beta1)*g
			v[i] = c.Beta2*v[i] + (1-c.Beta2)*g*g
			vhat := v[i]
			if c.AMSGrad {
				vmax[i] = math.Max(vmax[i], v[i])
				vhat = vmax[i]
			}
			mhat := m[i] / (1 - math.Pow(c.Beta1, float64(step)))
			return w - c.LR*mhat/(math.Sqrt(vhat/(1-math.Pow(c.Beta2, float64(step))))+c.Eps)
		}
	})
}

// allOptimizers builds one optimiser of every kind, with every state buffer
// in use.
func allOptimizers() map[string]func([]*nn.Param) (Optimizer, error) {
	return map[string]func([]*nn.Param) (Optimizer, error){
		"sgd": func(ps []*nn.Param) (Optimizer, error) {
			return NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
		},
		"adam": func(ps []*nn.Param) (Optimizer, error) {
			c := DefaultAdam()
			c.AMSGrad, c.LR = true, 0.01
			return NewAdam(ps, c)
		},
		"adamw":   func(ps []*nn.Param) (Optimizer, error) { return NewAdamW(ps, DefaultAdamW()) },
		"adagrad": func(ps []*nn.Param) (Optimizer, error) { return NewAdagrad(ps, DefaultAdagrad()) },
		"rmsprop": func(ps []*nn.Param) (Optimizer, error) {
			c := DefaultRMSprop()
			c.Momentum, c.Centered = 0.5, true
			return NewRMSprop(ps, c)
		},
	}
}

// testParams returns two parameters with deterministic data.
func testParams() []*nn.Param {
	a, b := nn.NewParam("a", 2, 3), nn.NewParam("b", 4)
	for i := range a.Data {
		a.Data[i] = float32(i)*0.3 - 0.7
	}
	for i := range b.Data {
		b.Data[i] = 1 - float32(i)*0.45
	}
	return []*nn.Param{a, b}
}

// setGrads fills gradients deterministically from the step and the weights.
func setGrads(ps []*nn.Param, step int) {
	for k, p := range ps {
		for i, w := range p.Data {
			p.Grad[i] = float32(math.Sin(float64(step*7+k*3+i)))*0.5 + 0.2*w
		}
	}
}

func TestStateResumeIsExact(t *testing.T) {
	for kind, mk := range allOptimizers() {
		t.Run(kind, func(t *testing.T) {
			// Straight run of 5 steps.
			ps := testParams()
			o, err := mk(ps)
			if err != nil {
				t.Fatal(err)
			}
			for s := 0; s < 5; s++ {
				setGrads(ps, s)
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			// 2 steps, save, rebuild, restore, 3 more steps.
			qs := testParams()
			o1, _ := mk(qs)
			for s := 0; s < 2; s++ {
				setGrads(qs, s)
				if err := o1.Step(); err != nil {
					t.Fatal(err)
				}
			}
			st := o1.State()
			if st.Kind != kind || st.Step != 2 || len(st.Buffers) == 0 {
				t.Fatalf("state kind %q step %d with %d buffers", st.Kind, st.Step, len(st.Buffers))
			}
			o2, _ := mk(qs)
			if err := o2.SetState(st); err != nil {
				t.Fatal(err)
			}
			for s := 2; s < 5; s++ {
				setGrads(qs, s)
				if err := o2.Step(); err != nil {
					t.Fatal(err)
				}
			}
			for k := range ps {
				for i := range ps[k].Data {
					if ps[k].Data[i] != qs[k].Data[i] {
						t.Fatalf("resumed %s[%d] = %v, straight run %v", ps[k].Name, i, qs[k].Data[i], ps[k].Data[i])
					}
				}
			}
			// Mismatched states are refused.
			bad := o1.State()
			bad.Buffers[0].Data = bad.Buffers[0].Data[:1]
			if err := o2.SetState(bad); err == nil {
				t.Error("SetState accepted a truncated buffer")
			}
			bad = o1.State()
			bad.Kind = "other"
			if err := o2.SetState(bad); err == nil {
				t.Error("SetState accepted another optimiser's state")
			}
		})
	}
}

func TestNonFiniteGradientLeavesEverythingUntouched(t *testing.T) {
	for kind, mk := range allOptimizers() {
		for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
			ps := testParams()
			o, err := mk(ps)
			if err != nil {
				t.Fatal(err)
			}
			setGrads(ps, 0)
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
			before := o.State()
			weights := [][]float32{append([]float32(nil), ps[0].Data...), append([]float32(nil), ps[1].Data...)}
			setGrads(ps, 1)
			ps[1].Grad[3] = bad // the last element of the last parameter
			err = o.Step()
			if err == nil {
				t.Fatalf("%s: Step accepted a %v gradient", kind, bad)
			}
			for k, p := range ps {
				for i := range p.Data {
					if p.Data[i] != weights[k][i] {
						t.Fatalf("%s: weight %s[%d] changed by a refused step", kind, p.Name, i)
					}
				}
			}
			after := o.State()
			if after.Step != before.Step {
				t.Fatalf("%s: step count changed %d -> %d", kind, before.Step, after.Step)
			}
			for b := range before.Buffers {
				for i, v := range before.Buffers[b].Data {
					if after.Buffers[b].Data[i] != v {
						t.Fatalf("%s: state %s.%s changed by a refused step", kind, before.Buffers[b].Param, before.Buffers[b].Name)
					}
				}
			}
		}
	}
}

func TestConfigValidation(t *testing.T) {
	ps := testParams()
	tests := []struct {
		name string
		mk   func() error
	}{
		{"negative lr", func() error { _, err := NewSGD(ps, SGDConfig{LR: -1}); return err }},
		{"nesterov without momentum", func() error { _, err := NewSGD(ps, SGDConfig{LR: 1, Nesterov: true}); return err }},
		{"nesterov with dampening", func() error {
			_, err := NewSGD(ps, SGDConfig{LR: 1, Momentum: 0.9, Dampening: 0.1, Nesterov: true})
			return err
		}},
		{"beta 1", func() error { c := DefaultAdam(); c.Beta2 = 1; _, err := NewAdam(ps, c); return err }},
		{"NaN eps", func() error { c := DefaultAdamW(); c.Eps = math.NaN(); _, err := NewAdamW(ps, c); return err }},
		{"negative lr decay", func() error { c := DefaultAdagrad(); c.LRDecay = -1; _, err := NewAdagrad(ps, c); return err }},
		{"negative alpha", func() error { c := DefaultRMSprop(); c.Alpha = -0.1; _, err := NewRMSprop(ps, c); return err }},
		{"grad length", func() error {
			p := nn.NewParam("x", 3)
			p.Grad = p.Grad[:2]
			_, err := NewAdam([]*nn.Param{p}, DefaultAdam())
			return err
		}},
	}
	for _, tc := range tests {
		if err := tc.mk(); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestLRAndZeroGrad(t *testing.T) {
	ps := testParams()
	o, err := NewSGD(ps, SGDConfig{LR: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	o.SetLR(0.25)
	if o.LR() != 0.25 {
		t.Fatalf("LR() = %v after SetLR(0.25)", o.LR())
	}
	w := ps[1].Data[0]
	ps[1].Grad[0] = 2
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	if ps[1].Data[0] != w-0.5 {
		t.Fatalf("step with lr 0.25, grad 2: %v -> %v", w, ps[1].Data[0])
	}
	o.ZeroGrad()
	for _, p := range ps {
		for _, g := range p.Grad {
			if g != 0 {
				t.Fatal("ZeroGrad left a gradient")
			}
		}
	}
}

func BenchmarkAdamStep(b *testing.B) {
	p := nn.NewParam("w", 1<<20)
	for i := range p.Grad {
		p.Grad[i] = float32(i%7) * 0.1
	}
	o, _ := NewAdam([]*nn.Param{p}, DefaultAdam())
	b.SetBytes(int64(4 * 4 * len(p.Data))) // params, grads, two moments
	b.ReportAllocs()
	for b.Loop() {
		_ = o.Step()
	}
}

func TestParallelStepMatchesSerial(t *testing.T) {
	defer tensor.SetThreads(0) // back to the default
	run := func(threads int, mk func([]*nn.Param) (Optimizer, error)) []float32 {
		tensor.SetThreads(threads)
		p := nn.NewParam("big", parallelMin*2+3)
		for i := range p.Data {
			p.Data[i] = float32(math.Cos(float64(i)))
		}
		o, err := mk([]*nn.Param{p})
		if err != nil {
			t.Fatal(err)
		}
		for s := 0; s < 3; s++ {
			for i := range p.Grad {
				p.Grad[i] = float32(math.Sin(float64(i+s))) + 0.1*p.Data[i]
			}
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
		}
		return p.Data
	}
	for kind, mk := range allOptimizers() {
		a, b := run(1, mk), run(3, mk)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: element %d differs between 1 and 3 threads: %v vs %v", kind, i, a[i], b[i])
			}
		}
	}
}
