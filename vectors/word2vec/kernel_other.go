//go:build !amd64 || purego

package word2vec

// update computes acc += g*out and then out += g*h; all have the same length.
func update(g float32, h, out, acc []float32) { updateGo(g, h, out, acc) }
