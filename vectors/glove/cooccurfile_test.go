package glove

import (
	"bytes"
	"context"
	"fmt"
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
