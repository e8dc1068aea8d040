package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// Linear is a fully connected layer y = x W^T + b, as torch.nn.Linear.
// Weight is [Out, In] and Bias [Out] (nil without bias).
//
// Forward keeps a reference to its input for Backward; the caller must not
// modify it in between. Slices returned by Forward and Backward belong to
// the layer and are overwritten by the next call of the same method.
type Linear struct {
	In, Out int
	Weight  *Param // [Out, In]
	Bias    *Param // [Out], or nil

	x  []float32 // [n, In]   input of the last Forward
	n  int       // rows of the last Forward
	y  []float32 // [n, Out]  output buffer
	dx []float32 // [n, In]   input-gradient buffer
}

// NewLinear returns a Linear layer with parameters named "weight" and
// "bias". When rng is non-nil the parameters get PyTorch's default
// initialisation, uniform(-1/sqrt(in), 1/sqrt(in)); otherwise they are zero.
func NewLinear(in, out int, bias bool, rng *rand.Rand) *Linear {
	l := &Linear{In: in, Out: out, Weight: NewParam("weight", out, in)}
	if bias {
		l.Bias = NewParam("bias", out)
	}
	if rng != nil {
		a := 0.0
		if in > 0 {
			a = 1 / math.Sqrt(float64(in))
		}
		InitUniform(rng, l.Weight.Data, a)
		if l.Bias != nil {
			InitUniform(rng, l.Bias.Data, a)
		}
	}
	return l
}

// Params returns weight and, if present, bias.
func (l *Linear) Params() []*Param {
	if l.Bias == nil {
		return []*Param{l.Weight}
	}
	return []*Param{l.Weight, l.Bias}
}

// Forward computes y = x W^T + b for x of shape [n, In] and returns y, of
// shape [n, Out], with a single GEMM.
func (l *Linear) Forward(x []float32, n int) ([]float32, error) {
	if n < 0 || len(x) != n*l.In {
		return nil, fmt.Errorf("nn: Linear.Forward: input has %d values, want %d rows x %d = %d", len(x), n, l.In, n*l.In)
	}
	l.x, l.n = x, n
	l.y = xslices.Resize(l.y, n*l.Out)
	beta := float32(0)
	if l.Bias != nil {
		// y[i,:] = b, rows shared out (a word decoder's [T*B, V] output
		// is tens of megabytes).
		splitRange(n, l.Out, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				copy(l.y[i*l.Out:(i+1)*l.Out], l.Bias.Data)
			}
		})
		beta = 1
	}
	// y[n,Out] = x[n,In] · W[Out,In]^T + beta*y
	tensor.Sgemm(false, true, n, l.Out, l.In, 1, x, l.In, l.Weight.Data, l.In, beta, l.y, l.Out)
	return l.y, nil
}

// Backward takes dy = dLoss/dy, shape [n, Out], of the last Forward;
// accumulates dW += dy^T x and db += sum over rows of dy, and returns
// dx = dy W, shape [n, In].
func (l *Linear) Backward(dy []float32) ([]float32, error) {
	if err := l.BackwardParams(dy); err != nil {
		return nil, err
	}
	l.dx = xslices.Resize(l.dx, l.n*l.In)
	// dx[n,In] = dy[n,Out] · W[Out,In]
	tensor.Sgemm(false, false, l.n, l.In, l.Out, 1, dy, l.Out, l.Weight.Data, l.In, 0, l.dx, l.In)
	return l.dx, nil
}

// BackwardParams is Backward without the input gradient, for a layer whose
// input needs none (the first layer, or data).
func (l *Linear) BackwardParams(dy []float32) error {
	if len(dy) != l.n*l.Out {
		return fmt.Errorf("nn: Linear.Backward: gradient has %d values, want %d rows x %d = %d", len(dy), l.n, l.Out, l.n*l.Out)
	}
	// dW[Out,In] += dy[n,Out]^T · x[n,In]
	tensor.Sgemm(true, false, l.Out, l.In, l.n, 1, dy, l.Out, l.x, l.In, 1, l.Weight.Grad, l.In)
	if l.Bias != nil {
		// db += dy[i,:] for each row i in order. Wide outputs (a word
		// decoder's vocabulary) share out column blocks, each summed over
		// the rows in the same order: every element gets the same bits.
		db := l.Bias.Grad
		sums := func(c0, c1 int) {
			for i := 0; i < l.n; i++ {
				tensor.Axpy(1, dy[i*l.Out+c0:i*l.Out+c1], db[c0:c1])
			}
		}
		if l.Out >= biasSplitCols {
			splitRange(l.Out, l.n, sums)
		} else {
			sums(0, l.Out)
		}
	}
	return nil
}

// biasSplitCols is the least output width from which Linear's bias
// gradient is summed in column blocks on several goroutines: narrower
// blocks read too little of each row to gain.
const biasSplitCols = 2048
