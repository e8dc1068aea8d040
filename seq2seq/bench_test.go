package seq2seq

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// benchModel is the date-task model (default sizes) over generated dates.
func benchModel(b *testing.B, attn string) (*Model, Encoded) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 1))
	pairs := make([]Pair, 256)
	for i := range pairs {
		pairs[i] = DatePair(r, time.Date(1950+r.IntN(99), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC))
	}
	src, tgt, err := BuildVocabs(pairs, "char")
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(Config{Attention: attn}, src, tgt, 1)
	if err != nil {
		b.Fatal(err)
	}
	e, err := m.Encode(pairs)
	if err != nil {
		b.Fatal(err)
	}
	return m, e
}

// BenchmarkTrainBatch is one teacher-forced forward and backward of 64
// date pairs (GRU encoder 2x64, GRU decoder 128).
func BenchmarkTrainBatch(b *testing.B) {
	for _, attn := range []string{"bahdanau", "none"} {
		b.Run(attn, func(b *testing.B) {
			m, e := benchModel(b, attn)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				lo := (i * 64) % 256
				if _, err := m.Forward(e.Src[lo:lo+64], e.Tgt[lo:lo+64], true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode decodes 256 dates greedily and with beam 5.
func BenchmarkDecode(b *testing.B) {
	m, e := benchModel(b, "bahdanau")
	for _, beam := range []int{1, 5} {
		b.Run("beam"+string(rune('0'+beam)), func(b *testing.B) {
			for b.Loop() {
				if _, err := m.Evaluate(context.Background(), e, EvalOptions{DecodeOptions: DecodeOptions{Beam: beam}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
