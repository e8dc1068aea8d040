package gemm

import "testing"

func BenchmarkGen256(b *testing.B) {
	cur = genericImpl
	defer func() { cur = impls[0] }()
	n := 256
	a := make([]float32, n*n)
	bb := make([]float32, n*n)
	c := make([]float32, n*n)
	for b.Loop() {
		Sgemm(false, false, n, n, n, 1, a, n, bb, n, 0, c, n, 1)
	}
	b.ReportMetric(2*float64(n*n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
