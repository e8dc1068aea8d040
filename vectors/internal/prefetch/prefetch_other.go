//go:build !amd64 || purego

package prefetch

// Row does nothing in the portable build.
func Row(row []float32) {}
