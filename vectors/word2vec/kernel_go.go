package word2vec

// The portable fused update; dot and axpy fall back to tensor.Dot and
// tensor.Axpy.

func updateGo(g float32, h, out, acc []float32) {
	out = out[:len(h)]
	acc = acc[:len(h)]
	for i, v := range h {
		o := out[i]
		acc[i] += g * o
		out[i] = o + g*v
	}
}
