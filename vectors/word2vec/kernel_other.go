//go:build !amd64 || purego

package word2vec

import "github.com/recurrent-go/recurrent/tensor"

// dot returns sum x[i]*y[i]; len(y) >= len(x).
func dot(x, y []float32) float32 { return tensor.Dot(x, y) }

// axpy computes y += a*x; len(y) >= len(x).
func axpy(a float32, x, y []float32) { tensor.Axpy(a, x, y) }

// update computes acc += g*out and then out += g*h; all have the same length.
func update(g float32, h, out, acc []float32) { updateGo(g, h, out, acc) }

// prefetch is a no-op in the portable build.
func prefetch(row []float32) {}
