// Package gemm is the float32 matrix-multiply engine behind tensor.Sgemm: a
// packed, cache-blocked GEMM in the style of GotoBLAS/BLIS with register-tile
// micro-kernels (Go assembly for AVX2+FMA and AVX-512 on amd64, pure Go
// elsewhere or with the purego build tag), a matrix-vector fast path, and a
// small persistent worker pool for parallelism.
//
// All matrices are row-major. Arguments are assumed to be validated by the
// caller (tensor.Sgemm checks shapes and leading dimensions).
package gemm

import (
	"runtime"
	"sync"
)

// microKernel computes one full mr x nr register tile of C:
//
//	C[i*ldc+j] = alpha * sum_p a[p*mr+i]*b[p*ldb+j] + beta*C[i*ldc+j]
//
// for p < k, where a is a packed A micro-panel [k][mr] and b is a packed B
// micro-panel [k][nr] (ldb = nr) or, for kernel sets with direct set, rows
// of B read in place. When beta is 0, C is not read.
type microKernel func(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// impl is one complete kernel set with its blocking parameters.
type impl struct {
	name       string
	mr, nr     int // register tile
	mc, kc, nc int // cache blocks: A block mc x kc (L2), B block kc x nc (L3)
	kernel     microKernel
	// direct is set when kernel accepts any ldb, so that B need not be
	// packed when C has few rows.
	direct bool
	// gemvT computes y[i] = sum_p m[i*ld+p]*x[p] for i < len(y), p < len(x).
	gemvT func(m []float32, ld int, x, y []float32)
	// gemvN computes y[j] = sum_p x[p]*m[p*ld+j] for j < len(y), p < len(x).
	gemvN func(m []float32, ld int, x, y []float32)
	// transpose8, when set, sets dst[q*w+j] = src[j*ld+q] for j < 8 and q
	// below kc rounded down to 8, and returns that count.
	transpose8 func(src []float32, ld int, dst []float32, w, kc int) int
	// tiles, when set, are alternative register tiles of the same
	// instruction set; Sgemm uses the one that pads C least.
	tiles []*impl
}

// pick returns the tile variant of im that wastes the least work on
// padding an m x n C to whole tiles.
func (im *impl) pick(m, n int) *impl {
	best, bestArea := im, padded(m, im.mr)*padded(n, im.nr)
	for _, t := range im.tiles {
		if a := padded(m, t.mr) * padded(n, t.nr); a < bestArea {
			best, bestArea = t, a
		}
	}
	return best
}

func padded(n, r int) int { return (n + r - 1) / r * r }

// impls lists the kernel sets usable on this machine, best first; cur is
// the one in use.
var (
	impls []*impl
	cur   *impl
)

func init() {
	impls = available()
	cur = impls[0]
}

// Impls names the kernel sets usable on this machine, best first.
func Impls() []string {
	names := make([]string, len(impls))
	for i, im := range impls {
		names[i] = im.name
	}
	return names
}

// Impl names the kernel set in use.
func Impl() string { return cur.name }

// Use selects the kernel set called name (one of Impls) and reports whether
// it exists. It is meant for tests and benchmarks and must not be called
// concurrently with Sgemm.
func Use(name string) bool {
	for _, im := range impls {
		if im.name == name {
			cur = im
			return true
		}
	}
	return false
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C with op(A) m x k, op(B)
// k x n and C m x n, using up to threads goroutines. When beta is 0, C is
// not read.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, threads int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	im := cur
	// More goroutines than Ps cannot run at once.
	threads = max(1, min(threads, runtime.GOMAXPROCS(0)))
	if m == 1 || n == 1 {
		gemv(im, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads)
		return
	}
	if m <= gemvRows {
		// A few rows: one matrix-vector product per row of C beats padding
		// a register tile.
		for i := 0; i < m; i++ {
			var ai []float32
			if transA {
				ai = a[i:]
			} else {
				ai = a[i*lda:]
			}
			gemv(im, transA, transB, 1, n, k, alpha, ai, lda, b, ldb, beta, c[i*ldc:], ldc, threads)
		}
		return
	}
	if n <= gemvRows {
		for j := 0; j < n; j++ {
			var bj []float32
			if transB {
				bj = b[j*ldb:]
			} else {
				bj = b[j:]
			}
			gemv(im, transA, transB, m, 1, k, alpha, a, lda, bj, ldb, beta, c[j:], ldc, threads)
		}
		return
	}
	if int64(m)*int64(n)*int64(k) <= smallWork {
		small(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	j := jobPool.Get().(*gemmJob)
	j.p = problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	j.parallel(im.pick(m, n), threads)
	j.p = problem{}
	jobPool.Put(j)
}

// gemvRows is the number of rows (or columns) of C up to which Sgemm runs
// one gemv per row (column) instead of the tiled kernel.
const gemvRows = 6

// smallWork is the m*n*k below which packing does not pay.
const smallWork = 8 * 8 * 8

// problem holds one Sgemm call's arguments.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// sub returns the sub-problem computing rows [i0, i1) and columns [j0, j1)
// of C.
func (p *problem) sub(i0, i1, j0, j1 int) problem {
	q := *p
	q.m, q.n = i1-i0, j1-j0
	if p.transA {
		q.a = p.a[i0:]
	} else {
		q.a = p.a[i0*p.lda:]
	}
	if p.transB {
		q.b = p.b[j0*p.ldb:]
	} else {
		q.b = p.b[j0:]
	}
	q.c = p.c[i0*p.ldc+j0:]
	return q
}

// scaleC sets C = beta*C (C = 0 when beta is 0, without reading C).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// small is the direct triple loop for tiny problems.
func small(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sa, ta := lda, 1 // op(A)[i,p] = a[i*sa+p*ta]
	if transA {
		sa, ta = 1, lda
	}
	sb, tb := ldb, 1 // op(B)[p,j] = b[p*sb+j*tb]
	if transB {
		sb, tb = 1, ldb
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*sa+p*ta] * b[p*sb+j*tb]
			}
			ci := &c[i*ldc+j]
			if beta == 0 {
				*ci = alpha * s
			} else {
				*ci = alpha*s + beta**ci
			}
		}
	}
}

// buffers are one worker's packing buffers and edge-tile scratch.
type buffers struct {
	a, b, tile []float32
}

var bufPool sync.Pool

func getBuffers(im *impl) *buffers {
	if v := bufPool.Get(); v != nil {
		bf := v.(*buffers)
		if len(bf.a) >= im.mc*im.kc && len(bf.b) >= im.kc*im.nc && len(bf.tile) >= im.mr*im.nr {
			return bf
		}
	}
	return &buffers{
		a:    make([]float32, im.mc*im.kc),
		b:    make([]float32, im.kc*im.nc),
		tile: make([]float32, im.mr*im.nr),
	}
}

// serial runs the blocked algorithm on p in the calling goroutine.
func serial(im *impl, p *problem, bf *buffers) {
	mr, nr := im.mr, im.nr
	// With a single block of rows each B micro-panel is used by only
	// m/mr tiles, and packing B would cost about as much as the product:
	// the kernel reads untransposed B in place instead, except for a
	// ragged last panel.
	direct := im.direct && !p.transB && p.m <= im.mc
	for jc := 0; jc < p.n; jc += im.nc {
		nc := min(im.nc, p.n-jc)
		full := nc / nr * nr
		for pc := 0; pc < p.k; pc += im.kc {
			kc := min(im.kc, p.k-pc)
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			if !direct {
				packB(im, p, pc, kc, jc, nc, nr, bf.b)
			} else if full < nc {
				packRows(p.b[pc*p.ldb+jc+full:], p.ldb, kc, nc-full, nr, bf.b[:kc*nr])
			}
			for ic := 0; ic < p.m; ic += im.mc {
				mc := min(im.mc, p.m-ic)
				packA(im, p, ic, mc, pc, kc, mr, bf.a)
				for jr := 0; jr < nc; jr += nr {
					nn := min(nr, nc-jr)
					bp, ldb := bf.b[jr*kc:jr*kc+kc*nr], nr
					if direct {
						if jr < full {
							bp, ldb = p.b[pc*p.ldb+jc+jr:], p.ldb
						} else {
							bp = bf.b[:kc*nr]
						}
					}
					for ir := 0; ir < mc; ir += mr {
						mm := min(mr, mc-ir)
						ap := bf.a[ir*kc : ir*kc+kc*mr]
						off := (ic+ir)*p.ldc + jc + jr
						if mm == mr && nn == nr {
							im.kernel(kc, ap, bp, ldb, p.c[off:], p.ldc, p.alpha, beta)
							continue
						}
						im.kernel(kc, ap, bp, ldb, bf.tile, nr, 1, 0)
						mergeTile(mm, nn, p.alpha, bf.tile, nr, beta, p.c[off:], p.ldc)
					}
				}
			}
		}
	}
}

// mergeTile sets C = alpha*T + beta*C for an mm x nn corner of tile T.
func mergeTile(mm, nn int, alpha float32, t []float32, ldt int, beta float32, c []float32, ldc int) {
	for i := 0; i < mm; i++ {
		ti := t[i*ldt : i*ldt+nn]
		ci := c[i*ldc : i*ldc+nn]
		if beta == 0 {
			for j, v := range ti {
				ci[j] = alpha * v
			}
		} else {
			for j, v := range ti {
				ci[j] = alpha*v + beta*ci[j]
			}
		}
	}
}
