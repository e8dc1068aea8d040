package gemm

// genericImpl is the pure-Go kernel set.
var genericImpl = &impl{
	name: "generic",
	mr:   4, nr: 2,
	mc: 128, kc: 256, nc: 2048,
	kernel: kernelGo4x2,
	gemvT:  gemvTGo,
	gemvN:  gemvNGo,
}

// kernelGo4x2 is the pure-Go 4x2 micro-kernel (see microKernel). Of the
// tiles tried (2x4, 3x4, 4x4, 2x6, 4x3, 6x2) this shape, loading b before
// a, is the one the Go compiler keeps in registers best; unrolling k by
// four takes it from about 6 to about 9.5 GFLOP/s on a Zen 4 core.
//
// It reads packed B panels only (ldb must be 2); genericImpl.direct is false.
func kernelGo4x2(k int, a, b []float32, _ int, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	a = a[:4*k]
	b = b[:2*k]
	for len(a) >= 16 && len(b) >= 8 {
		c00, c01, c10, c11, c20, c21, c30, c31 = fma4x2(a[0:4], b[0:2], c00, c01, c10, c11, c20, c21, c30, c31)
		c00, c01, c10, c11, c20, c21, c30, c31 = fma4x2(a[4:8], b[2:4], c00, c01, c10, c11, c20, c21, c30, c31)
		c00, c01, c10, c11, c20, c21, c30, c31 = fma4x2(a[8:12], b[4:6], c00, c01, c10, c11, c20, c21, c30, c31)
		c00, c01, c10, c11, c20, c21, c30, c31 = fma4x2(a[12:16], b[6:8], c00, c01, c10, c11, c20, c21, c30, c31)
		a = a[16:]
		b = b[8:]
	}
	for len(a) >= 4 && len(b) >= 2 {
		c00, c01, c10, c11, c20, c21, c30, c31 = fma4x2(a[0:4], b[0:2], c00, c01, c10, c11, c20, c21, c30, c31)
		a = a[4:]
		b = b[2:]
	}
	store2(c, c00, c01, alpha, beta)
	store2(c[ldc:], c10, c11, alpha, beta)
	store2(c[2*ldc:], c20, c21, alpha, beta)
	store2(c[3*ldc:], c30, c31, alpha, beta)
}

// fma4x2 returns the 4x2 tile c (c00, c01, c10, ...) plus the outer product
// of a[0:4] and b[0:2]: one k-step of kernelGo4x2, which inlines it.
func fma4x2(a, b []float32, c00, c01, c10, c11, c20, c21, c30, c31 float32) (float32, float32, float32, float32, float32, float32, float32, float32) {
	b0, b1 := b[0], b[1]
	a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
	return c00 + a0*b0, c01 + a0*b1, c10 + a1*b0, c11 + a1*b1, c20 + a2*b0, c21 + a2*b1, c30 + a3*b0, c31 + a3*b1
}

func store2(c []float32, s0, s1, alpha, beta float32) {
	c = c[:2:2]
	if beta == 0 {
		c[0], c[1] = alpha*s0, alpha*s1
		return
	}
	c[0] = alpha*s0 + beta*c[0]
	c[1] = alpha*s1 + beta*c[1]
}

// gemvTGo computes y[i] = sum_p m[i*ld+p]*x[p].
func gemvTGo(m []float32, ld int, x, y []float32) {
	k := len(x)
	for i := range y {
		row := m[i*ld : i*ld+k]
		var s0, s1, s2, s3 float32
		p := 0
		for ; p+4 <= k; p += 4 {
			r := row[p : p+4 : p+4]
			v := x[p : p+4 : p+4]
			s0 += r[0] * v[0]
			s1 += r[1] * v[1]
			s2 += r[2] * v[2]
			s3 += r[3] * v[3]
		}
		for ; p < k; p++ {
			s0 += row[p] * x[p]
		}
		y[i] = (s0 + s1) + (s2 + s3)
	}
}

// gemvNGo computes y[j] = sum_p x[p]*m[p*ld+j].
func gemvNGo(m []float32, ld int, x, y []float32) {
	n := len(y)
	clear(y)
	p := 0
	for ; p+4 <= len(x); p += 4 {
		x0, x1, x2, x3 := x[p], x[p+1], x[p+2], x[p+3]
		r0 := m[p*ld : p*ld+n]
		r1 := m[(p+1)*ld : (p+1)*ld+n]
		r2 := m[(p+2)*ld : (p+2)*ld+n]
		r3 := m[(p+3)*ld : (p+3)*ld+n]
		for j := range y {
			y[j] += x0*r0[j] + x1*r1[j] + x2*r2[j] + x3*r3[j]
		}
	}
	for ; p < len(x); p++ {
		xp := x[p]
		r := m[p*ld : p*ld+n]
		for j := range y {
			y[j] += xp * r[j]
		}
	}
}
