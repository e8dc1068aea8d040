//go:build amd64 && !purego

package prefetch

//go:noescape
func prefetchT0(p *float32, n int)

// Row starts loading row (not empty) into every cache level.
func Row(row []float32) { prefetchT0(&row[0], len(row)) }
