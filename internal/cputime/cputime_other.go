//go:build !unix

// Package cputime reads the CPU time the process has used, for benchmarks
// that report it beside wall time (a figure that stays meaningful on a
// shared machine).
package cputime

import "time"

// Process returns -1: the CPU time is unavailable on this platform.
func Process() time.Duration { return -1 }
