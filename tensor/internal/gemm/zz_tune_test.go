package gemm

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// TestTune prints best-of GFLOP/s; temporary tuning harness.
func TestTune(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	shapes := [][3]int{{256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {32, 2048, 512}, {1, 2048, 512}}
	thr := 1
	if os.Getenv("THR") == "2" {
		thr = 2
	}
	for _, tr := range []bool{false, true} {
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			a := make([]float32, m*k)
			b := make([]float32, k*n)
			c := make([]float32, m*n)
			for i := range a {
				a[i] = float32(i%7) * 0.1
			}
			for i := range b {
				b[i] = float32(i%5) * 0.1
			}
			line := fmt.Sprintf("tB=%v %4dx%4dx%4d", tr, m, n, k)
			for _, im := range impls {
				cur = im
				ldb := n
				if tr {
					ldb = k
				}
				best := time.Hour
				deadline := time.Now().Add(400 * time.Millisecond)
				for time.Now().Before(deadline) {
					t0 := time.Now()
					Sgemm(false, tr, m, n, k, 1, a, k, b, ldb, 0, c, n, thr)
					best = min(best, time.Since(t0))
				}
				line += fmt.Sprintf("  %s %6.1f", im.name, 2*float64(m*n*k)/best.Seconds()/1e9)
			}
			fmt.Println(line)
		}
	}
	cur = impls[0]
}
