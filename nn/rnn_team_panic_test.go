package nn

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// A part of the RNNs' step team that panics, on a member or on the
// caller, makes Run panic with its value in the caller (where a server's
// recover answers the request) after every started part has returned,
// later parts skipped; a panic on a member goroutine used to end the
// program. The team then runs normally.
func TestStepTeamPanicInPart(t *testing.T) {
	for _, n := range []int{2, 4} {
		st := newStepTeam(n)
		for _, bad := range []int{0, 3, 7} {
			var ran [16]atomic.Bool
			got := func() (v any) {
				defer func() { v = recover() }()
				st.Run(2, 8, func(p, k int) {
					i := p*8 + k
					ran[i].Store(true)
					time.Sleep(50 * time.Microsecond) // let the members take parts
					if p == 0 && k >= bad {
						panic(fmt.Sprintf("part %d", i))
					}
				})
				return nil
			}()
			s, _ := got.(string)
			var k int
			if _, err := fmt.Sscanf(s, "part %d", &k); err != nil || k < bad || k >= 8 {
				t.Errorf("team of %d, parts %d-7 panic: Run raised %v", n, bad, got)
			}
			for i := 8; i < 16; i++ {
				if ran[i].Load() {
					t.Errorf("team of %d, parts %d-7 of phase 0 panicked: part %d of phase 1 still ran", n, bad, i)
					break
				}
			}
			var sum atomic.Int64
			st.Run(1, 16, func(_, k int) { sum.Add(int64(k)) })
			if sum.Load() != 120 {
				t.Errorf("team of %d after a panic: sum of parts %d, want 120", n, sum.Load())
			}
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
	got := func() (v any) {
		defer func() { v = recover() }()
		splitRange(1<<12, 1<<8, func(lo, hi int) {
			time.Sleep(50 * time.Microsecond)
			panic("range")
		})
		return nil
	}()
	if got != "range" {
		t.Errorf("splitRange raised %v, want the range's panic", got)
	}
	if !teamMu.TryLock() {
		t.Fatal("the team is still held after the panic")
	}
	teamMu.Unlock()
}
