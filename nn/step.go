package nn

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/recurrent-go/recurrent/internal/xslices"
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
// precomputed by SetInputTable are a snapshot, which SetInputTable
// recomputes when called again after the weights changed.
//
// The hidden units of every layer are cut into parts of 32 units,
// which the stepper's goroutines (a tensor.Team) take in turn: a part
// computes all gate rows of its units, so the gate arithmetic needs no
// exchange, and layer l+1 starts when every part of layer l is done. A
// stepper with more than one goroutine times its steps now and then
// against the caller working alone, and runs alone while that is faster
// (on a machine whose CPUs are all busy). A Stepper is not safe for
// concurrent use; Close releases its goroutines.
type Stepper struct {
	r          *RNN
	threads    int          // goroutines a step may be shared by
	team       *tensor.Team // started at the first shared step (see sharedTeam)
	nl, nh, ni int          // layers, hidden size, input size
	phases     []int        // parts of each phase of a step (one phase per layer; two for GRU-Cho)
	h          [2][]float32 // [L, H] states before and after the step (swapped per step)
	cur        int          // index of the current state in h
	c          []float32    // [L, H] LSTM cell state (updated in place: each unit is owned by one goroutine)
	gi, gh     []float32    // [L, G*H] input and recurrent projections of this step, biases included
	rh         []float32    // [L, H] GRU-Cho r*h, the input of its second recurrent product
	x          []float32    // [I] input of this step
	row        int          // input-table row of this step, or -1 to project x
	table      []float32    // [tableN, G*H] first-layer input projections x W_ih^T + b_ih
	tableN     int
	// What the table was built from: the input rows, W_ih and b_ih of the
	// first layer (copies, compared at the next SetInputTable).
	srcRows, srcW, srcB []float32
	work                func(phase, part int) // s.part, bound once so that a step does not allocate
	// Choosing between the team and the caller alone (see run).
	adaptStep, period  int
	soloTime, teamTime time.Duration
	teamFaster         bool
	alone              bool      // SetSerial: every step on the calling goroutine
	q                  *stepInt8 // int8 weights and activations, or nil (step_int8.go)
}

// stepUnits is the number of hidden units in one part of a step: for a
// 2-layer H=512 LSTM, 16 parts per layer of 256 to 512 KiB of weights.
const stepUnits = 32

// NewStepper returns a stepper over r's parameters, from a zero state,
// sharing each step among up to threads goroutines (threads <= 0:
// tensor.Threads(); never more than GOMAXPROCS, nor more than the parts
// of a layer). It fails for a bidirectional RNN, which cannot run one
// step at a time.
func (r *RNN) NewStepper(threads int) (*Stepper, error) {
	if r.d != 1 {
		return nil, errors.New("nn: NewStepper: a bidirectional RNN cannot run step by step")
	}
	if threads <= 0 {
		threads = tensor.Threads()
	}
	L, H, G := r.cfg.NumLayers, r.h, r.g
	parts := (H + stepUnits - 1) / stepUnits
	threads = max(1, min(threads, runtime.GOMAXPROCS(0), parts))
	s := &Stepper{r: r, nl: L, nh: H, ni: r.cfg.InputSize, row: -1,
		c:  make([]float32, L*H),
		gi: make([]float32, L*G*H), gh: make([]float32, L*G*H),
		x: make([]float32, r.cfg.InputSize)}
	s.h[0], s.h[1] = make([]float32, L*H), make([]float32, L*H)
	if r.cell == CellGRUCho {
		s.rh = make([]float32, L*H)
	}
	perLayer := 1
	if r.cell == CellGRUCho {
		perLayer = 2 // r*h of every unit before the n gate's recurrent product
	}
	s.phases = make([]int, L*perLayer)
	for i := range s.phases {
		s.phases[i] = parts
	}
	s.threads = threads
	s.work = s.part
	s.period = minPeriod
	return s, nil
}

// Threads returns the number of goroutines a step may be shared by.
func (s *Stepper) Threads() int { return s.threads }

// sharedTeam returns the stepper's team, started at the first step that
// shares its parts: a stepper that always runs serially (SetSerial, as a
// server's generation loops do while several have work) starts no
// goroutines.
func (s *Stepper) sharedTeam() *tensor.Team {
	if s.team == nil {
		s.team = tensor.NewTeam(s.threads)
		// A stepper dropped without Close still stops its goroutines.
		runtime.AddCleanup(s, func(t *tensor.Team) { t.Close() }, s.team)
	}
	return s.team
}

// SetSerial makes the following steps run on the calling goroutine alone
// (on) or shared by the stepper's goroutines again (off), for a caller
// that keeps the other CPUs busy itself, e.g. with other steppers. The
// results are the same either way.
func (s *Stepper) SetSerial(on bool) { s.alone = on }

// Close stops the stepper's goroutines. The stepper must not be used
// afterwards; calling Close again does nothing.
func (s *Stepper) Close() {
	if s.team != nil {
		s.team.Close()
	}
}

// Reset sets the state: h0 and (LSTM only) c0 are [L, H] as RNN.Forward
// takes them with B = 1; nil means zeros.
func (s *Stepper) Reset(h0, c0 []float32) error {
	n := s.nl * s.nh
	switch {
	case h0 != nil && len(h0) != n:
		return fmt.Errorf("nn: Stepper.Reset: h0 has %d values, want [%d, 1, %d] = %d", len(h0), s.nl, s.nh, n)
	case c0 != nil && s.r.cell != CellLSTM:
		return fmt.Errorf("nn: Stepper.Reset: c0 given for a %s cell, which has no cell state", s.r.cell)
	case c0 != nil && len(c0) != n:
		return fmt.Errorf("nn: Stepper.Reset: c0 has %d values, want [%d, 1, %d] = %d", len(c0), s.nl, s.nh, n)
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
	if s.q != nil {
		s.quantizeState()
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
// current weights; calling SetInputTable again recomputes them only if
// table, W_ih or b_ih changed since (it keeps copies to compare). The
// projections need n*G*H floats; a nil table drops them.
func (s *Stepper) SetInputTable(table []float32, n int) error {
	if table == nil {
		s.table, s.tableN = nil, 0
		s.srcRows, s.srcW, s.srcB = nil, nil, nil
		return nil
	}
	if n < 1 || len(table) != n*s.ni {
		return fmt.Errorf("nn: Stepper.SetInputTable: table has %d values, want %d rows x %d = %d", len(table), n, s.ni, n*s.ni)
	}
	dir := s.r.dirs[0]
	var bih []float32
	if dir.bih != nil {
		bih = dir.bih.Data
	}
	if s.table != nil && s.tableN == n && slices.Equal(s.srcRows, table) && slices.Equal(s.srcW, dir.wih.Data) && slices.Equal(s.srcB, bih) {
		return nil
	}
	GH := s.r.g * s.nh
	s.table = xslices.Resize(s.table, n*GH)
	s.tableN = n
	tensor.Sgemm(false, true, n, GH, s.ni, 1, table, s.ni, dir.wih.Data, s.ni, 0, s.table, GH)
	if bih != nil {
		for i := range n {
			row := s.table[i*GH : (i+1)*GH]
			tensor.Add(row, row, bih)
		}
	}
	s.srcRows = append(s.srcRows[:0], table...)
	s.srcW = append(s.srcW[:0], dir.wih.Data...)
	s.srcB = append(s.srcB[:0], bih...)
	return nil
}

// Step advances the state by one step with input x [I] and returns the
// last layer's output h [H], a view valid until the next Step, StepRow or
// Reset.
func (s *Stepper) Step(x []float32) ([]float32, error) {
	if len(x) != s.ni {
		return nil, fmt.Errorf("nn: Stepper.Step: input has %d values, want %d", len(x), s.ni)
	}
	copy(s.x, x)
	s.row = -1
	if s.q != nil {
		s.q.xq.Quantize(0, s.x)
	}
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

// Whether sharing a step pays depends on the machine: on idle cores two
// goroutines read the weights faster than one, but when other processes
// keep every CPU busy a member holding a part is often descheduled, or
// shares the caller's CPU, and the caller alone is faster. So a stepper
// with a team times both: every period it runs probeSteps steps with the
// team and probeSteps on the caller alone (the same parts in the same
// order either way, so the same results), and runs the rest of the period
// the faster way. The period starts at minPeriod steps and doubles, up to
// maxPeriod, while the choice stays the same.
const (
	probeSteps = 32
	minPeriod  = 512
	maxPeriod  = 2048
)

func (s *Stepper) run() []float32 {
	if s.q != nil {
		for i := range s.q.done {
			s.q.done[i].Store(0)
		}
	}
	if s.threads == 1 || s.alone {
		tensor.RunSerial(s.phases, s.work)
	} else {
		if s.adaptStep == s.period {
			s.adaptStep = 0
		}
		k := s.adaptStep
		s.adaptStep++
		team := k < probeSteps || (k >= 2*probeSteps && s.teamFaster)
		t0 := time.Now()
		if team {
			s.sharedTeam().Run(s.phases, s.work)
		} else {
			tensor.RunSerial(s.phases, s.work)
		}
		switch {
		case k < probeSteps:
			s.teamTime += time.Since(t0)
		case k < 2*probeSteps:
			s.soloTime += time.Since(t0)
			if k == 2*probeSteps-1 {
				faster := s.teamTime < s.soloTime
				if faster == s.teamFaster {
					s.period = min(2*s.period, maxPeriod)
				} else {
					s.period = minPeriod
				}
				s.teamFaster = faster
				s.soloTime, s.teamTime = 0, 0
			}
		}
	}
	s.cur ^= 1
	return s.h[s.cur][(s.nl-1)*s.nh:]
}

// part computes part k of phase ph of a step: hidden units
// k*stepUnits up to (k+1)*stepUnits of one layer (GRU-Cho: phase 2l is
// layer l up to r*h, phase 2l+1 its n gate and new state).
func (s *Stepper) part(ph, k int) {
	r := s.r
	H, G := s.nh, r.g
	GH := G * H
	j0, j1 := k*stepUnits, min(H, (k+1)*stepUnits)
	prev, next := s.h[s.cur], s.h[s.cur^1]
	l, choN := ph, false
	if r.cell == CellGRUCho {
		l, choN = ph/2, ph%2 == 1
	}
	dir := r.dirs[l]
	hp, hc := prev[l*H:(l+1)*H], next[l*H:(l+1)*H]
	gi, gh := s.gi[l*GH:(l+1)*GH], s.gh[l*GH:(l+1)*GH]
	gate := func(g int) (in, rec []float32) { return gi[g*H+j0 : g*H+j1], gh[g*H+j0 : g*H+j1] }
	hpw, hcw := hp[j0:j1], hc[j0:j1]
	if choN {
		// n = tanh(W_in x + b_in + W_hn (r*h) + b_hn), now that r*h is
		// complete.
		a := 2*H + j0
		n, hn := gate(2)
		s.rhProj(l, a, s.rh[l*H:(l+1)*H], hn)
		if dir.bhh != nil {
			tensor.Add(hn, hn, dir.bhh.Data[a:2*H+j1])
		}
		tensor.Add(n, n, hn)
		gruUpdate(gi, hpw, hcw, H, j0, j1, 1)
		s.partDone(ph)
		return
	}
	x := s.x
	if l > 0 {
		x = next[(l-1)*H : l*H]
	}
	// The projections of all gates; for GRU-Cho the recurrent product of
	// r and z only.
	ng := G
	if r.cell == CellGRUCho {
		ng = 2
	}
	for g := 0; g < G; g++ {
		a, b := g*H+j0, g*H+j1
		if l == 0 && s.row >= 0 {
			copy(gi[a:b], s.table[s.row*GH+a:s.row*GH+b])
		} else {
			s.inProj(l, a, x, gi[a:b])
			if dir.bih != nil {
				tensor.Add(gi[a:b], gi[a:b], dir.bih.Data[a:b])
			}
		}
		if g < ng {
			s.recProj(l, a, hp, gh[a:b])
			if dir.bhh != nil {
				tensor.Add(gh[a:b], gh[a:b], dir.bhh.Data[a:b])
			}
		}
	}
	switch r.cell {
	case CellTanh, CellReLU, CellLSTM, CellGRU:
		var c []float32
		if r.cell == CellLSTM {
			c = s.c[l*H+j0 : l*H+j1]
		}
		cellUpdate(r.cell, gi, gh, H, j0, j1, hpw, c, hcw)
	case CellGRUCho:
		addSigmoid(gi, gh, H, j0, j1, 2)
		rg, _ := gate(0)
		tensor.Mul(s.rh[l*H+j0:l*H+j1], rg, hpw)
	case CellGRUMinimal:
		addSigmoid(gi, gh, H, j0, j1, 1)
		n, nh := gate(1)
		tensor.Add(n, n, nh)
		gruUpdate(gi, hpw, hcw, H, j0, j1, 0)
	}
	s.partDone(ph)
}

// cellUpdate finishes an eval-mode step of units lo..hi of one layer of a
// tanh, ReLU, LSTM or (PyTorch) GRU cell, for Stepper and BatchStepper:
// gate g's input and recurrent pre-activations are gi[g*H+lo : g*H+hi] and
// gh[g*H+lo : g*H+hi] (gh overwritten, and gi too for a GRU: the other
// cells only read gi, which may then be a shared input table's row), hp is
// those units' previous state (read by a GRU only), c their LSTM cell
// state (updated; nil for other cells) and out receives the new state (an
// LSTM's out may be hp).
func cellUpdate(cell CellKind, gi, gh []float32, H, lo, hi int, hp, c, out []float32) {
	gate := func(g int) (in, rec []float32) { return gi[g*H+lo : g*H+hi], gh[g*H+lo : g*H+hi] }
	switch cell {
	case CellTanh, CellReLU:
		a, b := gate(0)
		tensor.Add(out, a, b)
		if cell == CellReLU {
			for j, v := range out {
				out[j] = max(v, 0)
			}
		} else {
			tensor.Tanh(out, out)
		}
	case CellLSTM:
		// The activations into gh, c = f*c + i*g (each product and the sum
		// rounded on its own), out = o*tanh(c): fused, out doubling as the
		// scratch for tanh(c).
		tensor.LSTMCell(gh[lo:], H, gi[lo:], H, c, c, out, out)
	case CellGRU:
		addSigmoid(gi, gh, H, lo, hi, 2)
		rg, _ := gate(0)
		n, hn := gate(2)
		tensor.MulAdd(n, rg, hn)
		gruUpdate(gi, hp, out, H, lo, hi, 1)
	}
}

// gruUpdate finishes a GRU step of units j0..j1 from the n gate's full
// pre-activation (block zb+1 of gi) and the activated z gate (block zb):
// n = tanh(pre), h = n + z*(hp - n).
func gruUpdate(gi, hpw, hcw []float32, H, j0, j1, zb int) {
	gruBlend(hcw, gi[(zb+1)*H+j0:(zb+1)*H+j1], gi[zb*H+j0:zb*H+j1], hpw)
}

// addSigmoid sets the first gates gate blocks of gi, over units lo..hi, to
// sigmoid(gi + gh).
func addSigmoid(gi, gh []float32, H, lo, hi, gates int) {
	for g := range gates {
		a, b := gi[g*H+lo:g*H+hi], gh[g*H+lo:g*H+hi]
		tensor.Add(a, a, b)
		tensor.Sigmoid(a, a)
	}
}
