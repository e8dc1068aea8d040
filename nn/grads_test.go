package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// gradTestParams returns parameters of mixed sizes (odd ones, empty ones,
// some above splitMin) with random gradients.
func gradTestParams(rng *rand.Rand) []*Param {
	var ps []*Param
	for i, n := range []int{70001, 3, 0, 1 << 17, 65, 12345, 200003, 1, 4096} {
		p := NewParam("p"+string(rune('a'+i)), n)
		copy(p.Grad, rnnRandom(rng, n, 2))
		ps = append(ps, p)
	}
	return ps
}

// TestGradPassesSameBits: ZeroGrads, ScaleGrads and GradSumSquares give
// the bits of the serial loops (tensor.Scale, tensor.SumSquares of each
// whole gradient) on one, two and three threads.
func TestGradPassesSameBits(t *testing.T) {
	old := tensor.Threads()
	defer tensor.SetThreads(old)
	rng := rand.New(rand.NewPCG(5, 6))
	ps := gradTestParams(rng)
	orig := make([][]float32, len(ps))
	want := make([][]float32, len(ps))
	wantSums := make([]float64, len(ps))
	for i, p := range ps {
		orig[i] = slices.Clone(p.Grad)
		wantSums[i] = tensor.SumSquares(p.Grad)
		want[i] = slices.Clone(p.Grad)
		tensor.Scale(0.3, want[i])
	}
	for _, threads := range []int{1, 2, 3} {
		tensor.SetThreads(threads)
		for i, p := range ps {
			copy(p.Grad, orig[i])
		}
		sums := make([]float64, len(ps))
		GradSumSquares(ps, sums)
		for i := range sums {
			if math.Float64bits(sums[i]) != math.Float64bits(wantSums[i]) {
				t.Fatalf("threads %d: sum of squares %d = %v, want %v", threads, i, sums[i], wantSums[i])
			}
		}
		ScaleGrads(ps, 0.3)
		for i, p := range ps {
			for j := range p.Grad {
				if math.Float32bits(p.Grad[j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("threads %d: scaled gradient %d[%d] = %v, want %v", threads, i, j, p.Grad[j], want[i][j])
				}
			}
		}
		ZeroGrads(ps)
		for i, p := range ps {
			for j, g := range p.Grad {
				if math.Float32bits(g) != 0 {
					t.Fatalf("threads %d: gradient %d[%d] = %v after ZeroGrads", threads, i, j, g)
				}
			}
		}
	}
}

// TestLinearWideSameBits: a Linear with a wide output (its bias broadcast
// and bias gradient shared out) gives the same output and gradients on two
// threads as on one.
func TestLinearWideSameBits(t *testing.T) {
	old := tensor.Threads()
	defer tensor.SetThreads(old)
	const n, in, out = 150, 24, 3001
	run := func(threads int) [][]float32 {
		tensor.SetThreads(threads)
		rng := rand.New(rand.NewPCG(7, 8))
		l := NewLinear(in, out, true, rng)
		copy(l.Bias.Data, rnnRandom(rng, out, 1))
		copy(l.Bias.Grad, rnnRandom(rng, out, 1))
		x := rnnRandom(rng, n*in, 1)
		dy := rnnRandom(rng, n*out, 1)
		y, err := l.Forward(x, n)
		if err != nil {
			t.Fatal(err)
		}
		y = slices.Clone(y)
		dx, err := l.Backward(dy)
		if err != nil {
			t.Fatal(err)
		}
		return [][]float32{y, slices.Clone(dx), slices.Clone(l.Weight.Grad), slices.Clone(l.Bias.Grad)}
	}
	one, two := run(1), run(2)
	for k, name := range []string{"y", "dx", "dW", "db"} {
		for i := range one[k] {
			if math.Float32bits(one[k][i]) != math.Float32bits(two[k][i]) {
				t.Fatalf("%s[%d]: %v on one thread, %v on two", name, i, one[k][i], two[k][i])
			}
		}
	}
}
