package nn

import (
	"fmt"
	"sync/atomic"

	"github.com/recurrent-go/recurrent/tensor"
)

// stepInt8 is a Stepper's int8 state: quantized copies of the weights
// and, per step, of the vectors they multiply.
type stepInt8 struct {
	wih, whh []*tensor.Int8Matrix // per layer: W_ih [G*H, in], W_hh [G*H, H]
	// hq[i] holds every layer's state h[i] quantized, vector l for layer
	// l: h[cur] feeds this step's recurrent products, h[cur^1] (filled as
	// each layer finishes) the next layer's input products.
	hq  [2]*tensor.Int8Batch
	xq  *tensor.Int8Batch // [1, I] the first layer's input (Step, not StepRow)
	rhq *tensor.Int8Batch // GRU-Cho: [L, H] r*h of each layer
	// done counts the finished parts of each phase of the current step:
	// the part that finishes a phase quantizes what the phase produced, so
	// that it is ready when the next phase starts.
	done []atomic.Int32
}

// SetInt8 switches the stepper to int8 products (on) or back to float32.
// With int8, every W_ih and W_hh is quantized to int8 with one float32
// scale per row (a snapshot of the current weights, as SetInputTable's
// table is: call SetInt8(true) again after the weights change), and each
// layer's input and state are quantized per step with one scale per
// vector (see tensor.Int8Matrix), the dynamic quantization PyTorch's
// quantize_dynamic applies to nn.LSTM and nn.GRU. Biases, gate
// arithmetic and states stay float32, and an input table given to
// SetInputTable stays the float32 projection. It fails if a weight is not
// finite.
func (s *Stepper) SetInt8(on bool) error {
	if !on {
		s.q = nil
		return nil
	}
	r := s.r
	q := &stepInt8{done: make([]atomic.Int32, len(s.phases))}
	var err error
	if q.wih, q.whh, err = r.quantizeWeights(s.nl, "Stepper"); err != nil {
		return err
	}
	q.hq[0], q.hq[1] = tensor.NewInt8Batch(s.nl, s.nh), tensor.NewInt8Batch(s.nl, s.nh)
	q.xq = tensor.NewInt8Batch(1, s.ni)
	if r.cell == CellGRUCho {
		q.rhq = tensor.NewInt8Batch(s.nl, s.nh)
	}
	s.q = q
	s.quantizeState()
	return nil
}

// Int8 reports whether the stepper runs int8 products (see SetInt8).
func (s *Stepper) Int8() bool { return s.q != nil }

// Int8Bytes returns the memory the quantized weights take (0 without
// SetInt8).
func (s *Stepper) Int8Bytes() int {
	if s.q == nil {
		return 0
	}
	n := 0
	for l := range s.q.wih {
		n += s.q.wih[l].Bytes() + s.q.whh[l].Bytes()
	}
	return n
}

// Int8Output returns the last layer's output of the last step (or of the
// state set by Reset) quantized for int8 products, as vector b of x: what
// an int8 decoder multiplies, valid until the next Step, StepRow or
// Reset. It returns nil without SetInt8.
func (s *Stepper) Int8Output() (x *tensor.Int8Batch, b int) {
	if s.q == nil {
		return nil, 0
	}
	return s.q.hq[s.cur], s.nl - 1
}

// quantizeState quantizes every layer of the current state.
func (s *Stepper) quantizeState() {
	h, hq := s.h[s.cur], s.q.hq[s.cur]
	for l := range s.nl {
		hq.Quantize(l, h[l*s.nh:(l+1)*s.nh])
	}
}

// inProj sets dst to rows a.. of layer l's W_ih times the layer's input
// x: in float32, or with int8 products of the quantized input.
func (s *Stepper) inProj(l, a int, x, dst []float32) {
	dir := s.r.dirs[l]
	switch {
	case s.q == nil:
		tensor.MatVec(dir.wih.Data[a*dir.in:], dir.in, x, dst)
	case l == 0:
		s.q.wih[0].MulVec(a, s.q.xq, 0, dst)
	default:
		s.q.wih[l].MulVec(a, s.q.hq[s.cur^1], l-1, dst)
	}
}

// recProj sets dst to rows a.. of layer l's W_hh times the layer's
// previous state hp.
func (s *Stepper) recProj(l, a int, hp, dst []float32) {
	if s.q == nil {
		dir := s.r.dirs[l]
		tensor.MatVec(dir.whh.Data[a*s.nh:], s.nh, hp, dst)
		return
	}
	s.q.whh[l].MulVec(a, s.q.hq[s.cur], l, dst)
}

// rhProj sets dst to rows a.. of layer l's W_hh times r*h (GRU-Cho).
func (s *Stepper) rhProj(l, a int, rh, dst []float32) {
	if s.q == nil {
		dir := s.r.dirs[l]
		tensor.MatVec(dir.whh.Data[a*s.nh:], s.nh, rh, dst)
		return
	}
	s.q.whh[l].MulVec(a, s.q.rhq, l, dst)
}

// partDone counts a finished part of phase ph; with int8, the part that
// finishes the phase quantizes its output for the phases after it: r*h
// after a GRU-Cho layer's first phase, the layer's new state otherwise.
// Parts of a phase all return before the next phase starts, so the
// quantized vector is complete when it is read.
func (s *Stepper) partDone(ph int) {
	q := s.q
	if q == nil || int(q.done[ph].Add(1)) != s.phases[ph] {
		return
	}
	H := s.nh
	if s.r.cell == CellGRUCho {
		l := ph / 2
		if ph%2 == 0 {
			q.rhq.Quantize(l, s.rh[l*H:(l+1)*H])
			return
		}
		ph = l
	}
	q.hq[s.cur^1].Quantize(ph, s.h[s.cur^1][ph*H:(ph+1)*H])
}

// quantizeWeights returns W_ih and W_hh of the first n layers quantized
// to int8 with one scale per row, for the SetInt8 of the stepper named
// who.
func (r *RNN) quantizeWeights(n int, who string) (wih, whh []*tensor.Int8Matrix, err error) {
	GH := r.g * r.h
	for l, dir := range r.dirs[:n] {
		qi, err := tensor.QuantizeInt8(dir.wih.Data, GH, dir.in, dir.in)
		if err != nil {
			return nil, nil, fmt.Errorf("nn: %s.SetInt8: layer %d weight_ih: %w", who, l, err)
		}
		qh, err := tensor.QuantizeInt8(dir.whh.Data, GH, r.h, r.h)
		if err != nil {
			return nil, nil, fmt.Errorf("nn: %s.SetInt8: layer %d weight_hh: %w", who, l, err)
		}
		wih, whh = append(wih, qi), append(whh, qh)
	}
	return wih, whh, nil
}
