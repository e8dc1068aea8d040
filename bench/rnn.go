// Package bench holds the measurements behind the recurrent bench
// commands: GEMM throughput and language-model training and sampling
// speed, reported so that they can be set beside the peers' (PyTorch,
// OpenBLAS) figures from the scripts in this directory.
package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/tensor"
)

// RNNConfig is the model and measurement of one bench rnn run: an
// embedding -> stacked RNN -> linear softmax language model (embedding size
// = hidden size) on random tokens, timed in Mode "train" (full training
// steps) or "sample" (batch-1 generation) for about Seconds.
type RNNConfig struct {
	Cell    string `json:"cell"`
	Hidden  int    `json:"hidden"`
	Layers  int    `json:"layers"`
	Batch   int    `json:"batch"`
	SeqLen  int    `json:"seq_len"`
	Vocab   int    `json:"vocab"`
	Threads int    `json:"threads"`
	Mode    string `json:"mode"`
	// Adaptive, when set, replaces the decoder by an adaptive softmax
	// with these cutoffs (and DivValue).
	Adaptive []int   `json:"adaptive_cutoffs,omitempty"`
	DivValue float64 `json:"div_value,omitempty"`
	// Tokens is "uniform" (every id equally likely; "" too) or "zipf"
	// (p(k) about 1/(k+1), as word frequencies: most targets fall in an
	// adaptive softmax's shortlist).
	Tokens  string  `json:"token_dist,omitempty"`
	Seconds float64 `json:"-"`
	// Int8 samples from the model quantized to int8 (lm.Model.Quantize).
	Int8 bool `json:"int8,omitempty"`
}

// RNNResult is the measurement of one bench rnn run (its --json output).
type RNNResult struct {
	RNNConfig
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
	// Int8Kernel is the int8 kernel used (tensor.Int8Kernel) with Int8.
	Int8Kernel string `json:"int8_kernel,omitempty"`
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

// RNN builds the model and measures it for about c.Seconds with c.Threads
// compute threads (0: all cores).
func RNN(ctx context.Context, c RNNConfig) (RNNResult, error) {
	switch {
	case c.Hidden < 1 || c.Layers < 1 || c.Vocab < 2:
		return RNNResult{}, fmt.Errorf("bench rnn: need --hidden >= 1, --layers >= 1 and --vocab >= 2, got %d, %d, %d", c.Hidden, c.Layers, c.Vocab)
	case c.Mode == "train" && (c.Batch < 1 || c.SeqLen < 1):
		return RNNResult{}, fmt.Errorf("bench rnn: need --batch >= 1 and --seq-len >= 1, got %d, %d", c.Batch, c.SeqLen)
	case c.Mode != "train" && c.Mode != "sample":
		return RNNResult{}, fmt.Errorf("bench rnn: --mode must be train or sample, got %q", c.Mode)
	case c.Int8 && c.Mode != "sample":
		return RNNResult{}, errors.New("bench rnn: --int8 needs --mode sample")
	case c.Threads < 0:
		return RNNResult{}, fmt.Errorf("bench rnn: --threads must be >= 0, got %d", c.Threads)
	case c.Tokens != "" && c.Tokens != "uniform" && c.Tokens != "zipf":
		return RNNResult{}, fmt.Errorf("bench rnn: --tokens must be uniform or zipf, got %q", c.Tokens)
	case !(c.Seconds > 0):
		return RNNResult{}, fmt.Errorf("bench rnn: --seconds must be positive, got %v", c.Seconds)
	}
	cell, err := nn.ParseCell(c.Cell)
	if err != nil {
		return RNNResult{}, fmt.Errorf("bench rnn: %w", err)
	}
	tensor.SetThreads(c.Threads)
	defer tensor.SetThreads(0)
	c.Threads = tensor.Threads()
	if len(c.Adaptive) == 0 {
		c.DivValue = 0
	}
	m, err := lm.New(lm.Config{Arch: lm.Arch{Cell: c.Cell, VocabSize: c.Vocab, EmbedDim: c.Hidden, Hidden: c.Hidden, Layers: c.Layers},
		AdaptiveCutoffs: c.Adaptive, DivValue: c.DivValue}, nil, 1)
	if err != nil {
		return RNNResult{}, fmt.Errorf("bench rnn: %w", err)
	}
	res := RNNResult{RNNConfig: c, Peer: "recurrent", Params: m.NumParams(),
		FLOPsPerToken: rnnFLOPsPerToken(cell, c.Hidden, c.Layers, c.Vocab, c.Mode == "train")}
	if m.Adaptive != nil {
		res.FLOPsPerToken = adaptiveFLOPsPerToken(cell, m.Adaptive, c)
	}
	if c.Int8 {
		if err := m.Quantize(); err != nil {
			return RNNResult{}, fmt.Errorf("bench rnn: %w", err)
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
		return RNNResult{}, fmt.Errorf("bench rnn: %w", err)
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

// benchTokens returns the input and target ids of the benchmark chunk.
// "zipf" ids are floor(V^u) - 1 for u = frac(i*phi): p(k) is about
// 1/(k+1), the same sequence bench/rnn_torch.py builds.
func benchTokens(c RNNConfig, n int) (x, y []int32) {
	x, y = make([]int32, n), make([]int32, n)
	if c.Tokens == "zipf" {
		const phi = 0.6180339887498949
		for i := range 2 * n {
			u := math.Mod(float64(i)*phi, 1)
			id := int32(min(float64(c.Vocab), math.Floor(math.Pow(float64(c.Vocab), u)))) - 1
			if i < n {
				x[i] = id
			} else {
				y[i-n] = id
			}
		}
		return x, y
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range x {
		x[i], y[i] = int32(rng.IntN(c.Vocab)), int32(rng.IntN(c.Vocab))
	}
	return x, y
}

// adaptiveFLOPsPerToken is rnnFLOPsPerToken with the adaptive softmax in
// place of the decoder: the head for every token and, in training, each
// cluster's two products for the share of the chunk's targets that fall
// in it (sampling needs every cluster).
func adaptiveFLOPsPerToken(cell nn.CellKind, a *nn.AdaptiveSoftmax, c RNNConfig) float64 {
	f := rnnFLOPsPerToken(cell, c.Hidden, c.Layers, 0, false)
	f += 2 * float64(a.Head.Out*a.In)
	_, y := benchTokens(c, max(1, c.SeqLen*c.Batch))
	for _, cl := range a.Tail {
		share := 1.0
		if c.Mode == "train" {
			n := 0
			for _, id := range y {
				if int(id) >= cl.Lo && int(id) < cl.Hi {
					n++
				}
			}
			share = float64(n) / float64(len(y))
		}
		f += share * 2 * float64(cl.Proj.Out*cl.Proj.In+cl.Out.Out*cl.Out.In)
	}
	if c.Mode == "train" {
		f *= 3
	}
	return f
}

// benchTrain times full training steps (zero grads, forward, loss,
// backward, clip 5, Adam) on one fixed random [T, B] chunk from a zero
// state, as the PyTorch peer does, after two warm-up steps.
func benchTrain(ctx context.Context, m *lm.Model, c RNNConfig, budget time.Duration) (tokens, steps int, elapsed, cpu time.Duration, err error) {
	T, B := c.SeqLen, c.Batch
	x, y := benchTokens(c, T*B)
	opt, err := optim.New("adam", m.Params(), optim.Options{LR: 2e-3})
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
	c0, t0 := ProcessCPU(), time.Now()
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
		cpu = ProcessCPU() - c0
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
	c0, t0 := ProcessCPU(), time.Now()
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
		cpu = ProcessCPU() - c0
	}
	return tokens, elapsed, cpu, nil
}
