package tensor

import "fmt"

// SGDUpdate applies one plain SGD step (no momentum) to the weights w with
// gradients g (len(g) >= len(w)), element by element in float64:
//
//	g' = float64(g) + wd*float64(w)
//	w  = float32(float64(w) - lr*g')
//
// each product and sum rounded on its own in the order written (no fused
// multiply-add), so that the AVX-512 kernel and the Go loop give the same
// bits as the optimizer's scalar loop.
func SGDUpdate(w, g []float32, lr, wd float64) {
	n := len(w)
	if len(g) < n {
		panic(fmt.Sprintf("tensor: SGDUpdate: %d weights but %d gradients", n, len(g)))
	}
	done := sgdAsm(w, g[:n], lr, wd)
	sgdGo(w[done:], g[done:n], lr, wd)
}

// sgdGo is SGDUpdate's element loop (the twin of the assembly kernel, and
// the tail after its last block).
func sgdGo(w, g []float32, lr, wd float64) {
	for j, w32 := range w {
		wj := float64(w32)
		// Each float64(...) rounds a product on its own, as the kernel
		// does: a GOAMD64=v3 build would otherwise fuse it with the sum.
		gj := float64(g[j]) + float64(wd*wj)
		w[j] = float32(wj - float64(lr*gj))
	}
}
