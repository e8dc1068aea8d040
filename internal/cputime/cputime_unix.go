//go:build unix

// Package cputime reads the CPU time the process has used, for benchmarks
// that report it beside wall time (a figure that stays meaningful on a
// shared machine).
package cputime

import (
	"syscall"
	"time"
)

// Process returns the user+system CPU time this process has used, or -1
// when it cannot be read.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
