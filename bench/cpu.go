package bench

import (
	"time"

	"github.com/recurrent-go/recurrent/internal/cputime"
)

// ProcessCPU returns the user+system CPU time this process has used, or -1
// where the platform does not tell.
func ProcessCPU() time.Duration { return cputime.Process() }
