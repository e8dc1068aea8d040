package tensor

import (
	"fmt"
	"math"
	"sync"
)

// Int8 inference: dynamic quantization as PyTorch's quantize_dynamic does
// for Linear, LSTM and GRU layers. Weights are stored as int8 with one
// float32 scale per output row (symmetric, scale = max|row|/127), and
// activations are quantized per call, one float32 scale per vector
// (symmetric, scale = max|x|/127), so a product is an exact int32 sum of
// int8 x int8 products times the two scales:
//
//	y[i] = (sw[i] * sx) * sum_k qw[i,k] * qx[k]
//
// Quantizing the activations too (rather than keeping them float32 and
// widening the weights) is what makes the integer dot-product instructions
// usable (64 products per VPDPBUSD): each row costs a quarter of the
// float32 weight bytes and a fraction of the instructions. The accuracy
// price is the activations' rounding, at most sx/2 per element (for a
// recurrent state bounded by 1 in magnitude, at most 1/254): an error of
// the same order as the weights' rounding, which a trained model's loss
// barely notices (BENCHMARKS.md gives the measured loss difference).
// Symmetric quantization of the activations wastes half the code range
// on a one-sided vector (a ReLU output); PyTorch's asymmetric u8 with a
// zero point does not, but LSTM and GRU states are two-sided.
//
// AVX-512 VNNI's VPDPBUSD multiplies unsigned by signed bytes: the
// kernel feeds it qx+128 (as uint8) and subtracts 128*sum_k qw[i,k], kept
// per row; the sum is exact either way. Without VNNI the AVX2 kernel
// widens both operands to int16 and uses VPMADDWD, which cannot saturate
// (the pairwise sums stay below 2^15 * 2).

// int8Align is the padding of every quantized row, in elements: one
// 64-byte vector, so the kernels have no tails.
const int8Align = 64

// Int8Matrix is a row-major [Rows, Cols] matrix of int8 values with one
// float32 scale per row: element (i, k) stands for Scale(i)*Q(i, k).
// Rows are stored padded with zeros to a multiple of 64 columns. The zero
// value is an empty matrix.
type Int8Matrix struct {
	rows, cols, stride int
	q                  []int8    // [rows, stride]
	scale              []float32 // [rows]
	comp               []int32   // [rows]: 128 * sum_k q[i,k], VPDPBUSD's offset
	// With VNNI, the full blocks of 16 rows packed for batched products
	// (see pack), built by the first of them: a Stepper's matrices,
	// multiplied one vector at a time, never hold it.
	pkOnce sync.Once
	pk     []uint8
}

// QuantizeInt8 quantizes the row-major matrix w [rows, cols] with leading
// dimension ld, each row symmetrically to [-127, 127] with scale
// max|row|/127 (an all-zero row gets scale 0). Non-finite weights are an
// error.
func QuantizeInt8(w []float32, rows, cols, ld int) (*Int8Matrix, error) {
	if rows < 0 || cols < 1 || ld < cols {
		return nil, fmt.Errorf("tensor: QuantizeInt8: bad shape [%d, %d] with leading dimension %d", rows, cols, ld)
	}
	if rows > 0 && len(w) < (rows-1)*ld+cols {
		return nil, fmt.Errorf("tensor: QuantizeInt8: [%d, %d] with leading dimension %d needs %d values, have %d", rows, cols, ld, (rows-1)*ld+cols, len(w))
	}
	m := newInt8Matrix(rows, cols)
	for i := range rows {
		row := w[i*ld : i*ld+cols]
		var amax float32
		for k, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("tensor: QuantizeInt8: element (%d, %d) is %v", i, k, v)
			}
			amax = max(amax, abs32(v))
		}
		s := amax / 127
		m.scale[i] = s
		if s > 0 {
			quantizeRow(m.q[i*m.stride:i*m.stride+cols], row, 127/amax)
		}
	}
	m.sums()
	return m, nil
}

// NewInt8Matrix builds a matrix from its int8 values q [rows, cols]
// (row-major, unpadded) and row scales [rows], as Int8Matrix.Int8 and
// Scales return them (for example read back from a checkpoint). The value
// -128 is rejected: quantization never produces it, and the symmetric
// range keeps the kernels' sums exact.
func NewInt8Matrix(q []int8, scale []float32, rows, cols int) (*Int8Matrix, error) {
	if rows < 0 || cols < 1 || len(q) != rows*cols || len(scale) != rows {
		return nil, fmt.Errorf("tensor: NewInt8Matrix: %d values and %d scales for [%d, %d]", len(q), len(scale), rows, cols)
	}
	m := newInt8Matrix(rows, cols)
	for i := range rows {
		s := scale[i]
		if !(s >= 0) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("tensor: NewInt8Matrix: row %d has scale %v", i, s)
		}
		m.scale[i] = s
		for k, v := range q[i*cols : (i+1)*cols] {
			if v == -128 {
				return nil, fmt.Errorf("tensor: NewInt8Matrix: element (%d, %d) is -128, outside [-127, 127]", i, k)
			}
			m.q[i*m.stride+k] = v
		}
	}
	m.sums()
	return m, nil
}

func newInt8Matrix(rows, cols int) *Int8Matrix {
	stride := (cols + int8Align - 1) / int8Align * int8Align
	return &Int8Matrix{rows: rows, cols: cols, stride: stride,
		q: make([]int8, rows*stride), scale: make([]float32, rows), comp: make([]int32, rows)}
}

func (m *Int8Matrix) sums() {
	for i := range m.rows {
		var s int32
		for _, v := range m.q[i*m.stride : (i+1)*m.stride] {
			s += int32(v)
		}
		m.comp[i] = 128 * s
	}
}

// quantizeRow sets q[k] = round(x[k]*inv) for |x[k]*inv| <= 127 (halves
// rounded up), clamped to [-127, 127]; NaN gives 0.
func quantizeRow(q []int8, x []float32, inv float32) {
	x = x[:len(q)]
	for k, v := range x {
		f := float32(v*inv) + 128.5 // rounded twice (never fused), as the assembly does
		f = min(max(f, 1), 255.5)
		if f != f {
			f = 128
		}
		q[k] = int8(int32(f) - 128)
	}
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// Rows returns the number of rows.
func (m *Int8Matrix) Rows() int { return m.rows }

// Cols returns the number of columns.
func (m *Int8Matrix) Cols() int { return m.cols }

// Bytes returns the memory the matrix holds: padded int8 rows, scales and
// row sums. On CPUs with AVX-512 VNNI the first product with two vectors
// or more (MulBatch, MulBatchN) adds a packed copy of the rows, as many
// bytes again.
func (m *Int8Matrix) Bytes() int { return len(m.q) + 4*len(m.scale) + 4*len(m.comp) }

// Int8 returns the int8 values, row-major [Rows, Cols] without padding (a
// copy).
func (m *Int8Matrix) Int8() []int8 {
	out := make([]int8, m.rows*m.cols)
	for i := range m.rows {
		copy(out[i*m.cols:(i+1)*m.cols], m.q[i*m.stride:])
	}
	return out
}

// Scales returns the row scales [Rows] (a view; do not modify).
func (m *Int8Matrix) Scales() []float32 { return m.scale }

// Dequantize writes Scale(i)*Q(i, k) to dst [Rows, Cols] (row-major).
func (m *Int8Matrix) Dequantize(dst []float32) {
	dst = dst[:m.rows*m.cols]
	for i := range m.rows {
		s := m.scale[i]
		for k, v := range m.q[i*m.stride : i*m.stride+m.cols] {
			dst[i*m.cols+k] = s * float32(v)
		}
	}
}

// Int8Batch holds B activation vectors of n values quantized for the
// int8 products, each with its own scale. Quantize it once per set of
// values and use it for any number of products with matrices of n
// columns. The zero value is not usable; see NewInt8Batch.
type Int8Batch struct {
	b, n, stride int
	scale        []float32 // [B]
	q            []int8    // [B, stride]: the pure-Go kernel's operand
	u            []uint8   // [B, stride]: q+128, the VNNI kernel's operand
	sum          []int32   // [B]: with u, sum_k q[k] (the packed kernel's offset is 128 times it)
	w            []int16   // [B, stride]: q widened, the AVX2 kernel's operand
}

// NewInt8Batch returns room for b vectors of n values.
func NewInt8Batch(b, n int) *Int8Batch {
	if b < 1 || n < 1 {
		panic(fmt.Sprintf("tensor: NewInt8Batch(%d, %d): sizes must be positive", b, n))
	}
	stride := (n + int8Align - 1) / int8Align * int8Align
	x := &Int8Batch{b: b, n: n, stride: stride, scale: make([]float32, b), q: make([]int8, b*stride)}
	switch int8Kernel() {
	case int8VNNI:
		x.u = make([]uint8, b*stride)
		x.sum = make([]int32, b)
		for i := range x.u {
			x.u[i] = 128 // the padding stands for 0
		}
	case int8AVX2:
		x.w = make([]int16, b*stride)
	}
	return x
}

// Len returns the number of values per vector.
func (x *Int8Batch) Len() int { return x.n }

// Scale returns the scale of vector b.
func (x *Int8Batch) Scale(b int) float32 { return x.scale[b] }

// Quantize quantizes vector b from v [n] symmetrically to [-127, 127]
// with scale max|v|/127. Non-finite values quantize as the largest
// magnitude they clamp to (NaN as 0); the caller of a recurrent step
// checks for non-finite states elsewhere. It does not allocate.
func (x *Int8Batch) Quantize(b int, v []float32) {
	if len(v) != x.n || b < 0 || b >= x.b {
		panic(fmt.Sprintf("tensor: Int8Batch.Quantize: vector %d of %d values, want %d of [0, %d)", b, len(v), x.n, x.b))
	}
	q := x.q[b*x.stride : b*x.stride+x.n]
	var u []uint8
	if x.u != nil {
		u = x.u[b*x.stride : b*x.stride+x.n]
	}
	amax := int8MaxAbs(v, u != nil)
	if !(amax > 0) || math.IsInf(float64(amax), 0) {
		// All zeros (or NaN): scale 0 gives zero products. An infinite
		// value has no finite scale: clamp as if max|v| were MaxFloat32.
		if math.IsInf(float64(amax), 0) {
			amax = math.MaxFloat32
		} else {
			amax = 0
		}
	}
	switch {
	case amax == 0:
		x.scale[b] = 0
		clear(q)
		for k := range u {
			u[k] = 128
		}
		if u != nil {
			x.sum[b] = 0
		}
	default:
		x.scale[b] = amax / 127
		s := int8QuantizeRow(q, u, v, 127/amax)
		if u != nil {
			x.sum[b] = 128 * s
		}
	}
	if x.w != nil {
		w := x.w[b*x.stride : b*x.stride+x.n]
		for k, v := range q {
			w[k] = int16(v)
		}
	}
}

// maxAbs returns max|v| (NaN elements ignored).
func maxAbs(v []float32) float32 {
	var m0, m1, m2, m3 float32
	i := 0
	for ; i+4 <= len(v); i += 4 {
		m0 = max(m0, abs32(v[i]))
		m1 = max(m1, abs32(v[i+1]))
		m2 = max(m2, abs32(v[i+2]))
		m3 = max(m3, abs32(v[i+3]))
	}
	for ; i < len(v); i++ {
		m0 = max(m0, abs32(v[i]))
	}
	m := max(max(m0, m1), max(m2, m3))
	if m != m { // a NaN won a max
		m = 0
		for _, e := range v {
			if a := abs32(e); a > m {
				m = a
			}
		}
	}
	return m
}

// MulVec sets y[i] = Scale(r0+i) * x.Scale(b) * sum_k Q(r0+i, k) * qx_b[k]
// for the rows r0 .. r0+len(y)-1 of m and vector b of x: the
// int8 product of a row range with one activation vector (a batch-1
// recurrent step, split into parts by rows). The integer sums are exact;
// the float32 result is rounded from them by two multiplications. It
// runs on the calling goroutine and does not allocate.
func (m *Int8Matrix) MulVec(r0 int, x *Int8Batch, b int, y []float32) {
	m.check("MulVec", r0, len(y), x)
	if b < 0 || b >= x.b {
		panic(fmt.Sprintf("tensor: Int8Matrix.MulVec: vector %d outside [0, %d)", b, x.b))
	}
	int8Rows(m, r0, len(y), x, b, y)
}

// MulBatch sets y[b*ldy+i] = Scale(r0+i) * x.Scale(b) * sum_k Q(r0+i, k)
// * qx_b[k] for rows r0 .. r0+n-1 of m and every vector b of x: the
// small-batch product (meant for a few vectors; each block of rows is
// read from memory once and reused from cache for the others). It runs
// on the calling goroutine and does not allocate.
func (m *Int8Matrix) MulBatch(r0, n int, x *Int8Batch, y []float32, ldy int) {
	m.MulBatchN(r0, n, x, x.b, y, ldy)
}

// MulBatchN is MulBatch for the first nv vectors of x only (nv <= the
// vectors x holds): the product of a batch that fills part of its
// Int8Batch, as a server's batch of streams does between steps. Any nv is
// taken: rows go in blocks small enough to stay in L1 while every vector
// passes over them, so a block is read from memory once. Each result is
// computed by the kernel MulVec runs, from an exact integer sum, so it is
// bit-identical to MulVec of the same row and vector whatever nv, n and
// r0 are. It runs on the calling goroutine and does not allocate.
func (m *Int8Matrix) MulBatchN(r0, n int, x *Int8Batch, nv int, y []float32, ldy int) {
	m.mulBatchN("MulBatchN", r0, n, x, nv, nil, y, ldy)
}

// MulBatchNBias is MulBatchN with bias[i] added to the result of row r0+i
// for every vector (bias [n]; nil adds nothing): bit-identical to
// MulBatchN followed by Add of bias to each vector's results, in one pass
// over them. It runs on the calling goroutine and does not allocate.
func (m *Int8Matrix) MulBatchNBias(r0, n int, x *Int8Batch, nv int, bias, y []float32, ldy int) {
	if bias != nil && len(bias) != n {
		panic(fmt.Sprintf("tensor: Int8Matrix.MulBatchNBias: %d biases for %d rows", len(bias), n))
	}
	m.mulBatchN("MulBatchNBias", r0, n, x, nv, bias, y, ldy)
}

func (m *Int8Matrix) mulBatchN(op string, r0, n int, x *Int8Batch, nv int, bias, y []float32, ldy int) {
	m.check(op, r0, n, x)
	if nv < 0 || nv > x.b {
		panic(fmt.Sprintf("tensor: Int8Matrix.%s: %d vectors outside [0, %d]", op, nv, x.b))
	}
	if n == 0 || nv == 0 {
		return
	}
	if ldy < n || len(y) < (nv-1)*ldy+n {
		panic(fmt.Sprintf("tensor: Int8Matrix.%s: y has %d values, need %d vectors of %d with stride %d", op, len(y), nv, n, ldy))
	}
	// Blocks of rows small enough to stay in L1 across the vectors.
	blk := max(32, (16<<10)/m.stride/32*32) // 32-row aligned for the packed kernel
	for i := 0; i < n; i += blk {
		nb := min(blk, n-i)
		var b []float32
		if bias != nil {
			b = bias[i : i+nb]
		}
		int8Block(m, r0+i, nb, x, nv, b, y[i:], ldy)
	}
}

// addBias adds bias [n] (if not nil) to the n results of each of nv
// vectors in y (vector b at y[b*ldy:]).
func addBias(bias []float32, nv, n int, y []float32, ldy int) {
	if bias == nil {
		return
	}
	for b := range nv {
		row := y[b*ldy : b*ldy+n]
		add(row, row, bias)
	}
}

func (m *Int8Matrix) check(op string, r0, n int, x *Int8Batch) {
	if x.n != m.cols {
		panic(fmt.Sprintf("tensor: Int8Matrix.%s: matrix has %d columns, vectors %d values", op, m.cols, x.n))
	}
	if r0 < 0 || n < 0 || r0+n > m.rows {
		panic(fmt.Sprintf("tensor: Int8Matrix.%s: rows [%d, %d) outside [0, %d)", op, r0, r0+n, m.rows))
	}
}

// int8RowsGo is the pure-Go kernel: rows r0..r0+n-1 against vector b.
func int8RowsGo(m *Int8Matrix, r0, n int, x *Int8Batch, b int, y []float32) {
	xq := x.q[b*x.stride : b*x.stride+m.cols]
	sx := x.scale[b]
	for i := range n {
		w := m.q[(r0+i)*m.stride : (r0+i)*m.stride+m.cols]
		var s0, s1, s2, s3 int32
		k := 0
		for ; k+4 <= len(w); k += 4 {
			s0 += int32(w[k]) * int32(xq[k])
			s1 += int32(w[k+1]) * int32(xq[k+1])
			s2 += int32(w[k+2]) * int32(xq[k+2])
			s3 += int32(w[k+3]) * int32(xq[k+3])
		}
		for ; k < len(w); k++ {
			s0 += int32(w[k]) * int32(xq[k])
		}
		y[i] = float32((s0+s1)+(s2+s3)) * m.scale[r0+i] * sx
	}
}

// int8Kind names an int8 kernel.
type int8Kind int

const (
	int8Go   int8Kind = iota // pure Go
	int8AVX2                 // AVX2: VPMOVSXBW + VPMADDWD
	int8VNNI                 // AVX-512 VNNI: VPDPBUSD
)

func (k int8Kind) String() string {
	return [...]string{"go", "avx2", "avx512vnni"}[k]
}

// Int8Kernel names the int8 kernel this build and CPU use: "avx512vnni",
// "avx2" or "go".
func Int8Kernel() string { return int8Kernel().String() }

// int8QuantizeRowGo is the pure-Go twin of int8QuantizeRow: q as
// quantizeRow sets it and, when u is not nil, u[k] = q[k]+128 and the
// result sum_k q[k] (else 0).
func int8QuantizeRowGo(q []int8, u []uint8, v []float32, inv float32) int32 {
	quantizeRow(q, v, inv)
	var s int32
	for k := range u {
		u[k] = uint8(q[k]) ^ 0x80
		s += int32(q[k])
	}
	return s
}
