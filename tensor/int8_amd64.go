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

// int8Block sets rows r0..r0+n-1 of m times vectors 0..nv-1 of x, plus
// bias [n] if not nil, into y (vector b at y[b*ldy:]): with VNNI, 32 rows
// against 8 vectors at a time (int8Packed32x8VNNI) where the rows are
// packed, four rows against four vectors at a time (int8Rows4x4VNNI), the
// rest (and other kernels) a vector at a time; every result equals
// int8Rows's (then Add's) bit for bit.
func int8Block(m *Int8Matrix, r0, n int, x *Int8Batch, nv int, bias, y []float32, ldy int) {
	if x.u != nil && nv >= 2 {
		m.pkOnce.Do(m.pack)
	}
	if x.u != nil && m.pk != nil && r0%16 == 0 && n >= 32 && nv >= 2 {
		// Packed blocks; the rest of the rows (under 32) as below.
		pairs := n / 32
		var bp *float32
		if bias != nil {
			bp = &bias[0]
		}
		for b := 0; b < nv; b += 8 {
			int8Packed32x8VNNI(&m.pk[r0*m.stride], m.stride, pairs, &x.q[b*x.stride], x.stride, min(8, nv-b),
				&x.sum[b], &x.scale[b], &m.scale[r0], &y[b*ldy], ldy, bp)
		}
		r0, n, y = r0+32*pairs, n-32*pairs, y[32*pairs:]
		if bias != nil {
			bias = bias[32*pairs:]
		}
		if n == 0 {
			return
		}
	}
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
	addBias(bias, nv, n, y, ldy)
}

// The activation quantization kernels (int8_amd64.s), run where the VNNI
// kernel is (AVX-512F and BW).

//go:noescape
func maxAbsAVX512(v *float32, n int) float32

//go:noescape
func quantizeAVX512(v *float32, n int, inv float32, q *int8, u *uint8) int32

//go:noescape
func int8Packed32x8VNNI(p *uint8, stride, pairs int, x *int8, xs, nv int, xsum *int32, sx *float32, scale *float32, y *float32, ldy int, bias *float32)

// int8MaxAbs is maxAbs, in assembly when vnni (the batch holds the VNNI
// kernel's operand, so the CPU has AVX-512).
func int8MaxAbs(v []float32, vnni bool) float32 {
	if vnni && len(v) > 0 {
		return maxAbsAVX512(&v[0], len(v))
	}
	return maxAbs(v)
}

// int8QuantizeRow sets q as quantizeRow does and, when u is not nil (the
// VNNI kernel's operand, len(u) == len(q)), u[k] = q[k]+128 and returns
// sum_k q[k], in assembly (without u it returns 0).
func int8QuantizeRow(q []int8, u []uint8, v []float32, inv float32) int32 {
	if u == nil {
		quantizeRow(q, v, inv)
		return 0
	}
	if len(q) == 0 {
		return 0
	}
	v, u = v[:len(q)], u[:len(q)]
	return quantizeAVX512(&v[0], len(q), inv, &q[0], &u[0]) - 128*int32(len(q))
}

// hasVNNI reports whether the CPU runs the VNNI kernels (whichever kernel
// is selected): matrices then carry the packed form too.
var hasVNNI = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI

// pack sets m.pk (once, through m.pkOnce), the packed form of m's full blocks of 16 rows that
// int8Packed32x8VNNI multiplies: block j is [stride/4][16][4] bytes,
// element (k/4, r, k%4) = Q(16j+r, k) + 128.
func (m *Int8Matrix) pack() {
	if !hasVNNI || m.rows < 32 {
		return
	}
	blocks := m.rows / 16
	m.pk = make([]uint8, blocks*16*m.stride)
	for j := range blocks {
		blk := m.pk[j*16*m.stride : (j+1)*16*m.stride]
		for r := range 16 {
			row := m.q[(16*j+r)*m.stride : (16*j+r+1)*m.stride]
			for k, v := range row {
				blk[k/4*64+r*4+k%4] = uint8(v) ^ 0x80
			}
		}
	}
}
