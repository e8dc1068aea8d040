//go:build purego || !amd64

package nn

// rowAsm is false without the assembly kernels: the rows run in Go.
var rowAsm = false

func backLSTMRowsAsm(act, dg, dh, dc, cp, tc []float32, H, n int) int { return 0 }

func backGRURowsAsm(act, dg, dhn, dh, hp, hn, dhp []float32, H, n int) int { return 0 }
