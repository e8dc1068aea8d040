package nn

import (
	"fmt"

	"github.com/recurrent-go/recurrent/tensor"
)

// CellKind names the recurrence computed by an RNN.
type CellKind int

// The supported cells. Gate order is PyTorch's.
const (
	// CellTanh is the Elman RNN h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
	CellTanh CellKind = iota
	// CellReLU is the Elman RNN with ReLU instead of tanh.
	CellReLU
	// CellLSTM is the LSTM with gates i, f, g, o.
	CellLSTM
	// CellGRU is PyTorch's (cuDNN's) GRU, gates r, z, n, with the reset gate
	// applied after the recurrent matmul: n = tanh(W_in x + b_in + r*(W_hn h + b_hn)).
	CellGRU
	// CellGRUCho is the GRU of Cho et al. (2014), reset applied before the
	// matmul: n = tanh(W_in x + b_in + W_hn (r*h) + b_hn).
	CellGRUCho
	// CellGRUMinimal has gates z, n only: n = tanh(W_in x + b_in + W_hn h + b_hn).
	CellGRUMinimal
)

var cellNames = [...]string{"rnn_tanh", "rnn_relu", "lstm", "gru", "gru_cho", "gru_minimal"}

// String returns the cell's configuration name ("lstm", "gru_cho", ...).
func (c CellKind) String() string {
	if c < 0 || int(c) >= len(cellNames) {
		return fmt.Sprintf("CellKind(%d)", int(c))
	}
	return cellNames[c]
}

// ParseCell maps a cell name to its kind. Accepted names are rnn_tanh (also
// "rnn" and "tanh"), rnn_relu ("relu"), lstm, gru, gru_cho and gru_minimal.
func ParseCell(name string) (CellKind, error) {
	switch name {
	case "rnn", "tanh":
		return CellTanh, nil
	case "relu":
		return CellReLU, nil
	}
	for i, n := range cellNames {
		if n == name {
			return CellKind(i), nil
		}
	}
	return 0, fmt.Errorf("nn: unknown recurrent cell %q (want one of rnn_tanh, rnn_relu, lstm, gru, gru_cho, gru_minimal)", name)
}

// Gates returns the number of gate blocks G in the cell's weights [G*H, *].
func (c CellKind) Gates() int {
	switch c {
	case CellLSTM:
		return 4
	case CellGRU, CellGRUCho:
		return 3
	case CellGRUMinimal:
		return 2
	}
	return 1
}

// foldsHiddenBias reports whether bias_hh of gate block g can be added to
// the input projection once, outside the time loop. Only PyTorch's GRU
// keeps b_hn inside the reset product.
func (c CellKind) foldsHiddenBias(g int) bool {
	return !(c == CellGRU && g == 2)
}

// The step kernels below work on one time step of one direction for the
// whole batch. Shapes: a [B, G*H] holds the pre-activations from the input
// projection (biases included) and is overwritten with the gate activations;
// hw [B, G*H] is the recurrent projection h_prev W_hh^T; hp, hc, cp, cc
// [B, H] are the previous and current hidden and cell states; active[b]
// says whether row b has a valid input at this step (nil: all rows).
// Inactive rows keep their state unchanged (pack_padded_sequence).

// keepInactive reports whether row b is inactive and, if so, keeps its
// state: hc = hp (the rows of b).
func keepInactive(active []bool, b int, hc, hp []float32) bool {
	if active == nil || active[b] {
		return false
	}
	copy(hc, hp)
	return true
}

// gruBlend finishes a GRU step from the candidate pre-activation n
// (overwritten) and the update gate z: n = tanh(n), h = n + z*(hp - n).
func gruBlend(h, n, z, hp []float32) {
	tensor.Tanh(n, n)
	h, z, hp = h[:len(n)], z[:len(n)], hp[:len(n)]
	for j := range n {
		h[j] = n[j] + z[j]*(hp[j]-n[j])
	}
}

// stepTanhReLU: h = act(a + hw).
func stepTanhReLU(relu bool, a, hw, hp, hc []float32, B, H int, active []bool) {
	tensor.Add(a[:B*H], a[:B*H], hw[:B*H])
	if relu {
		for i, v := range a[:B*H] {
			if v < 0 {
				a[i] = 0
			}
		}
	} else {
		tensor.Tanh(a[:B*H], a[:B*H])
	}
	copy(hc[:B*H], a[:B*H])
	for b := 0; b < B; b++ {
		keepInactive(active, b, hc[b*H:(b+1)*H], hp[b*H:(b+1)*H])
	}
}

// stepLSTM: i,f,o = sigmoid, g = tanh, c = f*cp + i*g, h = o*tanh(c).
// tc [B, H] receives tanh(c).
func stepLSTM(a, hw, hp, hc, cp, cc, tc []float32, B, H int, active []bool) {
	stepLSTMUnits(a, hw, hp, hc, cp, cc, tc, B, H, 0, H, active)
}

// stepGRU (PyTorch): r,z = sigmoid(a + hw), hn = hw_n + b_hn (saved in
// aux [B, H]), n = tanh(a_n + r*hn), h = n + z*(hp - n). bhn is nil
// without bias.
func stepGRU(a, hw, bhn, hp, hc, aux []float32, B, H int, active []bool) {
	stepGRUUnits(a, hw, bhn, hp, hc, aux, B, H, 0, H, active)
}

// stepGRUChoGates computes r, z = sigmoid(a + hw) and aux = r*hp [B, H],
// the input of the second recurrent matmul.
func stepGRUChoGates(a, hw, hp, aux []float32, B, H int) {
	GH := 3 * H
	for b := 0; b < B; b++ {
		row := a[b*GH : b*GH+2*H]
		tensor.Add(row, row, hw[b*GH:b*GH+2*H])
		tensor.Sigmoid(row, row)
		tensor.Mul(aux[b*H:(b+1)*H], row[:H], hp[b*H:(b+1)*H])
	}
}

// stepGRUUpdate finishes a GRU step whose n pre-activation lacks only the
// recurrent term hw_n: n = tanh(a_n + hw_n), h = n + z*(hp - n). The z
// gate is block zb of the G blocks; for CellGRUMinimal (zb = 0) z is
// first activated here.
func stepGRUUpdate(minimal bool, a, hw, hp, hc []float32, B, H int, active []bool) {
	G, zb, nb := 3, 1, 2
	if minimal {
		G, zb, nb = 2, 0, 1
	}
	GH := G * H
	for b := 0; b < B; b++ {
		o := b * H
		if keepInactive(active, b, hc[o:o+H], hp[o:o+H]) {
			continue
		}
		row, hwr := a[b*GH:(b+1)*GH], hw[b*GH:(b+1)*GH]
		if minimal {
			z := row[:H]
			tensor.Add(z, z, hwr[:H])
			tensor.Sigmoid(z, z)
		}
		n := row[nb*H : (nb+1)*H]
		tensor.Add(n, n, hwr[nb*H:(nb+1)*H])
		gruBlend(hc[o:o+H], n, row[zb*H:(zb+1)*H], hp[o:o+H])
	}
}

// The backward kernels take dh [B, H], the gradient reaching this step's
// output state, and write the pre-activation gradients dg [B, G*H] (and dgh
// for the recurrent side when it differs), and dhp [B, H], the part of the
// gradient of the previous state that does not pass through W_hh (it is
// completed by the caller's dg W_hh GEMM). Inactive rows pass dh straight
// through and get zero gate gradients.

// passInactive reports whether row b is inactive and, if so, gives it zero
// gate gradients dg and passes its output gradient dh straight through to
// dhp (the rows of b).
func passInactive(active []bool, b int, dg, dh, dhp []float32) bool {
	if active == nil || active[b] {
		return false
	}
	clear(dg)
	copy(dhp, dh)
	return true
}

// backRows runs the body fn(o, act, dg) of a backward kernel over the
// active rows b of the batch, with o = b*H and act, dg the rows of b (GH
// wide); inactive rows go through passInactive.
func backRows(act, dh, dg, dhp []float32, B, H, GH int, active []bool, fn func(o int, act, dg []float32)) {
	for b := 0; b < B; b++ {
		o := b * H
		dgr := dg[b*GH : (b+1)*GH]
		if passInactive(active, b, dgr, dh[o:o+H], dhp[o:o+H]) {
			continue
		}
		fn(o, act[b*GH:(b+1)*GH], dgr)
	}
}

func backTanhReLU(relu bool, act, dh, dg, dhp []float32, B, H int, active []bool) {
	for b := 0; b < B; b++ {
		o := b * H
		dgr, dhr := dg[o:o+H], dh[o:o+H]
		if passInactive(active, b, dgr, dhr, dhp[o:o+H]) {
			continue
		}
		hr := act[o : o+H]
		if relu {
			for j := range dgr {
				if hr[j] > 0 {
					dgr[j] = dhr[j]
				} else {
					dgr[j] = 0
				}
			}
		} else {
			for j := range dgr {
				dgr[j] = dhr[j] * (1 - hr[j]*hr[j])
			}
		}
		clear(dhp[o : o+H])
	}
}

// backLSTM also carries dc [B, H] in place: on entry the gradient of this
// step's cell state, on exit that of the previous one.
func backLSTM(act, cp, tc, dh, dc, dg, dhp []float32, B, H int, active []bool) {
	backLSTMUnits(act, cp, tc, dh, dc, dg, dhp, B, H, 0, H, active)
}

// backGRU (PyTorch): dgh differs from dg in the n block (dn_pre * r).
func backGRU(act, aux, hp, dh, dg, dgh, dhp []float32, B, H int, active []bool) {
	backGRUUnits(act, aux, hp, dh, dg, dgh, dhp, B, H, 0, H, active)
}

// backGRUZN computes the update and candidate gate pre-activation
// gradients dz and dn and dhp = dh*z, for a GRU whose rows of act hold
// gates blocks of H with z and n the last two: the Cho GRU (r, z, n; the
// caller then forms drh = dn W_hn and calls backGRUChoR) and the minimal
// GRU (z, n).
func backGRUZN(act, hp, dh, dg, dhp []float32, B, H, gates int, active []bool) {
	zo := (gates - 2) * H
	backRows(act, dh, dg, dhp, B, H, gates*H, active, func(o int, row, dgr []float32) {
		z, n := row[zo:zo+H], row[zo+H:]
		dz, dn := dgr[zo:zo+H], dgr[zo+H:]
		dhr, hpr, dhpr := dh[o:o+H], hp[o:o+H], dhp[o:o+H]
		for j := 0; j < H; j++ {
			g := dhr[j]
			dn[j] = g * (1 - z[j]) * (1 - n[j]*n[j])
			dz[j] = g * (hpr[j] - n[j]) * z[j] * (1 - z[j])
			dhpr[j] = g * z[j]
		}
	})
}

// backGRUChoR: given drh [B, H] = d(r*hp), dr_pre = drh*hp*r*(1-r) and
// dhp += drh*r.
func backGRUChoR(act, hp, drh, dg, dhp []float32, B, H int, active []bool) {
	GH := 3 * H
	for b := 0; b < B; b++ {
		if active != nil && !active[b] {
			continue
		}
		o := b * H
		r := act[b*GH : b*GH+H]
		dr := dg[b*GH : b*GH+H]
		d, hpr, dhpr := drh[o:o+H], hp[o:o+H], dhp[o:o+H]
		for j := 0; j < H; j++ {
			dr[j] = d[j] * hpr[j] * r[j] * (1 - r[j])
			dhpr[j] += d[j] * r[j]
		}
	}
}
