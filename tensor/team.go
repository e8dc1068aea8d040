package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Team is a fixed group of n goroutines, the caller of Run and n-1
// members, that run one function together and may meet at barriers inside
// it. It is meant for parallel regions too short for Sgemm's pool to pay
// off, such as one step of batch-1 generation (about 100µs in all, with a
// barrier between layers): a member that has finished polls for the next
// Run for a while before it parks, so back-to-back Runs find it awake, and
// the work is split statically, so each goroutine reads the same part of
// the data at every Run.
//
// Run must not be called concurrently with itself; Close stops the
// members.
type Team struct {
	n       int
	f       func(w int)
	gen     atomic.Uint32 // generation of the latest Run
	pending atomic.Int32  // members still running the latest Run
	// Barrier: count of arrivals and the generation they wait to change.
	barCount atomic.Int32
	barGen   atomic.Uint32
	parked   []atomic.Bool   // [n] member w is (about to be) blocked on wake[w]
	wake     []chan struct{} // [n] buffered, one token
	closed   atomic.Bool
	wg       sync.WaitGroup
}

// teamSpin is how long an idle member polls for the next Run before it
// parks.
const teamSpin = 200 * time.Microsecond

// NewTeam starts a team of n goroutines (n < 1 counts as 1): the caller
// of Run is member 0 and n-1 goroutines are started for the others.
func NewTeam(n int) *Team {
	n = max(n, 1)
	t := &Team{n: n, parked: make([]atomic.Bool, n), wake: make([]chan struct{}, n)}
	for w := 1; w < n; w++ {
		t.wake[w] = make(chan struct{}, 1)
		t.wg.Add(1)
		go t.member(w)
	}
	return t
}

// Size returns the number of goroutines, n.
func (t *Team) Size() int { return t.n }

// Run calls f(w) for w = 0..n-1 concurrently, f(0) on the calling
// goroutine, and returns when every call has returned. Inside f the
// members may call Barrier; all n must reach each barrier. Run does not
// allocate.
func (t *Team) Run(f func(w int)) {
	if t.n == 1 {
		f(0)
		return
	}
	if t.closed.Load() {
		panic("tensor: Team.Run after Close")
	}
	t.f = f
	t.pending.Store(int32(t.n - 1))
	t.gen.Add(1)
	for w := 1; w < t.n; w++ {
		if t.parked[w].CompareAndSwap(true, false) {
			t.wake[w] <- struct{}{}
		}
	}
	f(0)
	for i := 0; t.pending.Load() > 0; i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
	t.f = nil
}

// Barrier blocks until all n goroutines of the current Run have called
// it (as often as each other).
func (t *Team) Barrier() {
	if t.n == 1 {
		return
	}
	g := t.barGen.Load()
	if t.barCount.Add(1) == int32(t.n) {
		t.barCount.Store(0)
		t.barGen.Add(1)
		return
	}
	for i := 0; t.barGen.Load() == g; i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
}

// Close stops the members and waits for them to exit. It must not be
// called during Run; calling it again does nothing.
func (t *Team) Close() {
	if t.closed.Swap(true) {
		return
	}
	t.gen.Add(1) // wake the spinning members
	for w := 1; w < t.n; w++ {
		if t.parked[w].CompareAndSwap(true, false) {
			t.wake[w] <- struct{}{}
		}
	}
	t.wg.Wait()
}

// member is the loop of goroutine w: wait for a new generation (polling,
// then parked), run it, repeat until closed.
func (t *Team) member(w int) {
	defer t.wg.Done()
	var seen uint32 // the generation at NewTeam: a Run may start before this goroutine does
	for {
		deadline := time.Now().Add(teamSpin)
		for i := 0; t.gen.Load() == seen; i++ {
			if i%64 != 63 {
				continue
			}
			if time.Now().Before(deadline) {
				runtime.Gosched()
				continue
			}
			// Park. Run and Close bump gen before they look at parked,
			// so either the check below sees the new generation or the
			// waker sees parked set and sends a token.
			t.parked[w].Store(true)
			if t.gen.Load() != seen && t.parked[w].CompareAndSwap(true, false) {
				break
			}
			<-t.wake[w]
			break
		}
		if t.closed.Load() {
			return
		}
		seen = t.gen.Load()
		t.f(w)
		t.pending.Add(-1)
	}
}
