//go:build !unix

package nn

// processCPU is unavailable here; benchmarks then report 0 CPU time.
func processCPU() float64 { return 0 }
