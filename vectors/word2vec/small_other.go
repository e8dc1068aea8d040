//go:build !amd64 || purego

package word2vec

const useAVX512 = false

func scoresAVX512(a, b, s *float32, m, n, dp int) {
	panic("word2vec: no AVX-512 kernels in this build")
}

func gemmAVX512(a *float32, lda int, b, c *float32, m, k, dp int) {
	panic("word2vec: no AVX-512 kernels in this build")
}
