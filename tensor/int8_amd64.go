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
