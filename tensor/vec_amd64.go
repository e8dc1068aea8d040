//go:build !purego

package tensor

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2+FMA assembly kernels. It is a variable so the
// tests can exercise the pure-Go kernels on the same machine.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX512 selects, where useAVX2 is also set, the AVX-512 versions of
// the transcendental kernels (Exp, Sigmoid, Tanh and the softmax sums),
// which run the AVX2 kernels' instructions on 16 lanes with masked tails
// and give bit-identical results.
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

// The assembly kernels (vec_amd64.s). Slices are already bounds-checked
// by the callers; the length used is that of the first argument.

//go:noescape
func axpyAVX2(alpha float32, x, y []float32)

//go:noescape
func scaleAVX2(alpha float32, x []float32)

//go:noescape
func addAVX2(dst, a, b []float32)

//go:noescape
func mulAVX2(dst, a, b []float32)

//go:noescape
func mulAddAVX2(dst, a, b []float32)

//go:noescape
func addScalarAVX2(dst, x []float32, c float32)

//go:noescape
func dotAVX2(x, y []float32) float32

//go:noescape
func sumSquaresAVX2(x []float32) float64

//go:noescape
func maxAVX2(x []float32) float32

//go:noescape
func expAVX2(dst, x []float32)

//go:noescape
func sigmoidAVX2(dst, x []float32)

//go:noescape
func tanhAVX2(dst, x []float32)

//go:noescape
func expShiftSumAVX2(dst, x []float32, shift float32) float64

//go:noescape
func sumExpShiftAVX2(x []float32, shift float32) float64

//go:noescape
func expAVX512(dst, x []float32)

//go:noescape
func sigmoidAVX512(dst, x []float32)

//go:noescape
func tanhAVX512(dst, x []float32)

//go:noescape
func expShiftSumAVX512(dst, x []float32, shift float32) float64

//go:noescape
func sumExpShiftAVX512(x []float32, shift float32) float64

func axpy(alpha float32, x, y []float32) {
	if useAVX2 {
		axpyAVX2(alpha, x, y)
		return
	}
	axpyGo(alpha, x, y)
}

func scale(alpha float32, x []float32) {
	if useAVX2 {
		scaleAVX2(alpha, x)
		return
	}
	scaleGo(alpha, x)
}

func add(dst, a, b []float32) {
	if useAVX2 {
		addAVX2(dst, a, b)
		return
	}
	addGo(dst, a, b)
}

func mul(dst, a, b []float32) {
	if useAVX2 {
		mulAVX2(dst, a, b)
		return
	}
	mulGo(dst, a, b)
}

func mulAdd(dst, a, b []float32) {
	if useAVX2 {
		mulAddAVX2(dst, a, b)
		return
	}
	mulAddGo(dst, a, b)
}

func addScalar(dst, x []float32, c float32) {
	if useAVX2 {
		addScalarAVX2(dst, x, c)
		return
	}
	addScalarGo(dst, x, c)
}

func dot(x, y []float32) float32 {
	if useAVX2 {
		return dotAVX2(x, y)
	}
	return dotGo(x, y)
}

func sumSquares(x []float32) float64 {
	if useAVX2 {
		return sumSquaresAVX2(x)
	}
	return sumSquaresGo(x)
}

func maxOf(x []float32) float32 {
	if useAVX2 {
		return maxAVX2(x)
	}
	return maxGo(x)
}

func exp(dst, x []float32) {
	if useAVX512 {
		expAVX512(dst, x)
		return
	}
	if useAVX2 {
		expAVX2(dst, x)
		return
	}
	expGo(dst, x)
}

func sigmoid(dst, x []float32) {
	if useAVX512 {
		sigmoidAVX512(dst, x)
		return
	}
	if useAVX2 {
		sigmoidAVX2(dst, x)
		return
	}
	sigmoidGo(dst, x)
}

func tanh(dst, x []float32) {
	if useAVX512 {
		tanhAVX512(dst, x)
		return
	}
	if useAVX2 {
		tanhAVX2(dst, x)
		return
	}
	tanhGo(dst, x)
}

func expShiftSum(dst, x []float32, shift float32) float64 {
	if useAVX512 {
		return expShiftSumAVX512(dst, x, shift)
	}
	if useAVX2 {
		return expShiftSumAVX2(dst, x, shift)
	}
	return expShiftSumGo(dst, x, shift)
}

func sumExpShift(x []float32, shift float32) float64 {
	if useAVX512 {
		return sumExpShiftAVX512(x, shift)
	}
	if useAVX2 {
		return sumExpShiftAVX2(x, shift)
	}
	return sumExpShiftGo(x, shift)
}

//go:noescape
func lstmCellAVX2(gates, hw, cp, c, tc, h *float32, gs, hs, n int)

//go:noescape
func gruCellAVX2(gates, hw, bhn, hp, hn, h *float32, gs, hs, n int)

//go:noescape
func lstmCellAVX512(gates, hw, cp, c, tc, h *float32, gs, hs, n int)

//go:noescape
func gruCellAVX512(gates, hw, bhn, hp, hn, h *float32, gs, hs, n int)

// cellAVX512 selects the AVX-512 cell kernels (a variable so that tests
// can run the AVX2 ones on the same machine).
var cellAVX512 = useAVX512

// lstmCellAsm runs LSTMCell's fused kernels, on all n units with
// AVX-512 (masked tail), on the first n&^7 with AVX2, and returns how many
// it did (0 without AVX2). Lengths are checked by the caller.
func lstmCellAsm(gates []float32, gs int, hw []float32, hs int, cp, c, tc, h []float32, n int) int {
	switch {
	case cellAVX512:
		lstmCellAVX512(&gates[0], &hw[0], &cp[0], &c[0], &tc[0], &h[0], 4*gs, 4*hs, n)
		return n
	case useAVX2 && n >= 8:
		m := n &^ 7
		lstmCellAVX2(&gates[0], &hw[0], &cp[0], &c[0], &tc[0], &h[0], 4*gs, 4*hs, m)
		return m
	}
	return 0
}

// gruCellAsm is lstmCellAsm for GRUCell; bhn may be nil.
func gruCellAsm(gates []float32, gs int, hw []float32, hs int, bhn, hp, hn, h []float32, n int) int {
	var b *float32
	if bhn != nil {
		b = &bhn[0]
	}
	switch {
	case cellAVX512:
		gruCellAVX512(&gates[0], &hw[0], b, &hp[0], &hn[0], &h[0], 4*gs, 4*hs, n)
		return n
	case useAVX2 && n >= 8:
		m := n &^ 7
		gruCellAVX2(&gates[0], &hw[0], b, &hp[0], &hn[0], &h[0], 4*gs, 4*hs, m)
		return m
	}
	return 0
}
