//go:build amd64 && !purego

package glove

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func adagradAVX2(s float32, w, wt, gw, gwt *float32, n int)

// adagrad applies one AdaGrad step to a word and a context vector: the
// gradients are g*wt and g*w (g = eta * f(X) * error). All slices have the
// same length.
func adagrad(g float32, w, wt, gw, gwt []float32) {
	n8 := len(w) &^ 7
	if useAVX2 && n8 > 0 {
		_, _, _ = wt[len(w)-1], gw[len(w)-1], gwt[len(w)-1]
		adagradAVX2(g, &w[0], &wt[0], &gw[0], &gwt[0], n8)
		adagradGo(g, w[n8:], wt[n8:], gw[n8:], gwt[n8:])
		return
	}
	adagradGo(g, w, wt, gw, gwt)
}
