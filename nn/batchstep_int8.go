package nn

import (
	"runtime"

	"github.com/recurrent-go/recurrent/tensor"
)

// batchInt8 is a BatchStepper's int8 state: quantized weights, the
// quantized rows of each step, and the team that shares a step's parts.
//
// A step runs in phases on the team: phase 0 quantizes every row's input
// and states (one part per row); then per layer, a products phase (parts
// of batchInt8Rows weight rows: W_ih's, then W_hh's, each for every row
// of the batch) and an update phase (one part per row: the cell update,
// then the new state quantized for the next layer or the decoder).
type batchInt8 struct {
	wih, whh []*tensor.Int8Matrix // per layer: W_ih [G*H, in], W_hh [G*H, H]
	xq       *tensor.Int8Batch    // [Cap, I] the first layer's inputs
	hq       []*tensor.Int8Batch  // per layer [Cap, H]: the states before the step
	nq       []*tensor.Int8Batch  // per layer [Cap, H]: the states after it
	team     *tensor.Team
	phases   []int                 // parts per phase of the current step
	work     func(phase, part int) // s.int8Part, bound once so that a step does not allocate
	// The current step's arguments.
	b         int
	x, h, c   []float32
	gi0       rowsIn
	fromTable []bool // per row: the first layer's input from gi0, or nil
	blocks    int    // weight-row parts per matrix
}

// batchInt8Rows is the number of weight rows per part of a products
// phase (a multiple of the kernels' four rows).
const batchInt8Rows = 64

// SetInt8 switches the stepper to int8 products (on) or back to float32,
// as Stepper.SetInt8 does: W_ih and W_hh are quantized to int8 with one
// scale per row (a snapshot of the current weights), and each row's
// input and states are quantized per step with one scale per row (per
// stream). Each row's products, biases and cell update are the ones a
// Stepper with SetInt8 computes for that row alone (exact integer sums,
// then the same float32 operations), so a row's outputs do not depend on
// the other rows of the batch, nor on its size, and equal a lone
// Stepper's bit for bit. The products of a step are shared by
// tensor.Threads() goroutines. It fails if a weight is not finite.
func (s *BatchStepper) SetInt8(on bool) error {
	if s.q != nil && s.q.team != nil {
		s.q.team.Close()
	}
	s.q = nil
	if !on {
		return nil
	}
	r := s.r
	GH := r.g * s.nh
	q := &batchInt8{xq: tensor.NewInt8Batch(s.cap, s.ni), phases: make([]int, 1+2*s.nl),
		blocks: (GH + batchInt8Rows - 1) / batchInt8Rows}
	var err error
	if q.wih, q.whh, err = r.quantizeWeights(s.nl, "BatchStepper"); err != nil {
		return err
	}
	for range s.nl {
		q.hq = append(q.hq, tensor.NewInt8Batch(s.cap, s.nh))
		q.nq = append(q.nq, tensor.NewInt8Batch(s.cap, s.nh))
	}
	s.q = q
	q.work = s.int8Part
	return nil
}

// twin returns the int8 state of a twin of s for capacity rows: the same
// weights, its own rows, no team (steps run on the calling goroutine).
func (q *batchInt8) twin(s *BatchStepper, capacity int) *batchInt8 {
	t := &batchInt8{wih: q.wih, whh: q.whh, xq: tensor.NewInt8Batch(capacity, s.ni), phases: make([]int, len(q.phases)), blocks: q.blocks}
	for range s.nl {
		t.hq = append(t.hq, tensor.NewInt8Batch(capacity, s.nh))
		t.nq = append(t.nq, tensor.NewInt8Batch(capacity, s.nh))
	}
	return t
}

// Int8 reports whether the stepper runs int8 products (see SetInt8).
func (s *BatchStepper) Int8() bool { return s.q != nil }

// Int8Output returns the last layer's outputs of the last step quantized
// for int8 products, row b of the batch as vector b: what an int8
// decoder multiplies (tensor.Int8Matrix.MulBatchN), valid until the next
// Step. It returns nil without SetInt8.
func (s *BatchStepper) Int8Output() *tensor.Int8Batch {
	if s.q == nil {
		return nil
	}
	return s.q.nq[s.nl-1]
}

// Close stops the goroutines of an int8 stepper (a float32 one has
// none). The stepper must not be used after.
func (s *BatchStepper) Close() {
	if s.q != nil && s.q.team != nil {
		s.q.team.Close()
	}
}

// int8Team returns the team that shares the int8 steps, started at the
// first step that shares them (tensor.Threads() goroutines then), or nil
// for a step on the calling goroutine: a twin's, after SetSerial(true), or
// with one thread.
func (s *BatchStepper) int8Team() *tensor.Team {
	q := s.q
	if s.serial || s.alone {
		return nil
	}
	if q.team == nil {
		if tensor.Threads() == 1 {
			return nil
		}
		q.team = tensor.NewTeam(tensor.Threads())
		// A stepper dropped without Close still stops its goroutines.
		runtime.AddCleanup(s, func(t *tensor.Team) { t.Close() }, q.team)
	}
	return q.team
}

// stepInt8 is Step with int8 products (arguments already checked).
func (s *BatchStepper) stepInt8(B int, x []float32, gi0 rowsIn, fromTable []bool, h, c []float32) []float32 {
	q := s.q
	q.b, q.x, q.gi0, q.h, q.c, q.fromTable = B, x, gi0, h, c, fromTable
	q.phases[0] = B
	for l := range s.nl {
		q.phases[1+2*l] = 2 * q.blocks
		q.phases[2+2*l] = B
	}
	if team := s.int8Team(); team == nil {
		tensor.RunSerial(q.phases, q.work)
	} else {
		team.Run(q.phases, q.work)
	}
	q.x, q.gi0, q.h, q.c, q.fromTable = nil, rowsIn{}, nil, nil, nil
	H := s.nh
	return h[(s.nl-1)*B*H : s.nl*B*H]
}

// int8Part runs part k of phase ph of an int8 step (see batchInt8).
func (s *BatchStepper) int8Part(ph, k int) {
	q, r := s.q, s.r
	B, L, H := q.b, s.nl, s.nh
	GH := r.g * H
	if ph == 0 {
		if q.x != nil && (q.fromTable == nil || !q.fromTable[k]) {
			q.xq.Quantize(k, q.x[k*s.ni:(k+1)*s.ni])
		}
		for l := range L {
			q.hq[l].Quantize(k, q.h[l*B*H+k*H:l*B*H+(k+1)*H])
		}
		return
	}
	l := (ph - 1) / 2
	dir := r.dirs[l]
	gi, gh := s.gi[:B*GH], s.gh[:B*GH]
	if ph%2 == 1 { // products
		m, x, y, bias, blk := q.wih[l], q.xq, gi, dir.bih, k
		switch {
		case k >= q.blocks:
			m, x, y, bias, blk = q.whh[l], q.hq[l], gh, dir.bhh, k-q.blocks
		case l > 0:
			x = q.nq[l-1]
		}
		r0 := blk * batchInt8Rows
		r1 := min(GH, r0+batchInt8Rows)
		if l == 0 && k < q.blocks && (q.x == nil || q.fromTable != nil) {
			// Row by row: from the table (read in place by the update
			// but for a GRU), or the product of the row's input.
			for b := range B {
				row := gi[b*GH+r0 : b*GH+r1]
				if q.x == nil || q.fromTable[b] {
					if r.cell == CellGRU {
						copy(row, q.gi0.row(b, GH, r0, r1))
					}
					continue
				}
				m.MulVec(r0, x, b, row)
				if bias != nil {
					tensor.Add(row, row, bias.Data[r0:r1])
				}
			}
			return
		}
		var bv []float32
		if bias != nil {
			bv = bias.Data[r0:r1]
		}
		m.MulBatchNBias(r0, r1-r0, x, B, bv, y[r0:], GH) // the product, then + bias (as a lone row's MulVec and Add)
		return
	}
	// update of row k
	hl := q.h[l*B*H : (l+1)*B*H]
	hp, out := hl[k*H:(k+1)*H], s.hNext[k*H:(k+1)*H]
	var cb []float32
	if r.cell == CellLSTM {
		cb = q.c[l*B*H+k*H : l*B*H+(k+1)*H]
		out = hp // the LSTM update does not read hp
	}
	gik := gi[k*GH : (k+1)*GH]
	if l == 0 && r.cell != CellGRU && (q.x == nil || q.fromTable != nil && q.fromTable[k]) {
		gik = q.gi0.row(k, GH, 0, GH)
	}
	cellUpdate(r.cell, gik, gh[k*GH:(k+1)*GH], H, 0, H, hp, cb, out)
	if &out[0] != &hp[0] {
		copy(hp, out)
	}
	q.nq[l].Quantize(k, hp)
}
