package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/spf13/cobra"
)

func init() {
	benchCmd.AddCommand(newBenchGemmCmd())
}

// gemmResult is the --json output of bench gemm.
type gemmResult struct {
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

func newBenchGemmCmd() *cobra.Command {
	var (
		m, n, k        int
		transA, transB bool
		asJSON         bool
		kernel         string
		duration       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "gemm",
		Short: "Measure tensor.Sgemm GFLOP/s: C[m,n] = op(A)[m,k] op(B)[k,n]",
		Long: `Measure tensor.Sgemm on random float32 matrices. Calls are repeated for
--duration; the best and the median sample are reported (gflops is the best),
and the work per second of process CPU time times the thread count
(gflops_cpu), which is the robust estimate on a machine shared with other jobs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if m < 0 || n < 0 || k < 0 {
				return fmt.Errorf("bench gemm: dimensions must be non-negative, got m=%d n=%d k=%d", m, n, k)
			}
			threads, err := threadsFlag(cmd)
			if err != nil {
				return fmt.Errorf("bench gemm: %w", err)
			}
			if kernel != "" {
				prev := tensor.GemmKernel()
				if err := tensor.SetGemmKernel(kernel); err != nil {
					return fmt.Errorf("bench gemm: %w", err)
				}
				defer tensor.SetGemmKernel(prev)
			}
			tensor.SetThreads(threads)
			defer tensor.SetThreads(0)
			ar, ac := m, k
			if transA {
				ar, ac = k, m
			}
			br, bc := k, n
			if transB {
				br, bc = n, k
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
			c := make([]float32, m*n)
			lda, ldb, ldc := max(ac, 1), max(bc, 1), max(n, 1)
			call := func() { tensor.Sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc) }

			// Calibrate: enough calls per sample for a sample to take >= 1ms.
			call()
			per := 1
			for {
				t0 := time.Now()
				for i := 0; i < per; i++ {
					call()
				}
				if time.Since(t0) >= time.Millisecond || per >= 1<<20 {
					break
				}
				per *= 2
			}
			ctx := cmd.Context()
			var samples []float64 // seconds per call
			cpu0 := processCPU()
			start := time.Now()
			for time.Since(start) < duration || len(samples) < 3 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("bench gemm: %w", err)
				}
				t0 := time.Now()
				for i := 0; i < per; i++ {
					call()
				}
				samples = append(samples, time.Since(t0).Seconds()/float64(per))
			}
			cpu := processCPU() - cpu0
			slices.Sort(samples)
			flops := 2 * float64(m) * float64(n) * float64(k)
			res := gemmResult{M: m, N: n, K: k, TransA: transA, TransB: transB, Threads: tensor.Threads(),
				Kernel: tensor.GemmKernel(), Samples: len(samples), CallsPer: per,
				GFLOPS: flops / samples[0] / 1e9, GFLOPSMedian: flops / samples[len(samples)/2] / 1e9}
			if cpu > 0 && cpu0 >= 0 {
				res.GFLOPSCPU = flops * float64(len(samples)*per) / cpu.Seconds() / 1e9 * float64(res.Threads)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				return enc.Encode(res)
			}
			_, err = fmt.Fprintf(out, "sgemm m=%d n=%d k=%d transA=%v transB=%v threads=%d kernel=%s: best %.1f GFLOP/s, median %.1f GFLOP/s, per CPU-second x threads %.1f GFLOP/s (%d samples of %d calls)\n",
				m, n, k, transA, transB, res.Threads, res.Kernel, res.GFLOPS, res.GFLOPSMedian, res.GFLOPSCPU, res.Samples, per)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&m, "m", 512, "rows of op(A) and C")
	f.IntVar(&n, "n", 512, "columns of op(B) and C")
	f.IntVar(&k, "k", 512, "columns of op(A), rows of op(B)")
	f.BoolVar(&transA, "trans-a", false, "A is stored k x m and transposed")
	f.BoolVar(&transB, "trans-b", false, "B is stored n x k and transposed")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&kernel, "kernel", "", "kernel set (avx512, avx2, generic; default: the fastest available)")
	f.DurationVar(&duration, "duration", time.Second, "how long to repeat the measurement")
	return cmd
}
