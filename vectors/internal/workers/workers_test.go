package workers

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestRun checks that every worker runs exactly once, that Run returns
// only after all of them, and that it ticks while they work.
func TestRun(t *testing.T) {
	const n = 5
	var ran [n]atomic.Int32
	var finished, ticks atomic.Int32
	Run(n, time.Millisecond, func() { ticks.Add(1) }, func(i int) {
		ran[i].Add(1)
		// Worker 0 works until it has seen a tick (at most 10s).
		for deadline := time.Now().Add(10 * time.Second); i == 0 && ticks.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		finished.Add(1)
	})
	for i := range ran {
		if got := ran[i].Load(); got != 1 {
			t.Errorf("worker %d ran %d times, want 1", i, got)
		}
	}
	if got := finished.Load(); got != n {
		t.Errorf("Run returned with %d of %d workers finished", got, n)
	}
	if ticks.Load() == 0 {
		t.Error("no tick in 10s of work at a 1ms period")
	}
	got := ticks.Load()
	time.Sleep(10 * time.Millisecond)
	if ticks.Load() != got {
		t.Error("tick called after Run returned")
	}
}
