package nn

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/tensor"
)

// catch returns what f panics with (nil: it returned).
func catch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// A part of the RNNs' step team that panics, on a member or on the
// caller, makes Run panic with its value in the caller (where a server's
// recover answers the request) after the started parts have returned, the
// next phase skipped; a panic on a member goroutine used to end the
// program. Each part of the first phase waits until two have started, so
// that one of them runs on a member, and then panics. The team then runs
// normally.
func TestStepTeamPanicInPart(t *testing.T) {
	for _, n := range []int{2, 4} {
		st := newStepTeam(n)
		var started, next atomic.Int32
		got := catch(func() {
			st.Run(2, 8, func(phase, part int) {
				if phase == 1 {
					next.Add(1)
					return
				}
				for started.Add(1); started.Load() < 2; {
					runtime.Gosched()
				}
				panic(part)
			})
		})
		if _, ok := got.(int); !ok || next.Load() != 0 {
			t.Errorf("team of %d: Run raised %v with %d parts of the next phase run; want a part's panic and none", n, got, next.Load())
		}
		var sum atomic.Int64
		st.Run(1, 16, func(_, part int) { sum.Add(int64(part)) })
		if sum.Load() != 120 {
			t.Errorf("team of %d after a panic: the parts summed to %d, want 120", n, sum.Load())
		}
		st.close()
	}
}

// splitRange releases the shared team when a range panics, so that later
// RNNs can use it.
func TestSplitRangePanicReleasesTeam(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("the team needs two threads")
	}
	got := catch(func() {
		splitRange(1<<12, 1<<8, func(lo, hi int) { panic("range") })
	})
	if got != "range" {
		t.Errorf("splitRange raised %v, want the range's panic", got)
	}
	if !teamMu.TryLock() {
		t.Fatal("the team is still held after the panic")
	}
	teamMu.Unlock()
}

// splitRange on a team of 128 or more goroutines cut the range into more
// than stepMaxPhase parts; the part count overflowed its 8 bits of the
// team's job word into the generation, and a member then divided by a
// part count of zero (the process died). GOMAXPROCS may exceed the CPUs,
// so the test makes such a team on any machine; every index must be
// covered once.
func TestSplitRangeManyThreads(t *testing.T) {
	const threads, n = 200, 1 << 15
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	defer tensor.SetThreads(tensor.Threads())
	tensor.SetThreads(threads)
	defer func() {
		// Stop the big team's goroutines for the tests after this one.
		teamMu.Lock()
		if sharedTeam != nil {
			sharedTeam.close()
			sharedTeam = nil
		}
		teamMu.Unlock()
	}()
	seen := make([]atomic.Int32, n)
	splitRange(n, 4, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			seen[i].Add(1)
		}
	})
	for i := range seen {
		if c := seen[i].Load(); c != 1 {
			t.Fatalf("index %d covered %d times, want 1", i, c)
		}
	}
}

// TestStepTeamCloseRightAfterRun closes step teams just as their members
// wake for the last Run (as tensor's TestTeamCloseRightAfterRun does): a
// member that saw the Run's generation, found the team open and then
// read the generation again after close had moved it, waited for a
// generation that never came. close does not wait for the members, so
// such a member leaked; the test waits for every member to exit.
func TestStepTeamCloseRightAfterRun(t *testing.T) {
	iters := 2000
	if testing.Short() {
		iters = 300
	}
	base := testutil.Goroutines("github.com/recurrent-go/recurrent/nn.newStepTeam")
	for i := range iters {
		st := newStepTeam(2)
		time.Sleep(stepSpin + 50*time.Microsecond) // the member parks
		st.Run(1, 1, func(int, int) {})
		delay := time.Duration(i%100) * 2 * time.Microsecond
		for t0 := time.Now(); time.Since(t0) < delay; {
		}
		st.close()
	}
	deadline := time.Now().Add(10 * time.Second) // closed members exit within microseconds
	for testutil.Goroutines("github.com/recurrent-go/recurrent/nn.newStepTeam") > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := testutil.Goroutines("github.com/recurrent-go/recurrent/nn.newStepTeam") - base; n > 0 {
		t.Errorf("%d members of closed step teams still waiting: they missed the close", n)
	}
}
