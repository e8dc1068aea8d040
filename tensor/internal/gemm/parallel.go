package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recurrent-go/recurrent/tensor/internal/parts"
)

// runner is a unit of parallel work split into numbered parts.
type runner interface {
	run(part int)
}

// batch hands out the parts of one parallel call (see parts.Counter), so
// the caller and any pool worker that wakes in time share the parts, and a
// worker that wakes late, after the call is over, finds nothing to claim.
type batch struct {
	parts parts.Counter
	gen   uint32 // owned by the caller
	r     runner // set before parts is started
	wg    sync.WaitGroup
}

// token wakes a pool worker for one generation of a batch.
type token struct {
	b   *batch
	gen uint32
}

// drain runs parts of generation gen until none is left.
func (b *batch) drain(gen uint32) {
	for {
		i, ok := b.parts.Claim(gen)
		if !ok {
			return
		}
		b.r.run(i)
		b.wg.Done()
	}
}

// The pool is a set of persistent worker goroutines, so a per-time-step
// GEMM does not pay for spawning goroutines. After finishing a part a
// worker polls hot, the batch of the latest parallel call, for spinFor
// before it parks on the unbuffered channel work: back-to-back calls (the
// recurrent step) find their workers running instead of asleep.
var (
	poolMu  sync.Mutex
	workers int
	work    = make(chan token)
	hot     atomic.Pointer[batch]
)

// spinFor is how long an idle worker polls for new parts before parking.
const spinFor = 100 * time.Microsecond

// maxParts bounds the parts of one call (they are counted in 16 bits).
const maxParts = 1 << 12

// ensureWorkers starts workers until at least n are running.
func ensureWorkers(n int) {
	poolMu.Lock()
	defer poolMu.Unlock()
	for ; workers < n; workers++ {
		go worker()
	}
}

// worker runs parts handed to the pool, polling for spinFor after each
// batch before parking.
func worker() {
	for {
		t := <-work
		t.b.drain(t.gen)
		deadline := time.Now().Add(spinFor)
		for i := 0; ; i++ {
			if b := hot.Load(); b != nil {
				if gen, pending := b.parts.Gen(); pending {
					b.drain(gen)
					deadline = time.Now().Add(spinFor)
				}
			}
			if i%64 == 63 {
				if time.Now().After(deadline) {
					break
				}
				// Let any goroutine waiting for this P run, e.g. the
				// caller itself when there are more threads than Ps.
				runtime.Gosched()
			}
		}
	}
}

// parallelFor runs r.run(0..parts-1) on the caller and up to parts-1 idle
// pool workers, and returns when all parts are done. Workers are only
// woken if idle, and the caller keeps claiming parts itself, so a busy or
// slow-to-wake pool, or concurrent callers, never leave a part waiting.
// parts must not exceed maxParts: callers cap it where they cut their
// work (parts run fewer than it was cut into would leave output unset).
func parallelFor(parts int, r runner, b *batch) {
	if parts <= 1 {
		r.run(0)
		return
	}
	if parts > maxParts {
		panic("gemm: parallelFor: more parts than maxParts")
	}
	ensureWorkers(parts - 1)
	b.gen++
	b.r = r
	b.wg.Add(parts)
	b.parts.Start(b.gen, parts)
	hot.Store(b)
	for i := 1; i < parts; i++ {
		select {
		case work <- token{b, b.gen}:
		default:
		}
	}
	b.drain(b.gen)
	b.wg.Wait()
	hot.CompareAndSwap(b, nil)
	b.r = nil
}

// gemmJob is a parallel GEMM split into parts along M or N.
type gemmJob struct {
	im     *impl
	p      problem
	splitM bool
	parts  int
	tiles  int // tiles along the split dimension
	batch  batch
}

var jobPool = sync.Pool{New: func() any { return new(gemmJob) }}

// parallelWork is the m*n*k from which a GEMM is split over threads: about
// 40µs of work, well above the cost of waking a worker.
const parallelWork = 128 * 128 * 128

// parallel runs j.p on up to threads goroutines.
func (j *gemmJob) parallel(im *impl, threads int) {
	p := &j.p
	tm := (p.m + im.mr - 1) / im.mr
	tn := (p.n + im.nr - 1) / im.nr
	splitM := tm >= tn
	tiles := tn
	if splitM {
		tiles = tm
	}
	parts := min(threads, tiles, maxParts)
	if parts <= 1 || int64(p.m)*int64(p.n)*int64(p.k) < parallelWork {
		bf := getBuffers(im)
		serial(im, p, bf)
		bufPool.Put(bf)
		return
	}
	j.im, j.splitM, j.parts, j.tiles = im, splitM, parts, tiles
	parallelFor(parts, j, &j.batch)
}

func (j *gemmJob) run(part int) {
	t0 := part * j.tiles / j.parts
	t1 := (part + 1) * j.tiles / j.parts
	if t0 == t1 {
		return
	}
	var q problem
	if j.splitM {
		q = j.p.sub(t0*j.im.mr, min(t1*j.im.mr, j.p.m), 0, j.p.n)
	} else {
		q = j.p.sub(0, j.p.m, t0*j.im.nr, min(t1*j.im.nr, j.p.n))
	}
	bf := getBuffers(j.im)
	serial(j.im, &q, bf)
	bufPool.Put(bf)
}
