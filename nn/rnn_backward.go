package nn

import (
	"errors"
	"fmt"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// ErrNoForward is returned by Backward when no successful Forward
// preceded it.
var ErrNoForward = errors.New("nn: RNN.Backward called without a successful Forward")

// Backward backpropagates through the last Forward. dOut [T, B, D*H] is
// the gradient of the loss with respect to out, dhN and dcN [L*D, B, H]
// those with respect to hN and cN; any of them may be nil (zero). It adds
// the parameter gradients to each Param.Grad (so gradients of several
// losses or truncated-BPTT chunks accumulate) and returns the gradients of
// x [T, B, I], h0 and (LSTM only) c0 [L*D, B, H], as views valid until the
// next call.
func (r *RNN) Backward(dOut, dhN, dcN []float32) (dx, dh0, dc0 []float32, err error) {
	if !r.forwarded {
		return nil, nil, nil, ErrNoForward
	}
	L, D, H, G, T, B, I := r.cfg.NumLayers, r.d, r.h, r.g, r.t, r.b, r.cfg.InputSize
	GH := G * H
	ns := L * D * B * H
	switch {
	case dOut != nil && len(dOut) != T*B*D*H:
		return nil, nil, nil, fmt.Errorf("nn: RNN.Backward: dOut has %d values, want [%d, %d, %d] = %d", len(dOut), T, B, D*H, T*B*D*H)
	case dhN != nil && len(dhN) != ns:
		return nil, nil, nil, fmt.Errorf("nn: RNN.Backward: dhN has %d values, want [%d, %d, %d] = %d", len(dhN), L*D, B, H, ns)
	case dcN != nil && r.cell != CellLSTM:
		return nil, nil, nil, fmt.Errorf("nn: RNN.Backward: dcN given for a %s cell, which has no cell state", r.cell)
	case dcN != nil && len(dcN) != ns:
		return nil, nil, nil, fmt.Errorf("nn: RNN.Backward: dcN has %d values, want [%d, %d, %d] = %d", len(dcN), L*D, B, H, ns)
	}
	if r.tableV > 0 {
		r.dx = xslices.Resize(r.dx, r.tableV*I)
	} else {
		r.dx = xslices.Resize(r.dx, T*B*I)
	}
	r.dh0 = xslices.Resize(r.dh0, ns)
	if r.cell == CellLSTM {
		r.dc0 = xslices.Resize(r.dc0, ns)
	}
	if L > 1 {
		r.dIn = xslices.Resize(r.dIn, T*B*D*H)
		r.dOutBuf = xslices.Resize(r.dOutBuf, T*B*D*H)
	}
	for _, dir := range r.dirs {
		dir.dg = xslices.Resize(dir.dg, T*B*GH)
		if r.cell == CellGRU {
			dir.dgh = xslices.Resize(dir.dgh, T*B*GH)
		} else {
			dir.dgh = dir.dg
		}
		dir.dh = xslices.Resize(dir.dh, B*H)
		dir.dhp = xslices.Resize(dir.dhp, B*H)
		if r.cell == CellLSTM {
			dir.dc = xslices.Resize(dir.dc, B*H)
		}
		if r.cell == CellGRUCho {
			dir.drh = xslices.Resize(dir.drh, B*H)
		}
	}
	gOut := dOut // gradient of the current layer's output (nil: zero)
	for l := L - 1; l >= 0; l-- {
		in := r.x
		if l > 0 {
			in = r.outs[l-1]
			if r.masked[l-1] {
				in = r.dropped[l-1]
			}
		}
		r.runDirs(l, func(d int) {
			dir := r.dirs[l*D+d]
			s := (l*D + d) * B * H
			r.backwardDir(dir, d, in, gOut, dirState(dhN, s, B*H), dirState(dcN, s, B*H))
			copy(r.dh0[s:s+B*H], dir.dh)
			if r.cell == CellLSTM {
				copy(r.dc0[s:s+B*H], dir.dc)
			}
		})
		if l == 0 && r.noInGrad {
			break
		}
		// Gradient of this layer's input: sum over directions of dg W_ih.
		dIn := r.dx
		if l > 0 {
			dIn = r.dIn
		}
		for d := 0; d < D; d++ {
			dir := r.dirs[l*D+d]
			beta := float32(0)
			if d > 0 {
				beta = 1
			}
			if dir.first && r.tableV > 0 {
				// The table's gradient: dE = dP W_ih0.
				tensor.Sgemm(false, false, r.tableV, dir.in, GH, 1, dir.p, GH, dir.wih.Data, dir.in, beta, dIn, dir.in)
				continue
			}
			tensor.Sgemm(false, false, T*B, dir.in, GH, 1, dir.dg, GH, dir.wih.Data, dir.in, beta, dIn, dir.in)
		}
		if l > 0 {
			if r.masked[l-1] {
				tensor.Mul(r.dOutBuf, dIn, r.masks[l-1])
			} else {
				copy(r.dOutBuf, dIn)
			}
			gOut = r.dOutBuf
		}
	}
	if r.cell == CellLSTM {
		dc0 = r.dc0
	}
	if r.noInGrad {
		return nil, r.dh0, dc0, nil
	}
	return r.dx, r.dh0, dc0, nil
}

// backwardDir backpropagates direction d of one layer, given the layer's
// input in [T, B, in] and the gradient of its output gOut [T, B, D*H]
// (nil: zero). It leaves the gradients of h0 (and c0) in dir.dh (dir.dc)
// and the input-side pre-activation gradients in dir.dg.
func (r *RNN) backwardDir(dir *rnnDir, d int, in, gOut, dhN, dcN []float32) {
	T, B, H, G := r.t, r.b, r.h, r.g
	GH := G * H
	if dhN != nil {
		copy(dir.dh, dhN)
	} else {
		clear(dir.dh)
	}
	if r.cell == CellLSTM {
		if dcN != nil {
			copy(dir.dc, dcN)
		} else {
			clear(dir.dc)
		}
	}
	r.backwardLoop(dir, d, gOut)
	// Weight gradients, one GEMM each over all steps; in table mode the
	// input side's over the table rows, with the gate gradients summed per
	// id (dP).
	dgIn, rows := dir.dg, T*B
	table := dir.first && r.tableV > 0
	if table {
		dgIn, rows = dir.p, r.tableV
	}
	r.gateGradSums(dir, table)
	tensor.Sgemm(true, false, GH, dir.in, rows, 1, dgIn, GH, in, dir.in, 1, dir.wih.Grad, dir.in)
	p0, _ := dir.slots(0)
	hprev := dir.hs[p0*B*H : (p0+T)*B*H] // [T, B, H] state before each step
	if r.cell == CellGRUCho {
		tensor.Sgemm(true, false, 2*H, H, T*B, 1, dir.dgh, GH, hprev, H, 1, dir.whh.Grad, H)
		tensor.Sgemm(true, false, H, H, T*B, 1, dir.dgh[2*H:], GH, dir.aux, H, 1, dir.whh.Grad[2*H*H:], H)
	} else {
		tensor.Sgemm(true, false, GH, H, T*B, 1, dir.dgh, GH, hprev, H, 1, dir.whh.Grad, H)
	}
}

// gateGradSums makes the sums over rows of the gate gradients that
// backwardDir needs besides its GEMMs, in one pass over dg: in table mode
// (layer 0 read through ForwardTable) dP [V, G*H], dg summed per id; the
// bias gradients, db_ih += column sums of dg (in table mode of dP) and
// db_hh += column sums of dgh. Every sum adds the rows one at a time in
// row order, as separate passes (scatterRows, colSums) did before, on one
// goroutine: shared out by column blocks over two threads the same sums
// ran about 2x slower here (each part reads a strided slice of every row;
// BenchmarkGateGradSums), and by rows they would change the order.
func (r *RNN) gateGradSums(dir *rnnDir, table bool) {
	rows, GH := r.t*r.b, r.g*r.h
	var bih, bhh []float32
	if dir.bih != nil {
		bih, bhh = dir.bih.Grad, dir.bhh.Grad
	}
	if table {
		clear(dir.p[:r.tableV*GH])
	}
	for i := 0; i < rows; i++ {
		g := dir.dg[i*GH : (i+1)*GH]
		switch {
		case table:
			id := int(r.ids[i])
			d := dir.p[id*GH : (id+1)*GH]
			tensor.Add(d, d, g)
		case bih != nil:
			tensor.Add(bih, bih, g)
		}
		if bhh != nil {
			tensor.Add(bhh, bhh, dir.dgh[i*GH:(i+1)*GH])
		}
	}
	if table && bih != nil {
		for v := 0; v < r.tableV; v++ {
			tensor.Add(bih, bih, dir.p[v*GH:(v+1)*GH])
		}
	}
}

// backwardSteps is backwardDir's time loop on the calling goroutine.
func (r *RNN) backwardSteps(dir *rnnDir, d int, gOut []float32) {
	T, B, H, G := r.t, r.b, r.h, r.g
	GH := G * H
	DH := r.d * H
	whh := dir.whh.Data
	// W_hh packed once for the per-step dh_prev products (see forwardDir).
	direct := B <= recurDirectRows
	if !direct {
		kb := GH
		if r.cell == CellGRUCho {
			kb = 2 * H
		}
		dir.whhPB.PackShared(false, kb, H, whh, H, B)
	}
	for s := T - 1; s >= 0; s-- {
		t := s
		if dir.reverse {
			t = T - 1 - s
		}
		act := r.activeAt(t)
		if gOut != nil {
			for b := 0; b < B; b++ {
				if act != nil && !act[b] {
					continue
				}
				g := gOut[(t*B+b)*DH+d*H : (t*B+b)*DH+(d+1)*H]
				tensor.Add(dir.dh[b*H:(b+1)*H], dir.dh[b*H:(b+1)*H], g)
			}
		}
		ps, _ := dir.slots(t)
		hp := dir.hs[ps*B*H : (ps+1)*B*H]
		a := dir.a[t*B*GH : (t+1)*B*GH]
		dg := dir.dg[t*B*GH : (t+1)*B*GH]
		dgh := dir.dgh[t*B*GH : (t+1)*B*GH]
		k := GH // rows of W_hh the recurrent gradient flows through
		switch r.cell {
		case CellTanh, CellReLU:
			backTanhReLU(r.cell == CellReLU, a, dir.dh, dg, dir.dhp, B, H, act)
		case CellLSTM:
			backLSTM(a, dir.cs[ps*B*H:(ps+1)*B*H], dir.aux[t*B*H:(t+1)*B*H], dir.dh, dir.dc, dg, dir.dhp, B, H, act)
		case CellGRU:
			backGRU(a, dir.aux[t*B*H:(t+1)*B*H], hp, dir.dh, dg, dgh, dir.dhp, B, H, act)
		case CellGRUCho:
			backGRUZN(a, hp, dir.dh, dg, dir.dhp, B, H, 3, act)
			// d(r*h) = dn W_hn.
			tensor.Sgemm(false, false, B, H, H, 1, dg[2*H:], GH, whh[2*H*H:], H, 0, dir.drh, H)
			backGRUChoR(a, hp, dir.drh, dg, dir.dhp, B, H, act)
			k = 2 * H
		case CellGRUMinimal:
			backGRUZN(a, hp, dir.dh, dg, dir.dhp, B, H, 2, act)
		}
		// dh_prev += dgh W_hh.
		if direct {
			tensor.Sgemm(false, false, B, H, k, 1, dgh, GH, whh, H, 1, dir.dhp, H)
		} else if dir.alone {
			tensor.SgemmPackedSerial(false, B, 1, dgh, GH, &dir.whhPB, 1, dir.dhp, H)
		} else {
			tensor.SgemmPacked(false, B, 1, dgh, GH, &dir.whhPB, 1, dir.dhp, H)
		}
		dir.dh, dir.dhp = dir.dhp, dir.dh
	}
}
