package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/recurrent-go/recurrent/bench"
	"github.com/spf13/cobra"
)

func init() {
	benchCmd.AddCommand(newBenchGemmCmd())
}

func newBenchGemmCmd() *cobra.Command {
	var (
		c      bench.GemmConfig
		asJSON bool
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
			var err error
			if c.Threads, err = threadsFlag(cmd); err != nil {
				return fmt.Errorf("bench gemm: %w", err)
			}
			res, err := bench.Gemm(cmd.Context(), c)
			if err != nil {
				return err
			}
			return writeResult(cmd.OutOrStdout(), asJSON, res)
		},
	}
	f := cmd.Flags()
	f.IntVar(&c.M, "m", 512, "rows of op(A) and C")
	f.IntVar(&c.N, "n", 512, "columns of op(B) and C")
	f.IntVar(&c.K, "k", 512, "columns of op(A), rows of op(B)")
	f.BoolVar(&c.TransA, "trans-a", false, "A is stored k x m and transposed")
	f.BoolVar(&c.TransB, "trans-b", false, "B is stored n x k and transposed")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&c.Kernel, "kernel", "", "kernel set (avx512, avx2, generic; default: the fastest available)")
	f.DurationVar(&c.Duration, "duration", time.Second, "how long to repeat the measurement")
	return cmd
}

// writeResult prints a measurement as one JSON object (asJSON) or as its
// text.
func writeResult(w io.Writer, asJSON bool, v interface{ WriteText(io.Writer) error }) error {
	if asJSON {
		return json.NewEncoder(w).Encode(v)
	}
	return v.WriteText(w)
}
