//go:build !unix

package main

import "time"

// processCPU is unavailable on this platform.
func processCPU() time.Duration { return -1 }
