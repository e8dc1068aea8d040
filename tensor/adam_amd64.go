//go:build !purego

package tensor

//go:noescape
func adamAVX512(w, grad, m, v *float32, k *AdamConsts, n int)

// adamAsm runs the AVX-512 Adam kernel on the first len(w)&^15 elements
// and returns how many it did (0 without AVX-512).
func adamAsm(w, g, m, v []float32, k *AdamConsts) int {
	n := len(w) &^ 15
	if !useAVX512 || n == 0 {
		return 0
	}
	adamAVX512(&w[0], &g[0], &m[0], &v[0], k, n)
	return n
}
