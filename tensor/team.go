package tensor

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recurrent-go/recurrent/tensor/internal/parts"
)

// Team is a fixed group of goroutines, the caller of Run and n-1 members,
// that share the parts of a short parallel computation in phases: parts
// of phase p start only when every part of the phases before it is done.
// It is meant for work too fine-grained for Sgemm's pool, such as one
// step of batch-1 generation (about 100µs in all, one phase per layer).
//
// Parts are claimed one at a time, in order, by whichever goroutine is
// free, and the caller claims parts too; so a member that is slow to wake
// or descheduled on a busy machine delays the computation by at most the
// part it holds, and a Run on a team nobody else has time for runs at the
// speed of one goroutine. Idle members poll for the next Run for a while
// before they park, so back-to-back Runs find them awake.
//
// Run must not be called concurrently with itself; Close stops the
// members.
type Team struct {
	n int
	// The current Run: f and the cumulative part counts of its phases,
	// set by the caller before it starts parts.
	f    func(phase, part int)
	ends []int // ends[p] = parts in phases 0..p
	// parts hands out the parts of the current generation (the generation
	// and its bounds are read at once); done counts its finished parts.
	// Each on its own cache line: claims and completions come from both
	// goroutines at once.
	_     [64]byte
	parts parts.Counter
	_     [56]byte
	done  atomic.Int64
	_     [56]byte
	gen   uint32 // owned by the caller
	// Parking: parked[w] is set by goroutine w just before it blocks on
	// wake[w]; sleepers counts the goroutines waiting for parts to finish
	// in parked state, so that finishing a part only wakes when needed.
	sleepers atomic.Int32
	_        [60]byte
	parked   []atomic.Bool
	wake     []chan struct{}
	closed   atomic.Bool
	wg       sync.WaitGroup
	// failed holds the first panic of the current Run's parts, raised
	// again by Run in its caller; once set, the Run's remaining parts are
	// skipped.
	failed PartPanic
}

// PartPanic keeps the first panic of the parts of a parallel computation
// that run on several goroutines, so that the goroutine waiting for them
// raises it (where a server's recover can answer the request) instead of
// the panic ending the program from another goroutine. The zero value is
// ready; it is safe for concurrent use.
type PartPanic struct{ p atomic.Pointer[partPanic] }

// partPanic is a value recovered from a panicking part.
type partPanic struct{ v any }

// Call runs part unless an earlier part has panicked, recovering its
// panic (the first one is kept).
func (pp *PartPanic) Call(part func()) {
	defer func() {
		if v := recover(); v != nil {
			pp.p.CompareAndSwap(nil, &partPanic{v})
		}
	}()
	if pp.p.Load() == nil {
		part()
	}
}

// Raise panics with the kept value, if any, and clears it; call it once
// every part has returned.
func (pp *PartPanic) Raise() {
	if e := pp.p.Swap(nil); e != nil {
		panic(e.v)
	}
}

// maxTeamParts bounds the parts of one Run (they are counted in 16 bits).
const maxTeamParts = 1<<16 - 1

const (
	// idleSpin is how long an idle member polls for the next Run before
	// it parks.
	idleSpin = 200 * time.Microsecond
	// waitSpin is how long a goroutine polls for the parts of an earlier
	// phase (or, the caller, for the end of the Run) before it parks.
	waitSpin = 50 * time.Microsecond
)

// NewTeam starts a team of n goroutines (n < 1 counts as 1): the caller
// of Run and n-1 members started here.
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

// RunSerial calls f(p, i) for every phase p and part i < parts[p] in order
// on the calling goroutine: what Run does with a team of one, for a caller
// that chooses per call whether to share the work.
func RunSerial(parts []int, f func(phase, part int)) {
	for p, n := range parts {
		for i := range n {
			f(p, i)
		}
	}
}

// Run calls f(p, i) for every phase p and part i < parts[p], spread over
// the team, and returns when all calls have returned. Calls of phase p
// start after every call of the earlier phases has returned; calls within
// a phase run concurrently, in any order, on any goroutine. Run does not
// allocate once ends has grown to len(parts). If a call panics, the parts
// not yet started are skipped and Run panics with the same value in its
// caller's goroutine (where a server's recover can answer the request)
// instead of the panic ending the program from a member; the team stays
// usable.
func (t *Team) Run(parts []int, f func(phase, part int)) {
	if t.closed.Load() {
		panic("tensor: Team.Run after Close")
	}
	total := 0
	t.ends = t.ends[:0]
	for _, n := range parts {
		total += n
		t.ends = append(t.ends, total)
	}
	if t.n == 1 {
		RunSerial(parts, f)
		return
	}
	if total == 0 {
		return
	}
	if total > maxTeamParts {
		panic(fmt.Sprintf("tensor: Team.Run with %d parts, more than %d", total, maxTeamParts))
	}
	t.f = f
	t.done.Store(0)
	t.gen++
	t.parts.Start(t.gen, total)
	t.wakeAll(1)
	t.work(0, t.gen)
	t.await(0, waitSpin, func() bool { return t.done.Load() == int64(total) })
	t.f = nil
	t.failed.Raise()
}

// work runs parts of generation gen until none is left; w is the
// goroutine's number.
func (t *Team) work(w int, gen uint32) {
	p := 0
	for {
		k, ok := t.parts.Claim(gen)
		if !ok {
			return
		}
		for k >= t.ends[p] {
			p++
		}
		start := 0
		if p > 0 {
			start = t.ends[p-1]
			// Parts are claimed in order, so those not yet done are
			// running elsewhere: wait for the earlier phases.
			if t.done.Load() < int64(start) {
				t.await(w, waitSpin, func() bool { return t.done.Load() >= int64(start) })
			}
		}
		t.failed.Call(func() { t.f(p, k-start) })
		t.done.Add(1)
		if t.sleepers.Load() > 0 {
			t.wakeAll(0)
		}
	}
}

// Close stops the members and waits for them to exit. It must not be
// called during Run; calling it again does nothing.
func (t *Team) Close() {
	if t.closed.Swap(true) {
		return
	}
	t.gen++
	t.parts.Start(t.gen, 0)
	t.wakeAll(1)
	t.wg.Wait()
}

// wakeAll wakes the parked goroutines numbered from first on, after the
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
	if cond() {
		return
	}
	deadline := time.Now().Add(spin)
	for i := 1; ; i++ {
		if cond() {
			return
		}
		if i%64 != 0 {
			continue
		}
		if time.Now().Before(deadline) {
			runtime.Gosched()
			continue
		}
		t.sleepers.Add(1)
		t.parked[w].Store(true)
		if cond() && t.parked[w].CompareAndSwap(true, false) {
			t.sleepers.Add(-1)
			return
		}
		<-t.wake[w]
		t.sleepers.Add(-1)
	}
}

// testHookOpen, when set (by tests, before the team is made), runs in a
// member that has found the team open, before it works on the generation
// its wait saw: a test holds it there while Close runs.
var testHookOpen func()

// member is the loop of goroutine w: wait for a new generation, take its
// parts, repeat until closed.
func (t *Team) member(w int) {
	defer t.wg.Done()
	// seen is the generation at NewTeam: a Run may start before this
	// goroutine does. The generation to work on is the one the wait saw
	// change, read once: Close moves the generation after it marks the
	// team closed, so a member that finds the team open works on a Run's
	// generation and sees Close's next. (Reading it again after the check
	// could pick up Close's generation with the team found open, and the
	// member then waited for a generation that never came.)
	var seen uint32
	for {
		gen := seen
		t.await(w, idleSpin, func() bool { gen, _ = t.parts.Gen(); return gen != seen })
		if t.closed.Load() {
			return
		}
		if testHookOpen != nil {
			testHookOpen()
		}
		seen = gen
		t.work(w, seen)
	}
}
