//go:build purego || !amd64

package tensor

// Without the assembly kernels the int8 products run in pure Go.
var int8Impl = int8Go

func int8Kernel() int8Kind { return int8Impl }

func int8Available() []int8Kind { return []int8Kind{int8Go} }

func int8Rows(m *Int8Matrix, r0, n int, x *Int8Batch, b int, y []float32) {
	int8RowsGo(m, r0, n, x, b, y)
}

func int8Block(m *Int8Matrix, r0, n int, x *Int8Batch, nv int, bias, y []float32, ldy int) {
	for b := range nv {
		int8Rows(m, r0, n, x, b, y[b*ldy:b*ldy+n])
	}
	addBias(bias, nv, n, y, ldy)
}

func int8MaxAbs(v []float32, _ bool) float32 { return maxAbs(v) }

func int8QuantizeRow(q []int8, u []uint8, v []float32, inv float32) int32 {
	return int8QuantizeRowGo(q, u, v, inv)
}
