//go:build amd64 && !purego

package word2vec

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernels on CPUs with AVX2 and FMA.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func updateAVX2(s float32, h, out, acc *float32, n int)

// update computes acc += g*out and then out += g*h, the two updates of one
// prediction fused in one pass; all have the same length > 0.
func update(g float32, h, out, acc []float32) {
	if useAVX2 {
		_ = out[len(h)-1]
		_ = acc[len(h)-1]
		updateAVX2(g, &h[0], &out[0], &acc[0], len(h))
		return
	}
	updateGo(g, h, out, acc)
}
