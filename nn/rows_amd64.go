//go:build !purego

package nn

import "golang.org/x/sys/cpu"

// rowAsm selects the fused AVX2 cell-row backward kernels (rows_amd64.s).
// It is a variable so that tests can compare them with the Go rows.
var rowAsm = cpu.X86.HasAVX2

//go:noescape
func backLSTMRowAVX2(act, dg, dh, dc, cp, tc *float32, stride, n int)

//go:noescape
func backGRURowAVX2(act, dg, dhn, dh, hp, hn, dhp *float32, stride, n int)

// backLSTMRowsAsm runs the fused kernel on the first n&^7 of the n units
// whose gates start at act[0] and gate gradients at dg[0], gate blocks H
// apart, and returns how many units it did.
func backLSTMRowsAsm(act, dg, dh, dc, cp, tc []float32, H, n int) int {
	m := n &^ 7
	if !rowAsm || m == 0 {
		return 0
	}
	_, _ = act[3*H+n-1], dg[3*H+n-1]
	_, _, _, _ = dh[n-1], dc[n-1], cp[n-1], tc[n-1]
	backLSTMRowAVX2(&act[0], &dg[0], &dh[0], &dc[0], &cp[0], &tc[0], 4*H, m)
	return m
}

// backGRURowsAsm is backLSTMRowsAsm for the GRU row (gates r, z, n).
func backGRURowsAsm(act, dg, dhn, dh, hp, hn, dhp []float32, H, n int) int {
	m := n &^ 7
	if !rowAsm || m == 0 {
		return 0
	}
	_, _, _ = act[2*H+n-1], dg[2*H+n-1], dhn[n-1]
	_, _, _, _ = dh[n-1], hp[n-1], hn[n-1], dhp[n-1]
	backGRURowAVX2(&act[0], &dg[0], &dhn[0], &dh[0], &hp[0], &hn[0], &dhp[0], 4*H, m)
	return m
}
