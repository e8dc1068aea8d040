package tensor

import "fmt"

// LSTMCell runs one LSTM step's gate arithmetic on n = len(h) units. gates
// holds the input-side gate pre-activations i, f, g, o in four blocks of n
// starting gs apart, hw the recurrent ones likewise hs apart; on return
// gates holds the activations i, f, o = sigmoid(gates+hw), g =
// tanh(gates+hw), and
//
//	c = f*cp + i*g (both products rounded, then summed), tc = tanh(c), h = o*tc.
//
// The results are bit for bit those of Add, Sigmoid, Tanh and Mul applied
// in that order; with AVX2 the units run fused, 8 at a time, each value
// staying in registers. c may be cp (the state updated in place), and tc
// may be h (h then receives o*tc, and tc is not kept).
func LSTMCell(gates []float32, gs int, hw []float32, hs int, cp, c, tc, h []float32) {
	n := len(h)
	if n == 0 {
		return
	}
	checkCell("LSTMCell", 4, n, gates, gs, hw, hs, cp, c, tc)
	m := lstmCellAsm(gates, gs, hw, hs, cp, c, tc, h, n)
	if m < n {
		lstmCellGo(gates[m:], gs, hw[m:], hs, cp[m:n], c[m:n], tc[m:n], h[m:])
	}
}

// lstmCellGo is LSTMCell as the separate kernels, the twin of the fused
// ones (the units past their last block, and every unit without AVX2).
func lstmCellGo(gates []float32, gs int, hw []float32, hs int, cp, c, tc, h []float32) {
	n := len(h)
	for b := 0; b < 4; b++ {
		s := gates[b*gs : b*gs+n]
		Add(s, s, hw[b*hs:b*hs+n])
	}
	ig, fg, gg, og := gates[:n], gates[gs:gs+n], gates[2*gs:2*gs+n], gates[3*gs:3*gs+n]
	Sigmoid(ig, ig)
	Sigmoid(fg, fg)
	Tanh(gg, gg)
	Sigmoid(og, og)
	Mul(c[:n], fg, cp[:n])
	Mul(tc[:n], ig, gg)
	Add(c[:n], c[:n], tc[:n])
	Tanh(tc[:n], c[:n])
	Mul(h, og, tc[:n])
}

// GRUCell runs one step of PyTorch's GRU on n = len(h) units: gates holds
// the input-side pre-activations r, z, n in three blocks of n starting gs
// apart (the n block with b_in), hw the recurrent products likewise hs
// apart (without b_hn). On return gates holds r, z = sigmoid(gates+hw) and
// n = tanh(gates_n + r*hn), hn = hw_n + bhn (bhn nil: hw_n), and
//
//	h = n + z*(hp - n), each operation rounded in turn.
//
// The results are bit for bit those of the separate kernels (Add, Sigmoid,
// Mul, Tanh); with AVX2 the units run fused, 8 at a time.
func GRUCell(gates []float32, gs int, hw []float32, hs int, bhn, hp, hn, h []float32) {
	n := len(h)
	if n == 0 {
		return
	}
	checkCell("GRUCell", 3, n, gates, gs, hw, hs, hp, hn)
	if bhn != nil && len(bhn) < n {
		panic(fmt.Sprintf("tensor: GRUCell: bhn has %d values for %d units", len(bhn), n))
	}
	m := gruCellAsm(gates, gs, hw, hs, bhn, hp, hn, h, n)
	if m < n {
		var b []float32
		if bhn != nil {
			b = bhn[m:n]
		}
		gruCellGo(gates[m:], gs, hw[m:], hs, b, hp[m:n], hn[m:n], h[m:])
	}
}

// gruCellGo is GRUCell as the separate kernels and an element loop, the
// twin of the fused ones.
func gruCellGo(gates []float32, gs int, hw []float32, hs int, bhn, hp, hn, h []float32) {
	n := len(h)
	r, z, nn := gates[:n], gates[gs:gs+n], gates[2*gs:2*gs+n]
	Add(r, r, hw[:n])
	Add(z, z, hw[hs:hs+n])
	Sigmoid(r, r)
	Sigmoid(z, z)
	if bhn != nil {
		Add(hn[:n], hw[2*hs:2*hs+n], bhn[:n])
	} else {
		copy(hn[:n], hw[2*hs:2*hs+n])
	}
	Mul(h, r, hn[:n])
	Add(nn, nn, h)
	Tanh(nn, nn)
	for j := range nn {
		// The conversion rounds the product on its own: without it a
		// GOAMD64=v3 build may fuse it with the sum (an FMA), and the twin
		// would no longer match the kernels bit for bit.
		h[j] = nn[j] + float32(z[j]*(hp[j]-nn[j]))
	}
}

// checkCell panics unless gates and hw hold blocks gate blocks of n
// units gs and hs apart (gs, hs >= n) and every other slice n values.
func checkCell(fn string, blocks, n int, gates []float32, gs int, hw []float32, hs int, vs ...[]float32) {
	if gs < n || hs < n || len(gates) < (blocks-1)*gs+n || len(hw) < (blocks-1)*hs+n {
		panic(fmt.Sprintf("tensor: %s: %d gate blocks of %d units: gates %d values %d apart, hw %d values %d apart", fn, blocks, n, len(gates), gs, len(hw), hs))
	}
	for _, v := range vs {
		if len(v) < n {
			panic(fmt.Sprintf("tensor: %s: a state slice has %d values for %d units", fn, len(v), n))
		}
	}
}
