package tensor

import (
	"testing"
	"time"
)

func TestTeam(t *testing.T) {
	for _, c := range []struct {
		n     int
		pause time.Duration // between Runs: 0 keeps members polling, > idleSpin parks them
	}{{1, 0}, {2, 0}, {3, 0}, {2, 3 * idleSpin}, {4, 3 * idleSpin}} {
		tm := NewTeam(c.n)
		if tm.Size() != c.n {
			t.Fatalf("Size = %d, want %d", tm.Size(), c.n)
		}
		// Each member writes its slot, meets the others, then reads all
		// slots: without a working barrier some read sees a stale value.
		slots := make([]int, c.n)
		sums := make([]int, c.n)
		for run := 1; run <= 20; run++ {
			tm.Run(func(w int) {
				for phase := 0; phase < 3; phase++ {
					if run%7 == 0 && w == (run+phase)%c.n {
						// A late goroutine: the others park at the
						// barrier (or, at the end, in Run).
						time.Sleep(3 * waitSpin)
					}
					slots[w] = run*10 + phase
					tm.Barrier(w)
					s := 0
					for _, v := range slots {
						s += v
					}
					sums[w] = s
					tm.Barrier(w)
				}
			})
			for w, s := range sums {
				if want := c.n * (run*10 + 2); s != want {
					t.Fatalf("n=%d run %d: member %d summed %d, want %d", c.n, run, w, s, want)
				}
			}
			if c.pause > 0 && run%5 == 0 {
				time.Sleep(c.pause)
			}
		}
		tm.Close()
		tm.Close()
	}
}

func TestTeamRunNoAlloc(t *testing.T) {
	tm := NewTeam(2)
	defer tm.Close()
	var x [2]int
	f := func(w int) { x[w]++ }
	if n := testing.AllocsPerRun(100, func() { tm.Run(f) }); n != 0 {
		t.Errorf("Run allocates %v times", n)
	}
}

// BenchmarkTeamRun measures one Run with a barrier: the synchronisation
// cost of one step split over two goroutines.
func BenchmarkTeamRun(b *testing.B) {
	tm := NewTeam(2)
	defer tm.Close()
	f := func(w int) { tm.Barrier(w) }
	for b.Loop() {
		tm.Run(f)
	}
}
