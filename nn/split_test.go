package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// TestSplitSameBits: SoftmaxCrossEntropy with a gradient, whose rows are
// shared out by splitRange at this size, gives the same bits on two
// threads as on one, with and without masks and in place.
func TestSplitSameBits(t *testing.T) {
	old := tensor.Threads()
	defer tensor.SetThreads(old)
	rng := rand.New(rand.NewPCG(3, 4))
	const rows, V = 3210, 65 // rows not a multiple of 16
	logits := rnnRandom(rng, rows*V, 3)
	targets := rnnIDs(rng, rows, V)
	valid := make([]bool, rows)
	for i := range valid {
		valid[i] = rng.IntN(5) > 0
	}
	type result struct {
		dLogits []float32
		loss    []float64
	}
	run := func(threads int) result {
		tensor.SetThreads(threads)
		var r result
		r.dLogits = make([]float32, rows*V)
		for _, opt := range []LossOptions{{}, {Reduction: ReduceSum, Valid: valid}, {IgnoreIndex: 7, UseIgnoreIndex: true}} {
			loss, _, err := SoftmaxCrossEntropy(r.dLogits, logits, rows, V, targets, opt)
			if err != nil {
				t.Fatal(err)
			}
			r.loss = append(r.loss, loss)
		}
		// In place (dLogits aliasing logits), as a caller may.
		inPlace := slices.Clone(logits)
		loss, _, err := SoftmaxCrossEntropy(inPlace, inPlace, rows, V, targets, LossOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r.loss = append(r.loss, loss)
		r.dLogits = append(r.dLogits, inPlace...)
		return r
	}
	one, two := run(1), run(2)
	same := func(name string, a, b []float32) {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s[%d]: %v on one thread, %v on two", name, i, a[i], b[i])
			}
		}
	}
	same("dLogits", one.dLogits, two.dLogits)
	for i := range one.loss {
		if math.Float64bits(one.loss[i]) != math.Float64bits(two.loss[i]) {
			t.Errorf("loss %d: %v on one thread, %v on two", i, one.loss[i], two.loss[i])
		}
	}
}

// BenchmarkSplit times the character LM's loss (T*B = 3200 rows, V = 65)
// on one and two threads.
func BenchmarkSplit(b *testing.B) {
	old := tensor.Threads()
	defer tensor.SetThreads(old)
	rng := rand.New(rand.NewPCG(3, 4))
	const rows, V = 3200, 65
	logits := rnnRandom(rng, rows*V, 3)
	targets := rnnIDs(rng, rows, V)
	dLogits := make([]float32, rows*V)
	for _, threads := range []int{1, 2} {
		tensor.SetThreads(threads)
		b.Run(fmt.Sprintf("SoftmaxCrossEntropy/threads%d", threads), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := SoftmaxCrossEntropy(dLogits, logits, rows, V, targets, LossOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
