//go:build !unix

package bench

import "time"

// ProcessCPU is unavailable on this platform.
func ProcessCPU() time.Duration { return -1 }
