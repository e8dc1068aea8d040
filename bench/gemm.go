package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/recurrent-go/recurrent/tensor"
)

// GemmConfig is one bench gemm measurement: C[M,N] = op(A)[M,K] op(B)[K,N]
// with tensor.Sgemm on random matrices, repeated for about Duration.
type GemmConfig struct {
	M, N, K        int
	TransA, TransB bool
	// Kernel selects a kernel set (see tensor.SetGemmKernel); "" keeps the
	// fastest available.
	Kernel   string
	Threads  int // compute threads (0: all cores)
	Duration time.Duration
}

// GemmResult is the measurement of one bench gemm run (its --json output).
type GemmResult struct {
	M            int     `json:"m"`
	N            int     `json:"n"`
	K            int     `json:"k"`
	TransA       bool    `json:"trans_a"`
	TransB       bool    `json:"trans_b"`
	Threads      int     `json:"threads"`
	Kernel       string  `json:"kernel"`
	GFLOPS       float64 `json:"gflops"`        // best sample
	GFLOPSMedian float64 `json:"gflops_median"` // median sample
	// GFLOPSCPU is the work done per second of process CPU time, times
	// the thread count: on a machine shared with other jobs it estimates
	// the unloaded rate better than wall-clock samples (0 if unknown).
	GFLOPSCPU float64 `json:"gflops_cpu"`
	Samples   int     `json:"samples"`
	CallsPer  int     `json:"calls_per_sample"`
}

// Gemm measures c: calls are grouped into samples of at least 1ms, repeated
// for c.Duration (and at least 3 samples); it reports the best and the
// median sample and the rate per CPU-second.
func Gemm(ctx context.Context, c GemmConfig) (GemmResult, error) {
	if c.M < 0 || c.N < 0 || c.K < 0 {
		return GemmResult{}, fmt.Errorf("bench gemm: dimensions must be non-negative, got m=%d n=%d k=%d", c.M, c.N, c.K)
	}
	if c.Kernel != "" {
		prev := tensor.GemmKernel()
		if err := tensor.SetGemmKernel(c.Kernel); err != nil {
			return GemmResult{}, fmt.Errorf("bench gemm: %w", err)
		}
		defer tensor.SetGemmKernel(prev)
	}
	tensor.SetThreads(c.Threads)
	defer tensor.SetThreads(0)
	call := gemmCall(c)
	per := calibrate(call)
	var samples []float64 // seconds per call
	cpu0 := ProcessCPU()
	start := time.Now()
	for time.Since(start) < c.Duration || len(samples) < 3 {
		if err := ctx.Err(); err != nil {
			return GemmResult{}, fmt.Errorf("bench gemm: %w", err)
		}
		t0 := time.Now()
		for range per {
			call()
		}
		samples = append(samples, time.Since(t0).Seconds()/float64(per))
	}
	cpu := ProcessCPU() - cpu0
	slices.Sort(samples)
	flops := 2 * float64(c.M) * float64(c.N) * float64(c.K)
	res := GemmResult{M: c.M, N: c.N, K: c.K, TransA: c.TransA, TransB: c.TransB, Threads: tensor.Threads(),
		Kernel: tensor.GemmKernel(), Samples: len(samples), CallsPer: per,
		GFLOPS: flops / samples[0] / 1e9, GFLOPSMedian: flops / samples[len(samples)/2] / 1e9}
	if cpu > 0 && cpu0 >= 0 {
		res.GFLOPSCPU = flops * float64(len(samples)*per) / cpu.Seconds() / 1e9 * float64(res.Threads)
	}
	return res, nil
}

// gemmCall returns one Sgemm call on random matrices shaped by c.
func gemmCall(c GemmConfig) func() {
	ar, ac := c.M, c.K
	if c.TransA {
		ar, ac = c.K, c.M
	}
	br, bc := c.K, c.N
	if c.TransB {
		br, bc = c.N, c.K
	}
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(s []float32) []float32 {
		for i := range s {
			s[i] = rng.Float32()*2 - 1
		}
		return s
	}
	a := fill(make([]float32, ar*ac))
	b := fill(make([]float32, br*bc))
	out := make([]float32, c.M*c.N)
	lda, ldb, ldc := max(ac, 1), max(bc, 1), max(c.N, 1)
	return func() { tensor.Sgemm(c.TransA, c.TransB, c.M, c.N, c.K, 1, a, lda, b, ldb, 0, out, ldc) }
}

// calibrate returns how many calls make a sample of at least 1ms.
func calibrate(call func()) int {
	call()
	per := 1
	for {
		t0 := time.Now()
		for range per {
			call()
		}
		if time.Since(t0) >= time.Millisecond || per >= 1<<20 {
			return per
		}
		per *= 2
	}
}
