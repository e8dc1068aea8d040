// Package glove trains GloVe word vectors (Pennington et al., 2014):
// co-occurrence counting with a symmetric window weighted by 1/distance,
// within a memory budget (sorted runs spilled to temporary files and
// merged), then weighted least squares on log co-occurrences, optimised by
// AdaGrad over the shuffled entries.
//
// Training is Hogwild: P goroutines update the shared parameters without
// locks over disjoint shards of the shuffled entries. The data races are
// intentional (as in the reference implementation); race builds
// (build tag race) use one worker so everything else stays checked.
package glove

import (
	"github.com/recurrent-go/recurrent/internal/xrand"

	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/recurrent-go/recurrent/vectors/internal/prefetch"
	"github.com/recurrent-go/recurrent/vectors/internal/workers"
)

// Options configures training; zero fields take the defaults of the GloVe
// reference tool.
type Options struct {
	Dim        int     // vector size; default 100
	Window     int     // symmetric window; default 10
	MinCount   int     // drop words rarer than this; default 5
	Iterations int     // passes over the co-occurrences; default 15
	XMax       float64 // weighting cutoff; default 100
	Power      float64 // weighting exponent; default 0.75
	Alpha      float64 // initial AdaGrad learning rate; default 0.05
	Threads    int     // default GOMAXPROCS
	Seed       uint64
	// MemoryBytes bounds the co-occurrence counting buffers; default 1 GiB.
	// The counted entries are then held in memory for training (16 bytes
	// each).
	MemoryBytes int64
	TempDir     string // for spilled runs; default os.TempDir()
	// Vocab, if not nil, is the vocabulary to train (for example from a
	// vocabulary file, see text.NewCorpusVocab) instead of counting one
	// with MinCount.
	Vocab *text.CorpusVocab
}

func (o *Options) fill() error {
	// cmp.Or keeps a set field and replaces a zero one with the default.
	o.Dim = cmp.Or(o.Dim, 100)
	o.Window = cmp.Or(o.Window, 10)
	o.MinCount = cmp.Or(o.MinCount, 5)
	o.Iterations = cmp.Or(o.Iterations, 15)
	o.XMax = cmp.Or(o.XMax, 100)
	o.Power = cmp.Or(o.Power, 0.75)
	o.Alpha = cmp.Or(o.Alpha, 0.05)
	o.MemoryBytes = cmp.Or(o.MemoryBytes, 1<<30)
	if o.Threads <= 0 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	switch {
	case o.Dim < 1 || o.Dim > vectors.MaxDim:
		return fmt.Errorf("glove: dim %d, expected 1..%d (what a vector file can hold)", o.Dim, vectors.MaxDim)
	case o.Window < 1 || o.Window > MaxWindow:
		return fmt.Errorf("glove: window %d, expected 1..%d", o.Window, MaxWindow)
	case o.Iterations < 1:
		return fmt.Errorf("glove: iterations %d, expected >= 1", o.Iterations)
	case !positive(o.XMax) || !positive(o.Alpha) || !positive(o.Power):
		return fmt.Errorf("glove: x-max %g, alpha %g, power %g: all must be finite and > 0", o.XMax, o.Alpha, o.Power)
	case o.MinCount < 0:
		return fmt.Errorf("glove: min count %d, expected >= 0", o.MinCount)
	case o.MemoryBytes < 1<<12:
		return fmt.Errorf("glove: memory budget %d bytes is too small", o.MemoryBytes)
	}
	return nil
}

// positive reports whether x is finite and > 0 (NaN is not).
func positive(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// Progress is reported periodically.
type Progress struct {
	Stage      string // "vocab", "cooccur" or "train"
	Done       int64  // tokens read (vocab, cooccur) or entries trained (train)
	Total      int64  // entries to train over all iterations (train)
	Iteration  int    // 1-based (train)
	Iterations int
	Cost       float64 // mean cost of the last finished iteration
	Elapsed    time.Duration
}

// Model is a trained GloVe model.
type Model struct {
	Vocab *text.CorpusVocab
	Dim   int
	// W and WTilde are the word and context vectors, [V, Dim]; B and
	// BTilde their biases.
	W, WTilde []float32
	B, BTilde []float32
	Pairs     int64   // non-zero co-occurrence entries
	Runs      int     // sorted runs spilled while counting
	Loss      float64 // mean weighted squared error of the last iteration
}

// Vectors returns W + WTilde, the usual GloVe output.
func (m *Model) Vectors() *vectors.Vectors {
	data := make([]float32, len(m.W))
	for i := range data {
		data[i] = m.W[i] + m.WTilde[i]
	}
	return &vectors.Vectors{Words: m.Vocab.Words, Dim: m.Dim, Data: data}
}

// entry is one training example.
type entry struct {
	i, j int32
	logX float32
	f    float32 // weight f(X) = min(1, (X/XMax)^Power)
}

// Train counts the vocabulary and co-occurrences of the corpus and fits
// the model. progress, if not nil, is called from one goroutine at a time.
func Train(ctx context.Context, corpus *text.Corpus, opt Options, progress func(Progress)) (*Model, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	report := reporter(opt, progress)
	last := time.Now()
	throttled := func(stage string) func(int64) {
		return func(n int64) {
			if time.Since(last) > 200*time.Millisecond {
				last = time.Now()
				report(Progress{Stage: stage, Done: n})
			}
		}
	}
	voc := opt.Vocab
	if voc == nil {
		var err error
		voc, err = text.CountVocab(ctx, corpus, opt.MinCount, throttled("vocab"))
		if err != nil {
			return nil, fmt.Errorf("glove: %w", err)
		}
	}
	var entries entryList
	st, err := Cooccur(ctx, corpus, voc, CooccurOptions{Window: opt.Window, MemoryBytes: opt.MemoryBytes, TempDir: opt.TempDir},
		throttled("cooccur"), entries.adder(opt))
	if err != nil {
		return nil, fmt.Errorf("glove: counting co-occurrences: %w", err)
	}
	m, err := fit(ctx, voc, &entries, opt, report)
	if err != nil {
		return nil, err
	}
	m.Pairs, m.Runs = st.Pairs, st.Runs
	return m, nil
}

// TrainCooccur fits the model to co-occurrences counted elsewhere: the
// shard files at paths (see ReadShards), counted with the vocabulary voc.
// opt.Window, MinCount, MemoryBytes, TempDir and Vocab are not used. With
// the same vocabulary, the same counts and the same options, it gives the
// same model as Train, which counts in-process.
func TrainCooccur(ctx context.Context, voc *text.CorpusVocab, paths []string, opt Options, progress func(Progress)) (*Model, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	report := reporter(opt, progress)
	var entries entryList
	st, _, err := ReadShards(ctx, paths, voc, entries.adder(opt))
	if err != nil {
		return nil, err
	}
	m, err := fit(ctx, voc, &entries, opt, report)
	if err != nil {
		return nil, err
	}
	m.Pairs = st.Pairs
	return m, nil
}

// reporter returns the function that passes a Progress, stamped with the
// time elapsed since now and the number of iterations, to progress (if not
// nil).
func reporter(opt Options, progress func(Progress)) func(Progress) {
	start := time.Now()
	return func(p Progress) {
		if progress != nil {
			p.Elapsed = time.Since(start)
			p.Iterations = opt.Iterations
			progress(p)
		}
	}
}

// adder returns the callback that turns co-occurrences into training
// entries: log X and the weight f(X) = min(1, (X/XMax)^Power).
func (l *entryList) adder(opt Options) func(Cooccurrence) error {
	xmax, power := opt.XMax, opt.Power
	return func(c Cooccurrence) error {
		f := 1.0
		if c.X < xmax {
			f = math.Pow(c.X/xmax, power)
		}
		l.append(entry{c.I, c.J, float32(math.Log(c.X)), float32(f)})
		return nil
	}
}

// fit runs AdaGrad over the entries.
func fit(ctx context.Context, voc *text.CorpusVocab, entries *entryList, opt Options, report func(Progress)) (*Model, error) {
	v, dim := voc.Len(), opt.Dim
	m := &Model{Vocab: voc, Dim: dim,
		W: make([]float32, v*dim), WTilde: make([]float32, v*dim),
		B: make([]float32, v), BTilde: make([]float32, v)}
	r := xrand.New(opt.Seed, 0)
	for _, p := range [][]float32{m.W, m.WTilde, m.B, m.BTilde} {
		for i := range p {
			p[i] = (r.Float32() - 0.5) / float32(dim)
		}
	}
	g := &state{m: m, dim: dim, eta: float32(opt.Alpha),
		gW: ones(v * dim), gWT: ones(v * dim), gB: ones(v), gBT: ones(v)}
	// Shuffle once (Fisher-Yates); each iteration walks the same order, as
	// the reference tool does with its shuffled file.
	for i := entries.n - 1; i > 0; i-- {
		j := r.Intn(i + 1)
		a, b := entries.at(i), entries.at(j)
		*a, *b = *b, *a
	}
	threads := opt.Threads
	if raceEnabled {
		threads = 1
	}
	threads = min(threads, max(entries.n, 1))
	total := int64(entries.n) * int64(opt.Iterations)
	var done atomic.Int64
	var lastCost float64
	for it := 1; it <= opt.Iterations; it++ {
		costs := make([]float64, threads)
		workers.Run(threads, 250*time.Millisecond, func() {
			report(Progress{Stage: "train", Done: done.Load(), Total: total, Iteration: it, Cost: lastCost})
		}, func(t int) {
			lo, hi := entries.n*t/threads, entries.n*(t+1)/threads
			for _, shard := range entries.slices(lo, hi) {
				costs[t] += g.run(ctx, shard, &done)
			}
		})
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("glove: %w", err)
		}
		var c float64
		for _, x := range costs {
			c += x
		}
		lastCost = c / float64(entries.n)
		report(Progress{Stage: "train", Done: done.Load(), Total: total, Iteration: it, Cost: lastCost})
	}
	m.Loss = lastCost
	return m, nil
}

// entryList stores entries in fixed-size blocks so that it grows without
// copying (a doubling slice would briefly need twice the memory).
type entryList struct {
	blocks [][]entry
	n      int
}

const entryBlock = 1 << 20

func (l *entryList) append(e entry) {
	if l.n%entryBlock == 0 {
		l.blocks = append(l.blocks, make([]entry, 0, entryBlock))
	}
	b := &l.blocks[len(l.blocks)-1]
	*b = append(*b, e)
	l.n++
}

func (l *entryList) at(i int) *entry { return &l.blocks[i/entryBlock][i%entryBlock] }

// slices returns the entries [lo, hi) as block slices.
func (l *entryList) slices(lo, hi int) [][]entry {
	var out [][]entry
	for lo < hi {
		b := lo / entryBlock
		end := min(hi, (b+1)*entryBlock)
		out = append(out, l.blocks[b][lo%entryBlock:end-b*entryBlock])
		lo = end
	}
	return out
}

func ones(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// state holds the parameters and AdaGrad accumulators shared by workers.
type state struct {
	m       *Model
	dim     int
	eta     float32
	gW, gWT []float32 // squared-gradient sums, start at 1
	gB, gBT []float32
}

// run trains on a shard and returns its summed cost.
func (s *state) run(ctx context.Context, shard []entry, done *atomic.Int64) float64 {
	dim := s.dim
	W, WT, B, BT := s.m.W, s.m.WTilde, s.m.B, s.m.BTilde
	var cost float64
	const ahead = 4
	for n, e := range shard {
		if n+ahead < len(shard) {
			// Shuffled entries hit random rows: start loading them early.
			f := shard[n+ahead]
			a, b := int(f.i)*dim, int(f.j)*dim
			prefetch.Row(W[a : a+dim])
			prefetch.Row(WT[b : b+dim])
			prefetch.Row(s.gW[a : a+dim])
			prefetch.Row(s.gWT[b : b+dim])
		}
		if n&4095 == 4095 {
			done.Add(4096)
			if ctx.Err() != nil {
				return cost
			}
		}
		a, b := int(e.i)*dim, int(e.j)*dim
		w, wt := W[a:a+dim:a+dim], WT[b:b+dim:b+dim]
		gw, gwt := s.gW[a:a+dim:a+dim], s.gWT[b:b+dim:b+dim]
		diff := tensor.Dot(w, wt) + B[e.i] + BT[e.j] - e.logX
		fdiff := e.f * diff
		cost += 0.5 * float64(fdiff*diff)
		fdiff *= s.eta
		adagrad(fdiff, w, wt, gw, gwt)
		B[e.i] -= fdiff / sqrt32(s.gB[e.i])
		BT[e.j] -= fdiff / sqrt32(s.gBT[e.j])
		s.gB[e.i] += fdiff * fdiff
		s.gBT[e.j] += fdiff * fdiff
	}
	done.Add(int64(len(shard) & 4095))
	return cost
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

func adagradGo(g float32, w, wt, gw, gwt []float32) {
	wt, gw, gwt = wt[:len(w)], gw[:len(w)], gwt[:len(w)]
	for d := range w {
		t1 := g * wt[d]
		t2 := g * w[d]
		w[d] -= t1 / sqrt32(gw[d])
		wt[d] -= t2 / sqrt32(gwt[d])
		gw[d] += t1 * t1
		gwt[d] += t2 * t2
	}
}
