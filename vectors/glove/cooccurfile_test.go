package glove

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/xrand"
	"github.com/recurrent-go/recurrent/text"
)

// zipfLines returns n random lines of Zipf-like words.
func zipfLines(seed uint64, n int) []string {
	r := xrand.New(seed, 0)
	lines := make([]string, n)
	for l := range lines {
		var sb strings.Builder
		for k := range 3 + r.Intn(25) {
			if k > 0 {
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, "w%d", r.Intn(1+r.Intn(200)))
		}
		lines[l] = sb.String()
	}
	return lines
}

// shardsOf counts each part of the corpus with its own PairCounter, routes
// every pair to shard (i+j) % nshards, adds the counts per shard and writes
// the shard files: a distributed count in miniature.
func shardsOf(t *testing.T, parts []string, voc *text.CorpusVocab, window, nshards int) []string {
	t.Helper()
	sums := make([]map[[2]int32]uint64, nshards)
	for s := range sums {
		sums[s] = map[[2]int32]uint64{}
	}
	for k, part := range parts {
		pc, err := NewPairCounter(voc.Len(), window, 1<<13, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		r := text.NewWordReader(strings.NewReader(part), fmt.Sprintf("part%d", k))
		if err := text.ReadSentences(context.Background(), r, voc, 0, pc.AddSentence); err != nil {
			t.Fatal(err)
		}
		err = pc.Each(func(i, j int32, n uint64) error {
			sums[int(i+j)%nshards][[2]int32{i, j}] += n
			return nil
		})
		pc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	var paths []string
	for s, m := range sums {
		pairs := make([]Pair, 0, len(m))
		for k, n := range m {
			pairs = append(pairs, Pair{k[0], k[1], n})
		}
		slices.SortFunc(pairs, func(a, b Pair) int {
			if a.I != b.I {
				return int(a.I - b.I)
			}
			return int(a.J - b.J)
		})
		var buf bytes.Buffer
		if err := WriteShard(&buf, ShardHeader{Window: window, Vocab: voc.Len(), VocabHash: VocabHash(voc.Words)}, pairs); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("cooccur-%05d-of-%05d.cooc", s, nshards))
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// TestShardsMatchInProcess splits a corpus into parts, counts them apart
// into shard files and checks that reading the shards gives exactly the
// entries of the in-process count, and GloVe trained from them exactly its
// vectors.
func TestShardsMatchInProcess(t *testing.T) {
	lines := zipfLines(7, 300)
	whole := strings.Join(lines, "\n") + "\n"
	c := corpusOf(t, whole)
	voc, err := text.CountVocab(context.Background(), c, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	const window = 6
	ref, refSt := collect(t, c, voc, CooccurOptions{Window: window})
	parts := []string{
		strings.Join(lines[:90], "\n") + "\n",
		strings.Join(lines[90:91], "\n") + "\n",
		strings.Join(lines[91:], "\n"),
	}
	paths := shardsOf(t, parts, voc, window, 3)
	var got []Cooccurrence
	st, w, err := ReadShards(context.Background(), paths, voc, func(x Cooccurrence) error {
		got = append(got, x)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if w != window || st.Pairs != refSt.Pairs || !reflect.DeepEqual(got, ref) {
		t.Fatalf("shards: window %d, %d pairs, entries equal %v; in-process: %d pairs", w, st.Pairs, reflect.DeepEqual(got, ref), refSt.Pairs)
	}

	opt := Options{Dim: 8, Window: window, MinCount: 2, Iterations: 3, Threads: 1, Seed: 11}
	want, err := Train(context.Background(), c, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := TrainCooccur(context.Background(), voc, paths, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.W, want.W) || !slices.Equal(m.WTilde, want.WTilde) || !slices.Equal(m.B, want.B) || m.Loss != want.Loss {
		t.Fatalf("GloVe from shards differs from GloVe counting in-process (loss %v vs %v)", m.Loss, want.Loss)
	}
}

func TestShardErrors(t *testing.T) {
	c := corpusOf(t, "a b a\nc a b\n")
	voc, err := text.CountVocab(context.Background(), c, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	paths := shardsOf(t, []string{"a b a\nc a b\n"}, voc, 2, 1)
	good, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	other := &text.CorpusVocab{Words: []string{"a", "b", "d"}, Index: map[string]int32{"a": 0, "b": 1, "d": 2}}
	for _, tc := range []struct {
		name string
		data []byte
		voc  *text.CorpusVocab
		want string
	}{
		{"truncated", good[:len(good)-3], voc, "file has"},
		{"magic", append([]byte("XCOOCCUR"), good[8:]...), voc, "not a co-occurrence shard"},
		{"vocab", good, other, "another vocabulary"},
		{"order", append(append(slices.Clone(good[:48]), good[64:80]...), append(good[48:64], good[80:]...)...), voc, "increasing order"},
	} {
		p := filepath.Join(t.TempDir(), "x.cooc")
		if err := os.WriteFile(p, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := ReadShards(context.Background(), []string{p}, tc.voc, func(Cooccurrence) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if err := WriteShard(&bytes.Buffer{}, ShardHeader{Window: 2, Vocab: 3}, []Pair{{1, 0, 1}}); err == nil {
		t.Error("WriteShard accepted a non-canonical pair")
	}
}

// TestShardHostileRecords: every field of a shard that a reader could take
// wrongly is checked, each refusal naming the file and the record.
func TestShardHostileRecords(t *testing.T) {
	voc := &text.CorpusVocab{Words: []string{"a", "b", "c"}, Index: map[string]int32{"a": 0, "b": 1, "c": 2}}
	header := func(window, vocab uint32, unit, records uint64) []byte {
		b := make([]byte, shardHeaderSize)
		copy(b, shardMagic)
		binary.LittleEndian.PutUint32(b[8:], shardVersion)
		binary.LittleEndian.PutUint32(b[12:], window)
		binary.LittleEndian.PutUint32(b[16:], vocab)
		binary.LittleEndian.PutUint64(b[24:], VocabHash(voc.Words))
		binary.LittleEndian.PutUint64(b[32:], unit)
		binary.LittleEndian.PutUint64(b[40:], records)
		return b
	}
	shard := func(recs ...[3]uint64) []byte {
		b := header(2, 3, Unit(2), uint64(len(recs)))
		for _, r := range recs {
			b = binary.LittleEndian.AppendUint32(b, uint32(r[0]))
			b = binary.LittleEndian.AppendUint32(b, uint32(r[1]))
			b = binary.LittleEndian.AppendUint64(b, r[2])
		}
		return b
	}
	big := uint64(math.MaxUint64 - 1)
	for _, tc := range []struct {
		name   string
		shards [][]byte
		want   string
	}{
		{"i_above_j", [][]byte{shard([3]uint64{1, 0, 2})}, "record 0 (1, 0, 2) is not a canonical pair"},
		{"j_past_vocab", [][]byte{shard([3]uint64{0, 3, 2})}, "record 0 (0, 3, 2)"},
		{"j_2^32-1", [][]byte{shard([3]uint64{0, math.MaxUint32, 2})}, "record 0"},
		{"zero_count", [][]byte{shard([3]uint64{0, 1, 2}, [3]uint64{1, 1, 0})}, "record 1 (1, 1, 0)"},
		{"repeated_pair", [][]byte{shard([3]uint64{0, 1, 2}, [3]uint64{0, 1, 2})}, "record 1"},
		{"window_0", [][]byte{header(0, 3, 1, 0)}, "window 0"},
		{"unit_not_of_window", [][]byte{header(2, 3, 3, 0)}, "unit 3"},
		{"records_past_file", [][]byte{header(2, 3, Unit(2), 1<<40)}, "announces 1099511627776 records"},
		{"records_overflow", [][]byte{header(2, 3, Unit(2), math.MaxUint64/16+1)}, "records"},
		{"count_sum_overflows", [][]byte{shard([3]uint64{0, 1, big}), shard([3]uint64{0, 1, big})}, "overflows"},
		{"no_pairs", [][]byte{shard()}, "hold no pairs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			for i, b := range tc.shards {
				p := filepath.Join(t.TempDir(), "s"+string(rune('0'+i))+".cooc")
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
			_, _, err := ReadShards(context.Background(), paths, voc, func(Cooccurrence) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ".cooc") && tc.name != "count_sum_overflows" {
				t.Errorf("error %v, want one naming the file and containing %q", err, tc.want)
			}
		})
	}
}

// FuzzReadShard: any bytes read as a shard are refused or give only
// entries inside the vocabulary with positive, finite values.
func FuzzReadShard(f *testing.F) {
	voc := &text.CorpusVocab{Words: []string{"a", "b", "c"}, Index: map[string]int32{"a": 0, "b": 1, "c": 2}}
	var seed bytes.Buffer
	if err := WriteShard(&seed, ShardHeader{Window: 3, Vocab: 3, VocabHash: VocabHash(voc.Words)}, []Pair{{0, 0, 4}, {0, 2, 1}, {1, 2, 7}}); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	p := filepath.Join(f.TempDir(), "f.cooc")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ReadShards(context.Background(), []string{p}, voc, func(c Cooccurrence) error {
			if c.I < 0 || c.J < 0 || c.I >= 3 || c.J >= 3 || !(c.X > 0) || math.IsInf(c.X, 0) {
				t.Fatalf("accepted entry %+v", c)
			}
			return nil
		})
	})
}
