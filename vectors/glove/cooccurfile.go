package glove

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/recurrent-go/recurrent/text"
)

// Co-occurrence shard files hold part of a counted co-occurrence matrix, as
// written by the distributed counter (module beam, pipeline cooccur) and
// read by TrainCooccur. A file is little-endian:
//
//	offset  size  field
//	0       8     magic "RCOOCCUR"
//	8       4     version, 1
//	12      4     window (1..MaxWindow)
//	16      4     vocabulary size V
//	20      4     zero
//	24      8     vocabulary fingerprint (VocabHash of the words in id order)
//	32      8     unit: counts are in units of 1/unit (Unit(window))
//	40      8     number of records N
//	48      16*N  records: i uint32, j uint32, count uint64
//
// Records are canonical pairs (i <= j < V) in strictly increasing (i, j)
// order with count > 0; the pair's weight is X = count/unit (the sum of
// 1/distance over its co-occurrences), entered as X[i][j] and X[j][i] (or
// 2X on the diagonal), exactly as Cooccur reports. A pair may appear in
// several shards; readers add the counts (integers, so in any order).
const (
	shardMagic      = "RCOOCCUR"
	shardVersion    = 1
	shardHeaderSize = 48
	shardRecordSize = 16
)

// ShardHeader describes a co-occurrence shard file.
type ShardHeader struct {
	Window    int
	Vocab     int    // vocabulary size
	VocabHash uint64 // VocabHash of the vocabulary's words
	Unit      uint64 // Unit(Window)
	Records   uint64
}

// Pair is a record of a shard file: a canonical pair I <= J and its count
// in units of 1/Unit(window).
type Pair struct {
	I, J int32
	N    uint64
}

// VocabHash fingerprints a vocabulary (its words in id order) so that a
// shard file is only read with the vocabulary it was counted with.
func VocabHash(words []string) uint64 {
	h := fnv.New64a()
	for _, w := range words {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// WriteShard writes a shard file: h (whose Records and Unit it sets) and
// pairs, which must be canonical, in strictly increasing (I, J) order.
func WriteShard(w io.Writer, h ShardHeader, pairs []Pair) error {
	if h.Window < 1 || h.Window > MaxWindow {
		return fmt.Errorf("glove: shard: window %d, expected 1..%d", h.Window, MaxWindow)
	}
	h.Unit, h.Records = Unit(h.Window), uint64(len(pairs))
	bw := bufio.NewWriterSize(w, 1<<20)
	var b [shardHeaderSize]byte
	copy(b[:8], shardMagic)
	binary.LittleEndian.PutUint32(b[8:], shardVersion)
	binary.LittleEndian.PutUint32(b[12:], uint32(h.Window))
	binary.LittleEndian.PutUint32(b[16:], uint32(h.Vocab))
	binary.LittleEndian.PutUint64(b[24:], h.VocabHash)
	binary.LittleEndian.PutUint64(b[32:], h.Unit)
	binary.LittleEndian.PutUint64(b[40:], h.Records)
	bw.Write(b[:])
	var last uint64
	for k, p := range pairs {
		key := uint64(uint32(p.I))<<32 | uint64(uint32(p.J))
		if p.I < 0 || p.I > p.J || int(p.J) >= h.Vocab || p.N == 0 || (k > 0 && key <= last) {
			return fmt.Errorf("glove: shard: record %d (%d, %d, %d) is not a canonical pair in increasing order below vocabulary size %d", k, p.I, p.J, p.N, h.Vocab)
		}
		last = key
		binary.LittleEndian.PutUint32(b[:4], uint32(p.I))
		binary.LittleEndian.PutUint32(b[4:8], uint32(p.J))
		binary.LittleEndian.PutUint64(b[8:16], p.N)
		if _, err := bw.Write(b[:shardRecordSize]); err != nil {
			return fmt.Errorf("glove: shard: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("glove: shard: %w", err)
	}
	return nil
}

// shardReader streams the records of one shard file, checking them.
type shardReader struct {
	name string
	f    *os.File
	r    *bufio.Reader
	h    ShardHeader
	k    uint64 // records read
	last uint64
	b    [shardRecordSize]byte
}

// openShard opens a shard file and checks its header against its size.
func openShard(path string) (*shardReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("glove: %w", err)
	}
	s := &shardReader{name: path, f: f, r: bufio.NewReaderSize(f, 1<<20)}
	fail := func(format string, a ...any) (*shardReader, error) {
		f.Close()
		return nil, fmt.Errorf("glove: co-occurrence shard %s: %s", path, fmt.Sprintf(format, a...))
	}
	var b [shardHeaderSize]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		return fail("reading the %d-byte header: %v", shardHeaderSize, err)
	}
	if string(b[:8]) != shardMagic {
		return fail("not a co-occurrence shard (magic %q, want %q)", b[:8], shardMagic)
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != shardVersion {
		return fail("version %d, want %d", v, shardVersion)
	}
	s.h = ShardHeader{
		Window:    int(binary.LittleEndian.Uint32(b[12:])),
		Vocab:     int(binary.LittleEndian.Uint32(b[16:])),
		VocabHash: binary.LittleEndian.Uint64(b[24:]),
		Unit:      binary.LittleEndian.Uint64(b[32:]),
		Records:   binary.LittleEndian.Uint64(b[40:]),
	}
	if s.h.Window < 1 || s.h.Window > MaxWindow || s.h.Unit != Unit(s.h.Window) {
		return fail("window %d with unit %d (want 1..%d and Unit(window))", s.h.Window, s.h.Unit, MaxWindow)
	}
	st, err := f.Stat()
	if err != nil {
		return fail("%v", err)
	}
	if s.h.Records > math.MaxInt64/shardRecordSize || st.Size() != shardHeaderSize+int64(s.h.Records)*shardRecordSize {
		return fail("header announces %d records (%d bytes) but the file has %d bytes", s.h.Records, shardHeaderSize+s.h.Records*shardRecordSize, st.Size())
	}
	return s, nil
}

func (s *shardReader) next() (pair, bool, error) {
	if s.k == s.h.Records {
		return pair{}, false, nil
	}
	if _, err := io.ReadFull(s.r, s.b[:]); err != nil {
		return pair{}, false, fmt.Errorf("glove: co-occurrence shard %s: record %d: %w", s.name, s.k, err)
	}
	i, j := binary.LittleEndian.Uint32(s.b[:4]), binary.LittleEndian.Uint32(s.b[4:8])
	n := binary.LittleEndian.Uint64(s.b[8:])
	key := uint64(i)<<32 | uint64(j)
	if i > j || int64(j) >= int64(s.h.Vocab) || n == 0 || (s.k > 0 && key <= s.last) {
		return pair{}, false, fmt.Errorf("glove: co-occurrence shard %s: record %d (%d, %d, %d) is not a canonical pair in increasing order below vocabulary size %d",
			s.name, s.k, i, j, n, s.h.Vocab)
	}
	s.k++
	s.last = key
	return pair{key, n}, true, nil
}

// ShardPaths returns the shard files named by each argument: a directory
// stands for its files named *.cooc, in name order.
func ShardPaths(args ...string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("glove: %w", err)
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.cooc"))
		if err != nil {
			return nil, fmt.Errorf("glove: %w", err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("glove: %s holds no co-occurrence shards (*.cooc)", a)
		}
		slices.Sort(m)
		out = append(out, m...)
	}
	if len(out) == 0 {
		return nil, errors.New("glove: no co-occurrence shards given")
	}
	return out, nil
}

// ReadShards merges shard files counted with the vocabulary voc and calls
// fn with every non-zero entry of the co-occurrence matrix, in the order
// and with the values Cooccur gives for the same corpus: sorted by
// (min(i,j), max(i,j)), each unordered pair as (i, j) then (j, i). It
// returns the window the shards were counted with.
func ReadShards(ctx context.Context, paths []string, voc *text.CorpusVocab, fn func(Cooccurrence) error) (CooccurStats, int, error) {
	var st CooccurStats
	if len(paths) == 0 {
		return st, 0, errors.New("glove: no co-occurrence shards given")
	}
	hash := VocabHash(voc.Words)
	srcs := make([]*shardReader, 0, len(paths))
	defer func() {
		for _, s := range srcs {
			s.f.Close()
		}
	}()
	for _, p := range paths {
		s, err := openShard(p)
		if err != nil {
			return st, 0, err
		}
		srcs = append(srcs, s)
		if s.h.Vocab != voc.Len() || s.h.VocabHash != hash {
			return st, 0, fmt.Errorf("glove: co-occurrence shard %s was counted with another vocabulary (%d words, fingerprint %016x; this one has %d words, %016x)",
				p, s.h.Vocab, s.h.VocabHash, voc.Len(), hash)
		}
		if s.h.Window != srcs[0].h.Window {
			return st, 0, fmt.Errorf("glove: co-occurrence shards %s (window %d) and %s (window %d) differ", paths[0], srcs[0].h.Window, p, s.h.Window)
		}
	}
	unit := int64(srcs[0].h.Unit)
	var n int
	err := merge(srcs, func(p pair) error {
		if n++; n&(1<<16-1) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return emitPair(p, unit, &st, fn)
	})
	if err != nil {
		return st, 0, err
	}
	if st.Pairs == 0 {
		return st, 0, fmt.Errorf("glove: co-occurrence shards %s hold no pairs", strings.Join(paths, ", "))
	}
	return st, srcs[0].h.Window, nil
}
