//go:build !purego

package tensor

import "golang.org/x/sys/cpu"

// int8Impl selects the int8 kernel. It is a variable so the tests can
// exercise every kernel the CPU supports, and the pure-Go one, on the same
// machine; it must not change while an Int8Batch is in use (the batch holds
// the operand form of the kernel it was made for).
var int8Impl = func() int8Kind {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI:
		return int8VNNI
	case cpu.X86.HasAVX2:
		return int8AVX2
	}
	return int8Go
}()

func int8Kernel() int8Kind { return int8Impl }

// int8Available lists the kernels this CPU runs, fastest first.
func int8Available() []int8Kind {
	var l []int8Kind
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI {
		l = append(l, int8VNNI)
	}
	if cpu.X86.HasAVX2 {
		l = append(l, int8AVX2)
	}
	return append(l, int8Go)
}

// The assembly kernels (int8_amd64.s) compute rows rows of w (stride
// bytes apart, stride a positive multiple of 64) against one activation
// vector, y[i] = float32(sum - comp[i]) * scale[i] * sx.

//go:noescape
func int8RowsVNNI(w *int8, stride, rows int, x *uint8, comp *int32, scale *float32, sx float32, y *float32)

//go:noescape
func int8Rows4x4VNNI(w *int8, stride, rows int, x *uint8, comp *int32, scale *float32, sx *float32, y *float32, ldy int)

//go:noescape
func int8RowsAVX2(w *int8, stride, rows int, x *int16, scale *float32, sx float32, y *float32)

func int8Rows(m *Int8Matrix, r0, n int, x *Int8Batch, b int, y []float32) {
	if n == 0 {
		return
	}
	switch {
	case x.u != nil:
		int8RowsVNNI(&m.q[r0*m.stride], m.stride, n, &x.u[b*x.stride], &m.comp[r0], &m.scale[r0], x.scale[b], &y[0])
	case x.w != nil:
		int8RowsAVX2(&m.q[r0*m.stride], m.stride, n, &x.w[b*x.stride], &m.scale[r0], x.scale[b], &y[0])
	default:
		int8RowsGo(m, r0, n, x, b, y)
	}
}

// int8Block sets rows r0..r0+n-1 of m times vectors 0..nv-1 of x into y
// (vector b at y[b*ldy:]): with VNNI, four rows against four vectors at
// a time (int8Rows4x4VNNI), the rest (and other kernels) a vector at a
// time; every result equals int8Rows's bit for bit.
func int8Block(m *Int8Matrix, r0, n int, x *Int8Batch, nv int, y []float32, ldy int) {
	b := 0
	if x.u != nil && n >= 4 {
		n4 := n &^ 3
		for ; b+4 <= nv; b += 4 {
			int8Rows4x4VNNI(&m.q[r0*m.stride], m.stride, n4, &x.u[b*x.stride], &m.comp[r0], &m.scale[r0], &x.scale[b], &y[b*ldy], ldy)
			if n4 < n {
				for v := b; v < b+4; v++ {
					int8Rows(m, r0+n4, n-n4, x, v, y[v*ldy+n4:v*ldy+n])
				}
			}
		}
	}
	for ; b < nv; b++ {
		int8Rows(m, r0, n, x, b, y[b*ldy:b*ldy+n])
	}
}

// The activation quantization kernels (int8_amd64.s), run where the VNNI
// kernel is (AVX-512F and BW).

//go:noescape
func maxAbsAVX512(v *float32, n int) float32

//go:noescape
func quantizeAVX512(v *float32, n int, inv float32, q *int8, u *uint8)

// int8MaxAbs is maxAbs, in assembly when vnni (the batch holds the VNNI
// kernel's operand, so the CPU has AVX-512).
func int8MaxAbs(v []float32, vnni bool) float32 {
	if vnni && len(v) > 0 {
		return maxAbsAVX512(&v[0], len(v))
	}
	return maxAbs(v)
}

// int8QuantizeRow sets q as quantizeRow does and, when u is not nil (the
// VNNI kernel's operand, len(u) == len(q)), u[k] = q[k]+128, in assembly.
func int8QuantizeRow(q []int8, u []uint8, v []float32, inv float32) {
	if u == nil {
		quantizeRow(q, v, inv)
		return
	}
	if len(q) == 0 {
		return
	}
	v, u = v[:len(q)], u[:len(q)]
	quantizeAVX512(&v[0], len(q), inv, &q[0], &u[0])
}
