package nn

import "github.com/recurrent-go/recurrent/tensor"

// Elementwise activations on flat slices. Each forward writes dst = f(x)
// (dst may alias x); each backward takes the forward's output y and the
// upstream gradient dy and writes dx = dy * f'(x), expressed through y
// (dx may alias dy). All slices have the same length.

// Tanh computes dst = tanh(x).
func Tanh(dst, x []float32) { tensor.Tanh(dst, x) }

// TanhBackward computes dx = dy * (1 - y^2) for y = tanh(x).
func TanhBackward(dx, dy, y []float32) {
	dy, y = dy[:len(dx)], y[:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * (1 - v*v)
	}
}

// Sigmoid computes dst = 1 / (1 + exp(-x)).
func Sigmoid(dst, x []float32) { tensor.Sigmoid(dst, x) }

// SigmoidBackward computes dx = dy * y * (1 - y) for y = sigmoid(x).
func SigmoidBackward(dx, dy, y []float32) {
	dy, y = dy[:len(dx)], y[:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * v * (1 - v)
	}
}

// ReLU computes dst = max(x, 0).
func ReLU(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = max(v, 0)
	}
}

// ReLUBackward computes dx = dy where y > 0, else 0, for y = relu(x)
// (PyTorch's convention: the derivative at 0 is 0).
func ReLUBackward(dx, dy, y []float32) {
	dy, y = dy[:len(dx)], y[:len(dx)]
	for i, v := range y {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}
