package gemm

import "sync"

// runner is a unit of parallel work split into numbered parts.
type runner interface {
	run(part int)
}

// item is one part of a runner handed to a pool worker.
type item struct {
	r    runner
	part int
	wg   *sync.WaitGroup
}

// The pool is a set of persistent worker goroutines blocked on an unbuffered
// channel, so a per-time-step GEMM does not pay for spawning goroutines.
var (
	poolMu  sync.Mutex
	workers int
	work    = make(chan item)
)

// ensureWorkers starts workers until at least n are running.
func ensureWorkers(n int) {
	poolMu.Lock()
	defer poolMu.Unlock()
	for ; workers < n; workers++ {
		go func() {
			for it := range work {
				it.r.run(it.part)
				it.wg.Done()
			}
		}()
	}
}

// parallelFor runs r.run(0..parts-1), part 0 in the caller and the others on
// pool workers. A part for which no worker is idle runs in the caller, so
// concurrent callers never queue behind each other.
func parallelFor(parts int, r runner, wg *sync.WaitGroup) {
	if parts <= 1 {
		r.run(0)
		return
	}
	ensureWorkers(parts - 1)
	for i := 1; i < parts; i++ {
		wg.Add(1)
		select {
		case work <- item{r: r, part: i, wg: wg}:
		default:
			wg.Done()
			r.run(i)
		}
	}
	r.run(0)
	wg.Wait()
}

// gemmJob is a parallel GEMM split into parts along M or N.
type gemmJob struct {
	im     *impl
	p      problem
	splitM bool
	parts  int
	tiles  int // tiles along the split dimension
	wg     sync.WaitGroup
}

var jobPool = sync.Pool{New: func() any { return new(gemmJob) }}

// parallelWork is the m*n*k from which a GEMM is split over threads.
const parallelWork = 48 * 48 * 48

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
	parts := min(threads, tiles)
	if parts <= 1 || p.m*p.n*p.k < parallelWork {
		bf := getBuffers(im)
		serial(im, p, bf)
		bufPool.Put(bf)
		return
	}
	j.im, j.splitM, j.parts, j.tiles = im, splitM, parts, tiles
	parallelFor(parts, j, &j.wg)
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
