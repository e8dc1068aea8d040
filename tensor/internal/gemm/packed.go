package gemm

import (
	"sync"

	"github.com/recurrent-go/recurrent/internal/xslices"
)

// PackedB is a k x n matrix op(B) packed once into the micro-kernel's panel
// layout, for many products A·B with different A and the same B: the
// recurrent weights of an RNN, multiplied by a new state at every time step,
// are then not repacked on every step.
type PackedB struct {
	im   *impl
	k, n int
	np   int       // n rounded up to whole nr panels
	data []float32 // per kc block pc, at pc*np: panels [np/nr][kc][nr]
}

// Pack packs op(B) [k, n] (B itself when !transB, with row stride ldb; its
// transpose otherwise) for products with about m rows, reusing pb's storage.
func (pb *PackedB) Pack(transB bool, k, n int, b []float32, ldb int, m int) {
	pb.PackThreads(transB, k, n, b, ldb, m, 1)
}

// PackThreads is Pack on up to threads goroutines (the GEMM's pool), each
// packing whole panels of columns: the packed data are the same.
func (pb *PackedB) PackThreads(transB bool, k, n int, b []float32, ldb int, m int, threads int) {
	im := cur.pick(max(m, 1), n)
	pb.im, pb.k, pb.n = im, k, n
	pb.np = padded(n, im.nr)
	pb.data = xslices.Resize(pb.data, k*pb.np)
	j := packPool.Get().(*packJob)
	j.pb, j.p = pb, problem{transB: transB, k: k, n: n, b: b, ldb: ldb}
	panels := pb.np / im.nr
	j.parts = 1
	if int64(k)*int64(n) >= packParallelMin {
		j.parts = max(min(threads, panels, maxParts), 1)
	}
	parallelFor(j.parts, j, &j.batch)
	j.pb, j.p = nil, problem{}
	packPool.Put(j)
}

// packParallelMin is the least number of elements PackThreads shares out.
const packParallelMin = 1 << 16

// packJob is one PackThreads call split into parts along N (whole panels).
type packJob struct {
	pb    *PackedB
	p     problem
	parts int
	batch batch
}

var packPool = sync.Pool{New: func() any { return new(packJob) }}

// run packs this part's share of the panels, every kc block.
func (j *packJob) run(part int) {
	pb, im := j.pb, j.pb.im
	panels := pb.np / im.nr
	p0, p1 := part*panels/j.parts, (part+1)*panels/j.parts
	j0, j1 := p0*im.nr, min(p1*im.nr, pb.n)
	if j0 >= j1 {
		return
	}
	for pc := 0; pc < pb.k; pc += im.kc {
		kc := min(im.kc, pb.k-pc)
		packB(im, &j.p, pc, kc, j0, j1-j0, im.nr, pb.data[pc*pb.np+j0*kc:])
	}
}

// K and N return the shape of the packed matrix.
func (pb *PackedB) K() int { return pb.k }

// N returns the number of columns of the packed matrix.
func (pb *PackedB) N() int { return pb.n }

// packedJob is one SgemmPacked call split into parts along N.
type packedJob struct {
	p     problem
	pb    *PackedB
	parts int
	batch batch
}

var packedPool = sync.Pool{New: func() any { return new(packedJob) }}

// SgemmPacked computes C = alpha*op(A)*B + beta*C with op(A) m x k (A, or
// its transpose when transA) and B packed by pb.Pack, using up to threads
// goroutines. When beta is 0, C is not read.
func SgemmPacked(transA bool, m int, alpha float32, a []float32, lda int, pb *PackedB, beta float32, c []float32, ldc int, threads int) {
	if m == 0 || pb.n == 0 {
		return
	}
	if pb.k == 0 || alpha == 0 {
		scaleC(m, pb.n, beta, c, ldc)
		return
	}
	j := packedPool.Get().(*packedJob)
	j.p = problem{transA: transA, m: m, n: pb.n, k: pb.k, alpha: alpha, a: a, lda: lda, beta: beta, c: c, ldc: ldc}
	j.pb = pb
	panels := pb.np / pb.im.nr
	parts := min(threads, panels, maxParts)
	if int64(m)*int64(pb.n)*int64(pb.k) < parallelWork {
		parts = 1
	}
	j.parts = max(parts, 1)
	parallelFor(j.parts, j, &j.batch)
	j.p, j.pb = problem{}, nil
	packedPool.Put(j)
}

// run computes the columns of C in this part's share of the panels.
func (j *packedJob) run(part int) {
	pb, p := j.pb, &j.p
	im := pb.im
	mr, nr := im.mr, im.nr
	panels := pb.np / nr
	j0, j1 := part*panels/j.parts*nr, (part+1)*panels/j.parts*nr
	j1 = min(j1, p.n)
	if j0 >= j1 {
		return
	}
	bf := getBuffers(im)
	defer bufPool.Put(bf)
	for pc := 0; pc < p.k; pc += im.kc {
		kc := min(im.kc, p.k-pc)
		beta := p.beta
		if pc > 0 {
			beta = 1
		}
		blk := pb.data[pc*pb.np:]
		for ic := 0; ic < p.m; ic += im.mc {
			mc := min(im.mc, p.m-ic)
			packA(im, p, ic, mc, pc, kc, mr, bf.a)
			for jr := j0; jr < j1; jr += nr {
				nn := min(nr, j1-jr)
				bp := blk[jr*kc : jr*kc+kc*nr]
				for ir := 0; ir < mc; ir += mr {
					mm := min(mr, mc-ir)
					ap := bf.a[ir*kc : ir*kc+kc*mr]
					off := (ic+ir)*p.ldc + jr
					if mm == mr && nn == nr {
						im.kernel(kc, ap, bp, nr, p.c[off:], p.ldc, p.alpha, beta)
						continue
					}
					im.kernel(kc, ap, bp, nr, bf.tile, nr, 1, 0)
					mergeTile(mm, nn, p.alpha, bf.tile, nr, beta, p.c[off:], p.ldc)
				}
			}
		}
	}
}
