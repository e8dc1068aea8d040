// Package optim updates nn.Params from their gradients with PyTorch's
// optimisers (SGD, Adam, AdamW, AdaGrad, RMSprop) reproducing torch.optim's
// update equations exactly, learning-rate schedules as functions of the
// step, and gradient clipping (clip_grad_norm_, clip_grad_value_).
//
// Parameters and optimiser state are float32. Adam and AdamW compute their
// elementwise update in float32, as PyTorch does for float32 parameters;
// the other optimisers, cheaper per element, compute in float64. Large parameters are updated in parallel chunks over
// tensor.Threads() goroutines, with results identical to a serial update. A Step first checks every gradient: if any is NaN or
// infinite it returns an error and changes neither the parameters nor the
// state, so a training loop can skip the batch or stop cleanly.
//
// Optimiser state can be read and restored (State, SetState) for exact
// resumption from a checkpoint.
package optim

import (
	"fmt"
	"math"
	"sync"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// Optimizer updates a fixed list of parameters from their gradients.
//
// Implementations are not safe for concurrent use: Step updates the
// parameters and the optimizer's state.
type Optimizer interface {
	// Step applies one update from the current gradients. It returns an
	// error, and changes nothing, if a gradient is NaN or infinite.
	Step() error
	// ZeroGrad clears the gradients of the optimised parameters.
	ZeroGrad()
	// SetLR sets the learning rate used by the following steps.
	SetLR(lr float64)
	// LR returns the current learning rate.
	LR() float64
	// State returns a copy of the optimiser's state.
	State() State
	// SetState restores a state returned by State of an optimiser of the
	// same kind over parameters of the same names and sizes.
	SetState(s State) error
}

// State is an optimiser's resumable state: the number of steps taken, the
// learning rate, and its per-parameter buffers, named as PyTorch names them
// in state_dict()["state"] (exp_avg, exp_avg_sq, max_exp_avg_sq,
// momentum_buffer, sum, square_avg, grad_avg).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type State struct {
	Kind    string   `json:"kind"` // "sgd", "adam", "adamw", "adagrad", "rmsprop"
	Step    int64    `json:"step"`
	LR      float64  `json:"lr"`
	Buffers []Buffer `json:"buffers"`
}

// Buffer is one named state tensor of one parameter.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Buffer struct {
	Param string    `json:"param"` // nn.Param.Name
	Name  string    `json:"name"`  // PyTorch state key, e.g. "exp_avg"
	Data  []float32 `json:"data"`
}

// core holds what every optimiser shares: the parameters, learning rate,
// step count and named per-parameter buffers.
type core struct {
	kind   string
	params []*nn.Param
	lr     float64
	step   int64
	names  []string      // buffer names, e.g. {"exp_avg", "exp_avg_sq"}
	bufs   [][][]float32 // bufs[k][i]: buffer names[k] of params[i]
}

// newCore checks the learning rate, the hyperparameters hs and params, and
// allocates the zeroed buffers names for every parameter.
func newCore(kind string, params []*nn.Param, lr float64, names []string, hs ...hyper) (core, error) {
	if err := checkHypers(kind, append([]hyper{{"learning rate", lr}}, hs...)...); err != nil {
		return core{}, err
	}
	for i, p := range params {
		if p == nil {
			return core{}, fmt.Errorf("optim: %s: parameter %d is nil", kind, i)
		}
		if len(p.Grad) != len(p.Data) {
			return core{}, fmt.Errorf("optim: %s: parameter %q has %d values but %d gradients", kind, p.Name, len(p.Data), len(p.Grad))
		}
	}
	c := core{kind: kind, params: params, lr: lr, names: names, bufs: make([][][]float32, len(names))}
	for k := range names {
		c.bufs[k] = make([][]float32, len(params))
		for i, p := range params {
			c.bufs[k][i] = make([]float32, len(p.Data))
		}
	}
	return c, nil
}

// ZeroGrad clears the gradients of the optimised parameters.
func (c *core) ZeroGrad() { nn.ZeroGrads(c.params) }

// SetLR sets the learning rate used by the following steps.
func (c *core) SetLR(lr float64) { c.lr = lr }

// LR returns the current learning rate.
func (c *core) LR() float64 { return c.lr }

// Steps returns the number of steps taken.
func (c *core) Steps() int64 { return c.step }

// State returns a deep copy of the optimiser state.
func (c *core) State() State {
	s := State{Kind: c.kind, Step: c.step, LR: c.lr}
	for i, p := range c.params {
		for k, name := range c.names {
			s.Buffers = append(s.Buffers, Buffer{Param: p.Name, Name: name, Data: append([]float32(nil), c.bufs[k][i]...)})
		}
	}
	return s
}

// meansOfSquares names the buffers that accumulate squares, which are
// never negative (every step takes their square root).
var meansOfSquares = map[string]bool{"exp_avg_sq": true, "max_exp_avg_sq": true, "sum": true, "square_avg": true}

// SetState checks s against the optimiser's kind, parameters and buffers
// (finite values, means of squares not negative) and copies it in; on
// error nothing is changed.
func (c *core) SetState(s State) error {
	if s.Kind != c.kind {
		return fmt.Errorf("optim: state is for a %q optimiser, not %q", s.Kind, c.kind)
	}
	if s.Step < 0 {
		return fmt.Errorf("optim: %s state has negative step count %d", c.kind, s.Step)
	}
	if want := len(c.params) * len(c.names); len(s.Buffers) != want {
		return fmt.Errorf("optim: %s state has %d buffers, want %d (%d parameters x %v)", c.kind, len(s.Buffers), want, len(c.params), c.names)
	}
	for i, p := range c.params {
		for k, name := range c.names {
			b := s.Buffers[i*len(c.names)+k]
			if b.Param != p.Name || b.Name != name || len(b.Data) != len(p.Data) {
				return fmt.Errorf("optim: %s state buffer %d is %s.%s with %d values, want %s.%s with %d",
					c.kind, i*len(c.names)+k, b.Param, b.Name, len(b.Data), p.Name, name, len(p.Data))
			}
			for j, v := range b.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v < 0 && meansOfSquares[name] {
					return fmt.Errorf("optim: %s state buffer %s.%s holds %v at element %d, which no %s step produces", c.kind, b.Param, b.Name, v, j, c.kind)
				}
			}
		}
	}
	for i := range c.params {
		for k := range c.names {
			copy(c.bufs[k][i], s.Buffers[i*len(c.names)+k].Data)
		}
	}
	c.step, c.lr = s.Step, s.LR
	return nil
}

// CheckFinite returns an error naming the first parameter and element
// whose gradient is NaN or infinite, or whose gradient length does not
// match its data.
func CheckFinite(params []*nn.Param) error {
	// Fast path: a finite sum of squares (float64, cannot overflow for
	// float32 inputs) proves every element finite. The sums are computed
	// first, on tensor.Threads() goroutines; the first error in parameter
	// order is reported, as a check one parameter at a time would.
	buf := gradSums.Get().(*[]float64)
	defer gradSums.Put(buf)
	*buf = xslices.Resize(*buf, len(params))
	sums := *buf
	nn.GradSumSquares(params, sums)
	for i, p := range params {
		if len(p.Grad) != len(p.Data) {
			return fmt.Errorf("optim: parameter %q has %d values but %d gradients", p.Name, len(p.Data), len(p.Grad))
		}
		if s := sums[i]; !math.IsNaN(s) && !math.IsInf(s, 0) {
			continue
		}
		for j, g := range p.Grad {
			if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
				return fmt.Errorf("optim: gradient of %q is %v at element %d; step skipped", p.Name, g, j)
			}
		}
	}
	return nil
}

// parallelMin is the parameter size from which an update is split across
// tensor.Threads() goroutines.
const parallelMin = 1 << 15

// forEach calls fn(i, lo, hi) over [lo, hi) ranges covering every
// parameter i, running large parameters in parallel chunks. fn must only
// touch elements in its range.
func (c *core) forEach(fn func(i, lo, hi int)) {
	threads := tensor.Threads()
	for i, p := range c.params {
		n := len(p.Data)
		if threads <= 1 || n < parallelMin {
			fn(i, 0, n)
			continue
		}
		var wg sync.WaitGroup
		chunk := (n + threads - 1) / threads
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				fn(i, lo, hi)
			}()
		}
		wg.Wait()
	}
}

// hyper is a named hyperparameter that must not be negative or NaN.
type hyper struct {
	name string
	v    float64
}

// checkHypers returns an error naming the first of hs that is negative or
// NaN.
func checkHypers(kind string, hs ...hyper) error {
	for _, h := range hs {
		if !(h.v >= 0) {
			return fmt.Errorf("optim: %s: invalid %s %v", kind, h.name, h.v)
		}
	}
	return nil
}

// update runs a Step: it checks every gradient (changing nothing when one
// is not finite), counts the step and runs fn over every parameter's
// chunks (see forEach).
func (c *core) update(fn func(i, lo, hi int)) error {
	if err := CheckFinite(c.params); err != nil {
		return err
	}
	c.step++
	c.forEach(fn)
	return nil
}

// chunk returns the values and gradients of params[i] over [lo, hi).
func (c *core) chunk(i, lo, hi int) (ws, gs []float32) {
	p := c.params[i]
	ws = p.Data[lo:hi]
	return ws, p.Grad[lo:hi][:len(ws)]
}

// buf returns buffer names[k] of params[i] over [lo, lo+n).
func (c *core) buf(k, i, lo, n int) []float32 {
	return c.bufs[k][i][lo : lo+n : lo+n]
}
