package tensor

import (
	"math"
	"runtime"
	"strings"
	"syscall"
	"testing"

	gonumblas "gonum.org/v1/gonum/blas/gonum"
)

// threadCPUTime returns the CPU time consumed by the calling OS thread.
func threadCPUTime() int64 {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	syscall.Getrusage(rusageThread, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkVecCPUTime measures the kernels (AVX2 and pure Go) and their
// peers in thread CPU time rather than wall time, which stays meaningful
// on a machine shared with other jobs: each sub-benchmark reports
// cpu-ns/elem. Run with go test -run - -bench VecCPUTime. (It was a test
// that only logged.)
func BenchmarkVecCPUTime(b *testing.B) {
	x, y, d := benchData()
	var sink float64
	cases := []struct {
		name string
		f    func()
	}{
		{"Exp", func() { Exp(d, x) }},
		{"peer math.Exp", func() {
			for i, v := range x {
				d[i] = float32(math.Exp(float64(v)))
			}
		}},
		{"Sigmoid", func() { Sigmoid(d, x) }},
		{"peer 1/(1+math.Exp(-x))", func() {
			for i, v := range x {
				d[i] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		}},
		{"Tanh", func() { Tanh(d, x) }},
		{"peer math.Tanh", func() {
			for i, v := range x {
				d[i] = float32(math.Tanh(float64(v)))
			}
		}},
		{"Softmax", func() { Softmax(d, x) }},
		{"LogSoftmax", func() { LogSoftmax(d, x) }},
		{"Dot", func() { sink += float64(Dot(x, y)) }},
		{"peer gonum Sdot", func() { sink += float64(gonumblas.Implementation{}.Sdot(benchN, x, 1, y, 1)) }},
		{"Axpy", func() { Axpy(1e-3, x, y) }},
		{"peer gonum Saxpy", func() { gonumblas.Implementation{}.Saxpy(benchN, 1e-3, x, 1, y, 1) }},
		{"MulAdd", func() { MulAdd(d, x, y) }},
		{"SumSquares", func() { sink += SumSquares(x) }},
		{"Max", func() { sink += float64(Max(x)) }},
	}
	orig, orig512 := useAVX2, useAVX512
	defer func() { useAVX2, useAVX512 = orig, orig512 }()
	for _, c := range cases {
		for _, impl := range []string{"avx512", "avx2", "go"} {
			peer := strings.HasPrefix(c.name, "peer")
			// Only the transcendental kernels have AVX-512 versions.
			has512 := map[string]bool{"Exp": true, "Sigmoid": true, "Tanh": true, "Softmax": true, "LogSoftmax": true}[c.name]
			if impl == "avx512" && !(orig512 && has512) || impl == "avx2" && !orig || peer && impl != "go" {
				continue
			}
			name := impl
			if peer {
				name = "-"
			}
			b.Run(strings.ReplaceAll(c.name, " ", "_")+"/"+name, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				useAVX2, useAVX512 = impl != "go", impl == "avx512"
				t0 := threadCPUTime()
				for range b.N {
					c.f()
				}
				b.ReportMetric(float64(threadCPUTime()-t0)/float64(b.N)/benchN, "cpu-ns/elem")
			})
		}
	}
	_ = sink
}
