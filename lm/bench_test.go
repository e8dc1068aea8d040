package lm

import (
	"math/rand/v2"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

// BenchmarkTrainChunk is one truncated-BPTT step of a character LSTM
// (V=65, E=64, H=256, 1 layer) on a [64, 32] chunk, without the optimizer.
func BenchmarkTrainChunk(b *testing.B) {
	benchTrainChunk(b, Config{Arch: Arch{Cell: "lstm", VocabSize: 65, EmbedDim: 64, Hidden: 256, Layers: 1}}, 64, 32)
}

// BenchmarkTrainChunkWord is one step of a PTB-sized word model (V=10000,
// E=H=200 tied, 2 layers) on a [35, 20] chunk, without the optimizer.
func BenchmarkTrainChunkWord(b *testing.B) {
	benchTrainChunk(b, Config{Arch: Arch{Cell: "lstm", VocabSize: 10000, EmbedDim: 200, Hidden: 200, Layers: 2}, Tied: true}, 35, 20)
}

// benchTrainChunk times TrainChunk of a model of cfg on random [T, B]
// chunks and reports tokens per second.
func benchTrainChunk(b *testing.B, cfg Config, T, B int) {
	m := mustNew(b, New, cfg, nil, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := randIDs(rng, T*B, cfg.VocabSize), randIDs(rng, T*B, cfg.VocabSize)
	st := m.NewState(B)
	b.ReportAllocs()
	var step uint64
	for b.Loop() {
		nn.ZeroGrads(m.Params())
		if _, err := m.TrainChunk(x, y, T, B, st, step); err != nil {
			b.Fatal(err)
		}
		step++
	}
	b.ReportMetric(float64(T*B)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}
