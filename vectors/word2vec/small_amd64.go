//go:build amd64 && !purego

package word2vec

import "golang.org/x/sys/cpu"

// useAVX512 selects the small-matrix AVX-512 kernels (x/sys/cpu also checks
// that the OS saves the 512-bit state).
var useAVX512 = cpu.X86.HasAVX512F

//go:noescape
func scoresAVX512(a, b, s *float32, m, n, dp int)

//go:noescape
func gemmAVX512(a *float32, lda int, b, c *float32, m, k, dp int)
