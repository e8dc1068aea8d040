package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"time"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/spf13/cobra"
)

func init() {
	benchCmd.AddCommand(newBenchRNNCmd())
}

// rnnBenchConfig is the model and measurement of one bench rnn run.
type rnnBenchConfig struct {
	Cell    string  `json:"cell"`
	Hidden  int     `json:"hidden"`
	Layers  int     `json:"layers"`
	Batch   int     `json:"batch"`
	SeqLen  int     `json:"seq_len"`
	Vocab   int     `json:"vocab"`
	Threads int     `json:"threads"`
	Mode    string  `json:"mode"`
	Seconds float64 `json:"-"`
	// Int8 samples from the model quantized to int8 (lm.Model.Quantize).
	Int8 bool `json:"int8,omitempty"`
}

// rnnBenchResult is the --json output of bench rnn.
type rnnBenchResult struct {
	rnnBenchConfig
	Peer string `json:"peer"`
	// TokensPerSec is the wall-clock throughput: T*B tokens per training
	// step, or generated tokens per second when sampling.
	TokensPerSec float64 `json:"tokens_per_sec"`
	// TokensPerCPUSec is the throughput per second of process CPU time,
	// times the thread count: on a machine shared with other jobs it
	// estimates the unloaded rate (0 if CPU time is unknown).
	TokensPerCPUSec float64 `json:"tokens_per_cpu_sec"`
	// GFLOPS is the matrix-multiply work of the measured loop per
	// wall-clock second (elementwise work not counted).
	GFLOPS float64 `json:"gflops"`
	// FLOPsPerToken is that work per token.
	FLOPsPerToken float64 `json:"flops_per_token"`
	Steps         int     `json:"steps,omitempty"`
	Tokens        int     `json:"tokens"`
	Elapsed       float64 `json:"seconds"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	Params        int     `json:"params"`
	// Int8Kernel is the int8 kernel used (tensor.Int8Kernel) with --int8.
	Int8Kernel string `json:"int8_kernel,omitempty"`
}

func newBenchRNNCmd() *cobra.Command {
	c := rnnBenchConfig{}
	var (
		asJSON  bool
		profile string
	)
	cmd := &cobra.Command{
		Use:   "rnn",
		Short: "Measure language-model training steps or batch-1 sampling in tokens/s",
		Long: `Measure the embedding -> stacked RNN -> linear softmax language model
(embedding size = hidden size) on random tokens.

--mode train times one full training step on a [seq-len, batch] chunk:
forward, mean cross-entropy, backward through time, gradient clipping to
norm 5 and an Adam update; tokens/s = seq-len*batch / seconds per step.
--mode sample times batch-1 generation at temperature 1, one token at a
time, each token fed back in; tokens/s = generated tokens / seconds.

bench/rnn.sh runs PyTorch's equivalent model (bench/rnn_torch.py) beside it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if profile != "" {
				f, err := os.Create(profile)
				if err != nil {
					return fmt.Errorf("bench rnn: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("bench rnn: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			res, err := runRNNBench(cmd.Context(), c)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				b, err := json.Marshal(res)
				if err != nil {
					return fmt.Errorf("bench rnn: %w", err)
				}
				fmt.Fprintln(w, string(b))
				return nil
			}
			fmt.Fprintf(w, "%s %s H=%d L=%d B=%d T=%d V=%d threads=%d: %.0f tokens/s (%.0f per CPU-second x threads), %.1f GFLOP/s, %d tokens in %.2fs\n",
				res.Mode, res.Cell, res.Hidden, res.Layers, res.Batch, res.SeqLen, res.Vocab, res.Threads,
				res.TokensPerSec, res.TokensPerCPUSec, res.GFLOPS, res.Tokens, res.Elapsed)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Cell, "cell", "lstm", "recurrent cell: lstm, gru, gru_cho, gru_minimal, rnn_tanh or rnn_relu")
	f.IntVar(&c.Hidden, "hidden", 512, "hidden (and embedding) size H")
	f.IntVar(&c.Layers, "layers", 2, "stacked layers L")
	f.IntVar(&c.Batch, "batch", 32, "batch size B (train mode)")
	f.IntVar(&c.SeqLen, "seq-len", 100, "sequence length T (train mode)")
	f.IntVar(&c.Vocab, "vocab", 65, "vocabulary size V")
	f.IntVar(&c.Threads, "threads", 0, "worker threads (0: all CPUs)")
	f.StringVar(&c.Mode, "mode", "train", "train or sample")
	f.BoolVar(&c.Int8, "int8", false, "sample mode: quantize the model to int8 first (lm quantize)")
	f.Float64Var(&c.Seconds, "seconds", 10, "approximate measuring time in seconds (after warm-up)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&profile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	return cmd
}

// rnnFLOPsPerToken counts the multiply-adds (x2) per token of the model's
// matrix products: the input and recurrent projections of every layer and
// the decoder. Training does each product three times (forward, input
// gradient, weight gradient).
func rnnFLOPsPerToken(cell nn.CellKind, H, L, V int, train bool) float64 {
	GH := float64(cell.Gates() * H)
	f := 2 * float64(V) * float64(H)
	for range L {
		f += 2 * GH * float64(2*H)
	}
	if train {
		f *= 3
	}
	return f
}

// runRNNBench builds the model and measures it for about c.Seconds.
func runRNNBench(ctx context.Context, c rnnBenchConfig) (rnnBenchResult, error) {
	switch {
	case c.Hidden < 1 || c.Layers < 1 || c.Vocab < 2:
		return rnnBenchResult{}, fmt.Errorf("bench rnn: need --hidden >= 1, --layers >= 1 and --vocab >= 2, got %d, %d, %d", c.Hidden, c.Layers, c.Vocab)
	case c.Mode == "train" && (c.Batch < 1 || c.SeqLen < 1):
		return rnnBenchResult{}, fmt.Errorf("bench rnn: need --batch >= 1 and --seq-len >= 1, got %d, %d", c.Batch, c.SeqLen)
	case c.Mode != "train" && c.Mode != "sample":
		return rnnBenchResult{}, fmt.Errorf("bench rnn: --mode must be train or sample, got %q", c.Mode)
	case c.Int8 && c.Mode != "sample":
		return rnnBenchResult{}, errors.New("bench rnn: --int8 needs --mode sample")
	case c.Threads < 0:
		return rnnBenchResult{}, fmt.Errorf("bench rnn: --threads must be >= 0, got %d", c.Threads)
	case !(c.Seconds > 0):
		return rnnBenchResult{}, fmt.Errorf("bench rnn: --seconds must be positive, got %v", c.Seconds)
	}
	cell, err := nn.ParseCell(c.Cell)
	if err != nil {
		return rnnBenchResult{}, fmt.Errorf("bench rnn: %w", err)
	}
	tensor.SetThreads(c.Threads)
	defer tensor.SetThreads(0)
	c.Threads = tensor.Threads()
	m, err := lm.New(lm.Config{Cell: c.Cell, VocabSize: c.Vocab, EmbedDim: c.Hidden, Hidden: c.Hidden, Layers: c.Layers}, nil, 1)
	if err != nil {
		return rnnBenchResult{}, fmt.Errorf("bench rnn: %w", err)
	}
	res := rnnBenchResult{rnnBenchConfig: c, Peer: "recurrent", Params: m.NumParams(),
		FLOPsPerToken: rnnFLOPsPerToken(cell, c.Hidden, c.Layers, c.Vocab, c.Mode == "train")}
	if c.Int8 {
		if err := m.Quantize(); err != nil {
			return rnnBenchResult{}, fmt.Errorf("bench rnn: %w", err)
		}
		res.Int8Kernel = tensor.Int8Kernel()
	}
	budget := time.Duration(c.Seconds * float64(time.Second))
	var tokens int
	var elapsed, cpu time.Duration
	if c.Mode == "train" {
		tokens, res.Steps, elapsed, cpu, err = benchTrain(ctx, m, c, budget)
	} else {
		res.Batch, res.SeqLen = 1, 1
		tokens, elapsed, cpu, err = benchSample(ctx, m, budget)
	}
	if err != nil {
		return rnnBenchResult{}, fmt.Errorf("bench rnn: %w", err)
	}
	res.Tokens, res.Elapsed = tokens, elapsed.Seconds()
	res.TokensPerSec = float64(tokens) / elapsed.Seconds()
	res.GFLOPS = res.TokensPerSec * res.FLOPsPerToken / 1e9
	if cpu > 0 {
		res.CPUSeconds = cpu.Seconds()
		res.TokensPerCPUSec = float64(tokens) / cpu.Seconds() * float64(c.Threads)
	}
	return res, nil
}

// benchTrain times full training steps (zero grads, forward, loss,
// backward, clip 5, Adam) on one fixed random [T, B] chunk from a zero
// state, as the PyTorch peer does, after two warm-up steps.
func benchTrain(ctx context.Context, m *lm.Model, c rnnBenchConfig, budget time.Duration) (tokens, steps int, elapsed, cpu time.Duration, err error) {
	T, B := c.SeqLen, c.Batch
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := make([]int32, T*B), make([]int32, T*B)
	for i := range x {
		x[i], y[i] = int32(rng.IntN(c.Vocab)), int32(rng.IntN(c.Vocab))
	}
	opt, err := lm.NewOptimizer("adam", m.Params(), 2e-3, 0)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	st := m.NewState(B)
	step := func(i int) error {
		opt.ZeroGrad()
		st.Reset()
		if _, err := m.TrainChunk(x, y, T, B, st, uint64(i)); err != nil {
			return err
		}
		optim.ClipGradNorm(m.Params(), 5)
		return opt.Step()
	}
	for i := range 2 {
		if err := step(i); err != nil {
			return 0, 0, 0, 0, err
		}
	}
	c0, t0 := processCPU(), time.Now()
	for steps < 3 || time.Since(t0) < budget {
		if err := ctx.Err(); err != nil {
			return 0, 0, 0, 0, err
		}
		if err := step(steps + 2); err != nil {
			return 0, 0, 0, 0, err
		}
		steps++
	}
	elapsed = time.Since(t0)
	if c0 >= 0 {
		cpu = processCPU() - c0
	}
	return steps * T * B, steps, elapsed, cpu, nil
}

// benchSample times batch-1 generation at temperature 1 in runs of 200
// tokens, each run starting from a zero state, after one warm-up run.
func benchSample(ctx context.Context, m *lm.Model, budget time.Duration) (tokens int, elapsed, cpu time.Duration, err error) {
	const run = 200
	opt := lm.SampleOptions{Prompt: []int32{0}, MaxTokens: run, Temperature: 1, Seed: 1}
	if _, err := m.Sample(ctx, opt); err != nil {
		return 0, 0, 0, err
	}
	c0, t0 := processCPU(), time.Now()
	for tokens == 0 || time.Since(t0) < budget {
		opt.Seed++
		out, err := m.Sample(ctx, opt)
		if err != nil {
			return 0, 0, 0, err
		}
		tokens += len(out)
	}
	elapsed = time.Since(t0)
	if c0 >= 0 {
		cpu = processCPU() - c0
	}
	return tokens, elapsed, cpu, nil
}
