package tensor

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTeam checks that every part of every phase runs exactly once per
// Run, and that no part starts before all parts of the earlier phases are
// done, with members polling, parked between Runs, and parked at a phase
// boundary behind a slow part.
func TestTeam(t *testing.T) {
	for _, c := range []struct {
		n     int
		parts []int
		pause time.Duration // between Runs: 0 keeps members polling, > idleSpin parks them
	}{{1, []int{3, 2}, 0}, {2, []int{5, 1, 7}, 0}, {3, []int{4, 4, 4, 4}, 0}, {2, []int{16, 16}, 3 * idleSpin}, {4, []int{2, 0, 9}, 3 * idleSpin}} {
		t.Run(fmt.Sprintf("n%d/%v", c.n, c.parts), func(t *testing.T) {
			tm := NewTeam(c.n)
			defer tm.Close()
			if tm.Size() != c.n {
				t.Fatalf("Size = %d, want %d", tm.Size(), c.n)
			}
			// slots[p][i] holds the run that last executed part i of phase p.
			slots := make([][]atomic.Int64, len(c.parts))
			for p, n := range c.parts {
				slots[p] = make([]atomic.Int64, n)
			}
			var bad atomic.Int64
			for run := int64(1); run <= 30; run++ {
				tm.Run(c.parts, func(p, i int) {
					if run%7 == 0 && i == 0 {
						// A slow part: the others wait at the phase
						// boundary (or the caller at the end) and park.
						time.Sleep(3 * waitSpin)
					}
					for q := 0; q < p; q++ {
						for j := range slots[q] {
							if slots[q][j].Load() != run {
								bad.Add(1)
							}
						}
					}
					if slots[p][i].Swap(run) != run-1 {
						bad.Add(1) // ran twice, or missed in the last run
					}
				})
				for p := range slots {
					for i := range slots[p] {
						if slots[p][i].Load() != run {
							t.Fatalf("run %d: part %d of phase %d did not run", run, i, p)
						}
					}
				}
				if bad.Load() != 0 {
					t.Fatalf("run %d: %d parts ran out of order or twice", run, bad.Load())
				}
				if c.pause > 0 && run%5 == 0 {
					time.Sleep(c.pause)
				}
			}
			tm.Close()
			tm.Close()
		})
	}
}

func TestTeamRunNoAlloc(t *testing.T) {
	tm := NewTeam(2)
	defer tm.Close()
	var x [8]int
	parts := []int{4, 4}
	f := func(p, i int) { x[p*4+i]++ }
	if n := testing.AllocsPerRun(100, func() { tm.Run(parts, f) }); n != 0 {
		t.Errorf("Run allocates %v times", n)
	}
}

// BenchmarkTeamRun measures the synchronisation cost of one Run of two
// phases of 16 empty parts, as a step of a 2-layer RNN is cut.
func BenchmarkTeamRun(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tm := NewTeam(n)
			defer tm.Close()
			parts := []int{16, 16}
			f := func(p, i int) {}
			for b.Loop() {
				tm.Run(parts, f)
			}
		})
	}
}

// TestTeamPanicInPart: a part that panics on any goroutine, a member's
// or the caller's, makes Run panic with its value in the caller, after
// every started part has returned and with later parts skipped; the team
// then runs normally. Every part of phase 0 from bad on panics, each
// after a short sleep so that the members take some of them.
func TestTeamPanicInPart(t *testing.T) {
	for _, n := range []int{1, 2, 4} {
		team := NewTeam(n)
		for _, bad := range []int{0, 5, 31} {
			var ran [64]atomic.Bool
			got := func() (v any) {
				defer func() { v = recover() }()
				team.Run([]int{32, 32}, func(p, k int) {
					i := p*32 + k
					ran[i].Store(true)
					time.Sleep(50 * time.Microsecond)
					if p == 0 && k >= bad {
						panic(fmt.Sprintf("part %d", i))
					}
				})
				return nil
			}()
			s, _ := got.(string)
			var k int
			if _, err := fmt.Sscanf(s, "part %d", &k); err != nil || k < bad || k >= 32 {
				t.Errorf("team of %d, parts %d-31 panic: Run raised %v", n, bad, got)
			}
			for i := 32; i < 64; i++ {
				if ran[i].Load() {
					t.Errorf("team of %d, parts %d-31 of phase 0 panicked: part %d of phase 1 still ran", n, bad, i)
					break
				}
			}
			var sum atomic.Int64
			team.Run([]int{16}, func(_, k int) { sum.Add(int64(k)) })
			if sum.Load() != 120 {
				t.Errorf("team of %d after a panic: sum of parts %d, want 120", n, sum.Load())
			}
		}
		team.Close()
	}
}

// TestTeamCloseRightAfterRun closes teams just as their members wake for
// the last Run: a member that saw the Run's generation, found the team
// open, and then read the generation again after Close had moved it,
// waited for a generation that never came, and Close waited for the
// member forever (seen once in CI). The member parks before each Run, and
// Close follows the Run after a delay swept across the member's wake-up
// time. (A stress test: TestTeamCloseWhileMemberJoins holds the member in
// that window and fails every time without the fix.)
func TestTeamCloseRightAfterRun(t *testing.T) {
	iters := 500
	if testing.Short() {
		iters = 300
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range iters {
			tm := NewTeam(2)
			time.Sleep(idleSpin + 50*time.Microsecond) // the member parks
			tm.Run([]int{1}, func(int, int) {})
			delay := time.Duration(i%100) * 2 * time.Microsecond
			for t0 := time.Now(); time.Since(t0) < delay; {
			}
			tm.Close()
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("Close did not return: a member missed the close")
	}
}

// TestTeamCloseWhileMemberJoins holds a member at the point where it has
// seen a Run's generation and found the team open, runs Close meanwhile,
// and lets the member go once Close has moved the generation: the member
// must then see the close. (It read the generation again there, took
// Close's for a Run's and waited forever, and so did Close.)
func TestTeamCloseWhileMemberJoins(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	testHookOpen = func() { once.Do(func() { close(entered); <-release }) }
	defer func() { testHookOpen = nil }()
	tm := NewTeam(2)
	time.Sleep(idleSpin + 50*time.Microsecond) // the member parks
	tm.Run([]int{1}, func(int, int) {})
	runGen, _ := tm.parts.Gen()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the member did not wake for the Run")
	}
	closed := make(chan struct{})
	go func() { tm.Close(); close(closed) }()
	for gen, _ := tm.parts.Gen(); gen == runGen; gen, _ = tm.parts.Gen() {
		time.Sleep(10 * time.Microsecond)
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: the member missed the close")
	}
}
