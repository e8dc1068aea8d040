package nn

import (
	"math/rand/v2"
	"testing"
)

// benchRNNTrainStep times one forward (+ backward) pass of a stacked
// recurrent layer at the reference size (H=512, L=2, B=32, T=100,
// input 512), reporting wall and process CPU milliseconds per step (the
// latter is steadier on a shared machine).
//
// The PyTorch peer of BenchmarkLSTMTrainStep (same shapes, input
// requiring a gradient, loss = sum(out * w)), timed per step with
// time.process_time() for CPU:
//
//	import torch; torch.set_num_threads(1)
//	m = torch.nn.LSTM(512, 512, 2); x = torch.randn(100, 32, 512).requires_grad_()
//	w = torch.randn(100, 32, 512) * 1e-3
//	def step(): m.zero_grad(); (m(x)[0] * w).sum().backward()
func benchRNNTrainStep(b *testing.B, cell string, bidir, backward bool) {
	benchRNN(b, cell, bidir, backward, true)
}

func benchRNN(b *testing.B, cell string, bidir, backward, parallel bool) {
	const T, B, I, H, L = 100, 32, 512, 512, 2
	rng := rand.New(rand.NewPCG(1, 2))
	r := mustRNN(b, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: L, Bidirectional: bidir})
	r.SetParallel(parallel)
	x := rnnRandom(rng, T*B*I, 1)
	dOut := rnnRandom(rng, T*B*r.OutputSize(), 1e-3)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := r.Forward(x, T, B, nil, nil, nil); err != nil {
			b.Fatal(err)
		}
		if backward {
			if _, _, _, err := r.Backward(dOut, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
	b.ReportMetric((processCPU()-cpu0)*1000/float64(b.N), "cpu-ms/step")
}

func BenchmarkLSTMTrainStep(b *testing.B)    { benchRNNTrainStep(b, "lstm", false, true) }
func BenchmarkLSTMForward(b *testing.B)      { benchRNNTrainStep(b, "lstm", false, false) }
func BenchmarkGRUTrainStep(b *testing.B)     { benchRNNTrainStep(b, "gru", false, true) }
func BenchmarkRNNTanhTrainStep(b *testing.B) { benchRNNTrainStep(b, "rnn_tanh", false, true) }
func BenchmarkBiLSTMTrainStep(b *testing.B)  { benchRNNTrainStep(b, "lstm", true, true) }

// BenchmarkBiLSTMTrainStepSerial runs the two directions one after the
// other, to measure what running them concurrently gains.
func BenchmarkBiLSTMTrainStepSerial(b *testing.B) { benchRNN(b, "lstm", true, true, false) }

// BenchmarkGateGradSums times the bias-gradient and dP sums of one
// direction after its time loop at the character models' sizes, LSTM
// H=512 (2048 columns, T*B = 3200 rows) with and without the table, and
// H=128 (512 columns, T*B = 1600): "fused" is gateGradSums's one pass,
// "separate" the passes it replaced (scatterRows, colSums per bias).
func BenchmarkGateGradSums(b *testing.B) {
	for _, c := range []struct {
		name  string
		T, H  int
		table bool
	}{{"H512", 100, 512, false}, {"H512table", 100, 512, true}, {"H128table", 50, 128, true}} {
		const B, V = 32, 65
		rng := rand.New(rand.NewPCG(1, 2))
		r := mustRNN(b, rng, RNNConfig{Cell: "lstm", InputSize: 8, HiddenSize: c.H, NumLayers: 1})
		r.alloc(c.T, B)
		dir := r.dirs[0]
		GH, rows := 4*c.H, c.T*B
		dir.dg = rnnRandom(rng, rows*GH, 1)
		dir.dgh = dir.dg
		if c.table {
			r.tableV, r.ids = V, rnnIDs(rng, rows, V)
			dir.p = make([]float32, V*GH)
		}
		b.Run(c.name+"/fused", func(b *testing.B) {
			for b.Loop() {
				r.gateGradSums(dir, c.table)
			}
		})
		b.Run(c.name+"/separate", func(b *testing.B) {
			for b.Loop() {
				if c.table {
					scatterRows(dir.p, dir.dg, r.ids, GH)
					colSums(dir.bih.Grad, dir.p, V, GH)
				} else {
					colSums(dir.bih.Grad, dir.dg, rows, GH)
				}
				colSums(dir.bhh.Grad, dir.dgh, rows, GH)
			}
		})
	}
}
