//go:build purego || !amd64

package tensor

// useAVX2 and useAVX512 are always false without the assembly kernels.
var useAVX2, useAVX512 = false, false

func axpy(alpha float32, x, y []float32)              { axpyGo(alpha, x, y) }
func scale(alpha float32, x []float32)                { scaleGo(alpha, x) }
func add(dst, a, b []float32)                         { addGo(dst, a, b) }
func mul(dst, a, b []float32)                         { mulGo(dst, a, b) }
func mulAdd(dst, a, b []float32)                      { mulAddGo(dst, a, b) }
func addScalar(dst, x []float32, c float32)           { addScalarGo(dst, x, c) }
func dot(x, y []float32) float32                      { return dotGo(x, y) }
func sumSquares(x []float32) float64                  { return sumSquaresGo(x) }
func maxOf(x []float32) float32                       { return maxGo(x) }
func exp(dst, x []float32)                            { expGo(dst, x) }
func sigmoid(dst, x []float32)                        { sigmoidGo(dst, x) }
func tanh(dst, x []float32)                           { tanhGo(dst, x) }
func expShiftSum(dst, x []float32, s float32) float64 { return expShiftSumGo(dst, x, s) }
func sumExpShift(x []float32, s float32) float64      { return sumExpShiftGo(x, s) }

var cellAVX512 = false

func lstmCellAsm(gates []float32, gs int, hw []float32, hs int, cp, c, tc, h []float32, n int) int {
	return 0
}

func gruCellAsm(gates []float32, gs int, hw []float32, hs int, bhn, hp, hn, h []float32, n int) int {
	return 0
}

func adamAsm(w, g, m, v []float32, k *AdamConsts) int { return 0 }

func sgdAsm(w, g []float32, lr, wd float64) int { return 0 }
