package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// AdaptiveSoftmax is an adaptive log-softmax output layer over Classes
// classes (Grave et al. 2017, "Efficient softmax approximation for GPUs"),
// with the semantics and parameter names of PyTorch's
// nn.AdaptiveLogSoftmaxWithLoss.
//
// The classes are split by Cutoffs into a shortlist [0, Cutoffs[0]) and
// tail clusters [Cutoffs[k], Cutoffs[k+1]). The head scores the shortlist
// and one token per tail cluster; tail cluster k scores its own classes
// through a projection of size floor(In / DivValue^(k+1)). The log
// probability of a tail class is the head's log probability of its
// cluster plus the cluster's own log-softmax, so the distribution is exact
// and normalised, and training a row costs the head plus the one cluster
// its target falls in.
//
// Parameters: "head.weight" [Shortlist+clusters, In], "head.bias" (with a
// head bias), and per cluster k "tail.k.0.weight" [hsz_k, In] and
// "tail.k.1.weight" [osz_k, hsz_k].
//
// An AdaptiveSoftmax keeps the state of its last Forward for Backward and
// is not safe for concurrent use; LogProb leaves that state alone.
type AdaptiveSoftmax struct {
	In, Classes int
	// Cutoffs are PyTorch's cutoffs with Classes appended: ascending, the
	// first is the shortlist size, the last is Classes.
	Cutoffs  []int
	DivValue float64
	Head     *Linear
	Tail     []AdaptiveCluster

	// State of the last Forward, for Backward.
	n       int
	scale   float32
	counted []bool    // [n] rows taking part in the loss
	headIdx []int32   // [n] head column of each counted row's target
	headLP  []float32 // [n, headSize] head log-softmax
	logp    []float32 // [n] log-probability of each row's target
	dHead   []float32 // [n, headSize]
	dx      []float32 // [n, In]
}

// AdaptiveCluster is one tail cluster of an AdaptiveSoftmax: classes
// [Lo, Hi), scored by Out(Proj(x)).
type AdaptiveCluster struct {
	Lo, Hi int
	Proj   *Linear // [hsz, In], no bias ("tail.k.0")
	Out    *Linear // [Hi-Lo, hsz], no bias ("tail.k.1")

	rows []int32   // rows of the last Forward whose target falls here
	rel  []int32   // their targets relative to Lo
	x    []float32 // [m, In] gathered input rows
	lp   []float32 // [m, Hi-Lo] log-softmax of the cluster's scores
	d    []float32 // [m, Hi-Lo] gradient of the scores
}

// NewAdaptiveSoftmax returns the layer for in-dimensional inputs and
// classes classes. cutoffs are PyTorch's: strictly ascending, in
// (0, classes), without classes itself. divValue (PyTorch's default is 4)
// shrinks each further cluster's projection. With rng non-nil every
// Linear gets PyTorch's default initialisation; otherwise zeros.
func NewAdaptiveSoftmax(in, classes int, cutoffs []int, divValue float64, headBias bool, rng *rand.Rand) (*AdaptiveSoftmax, error) {
	if in < 1 || classes < 2 {
		return nil, fmt.Errorf("nn: AdaptiveSoftmax: in_features %d and n_classes %d must be at least 1 and 2", in, classes)
	}
	if len(cutoffs) == 0 {
		return nil, fmt.Errorf("nn: AdaptiveSoftmax: no cutoffs (a plain softmax needs no adaptive layer)")
	}
	if !(divValue > 0) || math.IsInf(divValue, 0) {
		return nil, fmt.Errorf("nn: AdaptiveSoftmax: div_value %v must be positive and finite", divValue)
	}
	for i, c := range cutoffs {
		if c <= 0 || c >= classes || (i > 0 && c <= cutoffs[i-1]) {
			return nil, fmt.Errorf("nn: AdaptiveSoftmax: cutoffs %v must be strictly ascending integers in (0, %d)", cutoffs, classes)
		}
	}
	a := &AdaptiveSoftmax{In: in, Classes: classes, DivValue: divValue,
		Cutoffs: append(append([]int(nil), cutoffs...), classes)}
	clusters := len(cutoffs)
	a.Head = NewLinear(in, cutoffs[0]+clusters, headBias, rng)
	a.Head.Weight.Name = "head.weight"
	if a.Head.Bias != nil {
		a.Head.Bias.Name = "head.bias"
	}
	for k := 0; k < clusters; k++ {
		hsz := int(math.Floor(float64(in) / math.Pow(divValue, float64(k+1))))
		if hsz < 1 {
			return nil, fmt.Errorf("nn: AdaptiveSoftmax: cluster %d's projection in_features/div_value^%d = %d/%v^%d is below 1", k, k+1, in, divValue, k+1)
		}
		lo, hi := a.Cutoffs[k], a.Cutoffs[k+1]
		c := AdaptiveCluster{Lo: lo, Hi: hi, Proj: NewLinear(in, hsz, false, rng), Out: NewLinear(hsz, hi-lo, false, rng)}
		c.Proj.Weight.Name = fmt.Sprintf("tail.%d.0.weight", k)
		c.Out.Weight.Name = fmt.Sprintf("tail.%d.1.weight", k)
		a.Tail = append(a.Tail, c)
	}
	return a, nil
}

// Shortlist returns the number of classes the head scores directly.
func (a *AdaptiveSoftmax) Shortlist() int { return a.Cutoffs[0] }

// headSize is the number of head outputs: the shortlist plus one per
// cluster.
func (a *AdaptiveSoftmax) headSize() int { return a.Cutoffs[0] + len(a.Tail) }

// Params returns the head's parameters then each cluster's, in PyTorch's
// state_dict order.
func (a *AdaptiveSoftmax) Params() []*Param {
	ps := a.Head.Params()
	for _, c := range a.Tail {
		ps = append(ps, c.Proj.Weight, c.Out.Weight)
	}
	return ps
}

// Forward scores x [n, In] against targets [n] in [0, Classes) and returns
// logp [n], the log-probability of each row's target (PyTorch's output; 0
// on rows not counted), the reduced negative log-likelihood (PyTorch's
// loss for ReduceMean) and the number of rows counted. opt masks rows and
// chooses the reduction as for SoftmaxCrossEntropy. The returned slice
// belongs to the layer until the next Forward.
func (a *AdaptiveSoftmax) Forward(x []float32, n int, targets []int32, opt LossOptions) ([]float32, float64, int, error) {
	const what = "AdaptiveSoftmax.Forward"
	if n < 0 || len(x) != n*a.In || len(targets) != n {
		return nil, 0, 0, fmt.Errorf("nn: %s: input has %d values and %d targets, want %d rows x %d and %d", what, len(x), len(targets), n, a.In, n)
	}
	if err := opt.check(what, n); err != nil {
		return nil, 0, 0, err
	}
	a.n = n
	a.counted = xslices.Resize(a.counted, n)
	a.headIdx = xslices.Resize(a.headIdx, n)
	a.logp = xslices.Resize(a.logp, n)
	short := a.Shortlist()
	for k := range a.Tail {
		a.Tail[k].rows, a.Tail[k].rel = a.Tail[k].rows[:0], a.Tail[k].rel[:0]
	}
	count := 0
	for i, tg := range targets {
		a.counted[i] = opt.counts(i) && !(opt.UseIgnoreIndex && tg == opt.IgnoreIndex)
		if !a.counted[i] {
			continue
		}
		if tg < 0 || int(tg) >= a.Classes {
			return nil, 0, 0, fmt.Errorf("nn: %s: target %d of row %d outside [0, %d)", what, tg, i, a.Classes)
		}
		count++
		if int(tg) < short {
			a.headIdx[i] = tg
			continue
		}
		k := a.cluster(int(tg))
		a.headIdx[i] = int32(short + k)
		c := &a.Tail[k]
		c.rows = append(c.rows, int32(i))
		c.rel = append(c.rel, tg-int32(c.Lo))
	}
	a.scale = float32(opt.scale(count))

	// Head: headLP[n, headSize] = log_softmax(x W_h^T + b_h).
	hs := a.headSize()
	h, err := a.Head.Forward(x, n)
	if err != nil {
		return nil, 0, 0, err
	}
	a.headLP = xslices.Resize(a.headLP, n*hs)
	for i := 0; i < n; i++ {
		tensor.LogSoftmax(a.headLP[i*hs:(i+1)*hs], h[i*hs:(i+1)*hs])
	}
	var sum float64
	for i := 0; i < n; i++ {
		if !a.counted[i] {
			a.logp[i] = 0
			continue
		}
		a.logp[i] = a.headLP[i*hs+int(a.headIdx[i])]
	}
	// Each cluster scores only the rows whose target it holds:
	// lp[m, osz] = log_softmax(Out(Proj(x[rows]))).
	for k := range a.Tail {
		c := &a.Tail[k]
		m := len(c.rows)
		if m == 0 {
			continue
		}
		c.x = xslices.Resize(c.x, m*a.In)
		for j, r := range c.rows {
			copy(c.x[j*a.In:(j+1)*a.In], x[int(r)*a.In:(int(r)+1)*a.In])
		}
		p, err := c.Proj.Forward(c.x, m)
		if err != nil {
			return nil, 0, 0, err
		}
		s, err := c.Out.Forward(p, m)
		if err != nil {
			return nil, 0, 0, err
		}
		osz := c.Hi - c.Lo
		c.lp = xslices.Resize(c.lp, m*osz)
		for j, r := range c.rows {
			tensor.LogSoftmax(c.lp[j*osz:(j+1)*osz], s[j*osz:(j+1)*osz])
			a.logp[r] += c.lp[j*osz+int(c.rel[j])]
		}
	}
	for i := 0; i < n; i++ {
		sum -= float64(a.logp[i])
	}
	if opt.Reduction == ReduceMean && count > 0 {
		sum /= float64(count)
	}
	return a.logp, sum, count, nil
}

// cluster returns the tail cluster holding class c >= Shortlist.
func (a *AdaptiveSoftmax) cluster(c int) int {
	k := 0
	for c >= a.Cutoffs[k+1] {
		k++
	}
	return k
}

// Backward propagates the gradient of the reduced loss of the last
// Forward: it accumulates every parameter's gradient and returns dx
// [n, In], which belongs to the layer until the next Backward.
func (a *AdaptiveSoftmax) Backward() ([]float32, error) {
	n, hs := a.n, a.headSize()
	if len(a.counted) != n || len(a.headLP) != n*hs {
		return nil, fmt.Errorf("nn: AdaptiveSoftmax.Backward without a Forward")
	}
	// dHead = scale * (softmax(head) - onehot(headIdx)) on counted rows.
	a.dHead = xslices.Resize(a.dHead, n*hs)
	for i := 0; i < n; i++ {
		d := a.dHead[i*hs : (i+1)*hs]
		if !a.counted[i] {
			clear(d)
			continue
		}
		nllGrad(d, a.headLP[i*hs:(i+1)*hs], a.headIdx[i], a.scale)
	}
	dx, err := a.Head.Backward(a.dHead)
	if err != nil {
		return nil, err
	}
	a.dx = xslices.Resize(a.dx, n*a.In)
	copy(a.dx, dx)
	for k := range a.Tail {
		c := &a.Tail[k]
		m := len(c.rows)
		if m == 0 {
			continue
		}
		osz := c.Hi - c.Lo
		c.d = xslices.Resize(c.d, m*osz)
		for j := range c.rows {
			nllGrad(c.d[j*osz:(j+1)*osz], c.lp[j*osz:(j+1)*osz], c.rel[j], a.scale)
		}
		dp, err := c.Out.Backward(c.d)
		if err != nil {
			return nil, err
		}
		dxs, err := c.Proj.Backward(dp)
		if err != nil {
			return nil, err
		}
		for j, r := range c.rows {
			tensor.Axpy(1, dxs[j*a.In:(j+1)*a.In], a.dx[int(r)*a.In:(int(r)+1)*a.In])
		}
	}
	return a.dx, nil
}

// AdaptiveScratch holds LogProb's buffers, so that concurrent callers of
// one read-only layer each bring their own. Its zero value is ready.
type AdaptiveScratch struct {
	head, proj, out []float32
}

// LogProb writes the full log-probability distribution of each row of x
// [n, In] into dst [n, Classes] (PyTorch's log_prob), using s for its
// buffers (nil: a fresh one). It reads the parameters only, so it may run
// between Forward and Backward and, with a scratch per goroutine,
// concurrently.
func (a *AdaptiveSoftmax) LogProb(dst, x []float32, n int, s *AdaptiveScratch) error {
	if n < 0 || len(x) != n*a.In || len(dst) != n*a.Classes {
		return fmt.Errorf("nn: AdaptiveSoftmax.LogProb: %d input values and %d outputs, want %d rows x %d and x %d", len(x), len(dst), n, a.In, a.Classes)
	}
	if s == nil {
		s = new(AdaptiveScratch)
	}
	hs, short := a.headSize(), a.Shortlist()
	s.head = xslices.Resize(s.head, n*hs)
	linearInto(s.head, x, n, a.Head)
	for i := 0; i < n; i++ {
		row := s.head[i*hs : (i+1)*hs]
		tensor.LogSoftmax(row, row)
		copy(dst[i*a.Classes:i*a.Classes+short], row[:short])
	}
	for k := range a.Tail {
		c := &a.Tail[k]
		osz := c.Hi - c.Lo
		s.proj = xslices.Resize(s.proj, n*c.Proj.Out)
		s.out = xslices.Resize(s.out, n*osz)
		linearInto(s.proj, x, n, c.Proj)
		linearInto(s.out, s.proj, n, c.Out)
		for i := 0; i < n; i++ {
			o := dst[i*a.Classes+c.Lo : i*a.Classes+c.Hi]
			tensor.LogSoftmax(o, s.out[i*osz:(i+1)*osz])
			tensor.AddScalar(o, o, s.head[i*hs+short+k])
		}
	}
	return nil
}

// linearInto computes dst[n, l.Out] = x[n, l.In] W^T (+ b) without touching
// the layer's Forward state.
func linearInto(dst, x []float32, n int, l *Linear) {
	beta := float32(0)
	if l.Bias != nil {
		for i := 0; i < n; i++ {
			copy(dst[i*l.Out:(i+1)*l.Out], l.Bias.Data)
		}
		beta = 1
	}
	tensor.Sgemm(false, true, n, l.Out, l.In, 1, x, l.In, l.Weight.Data, l.In, beta, dst, l.Out)
}
