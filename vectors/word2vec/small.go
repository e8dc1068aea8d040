package word2vec

// Small dense products for the batched skip-gram update (HogBatch, Ji et
// al. 2016): a centre word's context rows and its shared output rows are
// copied into two small row-major matrices whose rows are padded to a
// multiple of 16 floats (zeros in the padding), so that the kernels need no
// tail handling. Shapes are in the comments; dp is the padded row length.

// padDim rounds dim up to a multiple of 16 floats (one AVX-512 register).
func padDim(dim int) int { return (dim + 15) &^ 15 }

// scores computes s[i*n+j] = a[i,:]·b[j,:] for a [m, dp] and b [n, dp]:
// the scores of m context rows against n output rows. m, n >= 1, dp a
// positive multiple of 16.
func scores(a, b, s []float32, m, n, dp int) {
	_ = a[m*dp-1]
	_ = b[n*dp-1]
	_ = s[m*n-1]
	if useAVX512 {
		scoresAVX512(&a[0], &b[0], &s[0], m, n, dp)
		return
	}
	scoresGo(a, b, s, m, n, dp)
}

// gemmSmall computes c[i,:] = sum_j a[i*lda+j] * b[j,:] for i < m, j < k:
// c [m, dp] = a [m, k] (row stride lda) times b [k, dp]. m, k >= 1, dp a
// positive multiple of 16.
func gemmSmall(a []float32, lda int, b, c []float32, m, k, dp int) {
	_ = a[(m-1)*lda+k-1]
	_ = b[k*dp-1]
	_ = c[m*dp-1]
	if useAVX512 {
		gemmAVX512(&a[0], lda, &b[0], &c[0], m, k, dp)
		return
	}
	gemmGo(a, lda, b, c, m, k, dp)
}

// scoresGo is the portable scores.
func scoresGo(a, b, s []float32, m, n, dp int) {
	for i := range m {
		x := a[i*dp : (i+1)*dp]
		for j := range n {
			y := b[j*dp : (j+1)*dp]
			var s0, s1, s2, s3 float32
			for p := 0; p < dp; p += 4 {
				s0 += x[p] * y[p]
				s1 += x[p+1] * y[p+1]
				s2 += x[p+2] * y[p+2]
				s3 += x[p+3] * y[p+3]
			}
			s[i*n+j] = (s0 + s1) + (s2 + s3)
		}
	}
}

// gemmGo is the portable gemmSmall.
func gemmGo(a []float32, lda int, b, c []float32, m, k, dp int) {
	for i := range m {
		ci := c[i*dp : (i+1)*dp]
		clear(ci)
		for j := range k {
			g := a[i*lda+j]
			bj := b[j*dp : (j+1)*dp]
			for p, v := range bj {
				ci[p] += g * v
			}
		}
	}
}
