package tensor

import "fmt"

// Mat is a dense row-major float32 matrix or a view into one. Element (i, j)
// is Data[i*Stride+j]. The zero value is an empty 0x0 matrix.
//
// A Mat is a view of its Data: safe for concurrent reads; synchronise writes.
type Mat struct {
	Rows, Cols int
	Stride     int
	Data       []float32
}

// NewMat allocates a zeroed rows x cols matrix.
func NewMat(rows, cols int) Mat {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("tensor: NewMat(%d, %d): negative dimension", rows, cols))
	}
	return Mat{Rows: rows, Cols: cols, Stride: cols, Data: make([]float32, rows*cols)}
}

// MatOf wraps data as a rows x cols matrix with stride cols. It panics if
// data is too short.
func MatOf(rows, cols int, data []float32) Mat {
	if rows < 0 || cols < 0 || len(data) < rows*cols {
		panic(fmt.Sprintf("tensor: MatOf(%d, %d): data has %d elements", rows, cols, len(data)))
	}
	return Mat{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

// At returns element (i, j).
func (m Mat) At(i, j int) float32 { return m.Data[i*m.Stride+j] }

// Set sets element (i, j).
func (m Mat) Set(i, j int, v float32) { m.Data[i*m.Stride+j] = v }

// Row returns row i as a slice of length Cols sharing m's storage.
func (m Mat) Row(i int) []float32 { return m.Data[i*m.Stride : i*m.Stride+m.Cols] }

// Slice returns the view of rows [r0, r1) and columns [c0, c1).
func (m Mat) Slice(r0, r1, c0, c1 int) Mat {
	if r0 < 0 || r1 < r0 || r1 > m.Rows || c0 < 0 || c1 < c0 || c1 > m.Cols {
		panic(fmt.Sprintf("tensor: Slice(%d:%d, %d:%d) out of range for %dx%d", r0, r1, c0, c1, m.Rows, m.Cols))
	}
	if r1 == r0 || c1 == c0 {
		return Mat{Rows: r1 - r0, Cols: c1 - c0, Stride: m.Stride}
	}
	return Mat{Rows: r1 - r0, Cols: c1 - c0, Stride: m.Stride, Data: m.Data[r0*m.Stride+c0 : (r1-1)*m.Stride+c1]}
}

// MatMul computes c = alpha*op(a)*op(b) + beta*c, where op(x) is x or its
// transpose. It panics with the shapes in the message when they do not agree.
func MatMul(c Mat, alpha float32, a Mat, transA bool, b Mat, transB bool, beta float32) {
	am, ak := a.Rows, a.Cols
	if transA {
		am, ak = ak, am
	}
	bk, bn := b.Rows, b.Cols
	if transB {
		bk, bn = bn, bk
	}
	if ak != bk || c.Rows != am || c.Cols != bn {
		panic(fmt.Sprintf("tensor: MatMul shape mismatch: op(a) %dx%d (transA=%v), op(b) %dx%d (transB=%v), c %dx%d",
			am, ak, transA, bk, bn, transB, c.Rows, c.Cols))
	}
	Sgemm(transA, transB, am, bn, ak, alpha, a.Data, max(a.Stride, 1), b.Data, max(b.Stride, 1), beta, c.Data, max(c.Stride, 1))
}
