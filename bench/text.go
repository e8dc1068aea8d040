package bench

import (
	"fmt"
	"io"
)

// WriteText writes the measurement as bench gemm prints it: one line.
func (r GemmResult) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "sgemm m=%d n=%d k=%d transA=%v transB=%v threads=%d kernel=%s: best %.1f GFLOP/s, median %.1f GFLOP/s, per CPU-second x threads %.1f GFLOP/s (%d samples of %d calls)\n",
		r.M, r.N, r.K, r.TransA, r.TransB, r.Threads, r.Kernel, r.GFLOPS, r.GFLOPSMedian, r.GFLOPSCPU, r.Samples, r.CallsPer)
	return err
}

// WriteText writes the measurement as bench rnn prints it: one line.
func (r RNNResult) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s %s H=%d L=%d B=%d T=%d V=%d threads=%d: %.0f tokens/s (%.0f per CPU-second x threads), %.1f GFLOP/s, %d tokens in %.2fs\n",
		r.Mode, r.Cell, r.Hidden, r.Layers, r.Batch, r.SeqLen, r.Vocab, r.Threads,
		r.TokensPerSec, r.TokensPerCPUSec, r.GFLOPS, r.Tokens, r.Elapsed)
	return err
}
