//go:build !purego

package tensor

//go:noescape
func sgdAVX512(w, grad *float32, lr, wd float64, n int)

// sgdAsm runs the AVX-512 SGD kernel on the first len(w)&^15 elements and
// returns how many it did (0 without AVX-512).
func sgdAsm(w, g []float32, lr, wd float64) int {
	n := len(w) &^ 15
	if !useAVX512 || n == 0 {
		return 0
	}
	sgdAVX512(&w[0], &g[0], lr, wd, n)
	return n
}
