package pipelines

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors/glove"
)

// CooccurOptions configures the co-occurrence pipeline.
type CooccurOptions struct {
	Input  string // comma-separated file patterns, plain or .gz
	Vocab  string // vocabulary file (from Vocab, without specials)
	Output string // directory of the shard files
	Window int    // symmetric window, 1..glove.MaxWindow (default 10)
	Shards int    // number of output shards, 1..MaxShards (default 16)
	// MemoryBytes bounds each worker's counting buffers per input file
	// (sorted runs spill to the worker's temporary directory); default 256 MiB.
	MemoryBytes int64
}

// MaxShards bounds CooccurOptions.Shards: every input file emits one run
// per shard, and each shard is a file.
const MaxShards = 1 << 14

// Cooccur adds the co-occurrence pipeline to s. Each input file is read by
// one worker exactly as the in-process counter reads a corpus
// (text.ReadSentences: ASCII whitespace, a line is a sentence, words
// outside the vocabulary dropped) and counted by a glove.PairCounter in
// exact integer units of 1/glove.Unit(window). The worker cuts its pairs
// into Shards sorted runs (shard = (i+j) mod Shards), and a combine per
// shard adds the counts of every word pair across files (merging sorted
// runs; integer sums do not depend on order). Each shard is written as
// Output/cooccur-SSSSS-of-NNNNN.cooc in glove's shard format. Combining
// per shard rather than emitting one element per word pair keeps the
// element count to files x shards instead of ~10^8 on a large corpus. An
// --input without a file pattern or an option out of range is an error,
// and so is an Output that
// already holds shard files: readers take every *.cooc file of a directory
// and add their counts, so shards of an earlier run (another --shards, or
// one cut short) would be counted with this run's.
func Cooccur(s beam.Scope, opt CooccurOptions) error {
	s = s.Scope("cooccur")
	opt.Window, opt.Shards, opt.MemoryBytes = cmp.Or(opt.Window, 10), cmp.Or(opt.Shards, 16), cmp.Or(opt.MemoryBytes, 256<<20)
	if err := opt.check(); err != nil {
		return err
	}
	if err := noShards(context.Background(), opt.Output); err != nil {
		return err
	}
	files, err := readFiles(s, opt.Input)
	if err != nil {
		return err
	}
	runs := beam.ParDo(s, &countPairsFn{Vocab: opt.Vocab, Window: opt.Window, Shards: opt.Shards, MemoryBytes: opt.MemoryBytes}, files)
	merged := beam.CombinePerKey(s, mergeRuns, runs)
	beam.ParDo0(s, &writeShardFn{Vocab: opt.Vocab, Output: opt.Output, Window: opt.Window, Shards: opt.Shards}, merged)
	return nil
}

func init() {
	register.DoFn3x1[context.Context, fileio.ReadableFile, func(int, []byte), error](&countPairsFn{})
	register.Emitter2[int, []byte]()
	register.Function2x1(mergeRuns)
	register.DoFn3x1[context.Context, int, []byte, error](&writeShardFn{})
}

// corpusVocabs caches loaded vocabulary files per worker process: a
// vocabulary is read once and shared read-only by every bundle.
var corpusVocabs sync.Map // path -> *vocabOnce

type vocabOnce struct {
	once sync.Once
	v    *text.CorpusVocab
	err  error
}

func loadCorpusVocab(ctx context.Context, path string) (*text.CorpusVocab, error) {
	e, _ := corpusVocabs.LoadOrStore(path, &vocabOnce{})
	o := e.(*vocabOnce)
	o.once.Do(func() {
		b, err := readFile(ctx, path)
		if err != nil {
			o.err = err
			return
		}
		v, err := text.ReadVocab(bytes.NewReader(b))
		if err != nil {
			o.err = fmt.Errorf("%s: %w", path, err)
			return
		}
		if o.v, err = text.NewCorpusVocab(v); err != nil {
			o.err = fmt.Errorf("%s: %w", path, err)
		}
	})
	return o.v, o.err
}

// countPairsFn counts one file's co-occurrences and emits one sorted run of
// 16-byte records (key i<<32|j, count; little-endian) per shard, empty
// runs included so that every shard file is written.
type countPairsFn struct {
	Vocab       string
	Window      int
	Shards      int
	MemoryBytes int64

	voc *text.CorpusVocab
}

func (fn *countPairsFn) Setup(ctx context.Context) error {
	var err error
	fn.voc, err = loadCorpusVocab(ctx, fn.Vocab)
	return err
}

func (fn *countPairsFn) ProcessElement(ctx context.Context, f fileio.ReadableFile, emit func(int, []byte)) error {
	r, err := f.Open(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Metadata.Path, err)
	}
	defer r.Close()
	pc, err := glove.NewPairCounter(fn.voc.Len(), fn.Window, fn.MemoryBytes, os.TempDir())
	if err != nil {
		return err
	}
	defer pc.Close()
	wr := text.NewWordReader(r, f.Metadata.Path)
	defer wr.Close()
	if err := text.ReadSentences(ctx, wr, fn.voc, 0, pc.AddSentence); err != nil {
		return err
	}
	runs := make([][]byte, fn.Shards)
	var rec [16]byte
	err = pc.Each(func(i, j int32, n uint64) error {
		binary.LittleEndian.PutUint64(rec[:8], uint64(i)<<32|uint64(j))
		binary.LittleEndian.PutUint64(rec[8:], n)
		sh := int((int64(i) + int64(j)) % int64(fn.Shards))
		runs[sh] = append(runs[sh], rec[:]...)
		return nil
	})
	if err != nil {
		return err
	}
	for sh, run := range runs {
		if run == nil {
			run = []byte{}
		}
		emit(sh, run)
	}
	return nil
}

// mergeRuns merges two sorted runs, adding the counts of equal keys.
func mergeRuns(a, b []byte) []byte {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]byte, 0, len(a)+len(b))
	le := binary.LittleEndian
	for len(a) > 0 && len(b) > 0 {
		ka, kb := le.Uint64(a), le.Uint64(b)
		switch {
		case ka < kb:
			out, a = append(out, a[:16]...), a[16:]
		case kb < ka:
			out, b = append(out, b[:16]...), b[16:]
		default:
			var rec [16]byte
			le.PutUint64(rec[:8], ka)
			le.PutUint64(rec[8:], le.Uint64(a[8:])+le.Uint64(b[8:]))
			out, a, b = append(out, rec[:]...), a[16:], b[16:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

// writeShardFn writes one shard's merged run as a glove shard file.
type writeShardFn struct {
	Vocab  string
	Output string
	Window int
	Shards int
}

// check refuses the options a worker would fail on (the window) or could
// not hold (the shards).
func (o *CooccurOptions) check() error {
	if o.Window < 1 || o.Window > glove.MaxWindow {
		return fmt.Errorf("--window %d out of range [1, %d]", o.Window, glove.MaxWindow)
	}
	if o.Shards < 1 || o.Shards > MaxShards {
		return fmt.Errorf("--shards %d out of range [1, %d]", o.Shards, MaxShards)
	}
	if o.MemoryBytes < 0 {
		return fmt.Errorf("--memory %d must be positive", o.MemoryBytes)
	}
	return nil
}

// noShards checks that dir (on its Beam file system) holds no shard files.
func noShards(ctx context.Context, dir string) error {
	fs, err := filesystem.New(ctx, dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	defer fs.Close()
	old, err := fs.List(ctx, joinPath(dir, "*.cooc"))
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if len(old) > 0 {
		slices.Sort(old)
		return fmt.Errorf("--output %s already holds %d co-occurrence shards (%s...), which would be read with this run's: remove them or choose another directory", dir, len(old), old[0])
	}
	return nil
}

// ShardName is the file name of shard k of n.
func ShardName(k, n int) string { return fmt.Sprintf("cooccur-%05d-of-%05d.cooc", k, n) }

func (fn *writeShardFn) ProcessElement(ctx context.Context, shard int, run []byte) error {
	voc, err := loadCorpusVocab(ctx, fn.Vocab)
	if err != nil {
		return err
	}
	pairs := make([]glove.Pair, len(run)/16)
	le := binary.LittleEndian
	for k := range pairs {
		key := le.Uint64(run[16*k:])
		pairs[k] = glove.Pair{I: int32(key >> 32), J: int32(uint32(key)), N: le.Uint64(run[16*k+8:])}
	}
	h := glove.ShardHeader{Window: fn.Window, Vocab: voc.Len(), VocabHash: glove.VocabHash(voc.Words)}
	return writeFile(ctx, joinPath(fn.Output, ShardName(shard, fn.Shards)), func(w io.Writer) error {
		return glove.WriteShard(w, h, pairs)
	})
}
