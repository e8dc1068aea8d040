package nn

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/recurrent-go/recurrent/tensor"
)

// Stepper runs a unidirectional RNN in evaluation mode (no dropout) one
// time step at a time for a batch of one: the inner loop of generation,
// where every step is a handful of matrix-vector products with the whole
// weight set and nothing else. It gives the outputs of RNN.Forward with
// T = B = 1, up to float32 rounding.
//
// A step reads the RNN's parameters where they are, so it always sees the
// current weights, with one exception: the first layer's input projections
// precomputed by SetInputTable are a snapshot, to be rebuilt after the
// weights change.
//
// The hidden units of every layer are split statically over the stepper's
// goroutines: each one computes all gate rows of its units (so the gate
// arithmetic needs no exchange) and the goroutines meet once per layer.
// A Stepper is not safe for concurrent use; Close releases its goroutines.
type Stepper struct {
	r       *RNN
	team    *tensor.Team
	L, H, I int
	split   []int        // [P+1] first hidden unit of each goroutine's share
	h       [2][]float32 // [L, H] states before and after the step (swapped per step)
	cur     int          // index of the current state in h
	c       []float32    // [L, H] LSTM cell state (updated in place: each unit is owned by one goroutine)
	gi, gh  []float32    // [L, G*H] input and recurrent projections of this step, biases included
	rh      []float32    // [L, H] GRU-Cho r*h, the input of its second recurrent product
	x       []float32    // [I] input of this step
	row     int          // input-table row of this step, or -1 to project x
	table   []float32    // [tableN, G*H] first-layer input projections x W_ih^T + b_ih
	tableN  int
	work    func(w int) // s.step, bound once so that a step does not allocate
}

// NewStepper returns a stepper over r's parameters, from a zero state,
// splitting each step over up to threads goroutines (threads <= 0:
// tensor.Threads(); never more than GOMAXPROCS, nor more than one per 16
// hidden units). It fails for a bidirectional RNN, which cannot run one
// step at a time.
func (r *RNN) NewStepper(threads int) (*Stepper, error) {
	if r.d != 1 {
		return nil, errors.New("nn: NewStepper: a bidirectional RNN cannot run step by step")
	}
	if threads <= 0 {
		threads = tensor.Threads()
	}
	L, H, G := r.cfg.NumLayers, r.h, r.g
	threads = max(1, min(threads, runtime.GOMAXPROCS(0), (H+15)/16))
	s := &Stepper{r: r, L: L, H: H, I: r.cfg.InputSize, row: -1,
		c:  make([]float32, L*H),
		gi: make([]float32, L*G*H), gh: make([]float32, L*G*H),
		x: make([]float32, r.cfg.InputSize)}
	s.h[0], s.h[1] = make([]float32, L*H), make([]float32, L*H)
	if r.cell == CellGRUCho {
		s.rh = make([]float32, L*H)
	}
	// Shares of whole 16-unit blocks, so that the gate arithmetic runs on
	// full vectors; the last share takes the remainder.
	blocks := (H + 15) / 16
	s.split = make([]int, threads+1)
	for w := range threads + 1 {
		s.split[w] = min(H, w*blocks/threads*16)
	}
	s.split[threads] = H
	s.team = tensor.NewTeam(threads)
	s.work = s.step
	// A stepper dropped without Close still stops its goroutines.
	runtime.AddCleanup(s, func(t *tensor.Team) { t.Close() }, s.team)
	return s, nil
}

// Threads returns the number of goroutines a step is split over.
func (s *Stepper) Threads() int { return s.team.Size() }

// Close stops the stepper's goroutines. The stepper must not be used
// afterwards; calling Close again does nothing.
func (s *Stepper) Close() { s.team.Close() }

// Reset sets the state: h0 and (LSTM only) c0 are [L, H] as RNN.Forward
// takes them with B = 1; nil means zeros.
func (s *Stepper) Reset(h0, c0 []float32) error {
	n := s.L * s.H
	switch {
	case h0 != nil && len(h0) != n:
		return fmt.Errorf("nn: Stepper.Reset: h0 has %d values, want [%d, 1, %d] = %d", len(h0), s.L, s.H, n)
	case c0 != nil && s.r.cell != CellLSTM:
		return fmt.Errorf("nn: Stepper.Reset: c0 given for a %s cell, which has no cell state", s.r.cell)
	case c0 != nil && len(c0) != n:
		return fmt.Errorf("nn: Stepper.Reset: c0 has %d values, want [%d, 1, %d] = %d", len(c0), s.L, s.H, n)
	}
	s.cur = 0
	if h0 != nil {
		copy(s.h[0], h0)
	} else {
		clear(s.h[0])
	}
	if c0 != nil {
		copy(s.c, c0)
	} else {
		clear(s.c)
	}
	return nil
}

// State returns the current state h and (LSTM only, else nil) c, each
// [L, H], as views valid until the next Step, StepRow or Reset.
func (s *Stepper) State() (h, c []float32) {
	if s.r.cell == CellLSTM {
		c = s.c
	}
	return s.h[s.cur], c
}

// SetInputTable precomputes the first layer's input projection
// x W_ih^T + b_ih of each of the n rows of table [n, I] (for example an
// embedding matrix), so that StepRow(i) skips that product, a quarter to a
// half of a step's weight reads. The projections are a snapshot of the
// current weights. The table needs n*G*H floats; a nil table drops it.
func (s *Stepper) SetInputTable(table []float32, n int) error {
	if table == nil {
		s.table, s.tableN = nil, 0
		return nil
	}
	if n < 1 || len(table) != n*s.I {
		return fmt.Errorf("nn: Stepper.SetInputTable: table has %d values, want %d rows x %d = %d", len(table), n, s.I, n*s.I)
	}
	GH := s.r.g * s.H
	dir := s.r.dirs[0]
	s.table = grow(s.table, n*GH)
	s.tableN = n
	tensor.Sgemm(false, true, n, GH, s.I, 1, table, s.I, dir.wih.Data, s.I, 0, s.table, GH)
	if dir.bih != nil {
		for i := range n {
			row := s.table[i*GH : (i+1)*GH]
			tensor.Add(row, row, dir.bih.Data)
		}
	}
	return nil
}

// Step advances the state by one step with input x [I] and returns the
// last layer's output h [H], a view valid until the next Step, StepRow or
// Reset.
func (s *Stepper) Step(x []float32) ([]float32, error) {
	if len(x) != s.I {
		return nil, fmt.Errorf("nn: Stepper.Step: input has %d values, want %d", len(x), s.I)
	}
	copy(s.x, x)
	s.row = -1
	return s.run(), nil
}

// StepRow is Step with the input row i of the table given to
// SetInputTable.
func (s *Stepper) StepRow(i int) ([]float32, error) {
	if s.table == nil {
		return nil, errors.New("nn: Stepper.StepRow: no input table (see SetInputTable)")
	}
	if i < 0 || i >= s.tableN {
		return nil, fmt.Errorf("nn: Stepper.StepRow: row %d outside the input table [0, %d)", i, s.tableN)
	}
	s.row = i
	return s.run(), nil
}

func (s *Stepper) run() []float32 {
	s.team.Run(s.work)
	s.cur ^= 1
	return s.h[s.cur][(s.L-1)*s.H:]
}

// step is goroutine w's part of one step: every layer's hidden units
// s.split[w] to s.split[w+1], with a barrier after each layer but the last
// (and, for GRU-Cho, inside each layer).
func (s *Stepper) step(w int) {
	r := s.r
	H, G := s.H, r.g
	GH := G * H
	j0, j1 := s.split[w], s.split[w+1]
	prev, next := s.h[s.cur], s.h[s.cur^1]
	for l, dir := range r.dirs {
		x := s.x
		if l > 0 {
			x = next[(l-1)*H : l*H]
		}
		hp, hc := prev[l*H:(l+1)*H], next[l*H:(l+1)*H]
		gi, gh := s.gi[l*GH:(l+1)*GH], s.gh[l*GH:(l+1)*GH]
		// The recurrent products of all gates but GRU-Cho's n, which
		// needs r*h of every unit first.
		ng := G
		if r.cell == CellGRUCho {
			ng = 2
		}
		for g := 0; g < G; g++ {
			a, b := g*H+j0, g*H+j1
			if a == b {
				break
			}
			switch {
			case l == 0 && s.row >= 0:
				copy(gi[a:b], s.table[s.row*GH+a:s.row*GH+b])
			default:
				tensor.MatVec(dir.wih.Data[a*dir.in:], dir.in, x, gi[a:b])
				if dir.bih != nil {
					tensor.Add(gi[a:b], gi[a:b], dir.bih.Data[a:b])
				}
			}
			if g < ng {
				tensor.MatVec(dir.whh.Data[a*H:], H, hp, gh[a:b])
				if dir.bhh != nil {
					tensor.Add(gh[a:b], gh[a:b], dir.bhh.Data[a:b])
				}
			}
		}
		gate := func(g int) (in, rec []float32) { return gi[g*H+j0 : g*H+j1], gh[g*H+j0 : g*H+j1] }
		hpw, hcw := hp[j0:j1], hc[j0:j1]
		switch r.cell {
		case CellTanh, CellReLU:
			a, b := gate(0)
			tensor.Add(hcw, a, b)
			if r.cell == CellReLU {
				for j, v := range hcw {
					hcw[j] = max(v, 0)
				}
			} else {
				tensor.Tanh(hcw, hcw)
			}
		case CellLSTM:
			for g := range 4 {
				a, b := gate(g)
				tensor.Add(a, a, b)
				if g == 2 {
					tensor.Tanh(a, a)
				} else {
					tensor.Sigmoid(a, a)
				}
			}
			ig, _ := gate(0)
			fg, _ := gate(1)
			gg, _ := gate(2)
			og, _ := gate(3)
			c := s.c[l*H+j0 : l*H+j1]
			for j := range c {
				c[j] = fg[j]*c[j] + ig[j]*gg[j]
			}
			tensor.Tanh(hcw, c)
			tensor.Mul(hcw, hcw, og)
		case CellGRU, CellGRUCho, CellGRUMinimal:
			zb := 1
			if r.cell == CellGRUMinimal {
				zb = 0
			}
			for g := 0; g <= zb; g++ { // r and z, or z alone
				a, b := gate(g)
				tensor.Add(a, a, b)
				tensor.Sigmoid(a, a)
			}
			n, hn := gate(zb + 1)
			switch r.cell {
			case CellGRU:
				rg, _ := gate(0)
				tensor.MulAdd(n, rg, hn)
			case CellGRUCho:
				rg, _ := gate(0)
				rh := s.rh[l*H : (l+1)*H]
				tensor.Mul(rh[j0:j1], rg, hpw)
				s.team.Barrier(w)
				if j0 < j1 {
					a := 2*H + j0
					tensor.MatVec(dir.whh.Data[a*H:], H, rh, hn)
					if dir.bhh != nil {
						tensor.Add(hn, hn, dir.bhh.Data[a:2*H+j1])
					}
				}
				tensor.Add(n, n, hn)
			default:
				tensor.Add(n, n, hn)
			}
			tensor.Tanh(n, n)
			z, _ := gate(zb)
			for j := range hcw {
				hcw[j] = n[j] + z[j]*(hpw[j]-n[j])
			}
		}
		if l+1 < len(r.dirs) {
			s.team.Barrier(w)
		}
	}
}
