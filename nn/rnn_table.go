package nn

import (
	"fmt"

	"github.com/recurrent-go/recurrent/internal/xslices"
)

// ForwardTable is Forward for a first layer that reads rows of a table,
// as a language model's recurrent layer reads its embedding: the input at
// step t of batch row b is row ids[t*B+b] of table [V, I]. Rather than
// projecting each of the T*B input rows, it projects the V rows of the
// table once, P = table W_ih0^T + biases [V, G*H], and gathers each step's
// gate inputs from P, which saves work when V is well below T*B (a
// character model: V = 65, T*B = 3200). The outputs are those of Forward
// on the gathered rows, bit for bit whenever the table's product takes
// tensor.Sgemm's tiled route as the rows' does (V above 6 rows and
// V*G*H*I above 512 multiply-adds), which sums each entry in the same
// order; otherwise within float32 rounding.
//
// After ForwardTable, Backward computes layer 0's weight gradients from
// the gate gradients summed per id, dP [V, G*H] (dW_ih0 += dP^T table,
// db_ih0 += column sums of dP), and its dx is the gradient of the table
// [V, I], dP W_ih0 (zero rows for ids not used), instead of the
// gradient of the T*B input rows. ids outside [0, V) are an error.
func (r *RNN) ForwardTable(table []float32, V int, ids []int32, T, B int, lengths []int, h0, c0 []float32) (out, hN, cN []float32, err error) {
	I := r.cfg.InputSize
	r.forwarded = false
	r.tableV = 0
	if err := r.checkForward("ForwardTable", T, B, lengths, h0, c0); err != nil {
		return nil, nil, nil, err
	}
	switch {
	case V <= 0:
		return nil, nil, nil, fmt.Errorf("nn: RNN.ForwardTable: table needs at least one row, got V=%d", V)
	case len(table) != V*I:
		return nil, nil, nil, fmt.Errorf("nn: RNN.ForwardTable: table has %d values, want V*I = %d*%d = %d", len(table), V, I, V*I)
	case len(ids) != T*B:
		return nil, nil, nil, fmt.Errorf("nn: RNN.ForwardTable: %d ids, want T*B = %d*%d = %d", len(ids), T, B, T*B)
	}
	for i, id := range ids {
		if id < 0 || int(id) >= V {
			return nil, nil, nil, fmt.Errorf("nn: RNN.ForwardTable: id %d at position %d outside the table's rows [0, %d)", id, i, V)
		}
	}
	r.alloc(T, B)
	r.x = xslices.Resize(r.x, V*I)
	copy(r.x, table)
	r.ids = append(r.ids[:0], ids...)
	r.tableV = V
	return r.forwardLayers(h0, c0)
}

// gatherRows sets row i of dst [len(ids), n] to row ids[i] of src [*, n].
func gatherRows(dst, src []float32, ids []int32, n int) {
	for i, id := range ids {
		copy(dst[i*n:(i+1)*n], src[int(id)*n:(int(id)+1)*n])
	}
}
