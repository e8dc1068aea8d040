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
// barrier between layers): the work is split statically, so each goroutine
// reads the same part of the data at every Run, and every wait polls for a
// while before it parks, so back-to-back Runs and barriers find the others
// awake while a goroutine descheduled on a busy machine costs the others a
// parked wait instead of a spinning one.
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
	parked   []atomic.Bool   // [n] goroutine w is (about to be) blocked on wake[w]
	wake     []chan struct{} // [n] buffered, one token
	closed   atomic.Bool
	wg       sync.WaitGroup
}

const (
	// idleSpin is how long an idle member polls for the next Run before
	// it parks.
	idleSpin = 200 * time.Microsecond
	// waitSpin is how long a goroutine polls at a barrier, or the caller
	// for the end of a Run, before it parks.
	waitSpin = 50 * time.Microsecond
)

// NewTeam starts a team of n goroutines (n < 1 counts as 1): the caller
// of Run is member 0 and n-1 goroutines are started for the others.
func NewTeam(n int) *Team {
	n = max(n, 1)
	t := &Team{n: n, parked: make([]atomic.Bool, n), wake: make([]chan struct{}, n)}
	for w := range n {
		t.wake[w] = make(chan struct{}, 1)
	}
	for w := 1; w < n; w++ {
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
	t.wakeAll(1)
	f(0)
	t.await(0, waitSpin, t.done)
	t.f = nil
}

// Barrier blocks until all n goroutines of the current Run have called
// it (as often as each other). w is the caller's member number, the
// argument of its f.
func (t *Team) Barrier(w int) {
	if t.n == 1 {
		return
	}
	g := t.barGen.Load()
	if t.barCount.Add(1) == int32(t.n) {
		t.barCount.Store(0)
		t.barGen.Add(1)
		t.wakeAll(0)
		return
	}
	t.await(w, waitSpin, func() bool { return t.barGen.Load() != g })
}

// Close stops the members and waits for them to exit. It must not be
// called during Run; calling it again does nothing.
func (t *Team) Close() {
	if t.closed.Swap(true) {
		return
	}
	t.gen.Add(1)
	t.wakeAll(1)
	t.wg.Wait()
}

// done reports whether every member has finished the latest Run.
func (t *Team) done() bool { return t.pending.Load() == 0 }

// wakeAll wakes the parked goroutines from number first on, after the
// condition they wait for has been made true.
func (t *Team) wakeAll(first int) {
	for w := first; w < t.n; w++ {
		if t.parked[w].CompareAndSwap(true, false) {
			t.wake[w] <- struct{}{}
		}
	}
}

// await returns once cond holds, polling it for spin and then parking
// goroutine w until a waker (which makes cond true first and then calls
// wakeAll) hands it a token. Either the check after parked is set sees
// cond true, or the waker sees parked set; so no wake-up is lost, and
// every token sent is received.
func (t *Team) await(w int, spin time.Duration, cond func() bool) {
	deadline := time.Time{}
	for i := 0; ; i++ {
		if cond() {
			return
		}
		if i%64 != 63 {
			continue
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(spin)
		}
		if now.Before(deadline) {
			runtime.Gosched()
			continue
		}
		t.parked[w].Store(true)
		if cond() && t.parked[w].CompareAndSwap(true, false) {
			return
		}
		<-t.wake[w]
		// cond normally holds now; loop to check.
	}
}

// member is the loop of goroutine w: wait for a new generation, run it,
// repeat until closed.
func (t *Team) member(w int) {
	defer t.wg.Done()
	var seen uint32 // the generation at NewTeam: a Run may start before this goroutine does
	for {
		t.await(w, idleSpin, func() bool { return t.gen.Load() != seen })
		if t.closed.Load() {
			return
		}
		seen = t.gen.Load()
		t.f(w)
		if t.pending.Add(-1) == 0 {
			t.wakeAll(0)
		}
	}
}
