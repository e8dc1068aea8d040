package glove

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/recurrent-go/recurrent/text"
)

// MaxWindow is the largest supported window: co-occurrence weights 1/d are
// accumulated exactly as integers in units of 1/lcm(1..window), which keeps
// the counts independent of summation order (so spilling to disk gives
// bit-identical results) and fits in 64 bits up to this window.
const MaxWindow = 20

// Cooccurrence is one entry of the symmetric co-occurrence matrix.
type Cooccurrence struct {
	I, J int32
	X    float64 // sum over co-occurrences of 1/distance
}

// lcm returns lcm(1..n).
func lcm(n int) int64 {
	l := int64(1)
	for k := int64(2); k <= int64(n); k++ {
		a, b := l, k
		for b != 0 {
			a, b = b, a%b
		}
		l = l / a * k
	}
	return l
}

// pair is a canonical (i <= j) co-occurrence key, i<<32|j, with its count in
// units of 1/unit.
type pair struct {
	key uint64
	n   uint64
}

func cmpPair(a, b pair) int { return cmp.Compare(a.key, b.key) }

// counter accumulates co-occurrences of an upper triangle in a dense block
// for the most frequent words and a sparse buffer of pairs for the rest,
// spilling sorted runs to temporary files when the buffer fills.
type counter struct {
	unit   int64
	dense  []uint64 // triangle over ids < k: entry (i <= j) at j*(j+1)/2+i
	k      int
	buf    []pair
	bufMax int // buffer capacity allowed by the budget
	runs   []*os.File
	dir    string
	spill  int // runs written
}

// newCounter splits the memory budget: a quarter for the dense block, the
// rest for the pair buffer (16 bytes per pair).
func newCounter(vocab int, window int, memBytes int64, dir string) *counter {
	c := &counter{unit: lcm(window), dir: dir}
	tri := memBytes / 4 / 8
	k := 0
	for int64(k+1)*int64(k+2)/2 <= tri && k < vocab {
		k++
	}
	c.k = k
	c.dense = make([]uint64, k*(k+1)/2)
	c.bufMax = int(max((memBytes-int64(len(c.dense))*8)/16, 256))
	c.buf = make([]pair, 0, min(c.bufMax, 1<<16))
	return c
}

// add counts a co-occurrence of a and b at distance d (in units: unit/d).
func (c *counter) add(a, b int32, n uint64) error {
	if a > b {
		a, b = b, a
	}
	if int(b) < c.k {
		c.dense[int(b)*(int(b)+1)/2+int(a)] += n
		return nil
	}
	if len(c.buf) == cap(c.buf) {
		if cap(c.buf) < c.bufMax {
			nb := make([]pair, len(c.buf), min(2*cap(c.buf), c.bufMax))
			copy(nb, c.buf)
			c.buf = nb
		} else if err := c.flush(); err != nil {
			return err
		}
	}
	c.buf = append(c.buf, pair{uint64(a)<<32 | uint64(b), n})
	return nil
}

// compact sorts the buffer and merges duplicate keys in place.
func (c *counter) compact() {
	slices.SortFunc(c.buf, cmpPair)
	out := c.buf[:0]
	for _, p := range c.buf {
		if len(out) > 0 && out[len(out)-1].key == p.key {
			out[len(out)-1].n += p.n
			continue
		}
		out = append(out, p)
	}
	c.buf = out
}

// flush compacts a full buffer; if that frees less than half of it, the
// sorted run is written to a temporary file.
func (c *counter) flush() error {
	c.compact()
	if len(c.buf) < c.bufMax/2 {
		return nil
	}
	return c.spillRun()
}

func (c *counter) spillRun() error {
	f, err := os.CreateTemp(c.dir, "glove-cooccur-*.run")
	if err != nil {
		return fmt.Errorf("glove: spilling co-occurrences: %w", err)
	}
	c.runs = append(c.runs, f)
	os.Remove(f.Name()) // unlinked: the space is freed when f is closed
	w := bufio.NewWriterSize(f, 1<<20)
	var b [16]byte
	for _, p := range c.buf {
		binary.LittleEndian.PutUint64(b[:8], p.key)
		binary.LittleEndian.PutUint64(b[8:], p.n)
		if _, err := w.Write(b[:]); err != nil {
			return fmt.Errorf("glove: spilling co-occurrences: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("glove: spilling co-occurrences: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("glove: spilling co-occurrences: %w", err)
	}
	c.buf = c.buf[:0]
	c.spill++
	return nil
}

func (c *counter) close() {
	for _, f := range c.runs {
		f.Close()
	}
	c.runs = nil
}

// source is one sorted stream of pairs for the merge.
type source interface {
	next() (pair, bool, error)
}

type sliceSource struct {
	s []pair
	i int
}

func (s *sliceSource) next() (pair, bool, error) {
	if s.i >= len(s.s) {
		return pair{}, false, nil
	}
	s.i++
	return s.s[s.i-1], true, nil
}

type fileSource struct {
	r *bufio.Reader
	b [16]byte
}

func (s *fileSource) next() (pair, bool, error) {
	if _, err := io.ReadFull(s.r, s.b[:]); err != nil {
		if err == io.EOF {
			return pair{}, false, nil
		}
		return pair{}, false, fmt.Errorf("glove: reading spilled co-occurrences: %w", err)
	}
	return pair{binary.LittleEndian.Uint64(s.b[:8]), binary.LittleEndian.Uint64(s.b[8:])}, true, nil
}

// denseSource walks the dense triangle in key order (i major, then j).
type denseSource struct {
	c    *counter
	i, j int
}

func (s *denseSource) next() (pair, bool, error) {
	k := s.c.k
	for s.i < k {
		i, j := s.i, s.j
		s.j++
		if s.j >= k {
			s.i++
			s.j = s.i
		}
		if n := s.c.dense[j*(j+1)/2+i]; n != 0 {
			return pair{uint64(i)<<32 | uint64(j), n}, true, nil
		}
	}
	return pair{}, false, nil
}

type mergeItem struct {
	p   pair
	src int
}

type mergeHeap []mergeItem

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(a, b int) bool { return h[a].p.key < h[b].p.key }
func (h mergeHeap) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// each merges the dense block, the buffer and the spilled runs and calls fn
// once per distinct canonical pair in key order.
func (c *counter) each(fn func(p pair) error) error {
	c.compact()
	srcs := []source{&denseSource{c: c, j: 0}, &sliceSource{s: c.buf}}
	for _, f := range c.runs {
		srcs = append(srcs, &fileSource{r: bufio.NewReaderSize(f, 1<<20)})
	}
	return merge(srcs, fn)
}

// merge merges the sources, each sorted by key, and calls fn once per
// distinct key in key order with that key's counts summed over the
// sources. A sum that overflows is an error.
func merge[S source](srcs []S, fn func(p pair) error) error {
	h := make(mergeHeap, 0, len(srcs))
	for i, s := range srcs {
		p, ok, err := s.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, mergeItem{p, i})
		}
	}
	heap.Init(&h)
	var cur pair
	have := false
	for len(h) > 0 {
		it := h[0]
		p, ok, err := srcs[it.src].next()
		if err != nil {
			return err
		}
		if ok {
			h[0].p = p
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
		if have && cur.key == it.p.key {
			if cur.n+it.p.n < cur.n {
				return fmt.Errorf("glove: the count of pair (%d, %d) overflows", cur.key>>32, uint32(cur.key))
			}
			cur.n += it.p.n
			continue
		}
		if have {
			if err := fn(cur); err != nil {
				return err
			}
		}
		cur, have = it.p, true
	}
	if have {
		return fn(cur)
	}
	return nil
}

// CooccurOptions configures counting.
type CooccurOptions struct {
	Window      int    // symmetric window; default 10, at most MaxWindow
	MemoryBytes int64  // budget of the counting buffers; default 1 GiB
	TempDir     string // where runs are spilled; default os.TempDir()
}

// CooccurStats describes a counting pass.
type CooccurStats struct {
	Pairs int64 // distinct (i, j) entries, both orders counted
	Runs  int   // sorted runs spilled to disk
}

// Cooccur streams the corpus and calls fn with every non-zero entry of the
// symmetric co-occurrence matrix: words at distance d <= Window within a
// sentence (line) add 1/d to X[a][b] and X[b][a]. Entries arrive sorted by
// (min(i,j), max(i,j)), each unordered pair as (i, j) then (j, i). progress,
// if not nil, receives the number of tokens read.
func Cooccur(ctx context.Context, corpus *text.Corpus, voc *text.CorpusVocab, opt CooccurOptions, progress func(tokens int64), fn func(Cooccurrence) error) (CooccurStats, error) {
	if opt.Window == 0 {
		opt.Window = 10
	}
	if opt.MemoryBytes == 0 {
		opt.MemoryBytes = 1 << 30
	}
	var st CooccurStats
	if opt.Window < 1 || opt.Window > MaxWindow {
		return st, fmt.Errorf("glove: window %d, expected 1..%d", opt.Window, MaxWindow)
	}
	pc, err := NewPairCounter(voc.Len(), opt.Window, opt.MemoryBytes, opt.TempDir)
	if err != nil {
		return st, err
	}
	defer pc.Close()
	var tokens int64
	err = corpus.Sentences(ctx, voc, 0, func(ids []int32) error {
		if err := pc.AddSentence(ids); err != nil {
			return err
		}
		tokens += int64(len(ids))
		if progress != nil {
			progress(tokens)
		}
		return ctx.Err()
	})
	if err != nil {
		return st, err
	}
	st.Runs = pc.c.spill
	err = pc.c.each(func(p pair) error { return emitPair(p, pc.c.unit, &st, fn) })
	if err == nil && st.Pairs == 0 {
		err = errors.New("glove: no co-occurrences (every sentence has a single in-vocabulary word)")
	}
	return st, err
}

// emitPair calls fn with the matrix entries of the canonical pair p: (i, j)
// and (j, i), or (i, i) with twice the weight, as X = n/unit.
func emitPair(p pair, unit int64, st *CooccurStats, fn func(Cooccurrence) error) error {
	i, j := int32(p.key>>32), int32(uint32(p.key))
	x := float64(p.n) * (1 / float64(unit))
	if i == j {
		st.Pairs++
		return fn(Cooccurrence{i, i, 2 * x})
	}
	st.Pairs += 2
	if err := fn(Cooccurrence{i, j, x}); err != nil {
		return err
	}
	return fn(Cooccurrence{j, i, x})
}

// Unit returns the integer unit of co-occurrence counts for a window: a
// pair of words at distance d <= window adds Unit(window)/d, so every count
// is an exact integer and X = count / Unit(window). Sums of such counts do
// not depend on their order, which makes counting in pieces (shards, spilled
// runs, a distributed combine) give bit-identical matrices.
func Unit(window int) uint64 { return uint64(lcm(window)) }

// PairCounter counts the co-occurrences of sentences as the in-process
// counter (Cooccur) does, within a memory budget, and hands out the
// canonical pairs (i <= j) with their integer counts in units of
// 1/Unit(window). It is the per-worker half of a distributed count: counts
// of separate PairCounters over parts of a corpus add up to the counts of
// the whole corpus. Not safe for concurrent use.
type PairCounter struct {
	c   *counter
	inc []uint64
}

// NewPairCounter returns a counter for ids < vocab and the given window
// (1..MaxWindow); memBytes bounds its buffers (spilling sorted runs to
// tempDir, default os.TempDir()).
func NewPairCounter(vocab, window int, memBytes int64, tempDir string) (*PairCounter, error) {
	if window < 1 || window > MaxWindow {
		return nil, fmt.Errorf("glove: window %d, expected 1..%d", window, MaxWindow)
	}
	if memBytes <= 0 {
		return nil, fmt.Errorf("glove: memory budget %d bytes", memBytes)
	}
	c := newCounter(vocab, window, memBytes, tempDir)
	inc := make([]uint64, window+1)
	for d := 1; d <= window; d++ {
		inc[d] = uint64(c.unit) / uint64(d)
	}
	return &PairCounter{c: c, inc: inc}, nil
}

// AddSentence counts every pair of ids at distance d <= window as
// Unit(window)/d.
func (pc *PairCounter) AddSentence(ids []int32) error {
	w := len(pc.inc) - 1
	for i, b := range ids {
		for d := 1; d <= w && d <= i; d++ {
			if err := pc.c.add(ids[i-d], b, pc.inc[d]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Each calls fn once per distinct canonical pair (i <= j) in increasing
// (i, j) order with its count. Call it once, after the last AddSentence.
func (pc *PairCounter) Each(fn func(i, j int32, n uint64) error) error {
	return pc.c.each(func(p pair) error { return fn(int32(p.key>>32), int32(uint32(p.key)), p.n) })
}

// Runs returns the number of sorted runs spilled to disk so far.
func (pc *PairCounter) Runs() int { return pc.c.spill }

// Close releases the spilled runs.
func (pc *PairCounter) Close() { pc.c.close() }
