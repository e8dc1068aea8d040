package tensor

import (
	"fmt"
	"math"
)

// AdamConsts are the float32 constants of one Adam (or AdamW) step as
// AdamUpdate applies them: B1, B2 the betas, C1 = 1-B1, C2 = 1-B2, Step =
// lr/(1-B1^t), InvBc2 = 1/sqrt(1-B2^t), Eps, WD the weight decay added to
// the gradient (Adam), Dec = 1-lr*wd the decay of the weights (AdamW,
// Decoupled set).
type AdamConsts struct {
	B1, C1, B2, C2, Step, InvBc2, Eps, WD, Dec float32
	Decoupled                                  bool
}

// AdamUpdate applies one Adam step to the weights w with gradients g and
// moments m and v (all of len(w)), element by element in float32:
//
//	Adam:  g' = g + WD*w              AdamW: w = w*Dec, g' = g
//	m = B1*m + C1*g';  v = B2*v + (C2*g')*g'
//	w = w - (Step*m) / (sqrt(v)*InvBc2 + Eps)
//
// each product and sum rounded in the order written (no fused
// multiply-add; sqrt correctly rounded), so that the AVX-512 kernel and the
// Go loop give the same bits.
func AdamUpdate(w, g, m, v []float32, k *AdamConsts) {
	n := len(w)
	if len(g) < n || len(m) < n || len(v) < n {
		panic(fmt.Sprintf("tensor: AdamUpdate: %d weights but %d gradients, %d and %d moments", n, len(g), len(m), len(v)))
	}
	done := adamAsm(w, g, m, v, k)
	adamGo(w[done:], g[done:n], m[done:n], v[done:n], k)
}

// adamGo is AdamUpdate's element loop (the twin of the assembly kernel,
// and the tail after its last block).
func adamGo(w, g, m, v []float32, k *AdamConsts) {
	for j, wj := range w {
		gj := g[j]
		if k.Decoupled {
			wj *= k.Dec
		} else {
			gj += float32(k.WD * wj)
		}
		// Each float32(...) rounds a product on its own, as the kernel
		// does: a GOAMD64=v3 build would otherwise fuse it with the sum.
		mj := float32(k.B1*m[j]) + float32(k.C1*gj)
		vj := float32(k.B2*v[j]) + float32(k.C2*gj*gj)
		m[j], v[j] = mj, vj
		w[j] = wj - k.Step*mj/(float32(float32(math.Sqrt(float64(vj)))*k.InvBc2)+k.Eps)
	}
}
