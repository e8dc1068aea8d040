package nn

import (
	"fmt"
	"math"
	"sync"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// Reduction says how per-element losses are combined.
type Reduction int

const (
	// ReduceMean divides the summed loss by the number of counted elements
	// (valid rows, or valid rows times columns for elementwise losses).
	ReduceMean Reduction = iota
	// ReduceSum sums the loss over counted elements.
	ReduceSum
)

// LossOptions selects which rows count and how they are combined. The zero
// value counts every row and takes the mean.
type LossOptions struct {
	Reduction Reduction
	// Valid, when non-nil, has one entry per row (for example time-major
	// [T*B], see LengthMask): rows with false contribute nothing to the
	// loss or to the count and get zero gradient.
	Valid []bool
	// IgnoreIndex, when UseIgnoreIndex is set, is a cross-entropy target
	// whose rows are skipped like invalid ones (PyTorch's ignore_index).
	IgnoreIndex    int32
	UseIgnoreIndex bool
}

// LengthMask returns the [T*B] time-major validity mask for per-row valid
// lengths: valid[t*B+b] = t < lengths[b].
func LengthMask(t int, lengths []int) ([]bool, error) {
	b := len(lengths)
	valid := make([]bool, t*b)
	for j, l := range lengths {
		if l < 0 || l > t {
			return nil, fmt.Errorf("nn: LengthMask: length %d of row %d outside [0, %d]", l, j, t)
		}
		for s := 0; s < l; s++ {
			valid[s*b+j] = true
		}
	}
	return valid, nil
}

// counts reports whether row i takes part in the loss.
func (o *LossOptions) counts(i int) bool { return o.Valid == nil || o.Valid[i] }

// check validates the option shapes for n rows.
func (o *LossOptions) check(what string, n int) error {
	if o.Valid != nil && len(o.Valid) != n {
		return fmt.Errorf("nn: %s: mask has %d entries, want one per row (%d)", what, len(o.Valid), n)
	}
	if o.Reduction != ReduceMean && o.Reduction != ReduceSum {
		return fmt.Errorf("nn: %s: unknown reduction %d", what, o.Reduction)
	}
	return nil
}

// scale returns the factor that turns summed per-element gradients into the
// reduced loss's gradient.
func (o *LossOptions) scale(count int) float64 {
	if o.Reduction == ReduceMean && count > 0 {
		return 1 / float64(count)
	}
	return 1
}

// SoftmaxCrossEntropy computes the cross-entropy of softmax(logits) against
// integer targets: logits are [n, v] (for a time-major batch n = T*B),
// targets [n] in [0, v). The per-row loss logsumexp(x) - x[target] is
// computed stably and summed in float64; it returns the reduced loss and the
// number of rows counted (with ReduceMean and no counted row the loss is 0,
// where PyTorch would give NaN).
//
// If dLogits is non-nil ([n, v], may alias logits) it receives the gradient
// of the reduced loss: (softmax(x) - onehot(target)) / count for the mean,
// zero on rows not counted.
func SoftmaxCrossEntropy(dLogits, logits []float32, n, v int, targets []int32, opt LossOptions) (float64, int, error) {
	const what = "SoftmaxCrossEntropy"
	if err := checkLossShapes(what, dLogits, logits, n, v, len(targets), n); err != nil {
		return 0, 0, err
	}
	if err := opt.check(what, n); err != nil {
		return 0, 0, err
	}
	count := 0
	for i, tg := range targets {
		if !opt.counts(i) || (opt.UseIgnoreIndex && tg == opt.IgnoreIndex) {
			continue
		}
		if tg < 0 || int(tg) >= v {
			return 0, 0, fmt.Errorf("nn: %s: target %d of row %d outside [0, %d)", what, tg, i, v)
		}
		count++
	}
	scale := float32(opt.scale(count))
	if dLogits != nil && tensor.Threads() > 1 && n*v >= splitMin {
		return softmaxCrossEntropySplit(dLogits, logits, n, v, targets, opt, count, scale), count, nil
	}
	var scratch []float32
	if dLogits == nil {
		scratch = make([]float32, v)
	}
	var sum float64
	for i, tg := range targets {
		var d []float32
		if dLogits != nil {
			d = dLogits[i*v : (i+1)*v]
		}
		if !opt.counts(i) || (opt.UseIgnoreIndex && tg == opt.IgnoreIndex) {
			clear(d)
			continue
		}
		x := logits[i*v : (i+1)*v]
		xt := x[tg] // read before d (which may alias x) is written
		if d == nil {
			d = scratch
		}
		lse := tensor.LogSoftmax(d, x) // d = x - lse
		sum += float64(lse) - float64(xt)
		if dLogits != nil {
			nllGrad(d, d, tg, scale)
		}
	}
	if opt.Reduction == ReduceMean && count > 0 {
		return sum / float64(count), count, nil
	}
	return sum, count, nil
}

// rowLosses holds softmaxCrossEntropySplit's per-row losses between calls.
var rowLosses = sync.Pool{New: func() any { return new([]float64) }}

// softmaxCrossEntropySplit is SoftmaxCrossEntropy with dLogits, its rows
// shared out by splitRange: each row's loss and gradient are computed as
// in the serial loop, and the losses summed afterwards in row order, so
// the result is the same bits. count and scale are the caller's.
func softmaxCrossEntropySplit(dLogits, logits []float32, n, v int, targets []int32, opt LossOptions, count int, scale float32) float64 {
	buf := rowLosses.Get().(*[]float64)
	*buf = xslices.Resize(*buf, n)
	losses := *buf
	skip := func(i int) bool {
		return !opt.counts(i) || (opt.UseIgnoreIndex && targets[i] == opt.IgnoreIndex)
	}
	splitRange(n, v, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d := dLogits[i*v : (i+1)*v]
			if skip(i) {
				clear(d)
				continue
			}
			tg := targets[i]
			x := logits[i*v : (i+1)*v]
			xt := x[tg] // read before d (which may alias x) is written
			lse := tensor.LogSoftmax(d, x)
			losses[i] = float64(lse) - float64(xt)
			nllGrad(d, d, tg, scale)
		}
	})
	var sum float64
	for i := range n {
		if !skip(i) {
			sum += losses[i]
		}
	}
	rowLosses.Put(buf)
	if opt.Reduction == ReduceMean && count > 0 {
		return sum / float64(count)
	}
	return sum
}

// BCEWithLogits computes binary cross-entropy of sigmoid(logits) against
// targets in [0, 1], both [n, k], as torch.nn.BCEWithLogitsLoss: per element
// max(x, 0) - x*y + log(1 + exp(-|x|)), stable for any x. Masked rows (all k
// of their elements) are skipped; the mean divides by counted elements.
// It returns the reduced loss and the number of elements counted; dLogits,
// if non-nil, receives (sigmoid(x) - y) times the reduction's scale.
func BCEWithLogits(dLogits, logits []float32, n, k int, targets []float32, opt LossOptions) (float64, int, error) {
	return elementLoss("BCEWithLogits", dLogits, logits, n, k, targets, opt, func(x, y float64) (float64, float64) {
		return math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x))), 1/(1+math.Exp(-x)) - y
	})
}

// MSE computes the squared error (pred - target)^2 over [n, k], masked by
// rows and reduced like BCEWithLogits. dPred, if non-nil, receives
// 2*(pred - target) times the reduction's scale.
func MSE(dPred, pred []float32, n, k int, targets []float32, opt LossOptions) (float64, int, error) {
	return elementLoss("MSE", dPred, pred, n, k, targets, opt, func(x, y float64) (float64, float64) {
		d := x - y
		return d * d, 2 * d
	})
}

// elementLoss is an element-wise loss over x and targets, both [n, k]:
// f gives the loss of one element and its derivative in x. Masked rows
// (all k of their elements) are skipped, the mean divides by counted
// elements, and dx, if non-nil, receives the derivatives times the
// reduction's scale (zero on masked rows).
func elementLoss(what string, dx, x []float32, n, k int, targets []float32, opt LossOptions, f func(x, y float64) (loss, grad float64)) (float64, int, error) {
	if err := checkLossShapes(what, dx, x, n, k, len(targets), n*k); err != nil {
		return 0, 0, err
	}
	if err := opt.check(what, n); err != nil {
		return 0, 0, err
	}
	count := countRows(&opt, n) * k
	scale := opt.scale(count)
	var sum float64
	for i := 0; i < n; i++ {
		if !opt.counts(i) {
			if dx != nil {
				clear(dx[i*k : (i+1)*k])
			}
			continue
		}
		for j := i * k; j < (i+1)*k; j++ {
			l, g := f(float64(x[j]), float64(targets[j]))
			sum += l
			if dx != nil {
				dx[j] = float32(g * scale)
			}
		}
	}
	if opt.Reduction == ReduceMean && count > 0 {
		sum /= float64(count)
	}
	return sum, count, nil
}

// countRows returns how many of n rows the options count.
func countRows(opt *LossOptions, n int) int {
	if opt.Valid == nil {
		return n
	}
	c := 0
	for _, ok := range opt.Valid {
		if ok {
			c++
		}
	}
	return c
}

// checkLossShapes validates a loss's input, gradient and target lengths.
func checkLossShapes(what string, grad, x []float32, n, k, nTargets, wantTargets int) error {
	if n < 0 || k <= 0 || len(x) != n*k {
		return fmt.Errorf("nn: %s: input has %d values, want %d rows x %d = %d", what, len(x), n, k, n*k)
	}
	if grad != nil && len(grad) != len(x) {
		return fmt.Errorf("nn: %s: gradient buffer has %d values, want %d", what, len(grad), len(x))
	}
	if nTargets != wantTargets {
		return fmt.Errorf("nn: %s: %d targets, want %d", what, nTargets, wantTargets)
	}
	return nil
}

// CheckLoss returns an error when a loss is NaN or infinite, naming it.
func CheckLoss(loss float64) error {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fmt.Errorf("nn: loss is %v", loss)
	}
	return nil
}

// nllGrad sets d = scale * (exp(lp) - onehot(target)), the gradient of
// -scale * lp[target] with respect to the logits whose log-softmax is lp.
// d may alias lp.
func nllGrad(d, lp []float32, target int32, scale float32) {
	tensor.Exp(d, lp)
	d[target] -= 1
	tensor.Scale(scale, d)
}
