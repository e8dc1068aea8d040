package nn

import (
	"runtime"
	"sync/atomic"
	"testing"
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
