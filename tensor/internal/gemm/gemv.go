package gemm

import (
	"sync"

	"github.com/recurrent-go/recurrent/internal/xslices"
)

// vecBuf holds the gathered input vector and the raw output of a gemv.
type vecBuf struct {
	x, y []float32
}

var vecPool = sync.Pool{New: func() any { return new(vecBuf) }}

// gemvJob is a matrix-vector product y = M x (trans: y[i] = M[i,:]·x) or
// y = x M (y[j] = sum_p x[p] M[p,j]), followed by out = alpha*y + beta*out,
// split into parts along y.
type gemvJob struct {
	im          *impl
	dot         bool // y[i] = dot(M row i, x); otherwise y = x^T M
	mat         []float32
	ld          int
	x, y        []float32
	alpha, beta float32
	out         []float32
	inc         int // stride of out
	parts       int
	batch       batch
}

var gemvPool = sync.Pool{New: func() any { return new(gemvJob) }}

// parallelGemv is the y length * k from which a gemv is split over threads.
const parallelGemv = 1 << 18

// gemv handles m == 1 or n == 1.
func gemv(im *impl, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, threads int) {
	vb := vecPool.Get().(*vecBuf)
	j := gemvPool.Get().(*gemvJob)
	j.im, j.alpha, j.beta = im, alpha, beta
	// gather copies a strided vector of length k into vb.x.
	gather := func(src []float32, inc int) []float32 {
		if inc == 1 {
			return src[:k]
		}
		vb.x = xslices.Resize(vb.x, k)
		for p := range vb.x {
			vb.x[p] = src[p*inc]
		}
		return vb.x
	}
	var outLen int
	if m == 1 {
		// C[0, j] = op(A)[0, :] · op(B)[:, j].
		if transA {
			j.x = gather(a, lda)
		} else {
			j.x = gather(a, 1)
		}
		j.mat, j.ld, j.dot = b, ldb, transB
		j.out, j.inc, outLen = c, 1, n
	} else {
		// C[i, 0] = op(A)[i, :] · op(B)[:, 0].
		if transB {
			j.x = gather(b, 1)
		} else {
			j.x = gather(b, ldb)
		}
		j.mat, j.ld, j.dot = a, lda, !transA
		j.out, j.inc, outLen = c, ldc, m
	}
	vb.y = xslices.Resize(vb.y, outLen)
	j.y = vb.y
	parts := 1
	if int64(outLen)*int64(k) >= parallelGemv {
		parts = min(threads, outLen/64, maxParts)
	}
	j.parts = max(parts, 1)
	parallelFor(j.parts, j, &j.batch)
	j.mat, j.x, j.y, j.out = nil, nil, nil, nil
	gemvPool.Put(j)
	vecPool.Put(vb)
}

func (j *gemvJob) run(part int) {
	n := len(j.y)
	// Split on multiples of 16 so every part but the last is vector-aligned.
	i0 := (part * n / j.parts) &^ 15
	i1 := n
	if part+1 < j.parts {
		i1 = ((part + 1) * n / j.parts) &^ 15
	}
	if i0 >= i1 {
		return
	}
	y := j.y[i0:i1]
	if j.dot {
		j.im.gemvT(j.mat[i0*j.ld:], j.ld, j.x, y)
	} else {
		j.im.gemvN(j.mat[i0:], j.ld, j.x, y)
	}
	alpha, beta := j.alpha, j.beta
	for i, v := range y {
		o := &j.out[(i0+i)*j.inc]
		if beta == 0 {
			*o = alpha * v
		} else {
			*o = alpha*v + beta**o
		}
	}
}

// MatVec computes y[i] = sum_p m[i*ld+p]*x[p] for i < len(y), p < len(x)
// with the kernel set in use, on the calling goroutine only.
func MatVec(m []float32, ld int, x, y []float32) {
	if len(y) == 0 {
		return
	}
	if len(x) == 0 {
		clear(y)
		return
	}
	cur.gemvT(m, ld, x, y)
}
