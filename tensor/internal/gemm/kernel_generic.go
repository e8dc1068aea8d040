package gemm

// genericImpl is the pure-Go kernel set.
var genericImpl = &impl{
	name: "generic",
	mr:   2, nr: 4,
	mc: 128, kc: 256, nc: 2048,
	kernel: kernelGo2x4,
	gemvT:  gemvTGo,
	gemvN:  gemvNGo,
}

// kernelGo2x4 is the pure-Go 2x4 micro-kernel (see microKernel). The
// tile is small because the Go compiler spills larger ones to the stack.
func kernelGo2x4(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	a = a[:2*k]
	b = b[:4*k]
	for len(a) >= 2 && len(b) >= 4 {
		a0, a1 := a[0], a[1]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a = a[2:]
		b = b[4:]
	}
	store4(c, c00, c01, c02, c03, alpha, beta)
	store4(c[ldc:], c10, c11, c12, c13, alpha, beta)
}

func store4(c []float32, s0, s1, s2, s3, alpha, beta float32) {
	c = c[:4:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*s0, alpha*s1, alpha*s2, alpha*s3
		return
	}
	c[0] = alpha*s0 + beta*c[0]
	c[1] = alpha*s1 + beta*c[1]
	c[2] = alpha*s2 + beta*c[2]
	c[3] = alpha*s3 + beta*c[3]
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
