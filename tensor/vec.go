package tensor

import "math"

// Axpy computes y += alpha*x over len(x) elements.
func Axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Dot returns the inner product of x and y over len(x) elements.
func Dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// Scale computes x *= alpha.
func Scale(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// Add computes dst = a + b elementwise over len(dst) elements.
func Add(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Mul computes dst = a * b elementwise over len(dst) elements.
func Mul(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// Sigmoid computes dst = 1/(1+exp(-x)) elementwise. dst may alias x.
func Sigmoid(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}

// Tanh computes dst = tanh(x) elementwise. dst may alias x.
func Tanh(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

// Exp computes dst = exp(x) elementwise. dst may alias x.
func Exp(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// Max returns the largest element of x, or -Inf for an empty slice.
func Max(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// Argmax returns the index of the first largest element of x, or -1 if x is empty.
func Argmax(x []float32) int {
	best := -1
	m := float32(math.Inf(-1))
	for i, v := range x {
		if best < 0 || v > m {
			m, best = v, i
		}
	}
	return best
}

// SumSquares returns the sum of x[i]^2, accumulated in float64.
func SumSquares(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// Cosine returns the cosine similarity of x and y, or 0 when either is zero.
func Cosine(x, y []float32) float32 {
	d := float64(Dot(x, y))
	nx, ny := SumSquares(x), SumSquares(y[:len(x)])
	if nx == 0 || ny == 0 {
		return 0
	}
	return float32(d / math.Sqrt(nx*ny))
}

// Softmax computes dst = softmax(x) for one row, stably. dst may alias x.
func Softmax(dst, x []float32) {
	x = x[:len(dst)]
	m := Max(x)
	var s float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		dst[i] = e
		s += e
	}
	Scale(1/s, dst)
}

// LogSoftmax computes dst = log(softmax(x)) for one row, stably, and returns
// the log-sum-exp of x. dst may alias x.
func LogSoftmax(dst, x []float32) float32 {
	x = x[:len(dst)]
	m := Max(x)
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v - m))
	}
	lse := m + float32(math.Log(s))
	for i, v := range x {
		dst[i] = v - lse
	}
	return lse
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
