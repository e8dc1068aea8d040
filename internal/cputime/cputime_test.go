//go:build unix

package cputime

import (
	"testing"
	"time"
)

// TestProcess checks that the CPU time grows while the process computes.
func TestProcess(t *testing.T) {
	c0 := Process()
	if c0 < 0 {
		t.Fatalf("Process() = %v, want the CPU time used", c0)
	}
	x := 1.0
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
		for range 1000 {
			x = x*1.0000001 + 1e-9
		}
	}
	if c1 := Process(); c1 <= c0 {
		t.Errorf("CPU time did not grow over 50ms of work: %v then %v (x %v)", c0, c1, x)
	}
}
