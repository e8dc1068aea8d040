// Package word2vec trains word embeddings with the skip-gram and CBOW models
// of Mikolov et al. (2013), with negative sampling and/or hierarchical
// softmax, subsampling of frequent words, a dynamic (reduced) window and a
// learning rate decaying linearly over all epochs.
//
// Training is Hogwild: P worker goroutines read sentence chunks from one
// producer and update the shared weight matrices without locks. Those data
// races are intentional — concurrent updates rarely touch the same rows and
// a lost update only costs a little progress, as in word2vec.c, fastText and
// gensim. Under the race detector (build tag race) training uses one worker
// so that every other synchronisation is still checked. With Threads == 1
// training is deterministic for a given Seed.
package word2vec

import (
	"github.com/recurrent-go/recurrent/internal/xrand"

	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/recurrent-go/recurrent/vectors/internal/workers"
)

// Method selects the model.
type Method int

const (
	// SkipGram predicts each context word from the centre word.
	SkipGram Method = iota
	// CBOW predicts the centre word from the mean of its context.
	CBOW
)

// String returns "skipgram" or "cbow".
func (m Method) String() string {
	if m == CBOW {
		return "cbow"
	}
	return "skipgram"
}

// ParseMethod parses "skipgram" (or "sg") and "cbow".
func ParseMethod(s string) (Method, error) {
	switch s {
	case "skipgram", "sg", "skip-gram":
		return SkipGram, nil
	case "cbow":
		return CBOW, nil
	}
	return 0, fmt.Errorf("word2vec: unknown method %q, expected skipgram or cbow", s)
}

// Options configures training; zero fields take the defaults of word2vec.c
// except Alpha.
type Options struct {
	Method   Method
	Dim      int // vector size; default 100
	Window   int // maximum distance to a context word; default 5
	Negative int // negative samples per target; 0 disables (then HS must be set)
	// ShareNegatives trains HogBatch-style (Ji et al. 2016) when negative
	// sampling is used without HS: one set of negative samples is shared by
	// several predictions, whose updates become small matrix products
	// (scores, then both gradients from the same old rows; AVX-512 kernels).
	// Skip-gram shares a centre word's negatives over its window: the
	// window's context rows against the centre word's and the negatives'
	// output rows. CBOW shares them over a group of 8 consecutive centre
	// words: their hidden vectors (context means) against the negatives'
	// rows, each also against its own centre word's row. Skip-gram needs several times less CPU per epoch than per pair on
	// wiki17m at equal or better quality, and DefaultOptions sets it; CBOW
	// saves about 20% of its CPU and scores about half a point lower on
	// analogies (higher on WS-353) in BENCHMARKS.md's runs.
	ShareNegatives bool
	HS             bool    // hierarchical softmax
	MinCount       int     // drop words rarer than this; default 5
	Sample         float64 // subsampling threshold, e.g. 1e-3 or 1e-4; 0 disables
	Epochs         int     // passes over the corpus; default 5
	// Alpha is the initial learning rate; default 0.05 (fastText's; word2vec.c
	// uses 0.025 for skip-gram, which on wiki17m gave 10.5% analogy accuracy
	// after one epoch and 36.8% after five, against 17.3% and 39.2% at 0.05).
	Alpha   float64
	Threads int    // worker goroutines; default GOMAXPROCS
	Seed    uint64 // random seed
	// MaxSentence splits longer sentences (lines); default 1000.
	MaxSentence int
	// CacheBytes bounds the memory used to keep the corpus as ids after the
	// first epoch (4 bytes per token); a larger corpus is streamed from the
	// files every epoch. Default 1 GiB; negative disables the cache.
	CacheBytes int64
}

// DefaultOptions returns word2vec.c's defaults for skip-gram with negative
// sampling (the learning rate defaults as documented on Options.Alpha),
// trained with shared negatives (ShareNegatives).
func DefaultOptions() Options {
	return Options{Method: SkipGram, Dim: 100, Window: 5, Negative: 5, ShareNegatives: true, MinCount: 5, Sample: 1e-3, Epochs: 5}
}

func (o *Options) fill() error {
	if o.Dim == 0 {
		o.Dim = 100
	}
	if o.Window == 0 {
		o.Window = 5
	}
	if o.MinCount == 0 {
		o.MinCount = 5
	}
	if o.Epochs == 0 {
		o.Epochs = 5
	}
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.Threads <= 0 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	if o.MaxSentence <= 0 {
		o.MaxSentence = 1000
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = 1 << 30
	}
	switch {
	case o.Dim < 1 || o.Dim > vectors.MaxDim:
		return fmt.Errorf("word2vec: dim %d, expected 1..%d (what a vector file can hold)", o.Dim, vectors.MaxDim)
	case o.Window < 1 || o.Window > o.MaxSentence:
		return fmt.Errorf("word2vec: window %d, expected 1..%d (the longest sentence)", o.Window, o.MaxSentence)
	case o.Negative < 0 || o.Negative > MaxNegative:
		return fmt.Errorf("word2vec: negative %d, expected 0..%d", o.Negative, MaxNegative)
	case o.Negative == 0 && !o.HS:
		return errors.New("word2vec: neither negative sampling nor hierarchical softmax selected")
	case o.Epochs < 1:
		return fmt.Errorf("word2vec: epochs %d, expected >= 1", o.Epochs)
	case !(o.Sample >= 0) || math.IsInf(o.Sample, 1):
		return fmt.Errorf("word2vec: sample %g, expected finite and >= 0", o.Sample)
	case !(o.Alpha > 0) || math.IsInf(o.Alpha, 1):
		return fmt.Errorf("word2vec: alpha %g, expected finite and > 0", o.Alpha)
	case o.MinCount < 0:
		return fmt.Errorf("word2vec: min count %d, expected >= 0", o.MinCount)
	case o.Method != SkipGram && o.Method != CBOW:
		return fmt.Errorf("word2vec: unknown method %d", o.Method)
	}
	return nil
}

// MaxNegative is the largest number of negative samples per target
// accepted (word2vec's papers use 5 to 20).
const MaxNegative = 1 << 12

// Progress is reported periodically during training.
type Progress struct {
	Stage      string // "vocab" while counting, "train" while training
	Epoch      int    // current epoch, 1-based (approximate with several threads)
	Epochs     int
	Words      int64   // tokens processed so far (vocab stage: tokens read)
	TotalWords int64   // Epochs * in-vocabulary tokens
	Alpha      float64 // current learning rate
	Loss       float64 // mean loss per prediction over the last interval
	Elapsed    time.Duration
}

// Model is a trained word2vec model.
type Model struct {
	Vocab *text.CorpusVocab
	Dim   int
	// In holds the word vectors (word2vec.c's syn0), [V, Dim].
	In []float32
	// Out holds the negative-sampling output vectors (syn1neg), [V, Dim],
	// or nil.
	Out []float32
	// OutHS holds the hierarchical-softmax inner-node vectors (syn1),
	// [V-1, Dim], or nil.
	OutHS []float32
	// Words is the number of tokens trained over all epochs (before
	// subsampling) and Loss the mean loss per prediction over the last
	// tenth of training.
	Words int64
	Loss  float64
}

// Vectors returns the input vectors, sharing storage with the model.
func (m *Model) Vectors() *vectors.Vectors {
	return &vectors.Vectors{Words: m.Vocab.Words, Dim: m.Dim, Data: m.In}
}

// Train counts the vocabulary of the corpus and trains a model. progress, if
// not nil, is called from a single goroutine a few times per second.
func Train(ctx context.Context, c *text.Corpus, opt Options, progress func(Progress)) (*Model, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	start := time.Now()
	var vp func(int64)
	if progress != nil {
		last := time.Now()
		vp = func(n int64) {
			if time.Since(last) > 200*time.Millisecond {
				last = time.Now()
				progress(Progress{Stage: "vocab", Words: n, Epochs: opt.Epochs, Elapsed: time.Since(start)})
			}
		}
	}
	voc, err := text.CountVocab(ctx, c, opt.MinCount, vp)
	if err != nil {
		return nil, fmt.Errorf("word2vec: %w", err)
	}
	return TrainVocab(ctx, c, voc, opt, progress)
}

// TrainVocab trains a model over the corpus with a vocabulary already
// counted (it must come from the same corpus for the learning-rate schedule
// and subsampling to be right).
func TrainVocab(ctx context.Context, c *text.Corpus, voc *text.CorpusVocab, opt Options, progress func(Progress)) (*Model, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	if voc.Len() == 0 || voc.Total == 0 {
		return nil, fmt.Errorf("word2vec: %w", text.ErrEmptyVocab)
	}
	start := time.Now()
	t := newTrainer(voc, opt)
	threads := opt.Threads
	if raceEnabled {
		threads = 1
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []int32, 2*threads)
	var perr error
	go func() {
		defer close(chunks)
		perr = t.produce(ctx, c, chunks)
	}()
	var lastLoss, lastN float64
	report := func() {
		if progress == nil {
			return
		}
		words := t.words.Load()
		t.mu.Lock()
		l, n := t.loss, t.preds
		t.mu.Unlock()
		var loss float64
		if n > lastN {
			loss = (l - lastLoss) / (n - lastN)
		}
		lastLoss, lastN = l, n
		ep := int(words/voc.Total) + 1
		progress(Progress{Stage: "train", Epoch: min(ep, opt.Epochs), Epochs: opt.Epochs, Words: words,
			TotalWords: t.total, Alpha: float64(math.Float32frombits(t.alpha.Load())), Loss: loss, Elapsed: time.Since(start)})
	}
	workers.Run(threads, 250*time.Millisecond, report, func(w int) {
		t.work(ctx, xrand.New(opt.Seed, uint64(w)), chunks)
	})
	if perr != nil {
		return nil, fmt.Errorf("word2vec: %w", perr)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("word2vec: %w", err)
	}
	report()
	m := t.m
	m.Words = t.words.Load()
	if t.tailPreds > 0 {
		m.Loss = t.tailLoss / t.tailPreds
	}
	return m, nil
}

// newTrainer makes the model with its initial vectors and the state the
// workers share (subsampling thresholds, negative-sampling table, Huffman
// tree, learning rate) for training over voc with opt (filled).
func newTrainer(voc *text.CorpusVocab, opt Options) *trainer {
	v, dim := voc.Len(), opt.Dim
	m := &Model{Vocab: voc, Dim: dim}
	r := xrand.New(opt.Seed, 1<<20)
	// Input vectors start uniform in [-1/dim, 1/dim), gensim 4's range
	// (word2vec.c's is half as wide); the output vectors start at zero.
	m.In = make([]float32, v*dim)
	for i := range m.In {
		m.In[i] = (2*r.Float32() - 1) / float32(dim)
	}
	if opt.Negative > 0 {
		m.Out = make([]float32, v*dim)
	}
	t := &trainer{
		opt:    opt,
		m:      m,
		dim:    dim,
		keep:   keepThresholds(voc.Counts, voc.Total, opt.Sample),
		total:  int64(opt.Epochs) * voc.Total,
		alpha0: float32(opt.Alpha),
	}
	t.alpha.Store(math.Float32bits(t.alpha0))
	if opt.Negative > 0 {
		t.neg = newAliasTable(voc.Counts, 0.75)
	}
	if opt.HS {
		t.tree = buildHuffman(voc.Counts)
		m.OutHS = make([]float32, max(v-1, 1)*dim)
	}
	return t
}

// trainer holds the state shared by the workers.
type trainer struct {
	opt    Options
	m      *Model
	dim    int
	keep   []uint32
	neg    aliasTable
	tree   huffman
	total  int64 // words to process over all epochs
	alpha0 float32

	words atomic.Int64  // words processed so far
	alpha atomic.Uint32 // current learning rate (float32 bits)

	mu                  sync.Mutex
	loss, preds         float64
	tailLoss, tailPreds float64 // over the last tenth of training
}

// chunkWords is the target size of the id chunks handed to workers.
const chunkWords = 1 << 16

// produce sends the corpus as chunks of ids, sentences terminated by -1, once
// per epoch. The first epoch streams the files; if the corpus fits in
// CacheBytes the chunks are kept and replayed for later epochs.
func (t *trainer) produce(ctx context.Context, c *text.Corpus, out chan<- []int32) error {
	voc := t.m.Vocab
	caching := t.opt.CacheBytes > 0 && 4*(voc.Total+voc.Total/int64(t.opt.MaxSentence)+voc.Tokens/16) <= t.opt.CacheBytes
	var cache [][]int32
	send := func(ch []int32) error {
		select {
		case out <- ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for epoch := 0; epoch < t.opt.Epochs; epoch++ {
		if caching && epoch > 0 {
			for _, ch := range cache {
				if err := send(ch); err != nil {
					return err
				}
			}
			continue
		}
		buf := make([]int32, 0, chunkWords+t.opt.MaxSentence+1)
		err := c.Sentences(ctx, voc, t.opt.MaxSentence, func(ids []int32) error {
			buf = append(buf, ids...)
			buf = append(buf, -1)
			if len(buf) >= chunkWords {
				if caching {
					cache = append(cache, buf)
				}
				if err := send(buf); err != nil {
					return err
				}
				buf = make([]int32, 0, chunkWords+t.opt.MaxSentence+1)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(buf) > 0 {
			if caching {
				cache = append(cache, buf)
			}
			if err := send(buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// worker is one Hogwild training goroutine's scratch state.
type worker struct {
	*trainer
	r      xrand.RNG
	alpha  float32
	sen    []int32
	negs   []int32
	neu1   []float32
	neu1e  []float32
	loss   float64
	preds  float64
	local  int64 // words since the last counter update
	window int
	bs     batchScratch // skip-gram with shared negatives (skipgramBatch)
}

func (t *trainer) work(ctx context.Context, r xrand.RNG, chunks <-chan []int32) {
	w := &worker{
		trainer: t,
		r:       r,
		alpha:   math.Float32frombits(t.alpha.Load()),
		sen:     make([]int32, 0, t.opt.MaxSentence),
		negs:    make([]int32, 0, t.opt.Negative),
		neu1:    make([]float32, t.dim),
		neu1e:   make([]float32, t.dim),
		window:  t.opt.Window,
	}
	if t.batched() {
		w.bs = newBatchScratch(t.dim, t.opt.Window, t.opt.Negative)
	}
	for ch := range chunks {
		if ctx.Err() != nil {
			continue // drain so the producer can exit
		}
		for _, id := range ch {
			if id < 0 {
				w.sentence()
				continue
			}
			w.local++
			if k := t.keep[id]; k != math.MaxUint32 && uint32(w.r.Next()>>32) >= k {
				continue
			}
			w.sen = append(w.sen, id)
		}
		w.sentence()
		w.sync()
	}
	w.sync()
}

// batched reports whether training uses skipgramBatch or cbowBatch:
// shared negatives and no hierarchical softmax.
func (t *trainer) batched() bool {
	return t.opt.ShareNegatives && t.opt.Negative > 0 && !t.opt.HS
}

// sync publishes the worker's word count and loss and refreshes alpha.
func (w *worker) sync() {
	done := w.words.Add(w.local)
	w.local = 0
	a := w.alpha0 * float32(1-float64(done)/float64(w.total+1))
	if a < w.alpha0*1e-4 {
		a = w.alpha0 * 1e-4
	}
	w.alpha = a
	w.trainer.alpha.Store(math.Float32bits(a))
	w.mu.Lock()
	w.trainer.loss += w.loss
	w.trainer.preds += w.preds
	if done > w.total-w.total/10 {
		w.tailLoss += w.loss
		w.tailPreds += w.preds
	}
	w.mu.Unlock()
	w.loss, w.preds = 0, 0
}

// sentence trains on the kept words of the current sentence.
func (w *worker) sentence() {
	if len(w.sen) > 1 {
		switch {
		case w.opt.Method == CBOW && w.batched():
			w.cbowBatch(w.sen)
		case w.opt.Method == CBOW:
			w.cbow(w.sen)
		case w.batched():
			w.skipgramBatch(w.sen)
		default:
			w.skipgram(w.sen)
		}
	}
	w.sen = w.sen[:0]
	if w.local >= 10000 {
		w.sync()
	}
}
