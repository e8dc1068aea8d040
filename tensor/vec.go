package tensor

import "math"

// The vector kernels. Each one bounds-checks its slices (a shorter second
// operand panics like an out-of-range index) and then runs either the
// AVX2+FMA assembly (amd64, chosen at start-up from the CPU features) or
// the pure-Go code (the purego build tag, other architectures, older
// CPUs). Unless a function says otherwise, dst may alias an input exactly
// but must not overlap it partially.
//
// Accuracy: Exp, Sigmoid and Tanh are within 1e-6 relative error of the
// float64 functions over the whole float32 range (a few ulp; results in
// the subnormal range are within one subnormal step), overflow to ±Inf,
// saturate and propagate NaN as the float64 functions do.

// Axpy computes y += alpha*x over len(x) elements.
func Axpy(alpha float32, x, y []float32) {
	axpy(alpha, x, y[:len(x)])
}

// Dot returns the inner product of x and y over len(x) elements, summed in
// float32 with many independent partial sums (32 in the assembly).
func Dot(x, y []float32) float32 {
	return dot(x, y[:len(x)])
}

// Scale computes x *= alpha.
func Scale(alpha float32, x []float32) {
	scale(alpha, x)
}

// Add computes dst = a + b elementwise over len(dst) elements.
func Add(dst, a, b []float32) {
	add(dst, a[:len(dst)], b[:len(dst)])
}

// AddScalar computes dst = x + c elementwise over len(dst) elements.
func AddScalar(dst, x []float32, c float32) {
	addScalar(dst, x[:len(dst)], c)
}

// Mul computes dst = a * b elementwise over len(dst) elements.
func Mul(dst, a, b []float32) {
	mul(dst, a[:len(dst)], b[:len(dst)])
}

// MulAdd computes dst += a * b elementwise over len(dst) elements (fused
// multiply-add on the assembly path), e.g. the LSTM cell update c += i*g.
func MulAdd(dst, a, b []float32) {
	mulAdd(dst, a[:len(dst)], b[:len(dst)])
}

// Sigmoid computes dst = 1/(1+exp(-x)) elementwise. dst may alias x.
func Sigmoid(dst, x []float32) {
	sigmoid(dst, x[:len(dst)])
}

// Tanh computes dst = tanh(x) elementwise. dst may alias x.
func Tanh(dst, x []float32) {
	tanh(dst, x[:len(dst)])
}

// Exp computes dst = exp(x) elementwise. dst may alias x.
func Exp(dst, x []float32) {
	exp(dst, x[:len(dst)])
}

// Max returns the largest element of x, ignoring NaNs, or -Inf when x is
// empty or all NaN.
func Max(x []float32) float32 {
	return maxOf(x)
}

// Argmax returns the index of the first largest element of x, ignoring
// NaNs; 0 if every element is NaN, -1 if x is empty.
func Argmax(x []float32) int {
	if len(x) == 0 {
		return -1
	}
	m := maxOf(x)
	for i, v := range x {
		if v == m {
			return i
		}
	}
	return 0
}

// SumSquares returns the sum of x[i]^2, accumulated in float64.
func SumSquares(x []float32) float64 {
	return sumSquares(x)
}

// Cosine returns the cosine similarity of x and y over len(x) elements, or
// 0 when either is zero.
func Cosine(x, y []float32) float32 {
	y = y[:len(x)]
	d := float64(dot(x, y))
	nx, ny := sumSquares(x), sumSquares(y)
	if nx == 0 || ny == 0 {
		return 0
	}
	return float32(d / math.Sqrt(nx*ny))
}

// Softmax computes dst = softmax(x) for one row, stably (the maximum is
// subtracted first, the sum is accumulated in float64). -Inf entries get
// probability 0; a row with a NaN or +Inf, or with every entry -Inf, gives
// NaN (as in PyTorch). dst may alias x.
func Softmax(dst, x []float32) {
	x = x[:len(dst)]
	if len(x) == 0 {
		return
	}
	m := maxOf(x)
	s := expShiftSum(dst, x, m)
	scale(float32(1/s), dst)
}

// LogSoftmax computes dst = log(softmax(x)) = (x - max) - log(sum(exp(x -
// max))) for one row and returns the log-sum-exp of x (-Inf for an empty
// row). Special values behave as in Softmax. dst may alias x.
func LogSoftmax(dst, x []float32) float32 {
	x = x[:len(dst)]
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	m := maxOf(x)
	ls := float32(math.Log(sumExpShift(x, m)))
	addScalar(dst, x, -m)
	addScalar(dst, dst, -ls)
	return m + ls
}

// SoftmaxRows applies Softmax to every row of m in place.
func SoftmaxRows(m Mat) {
	for i := 0; i < m.Rows; i++ {
		r := m.Row(i)
		Softmax(r, r)
	}
}

// LogSoftmaxRows applies LogSoftmax to every row of m in place.
func LogSoftmaxRows(m Mat) {
	for i := 0; i < m.Rows; i++ {
		r := m.Row(i)
		LogSoftmax(r, r)
	}
}
