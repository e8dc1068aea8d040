package serve

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recurrent-go/recurrent/lm"
)

// tokEvent is one thing a generation job reports: a token of sample
// Sample (ID >= 0), or the end of that sample (End).
type tokEvent struct {
	Sample int
	ID     int32
	End    bool
	At     time.Time // when the step that made the token ended
}

// genJob is one generate request on an lm model: its samples run one
// after another (so a request alone gives the command line's samples
// exactly), each as a stream of the model's continuous batch. The batch
// loop appends events; the request's goroutine takes them (take), so the
// loop never waits for a slow client.
type genJob struct {
	ctx   context.Context
	opts  []lm.SampleOptions
	label int // a conditional model's label, or -1

	mu       sync.Mutex
	pending  []tokEvent
	finished bool
	err      error
	notify   chan struct{} // capacity 1: "something happened"

	// Owned by the batch loop.
	cur    int
	stream *lm.Stream
	lane   *batcher // the loop running the job (lanes.submit), or nil
}

func newGenJob(ctx context.Context, opts []lm.SampleOptions, label int) *genJob {
	return &genJob{ctx: ctx, opts: opts, label: label, notify: make(chan struct{}, 1)}
}

func (j *genJob) push(ev tokEvent) {
	j.mu.Lock()
	j.pending = append(j.pending, ev)
	j.mu.Unlock()
	j.wake()
}

// finish ends the job with err (nil: done); only the first call counts.
func (j *genJob) finish(err error) {
	j.mu.Lock()
	if j.finished {
		j.mu.Unlock()
		return
	}
	j.finished, j.err = true, err
	j.mu.Unlock()
	if j.lane != nil {
		j.lane.load.Add(-1)
	}
	j.wake()
}

func (j *genJob) wake() {
	select {
	case j.notify <- struct{}{}:
	default:
	}
}

// take returns the events since the last call, and whether the job has
// finished (with its error).
func (j *genJob) take(buf []tokEvent) ([]tokEvent, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	buf = append(buf[:0], j.pending...)
	j.pending = j.pending[:0]
	return buf, j.finished, j.err
}

// yieldEvery is how often a generation loop that steps without pause
// lets the goroutines of its requests run (to write the tokens it made
// since): a loop never blocks while it has work, and the Go scheduler
// would otherwise run them only when it preempts the loop (every 10 ms),
// streaming the tokens in bursts of that age. Each write costs some 10 us
// of server CPU and as much of the client's (a system call and a wake-up
// each side), so fewer, fuller writes leave more CPU to the steps: with
// 16 int8 streams on 2 CPUs, 2 ms gave 80-104k tokens/s against 43-91k
// at 500 us and 50-81k at 250 us, and the clients' p99 gap between tokens
// stayed at about 4 ms at every setting (BENCHMARKS.md, Serving).
const yieldEvery = 2 * time.Millisecond

// batcher runs the continuous batch of one lm or lm-conditional model: jobs join between
// tokens and leave when done or cancelled; each step advances up to
// maxBatch streams by one token together.
type batcher struct {
	batch    *lm.Batch
	jobs     chan *genJob
	quit     chan struct{}
	done     chan struct{}
	maxBatch int
	observe  func(batchSize, tokens int, d time.Duration) // metrics hook (per step: its duration d)
	closing  sync.Once
	load     atomic.Int32 // jobs handed to this loop and not finished (lanes)
	serial   func() bool  // before each step: whether to step on the loop's goroutine alone (nil: never)

	// Jobs started but waiting for room in the batch, in arrival order,
	// which another loop of the model with room takes (lanes: siblings):
	// guarded by mu; nWaiting mirrors their count for a look without the
	// lock. nudge (capacity 1) wakes an idle loop when a sibling has jobs
	// waiting.
	mu       sync.Mutex
	waiting  []*genJob
	nWaiting atomic.Int32
	nudge    chan struct{}
	siblings []*batcher

	// The loop's buffers: the streams of a step and the tokens it emitted.
	streams []*lm.Stream
	emitted []int32
}

// newBatcher returns a loop over b, not started (newLanes wires the
// loops of a model together and starts them).
func newBatcher(b *lm.Batch, maxBatch int, observe func(int, int, time.Duration)) *batcher {
	return &batcher{batch: b, jobs: make(chan *genJob), quit: make(chan struct{}), done: make(chan struct{}),
		nudge: make(chan struct{}, 1), maxBatch: maxBatch, observe: observe, emitted: make([]int32, maxBatch)}
}

// submit hands a job to the loop (or finishes it when the loop stopped).
func (g *batcher) submit(j *genJob) {
	select {
	case g.jobs <- j:
	case <-g.quit:
		j.finish(errShuttingDown)
	case <-j.ctx.Done():
		j.finish(j.ctx.Err())
	}
}

// close stops the loop once its jobs are finished or cancelled; later
// calls do nothing (Server.Close may be called again).
func (g *batcher) close() {
	g.closing.Do(func() {
		close(g.quit)
		<-g.done
		g.batch.Close()
	})
}

// start begins the job's current sample; false when the job is over.
func (g *batcher) start(j *genJob) bool {
	for j.cur < len(j.opts) {
		var (
			s   *lm.Stream
			err error
		)
		if j.label >= 0 {
			s, err = g.batch.NewCondStream(j.label, j.opts[j.cur])
		} else {
			s, err = g.batch.NewStream(j.opts[j.cur])
		}
		if err != nil {
			j.finish(err)
			return false
		}
		if !s.Done() {
			j.stream = s
			return true
		}
		j.push(tokEvent{Sample: j.cur, ID: -1, End: true}) // a zero-length sample
		j.cur++
	}
	j.finish(nil)
	return false
}

// step runs one batched step; a panic inside it fails the step's jobs
// (with a 500) instead of the server.
func (g *batcher) step(streams []*lm.Stream, emitted []int32) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = errorf(http.StatusInternalServerError, "internal error in the generation loop: %v", v)
		}
	}()
	return g.batch.Step(streams, emitted)
}

// run is the generation loop: between steps, jobs join (up to maxBatch
// active, the rest waiting) and cancelled jobs leave; each step advances
// every active job by one token. A loop with room takes the jobs waiting
// in its siblings (lanes).
func (g *batcher) run() {
	defer close(g.done)
	var (
		active   []*genJob
		quitting bool
		yielded  time.Time
	)
	add := func(j *genJob) {
		if g.start(j) {
			g.mu.Lock()
			g.waiting = append(g.waiting, j)
			g.mu.Unlock()
		}
	}
	for {
		// Idle: wait for a job, or for a sibling's nudge (it takes the
		// sibling's waiting jobs below).
		if len(active) == 0 && g.nWaiting.Load() == 0 {
			if quitting {
				return
			}
			select {
			case j := <-g.jobs:
				add(j)
			case <-g.nudge:
			case <-g.quit:
				return
			}
		}
	join:
		for {
			select {
			case j := <-g.jobs:
				add(j)
			case <-g.quit:
				quitting = true
				break join
			default:
				break join
			}
		}
		active = slices.DeleteFunc(active, cancelled)
		g.mu.Lock()
		g.waiting = slices.DeleteFunc(g.waiting, cancelled)
		for len(active) < g.maxBatch && len(g.waiting) > 0 {
			active, g.waiting = append(active, g.waiting[0]), g.waiting[1:]
		}
		left := len(g.waiting)
		g.nWaiting.Store(int32(left))
		g.mu.Unlock()
		if left > 0 {
			g.nudgeSiblings()
		} else if len(active) < g.maxBatch {
			active = g.steal(active)
		}
		if len(active) > 0 {
			if g.serial != nil {
				g.batch.SetSerial(g.serial())
			}
			active = g.advance(active)
			if now := time.Now(); now.Sub(yielded) >= yieldEvery {
				// The requests' goroutines woken since write their tokens.
				runtime.Gosched()
				yielded = now
			}
		}
	}
}

// steal moves jobs waiting in the siblings' loops into active, oldest
// first, up to the batch's room, and returns active. A job's stream does
// not depend on the batch that started it, and the job counts in this
// loop's load from then on.
func (g *batcher) steal(active []*genJob) []*genJob {
	for _, o := range g.siblings {
		room := g.maxBatch - len(active)
		if room <= 0 {
			break
		}
		if o.nWaiting.Load() == 0 {
			continue
		}
		o.mu.Lock()
		n := min(room, len(o.waiting))
		for _, j := range o.waiting[:n] {
			// The job's owner, o's loop, touches it only under o.mu while
			// it waits: from here on it is this loop's.
			o.load.Add(-1)
			g.load.Add(1)
			j.lane = g
			active = append(active, j)
		}
		o.waiting = o.waiting[n:]
		o.nWaiting.Store(int32(len(o.waiting)))
		o.mu.Unlock()
	}
	return active
}

// nudgeSiblings wakes the siblings that are idle, to take the jobs waiting
// here.
func (g *batcher) nudgeSiblings() {
	for _, o := range g.siblings {
		select {
		case o.nudge <- struct{}{}:
		default:
		}
	}
}

// cancelled finishes j when its client is gone or its deadline passed,
// and reports whether it did.
func cancelled(j *genJob) bool {
	if err := j.ctx.Err(); err != nil {
		j.finish(err)
		return true
	}
	return false
}

// advance runs one batched step of the active jobs, passes on the tokens,
// starts the next sample of each job whose sample ended, and returns the
// jobs still active (a failed step finishes them all).
func (g *batcher) advance(active []*genJob) []*genJob {
	g.streams = g.streams[:0]
	for _, j := range active {
		g.streams = append(g.streams, j.stream)
	}
	start := time.Now()
	err := g.step(g.streams, g.emitted)
	end := time.Now()
	if err != nil {
		for _, j := range active {
			j.finish(err)
		}
		return active[:0]
	}
	n := 0
	for i, j := range active {
		if id := g.emitted[i]; id >= 0 {
			n++
			j.push(tokEvent{Sample: j.cur, ID: id, At: end})
		}
		if j.stream.Done() {
			j.push(tokEvent{Sample: j.cur, ID: -1, End: true})
			j.cur++
			if !g.start(j) {
				active[i] = nil
			}
		}
	}
	if g.observe != nil {
		g.observe(len(g.streams), n, end.Sub(start))
	}
	return slices.DeleteFunc(active, func(j *genJob) bool { return j == nil })
}

// lanes are the generation loops of one model, one per CPU the steps may
// use: each runs its own continuous batch (the first an lm.Batch of the
// model, the others its twins), and a request joins the first loop with
// fewer than laneFill requests (and a batch not full), or else the loop
// with the fewest. While one loop alone has work, whichever it is, it
// shares each step among its batch's goroutines, as a lone loop does;
// while several have work, each steps on its own goroutine alone, so that
// the loops run side by side on the CPUs instead of their goroutines
// waiting for each other inside every step (a shared step ends when its
// slowest part does, and the CPU its other parts waited on is lost to the
// loops and to the requests' own work). A request's tokens do not depend
// on its loop, so one that waits for room in a full loop (every loop was
// full when it came) moves to the first loop that has room.
type lanes []*batcher

// newLanes starts a loop for each batch.
func newLanes(batches []*lm.Batch, maxBatch int, observe func(int, int, time.Duration)) lanes {
	ls := make(lanes, len(batches))
	for i, b := range batches {
		ls[i] = newBatcher(b, maxBatch, observe)
	}
	if len(ls) > 1 {
		for i, g := range ls {
			g.serial = ls.several
			g.siblings = append(slices.Clone(ls[:i]), ls[i+1:]...)
		}
	}
	for _, g := range ls {
		go g.run() // wired up first: the loops read serial and siblings
	}
	return ls
}

// several reports whether more than one loop has work.
func (ls lanes) several() bool {
	n := 0
	for _, g := range ls {
		if g.load.Load() > 0 {
			n++
		}
	}
	return n > 1
}

// laneFill is how many requests a loop takes before the next loop gets
// any: a few requests share one loop's batched steps (the weights read
// once a step for all of them, the step shared by the CPUs), more spread
// over the loops.
const laneFill = 4

// submit hands j to the first loop with fewer than laneFill requests (or
// than its batch holds, if fewer: a request beyond would wait for another
// to end), or when every loop has that many, to the loop with the fewest
// (the first of those tied).
func (ls lanes) submit(j *genJob) {
	g := ls[0]
	fill := int32(min(laneFill, g.maxBatch))
	for _, o := range ls {
		if o.load.Load() < fill {
			g = o
			break
		}
		if o.load.Load() < g.load.Load() {
			g = o
		}
	}
	j.lane = g
	g.load.Add(1)
	g.submit(j)
}

// close stops every loop (see batcher.close), the twins' before lane 0's.
func (ls lanes) close() {
	// The twins first: lane 0's batch must stay open while they are used.
	for i := len(ls) - 1; i >= 0; i-- {
		ls[i].close()
	}
}
