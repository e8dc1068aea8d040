package nn

import (
	"errors"
	"fmt"

	"github.com/recurrent-go/recurrent/tensor"
)

// BatchStepper runs a unidirectional RNN in evaluation mode (no dropout)
// one time step at a time for a batch of up to Cap independent rows, each
// with its own state: the inner loop of serving many generations at once,
// where one matrix-matrix product per weight matrix replaces a
// matrix-vector product per row, so the weights are read once per step
// instead of once per row. The states live with the caller ([L, B, H],
// updated in place), so rows may change between steps.
//
// The weights are packed for the GEMM kernel when the stepper is made: a
// snapshot, like Stepper's input table (make a new stepper after the
// weights change). It gives the outputs of RNN.Forward with T = 1 up to
// float32 rounding. A BatchStepper is not safe for concurrent use; its
// working memory is allocated once, for Cap rows.
type BatchStepper struct {
	r          *RNN
	cap        int
	nl, nh, ni int
	wih, whh   []tensor.PackedMat // [L] W_ih^T and W_hh^T packed
	gi, gh     []float32          // [Cap, G*H] projections of one layer
	hNext      []float32          // [Cap, H] one layer's new state
	q          *batchInt8         // int8 weights and rows, or nil (batchstep_int8.go)
	serial     bool               // a Twin: every product on the calling goroutine
	alone      bool               // SetSerial: likewise, until SetSerial(false)
}

// NewBatchStepper returns a stepper for up to capacity rows. It supports
// the tanh, relu, lstm and gru cells of a unidirectional RNN.
func (r *RNN) NewBatchStepper(capacity int) (*BatchStepper, error) {
	if r.d != 1 {
		return nil, errors.New("nn: NewBatchStepper: a bidirectional RNN cannot run step by step")
	}
	switch r.cell {
	case CellTanh, CellReLU, CellLSTM, CellGRU:
	default:
		return nil, fmt.Errorf("nn: NewBatchStepper: the %s cell is not supported (tanh, relu, lstm, gru are)", r.cell)
	}
	if capacity < 1 {
		return nil, fmt.Errorf("nn: NewBatchStepper: capacity %d must be positive", capacity)
	}
	L, H, G := r.cfg.NumLayers, r.h, r.g
	s := &BatchStepper{r: r, cap: capacity, nl: L, nh: H, ni: r.cfg.InputSize,
		wih: make([]tensor.PackedMat, L), whh: make([]tensor.PackedMat, L),
		gi: make([]float32, capacity*G*H), gh: make([]float32, capacity*G*H), hNext: make([]float32, capacity*H)}
	for l, dir := range r.dirs {
		s.wih[l].Pack(true, dir.in, G*H, dir.wih.Data, dir.in, capacity)
		s.whh[l].Pack(true, H, G*H, dir.whh.Data, H, capacity)
	}
	return s, nil
}

// Twin returns a stepper for up to capacity rows that shares s's weights
// (the packed float32 matrices and, with SetInt8, the int8 ones: read
// only, never copied) but has its own working memory, and runs each step
// on the calling goroutine alone. A caller that shares the rows of a
// batch over goroutines gives each goroutine its own twin, and the twins
// step at once: with int8 products a row's outputs are the same bit for
// bit in any twin and any batch (see SetInt8). A twin keeps s's int8
// setting; SetInt8 on it quantizes its own copy of the weights (and still
// runs on the calling goroutine). Close it as any stepper.
func (s *BatchStepper) Twin(capacity int) (*BatchStepper, error) {
	if capacity < 1 {
		return nil, fmt.Errorf("nn: BatchStepper.Twin: capacity %d must be positive", capacity)
	}
	GH := s.r.g * s.nh
	t := &BatchStepper{r: s.r, cap: capacity, nl: s.nl, nh: s.nh, ni: s.ni, wih: s.wih, whh: s.whh,
		gi: make([]float32, capacity*GH), gh: make([]float32, capacity*GH), hNext: make([]float32, capacity*s.nh), serial: true}
	if s.q != nil {
		t.q = s.q.twin(s, capacity)
		t.q.work = t.int8Part
	}
	return t, nil
}

// Sibling returns a twin of s for up to capacity rows (the same weights,
// read in place; its own working memory) that shares its steps as s
// does: among tensor.Threads() goroutines until SetSerial(true), with a
// team of its own for int8 products (started at its first shared step).
// s and its siblings may step at once from different goroutines; s must
// stay open while a sibling is used.
func (s *BatchStepper) Sibling(capacity int) (*BatchStepper, error) {
	t, err := s.Twin(capacity)
	if err != nil {
		return nil, err
	}
	t.serial = false
	return t, nil
}

// SetSerial makes the following steps run on the calling goroutine alone
// (on) or shared by the stepper's goroutines again (off; a twin always
// runs alone, a sibling shares as its original), for a caller that keeps
// the other CPUs busy itself, e.g. with other steppers. The results are
// the same either way.
func (s *BatchStepper) SetSerial(on bool) { s.alone = on }

// Cap returns the largest batch a step takes.
func (s *BatchStepper) Cap() int { return s.cap }

// InputProjections returns x W_ih^T + b_ih of the first layer for each of
// the n rows of x [n, I], [n, G*H]: the values Stepper.SetInputTable
// computes (the same products, so the same rounding), to pass as gi0.
func (s *BatchStepper) InputProjections(x []float32, n int) ([]float32, error) {
	if n < 1 || len(x) != n*s.ni {
		return nil, fmt.Errorf("nn: BatchStepper.InputProjections: %d values, want %d rows x %d", len(x), n, s.ni)
	}
	dir := s.r.dirs[0]
	GH := s.r.g * s.nh
	out := make([]float32, n*GH)
	tensor.Sgemm(false, true, n, GH, s.ni, 1, x, s.ni, dir.wih.Data, s.ni, 0, out, GH)
	if dir.bih != nil {
		for i := range n {
			row := out[i*GH : (i+1)*GH]
			tensor.Add(row, row, dir.bih.Data)
		}
	}
	return out, nil
}

// Step advances B rows by one step. The first layer's input is x [B, I],
// or when x is nil gi0 [B, G*H], its input projections with b_ih (rows of
// InputProjections). h [L, B, H] and, for an LSTM, c [L, B, H] are the
// states, updated in place. It returns the last layer's output [B, H], a
// view of h.
func (s *BatchStepper) Step(B int, x, gi0, h, c []float32) ([]float32, error) {
	if x != nil {
		gi0 = nil
	}
	return s.step(B, x, rowsIn{gi0: gi0}, nil, h, c)
}

// StepTable is Step (and, with fromTable, StepMixed) with the first
// layer's input projections read in place from table [N, G*H] (rows of
// InputProjections): row b takes table row ids[b], without a copy into a
// gi0 first. With fromTable nil every row reads the table and x is
// ignored; otherwise row b reads the table when fromTable[b] and x [B, I]
// when not. The results are Step's (StepMixed's) with gi0 row b = table
// row ids[b], bit for bit.
func (s *BatchStepper) StepTable(B int, table []float32, ids []int32, x []float32, fromTable []bool, h, c []float32) ([]float32, error) {
	GH := s.r.g * s.nh
	if B < 1 || B > s.cap || len(ids) != B || fromTable != nil && (len(fromTable) != B || x == nil) {
		return nil, fmt.Errorf("nn: BatchStepper.StepTable: batch %d (capacity %d) with %d ids and %d row flags, x set %v", B, s.cap, len(ids), len(fromTable), x != nil)
	}
	if len(table)%GH != 0 {
		return nil, fmt.Errorf("nn: BatchStepper.StepTable: table has %d values, not rows of %d", len(table), GH)
	}
	for b, id := range ids {
		if (fromTable == nil || fromTable[b]) && (id < 0 || int(id) >= len(table)/GH) {
			return nil, fmt.Errorf("nn: BatchStepper.StepTable: row %d: id %d outside the table's %d rows", b, id, len(table)/GH)
		}
	}
	if fromTable == nil {
		x = nil
	}
	return s.step(B, x, rowsIn{table: table, ids: ids}, fromTable, h, c)
}

// rowsIn holds the first layer's input projections of a step: either gi0
// [B, G*H], or table rows selected by ids. A nil rowsIn has neither.
type rowsIn struct {
	gi0, table []float32
	ids        []int32
}

func (r rowsIn) isNil() bool { return r.gi0 == nil && r.table == nil }

// row returns the columns [lo, hi) of row b's input projections.
func (r rowsIn) row(b, GH, lo, hi int) []float32 {
	if r.ids != nil {
		o := int(r.ids[b]) * GH
		return r.table[o+lo : o+hi]
	}
	return r.gi0[b*GH+lo : b*GH+hi]
}

// StepMixed is Step for a batch whose rows take the first layer's input
// in both forms: row b from gi0 [B, G*H] (input projections) when
// fromTable[b], from x [B, I] otherwise (the other rows of each are not
// read). A server needs it when each stream follows the input plan its
// lone generation would (a table or not), as an int8 model's streams do to
// stay bit-identical to their lone runs.
func (s *BatchStepper) StepMixed(B int, x, gi0 []float32, fromTable []bool, h, c []float32) ([]float32, error) {
	if x == nil || gi0 == nil || len(fromTable) != B {
		return nil, fmt.Errorf("nn: BatchStepper.StepMixed: need x, gi0 and %d row flags (have %d)", B, len(fromTable))
	}
	return s.step(B, x, rowsIn{gi0: gi0}, fromTable, h, c)
}

func (s *BatchStepper) step(B int, x []float32, gi0 rowsIn, fromTable []bool, h, c []float32) ([]float32, error) {
	r := s.r
	L, H, G := s.nl, s.nh, r.g
	GH := G * H
	switch {
	case B < 1 || B > s.cap:
		return nil, fmt.Errorf("nn: BatchStepper.Step: batch %d outside [1, %d]", B, s.cap)
	case gi0.gi0 != nil && len(gi0.gi0) != B*GH:
		return nil, fmt.Errorf("nn: BatchStepper.Step: gi0 has %d values, want %d", len(gi0.gi0), B*GH)
	case x == nil && gi0.isNil():
		return nil, errors.New("nn: BatchStepper.Step: no input (x or gi0)")
	case x != nil && len(x) != B*s.ni:
		return nil, fmt.Errorf("nn: BatchStepper.Step: x has %d values, want %d", len(x), B*s.ni)
	case len(h) != L*B*H:
		return nil, fmt.Errorf("nn: BatchStepper.Step: h has %d values, want %d", len(h), L*B*H)
	case r.cell == CellLSTM && len(c) != L*B*H:
		return nil, fmt.Errorf("nn: BatchStepper.Step: c has %d values, want %d", len(c), L*B*H)
	}
	if s.q != nil {
		return s.stepInt8(B, x, gi0, fromTable, h, c), nil
	}
	gi, gh, hn := s.gi[:B*GH], s.gh[:B*GH], s.hNext[:B*H]
	for l := range L {
		dir := r.dirs[l]
		hl := h[l*B*H : (l+1)*B*H]
		switch {
		case l == 0 && x == nil:
			for b := range B {
				copy(gi[b*GH:(b+1)*GH], gi0.row(b, GH, 0, GH))
			}
		default:
			in := x
			if l > 0 {
				in = h[(l-1)*B*H : l*B*H]
			}
			s.sgemm(B, in, dir.in, &s.wih[l], gi, GH)
			if dir.bih != nil {
				for b := range B {
					row := gi[b*GH : (b+1)*GH]
					tensor.Add(row, row, dir.bih.Data)
				}
			}
			if l == 0 {
				for b, t := range fromTable {
					if t {
						copy(gi[b*GH:(b+1)*GH], gi0.row(b, GH, 0, GH))
					}
				}
			}
		}
		s.sgemm(B, hl, H, &s.whh[l], gh, GH)
		if dir.bhh != nil {
			for b := range B {
				row := gh[b*GH : (b+1)*GH]
				tensor.Add(row, row, dir.bhh.Data)
			}
		}
		for b := range B {
			gib, ghb := gi[b*GH:(b+1)*GH], gh[b*GH:(b+1)*GH]
			hp, out := hl[b*H:(b+1)*H], hn[b*H:(b+1)*H]
			var cb []float32
			if r.cell == CellLSTM {
				cb = c[l*B*H+b*H : l*B*H+(b+1)*H]
			}
			cellUpdate(r.cell, gib, ghb, H, 0, H, hp, cb, out)
		}
		copy(hl, hn)
	}
	return h[(L-1)*B*H : L*B*H], nil
}

// sgemm sets c [B, n] = a [B, k] times the packed w: on Threads()
// goroutines, or on the calling one for a twin.
func (s *BatchStepper) sgemm(B int, a []float32, lda int, w *tensor.PackedMat, c []float32, ldc int) {
	if s.serial || s.alone {
		tensor.SgemmPackedSerial(false, B, 1, a, lda, w, 0, c, ldc)
		return
	}
	tensor.SgemmPacked(false, B, 1, a, lda, w, 0, c, ldc)
}
