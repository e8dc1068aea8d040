package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/recurrent-go/recurrent/bench"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/spf13/cobra"
)

// The bench subcommands: gemm and rnn measure kernels and models beside
// their peers' scripts, serve load-tests recurrent serve.

func init() {
	newGroup("bench", "Run kernel and model benchmarks", newBenchGemmCmd(), newBenchRNNCmd(), newBenchServeCmd())
}

func newBenchGemmCmd() *cobra.Command {
	var c bench.GemmConfig
	cmd := newReportCmd(&cobra.Command{
		Use:   "gemm",
		Short: "Measure tensor.Sgemm GFLOP/s: C[m,n] = op(A)[m,k] op(B)[k,n]",
	}, "print one JSON object", true, func(cmd *cobra.Command, _ []string) (textWriter, error) {
		c.Threads = tensor.Threads() // --threads, which the root applied
		res, err := bench.Gemm(cmd.Context(), c)
		return res, err
	})
	f := cmd.Flags()
	f.IntVar(&c.M, "m", 512, "rows of op(A) and C")
	f.IntVar(&c.N, "n", 512, "columns of op(B) and C")
	f.IntVar(&c.K, "k", 512, "columns of op(A), rows of op(B)")
	f.BoolVar(&c.TransA, "trans-a", false, "A is stored k x m and transposed")
	f.BoolVar(&c.TransB, "trans-b", false, "B is stored n x k and transposed")
	f.StringVar(&c.Kernel, "kernel", "", "kernel set (avx512, avx2, generic; default: the fastest available)")
	f.DurationVar(&c.Duration, "duration", time.Second, "how long to repeat the measurement")
	return cmd
}

func newBenchRNNCmd() *cobra.Command {
	c := bench.RNNConfig{}
	var profile string
	cmd := newReportCmd(&cobra.Command{
		Use:   "rnn",
		Short: "Measure language-model training steps or batch-1 sampling in tokens/s",
	}, "print one JSON object", true, func(cmd *cobra.Command, _ []string) (textWriter, error) {
		c.Threads = tensor.Threads() // --threads, which the root applied
		stop, err := bench.StartCPUProfile(profile)
		if err != nil {
			return nil, fmt.Errorf("bench rnn: %w", err)
		}
		defer stop()
		res, err := bench.RNN(cmd.Context(), c)
		return res, err
	})
	f := cmd.Flags()
	f.StringVar(&c.Cell, "cell", "lstm", "recurrent cell: lstm, gru, gru_cho, gru_minimal, rnn_tanh or rnn_relu")
	f.IntVar(&c.Hidden, "hidden", 512, "hidden (and embedding) size H")
	f.IntVar(&c.Layers, "layers", 2, "stacked layers L")
	f.IntVar(&c.Batch, "batch", 32, "batch size B (train mode)")
	f.IntVar(&c.SeqLen, "seq-len", 100, "sequence length T (train mode)")
	f.IntVar(&c.Vocab, "vocab", 65, "vocabulary size V")
	f.StringVar(&c.Mode, "mode", "train", "train or sample")
	f.BoolVar(&c.Int8, "int8", false, "sample mode: quantize the model to int8 first (lm quantize)")
	f.IntSliceVar(&c.Adaptive, "adaptive-softmax", nil, "adaptive softmax cutoffs, e.g. 2000,10000 (default: full softmax)")
	f.Float64Var(&c.DivValue, "div-value", 4, "adaptive softmax: projection shrink factor per cluster")
	f.StringVar(&c.Tokens, "tokens", "uniform", "token distribution of the random chunk: uniform or zipf")
	f.Float64Var(&c.Seconds, "seconds", 10, "approximate measuring time in seconds (after warm-up)")
	f.StringVar(&profile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	cli.MarkFileOutputs(cmd, "cpuprofile")
	return cmd
}

func newBenchServeCmd() *cobra.Command {
	var (
		c             bench.ServeConfig
		serverThreads int
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Load-test recurrent serve on loopback: batched streaming generation, classify and similar latency, peak RSS",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if serverThreads > 0 {
				c.ServerArgs = append(c.ServerArgs, "--threads", strconv.Itoa(serverThreads))
			}
			c.Stderr = os.Stderr
			c.Progress = func(e bench.ServeEvent) { e.WriteText(cmd.OutOrStdout()) }
			_, err := bench.ServeLoad(cmd.Context(), c)
			return err
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&c.Clients, "clients", 16, "concurrent streaming clients")
	fl.IntVar(&c.Requests, "requests", 3, "generations per client")
	fl.IntVar(&c.Length, "length", 300, "tokens per generation")
	fl.IntVar(&c.Rounds, "rounds", 3, "rounds of (1 client, --clients clients), for same-moment ratios on a busy machine")
	fl.BoolVar(&c.Int8, "int8", false, "also serve the character model quantized to int8 and run each round on both (float32, then int8)")
	fl.IntVar(&c.Queries, "queries", 300, "classify and similar requests")
	fl.StringVar(&c.Server, "server", "", "recurrent executable that runs the server, e.g. an older build for a same-client comparison (default: this one)")
	fl.IntVar(&serverThreads, "server-threads", 0, "the server's --threads (0: its default, all cores)")
	fl.StringArrayVar(&c.ServerArgs, "server-arg", nil, "an argument of the server's serve command, e.g. --server-arg=--max-batch=8 (repeatable)")
	fl.IntVar(&c.ClientProcs, "client-procs", 0, "GOMAXPROCS of the load generator during generation (1: its clients on one thread, leaving the server the other CPU; 0: unchanged)")
	fl.IntVar(&c.Words, "words", 100000, "vector vocabulary size")
	fl.IntVar(&c.Dim, "dim", 300, "vector dimension")
	fl.IntVar(&c.Flip.Samples, "flip-samples", 0, "samples for the batching flip count (0: skip)")
	fl.IntVar(&c.Flip.Length, "flip-length", 100, "tokens per flip-count sample")
	fl.IntVar(&c.Flip.Hidden, "flip-hidden", 512, "hidden size of the flip-count model (2 layers)")
	fl.StringVar(&c.Dir, "dir", "", "directory for the models, new or an earlier run's (default: a temporary one, removed)")
	fl.StringVar(&c.Trace, "trace", "", "write an execution trace of the server (go tool trace) taken in the first many-client phase of the last model to this file")
	fl.StringVar(&c.Profile, "profile", "", "write a CPU profile of the server (go tool pprof) taken in a many-client phase of the last model (the second round's with --trace) to this file")
	fl.Float64Var(&c.TraceSeconds, "trace-seconds", 1, "length of the --trace trace and --profile profile from the phase's start")
	cli.MarkFileOutputs(cmd, "trace", "profile")
	return cmd
}
