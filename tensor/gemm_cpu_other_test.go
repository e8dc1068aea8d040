//go:build !unix

package tensor

import "time"

// processCPU is unavailable on this platform.
func processCPU() time.Duration { return -1 }
