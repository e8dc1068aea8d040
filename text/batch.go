package text

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
)

// CountReader tokenizes r with t and adds every token to c. name identifies
// the input in errors.
func CountReader(c *Counter, t *Tokenizer, r io.Reader, name string) error {
	return t.ReadTokens(r, name, func(_ int, toks []string) error {
		c.Add(toks)
		return nil
	})
}

// EncodeReader tokenizes r with t and returns the ids of all its tokens as
// one stream. Unknown tokens become <unk>; without <unk> they are an error
// naming the line.
func EncodeReader(v *Vocab, t *Tokenizer, r io.Reader, name string) ([]int32, error) {
	var ids []int32
	err := t.ReadTokens(r, name, func(line int, toks []string) error {
		var err error
		if ids, err = v.Encode(ids, toks); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		return nil
	})
	return ids, err
}

// StreamBatcher cuts a token stream into B contiguous streams, one per batch
// column, and serves them in chunks of at most T time steps for truncated
// backpropagation through time: chunk k+1 continues exactly where chunk k
// ended in every column, so recurrent state can be carried across chunks.
//
// With N tokens, each stream has L = N/B tokens (the N mod B tail is
// dropped); stream b is ids[b*L : (b+1)*L]. Chunk k covers positions
// k*T ... k*T+steps-1 of every stream as inputs and the following position
// as targets, with steps = min(T, L-1-k*T); the last chunk may be shorter.
type StreamBatcher struct {
	ids  []int32
	b, t int
	l    int
}

// NewStreamBatcher checks that ids hold at least one chunk of one step for
// batch streams (2*batch tokens) and returns the batcher. ids are not copied.
func NewStreamBatcher(ids []int32, batch, bptt int) (*StreamBatcher, error) {
	if batch < 1 || bptt < 1 {
		return nil, fmt.Errorf("text: batch size %d and BPTT length %d must be positive", batch, bptt)
	}
	l := len(ids) / batch
	if l < 2 {
		return nil, fmt.Errorf("text: corpus of %d tokens is too short for batch size %d: need at least %d tokens (2 per stream)", len(ids), batch, 2*batch)
	}
	return &StreamBatcher{ids: ids, b: batch, t: bptt, l: l}, nil
}

// Batch returns B, the number of streams.
func (s *StreamBatcher) Batch() int { return s.b }

// BPTT returns T, the maximal chunk length.
func (s *StreamBatcher) BPTT() int { return s.t }

// StreamLen returns L, the number of tokens per stream.
func (s *StreamBatcher) StreamLen() int { return s.l }

// NumChunks returns the number of chunks in one pass.
func (s *StreamBatcher) NumChunks() int {
	n := s.l - 1 // positions with a target, >= 1
	return n/s.t + min(n%s.t, 1)
}

// Steps returns the length of the longest chunk, min(T, L-1): what the
// buffers given to Chunk need per stream (T may be far longer than the
// streams).
func (s *StreamBatcher) Steps() int { return min(s.t, s.l-1) }

// NumTargets returns the number of predicted tokens in one pass, B*(L-1).
func (s *StreamBatcher) NumTargets() int { return s.b * (s.l - 1) }

// Chunk fills x and y (each of length at least Steps()*B) with chunk k: x[t*B+b]
// is the input and y[t*B+b] its next-token target at step t of stream b,
// time-major [steps, B]. It returns steps (<= T); entries past steps*B are
// left untouched.
func (s *StreamBatcher) Chunk(k int, x, y []int32) int {
	if k < 0 || k >= s.NumChunks() {
		panic(fmt.Sprintf("text: chunk %d out of range [0,%d)", k, s.NumChunks()))
	}
	start := k * s.t
	steps := min(s.t, s.l-1-start)
	b := s.b
	for t := range steps {
		xr := x[t*b : (t+1)*b]
		yr := y[t*b : (t+1)*b]
		for j := range b {
			p := j*s.l + start + t
			xr[j] = s.ids[p]
			yr[j] = s.ids[p+1]
		}
	}
	return steps
}

// Padded is a batch of variable-length sequences padded to a common length,
// time-major: IDs[t*B+b] is step t of sequence b, or Pad for t >= Lengths[b].
type Padded struct {
	T, B    int
	IDs     []int32 // [T, B]
	Lengths []int   // [B]
	Pad     int32
}

// Pad pads seqs into a time-major [T, B] batch with T the longest length.
// Empty sequences are an error (a recurrent layer has nothing to read); so
// is an empty list.
func Pad(seqs [][]int32, pad int32) (Padded, error) {
	var p Padded
	return p, PadInto(&p, seqs, pad)
}

// PadInto is Pad reusing p's buffers.
func PadInto(p *Padded, seqs [][]int32, pad int32) error {
	if len(seqs) == 0 {
		return errors.New("text: pad: no sequences")
	}
	T := 0
	for i, s := range seqs {
		if len(s) == 0 {
			return fmt.Errorf("text: pad: sequence %d is empty", i)
		}
		T = max(T, len(s))
	}
	B := len(seqs)
	p.T, p.B, p.Pad = T, B, pad
	p.IDs = slices.Grow(p.IDs[:0], T*B)[:T*B]
	p.Lengths = slices.Grow(p.Lengths[:0], B)[:B]
	for b, s := range seqs {
		p.Lengths[b] = len(s)
		for t := range T {
			if t < len(s) {
				p.IDs[t*B+b] = s[t]
			} else {
				p.IDs[t*B+b] = pad
			}
		}
	}
	return nil
}

// BatchOptions configures Batches.
type BatchOptions struct {
	// Size is the number of sequences per batch (the last may be smaller).
	Size int
	// Bucket groups sequences of similar length: indices are ordered by
	// length (ties by index) before being cut into batches, which keeps
	// padding small. With Shuffle, sequences of equal length are shuffled
	// among themselves and the order of the batches is shuffled.
	Bucket bool
	// Window, with Bucket, orders by length only within consecutive
	// windows of Window batches of the (shuffled) indices rather than over
	// all of them, so that batches keep some randomness (0: one window).
	Window int
	// Shuffle shuffles with a PCG generator seeded by (Seed, epoch).
	Shuffle bool
	Seed    uint64
}

// Batches splits the sequence indices 0..len(lengths)-1 into batches for one
// epoch. The result depends only on lengths, opt and epoch.
func Batches(lengths []int, opt BatchOptions, epoch int) ([][]int, error) {
	if opt.Size < 1 || opt.Window < 0 {
		return nil, fmt.Errorf("text: batch size %d must be positive, window %d not negative", opt.Size, opt.Window)
	}
	n := len(lengths)
	if n == 0 {
		return nil, errors.New("text: batches: no sequences")
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	var rng *rand.Rand
	if opt.Shuffle {
		rng = rand.New(rand.NewPCG(opt.Seed, uint64(epoch)))
		rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	}
	if opt.Bucket {
		w := n
		if opt.Window > 0 && opt.Window <= n/opt.Size {
			w = opt.Window * opt.Size
		}
		// Stable sort keeps the shuffled order within equal lengths.
		for lo := 0; lo < n; lo += w {
			slices.SortStableFunc(idx[lo:min(n, lo+w)], func(a, b int) int { return cmp.Compare(lengths[a], lengths[b]) })
		}
	}
	var out [][]int
	for i := 0; i < n; i += opt.Size {
		out = append(out, idx[i:min(i+opt.Size, n)])
	}
	if opt.Shuffle && opt.Bucket {
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return out, nil
}

// CountFile is CountReader on a file (plain or .gz, see OpenFile).
func CountFile(c *Counter, t *Tokenizer, path string) error {
	f, err := OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return CountReader(c, t, f, DisplayName(path))
}

// EncodeFile is EncodeReader on a file (plain or .gz, see OpenFile).
func EncodeFile(v *Vocab, t *Tokenizer, path string) ([]int32, error) {
	f, err := OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return EncodeReader(v, t, f, DisplayName(path))
}

// SeqBatches is Batches over the lengths of seqs.
func SeqBatches[T any](seqs [][]T, opt BatchOptions, epoch int) ([][]int, error) {
	lengths := make([]int, len(seqs))
	for i, s := range seqs {
		lengths[i] = len(s)
	}
	return Batches(lengths, opt, epoch)
}

// LengthOrder returns the indices of seqs ordered by length, ties by
// index: predicting in batches of that order keeps padding small, and the
// results go back to their places by index.
func LengthOrder[T any](seqs [][]T) []int {
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(seqs[a]), len(seqs[b])) })
	return order
}

// MaxPaddedTokens bounds the padded tokens (the sequences times the
// longest) of one batch that inference pads together (PaddedRuns): a
// batch of 256 lines padded to one line of 200,000 tokens needed tens of
// GB, where the long line alone needs a few hundred MB. Batches of 256
// sequences of up to 1,024 tokens are not split.
var MaxPaddedTokens = 1 << 18

// PaddedRuns splits sequences of the given lengths, taken in order, into
// consecutive runs to pad together and returns the runs' ends: at most
// batch sequences a run (batch >= 1), fewer where the run's padded tokens
// would pass MaxPaddedTokens; a sequence longer than that runs alone.
func PaddedRuns(lengths []int, batch int) []int {
	var ends []int
	n, longest := 0, 0 // sequences in the current run, and the longest
	for i, l := range lengths {
		if n > 0 && (n >= batch || (n+1)*max(longest, l) > MaxPaddedTokens) {
			ends = append(ends, i)
			n, longest = 0, 0
		}
		n, longest = n+1, max(longest, l)
	}
	if n > 0 {
		ends = append(ends, len(lengths))
	}
	return ends
}

// PaddedBatches orders seqs by length (LengthOrder) and cuts the order as
// PaddedRuns does: the indices of each batch to pad together, at most
// batch of them (batch >= 1), a sequence too long to share alone.
func PaddedBatches[T any](seqs [][]T, batch int) [][]int {
	order := LengthOrder(seqs)
	lengths := make([]int, len(order))
	for k, i := range order {
		lengths[k] = len(seqs[i])
	}
	var out [][]int
	s := 0
	for _, e := range PaddedRuns(lengths, batch) {
		out, s = append(out, order[s:e]), e
	}
	return out
}
