package pipelines

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors/glove"
)

// TestMain runs every pipeline on the Prism runner, in-process, and
// removes the models and CLI the predict tests build.
func TestMain(m *testing.M) {
	code := ptest.MainRetWithDefault(m, "prism")
	for _, d := range []string{filepath.Dir(cliPath), filepath.Dir(modelPaths.Vectors)} {
		if d != "." {
			os.RemoveAll(d)
		}
	}
	os.Exit(code)
}

var shards = []string{"../testdata/shakespeare-00.txt", "../testdata/shakespeare-01.txt", "../testdata/shakespeare-02.txt.gz"}

const shardPattern = "../testdata/shakespeare-*"

func run(t *testing.T, build func(beam.Scope) error) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	if err := build(s); err != nil {
		t.Fatal(err)
	}
	if err := runPipeline(p); err != nil {
		t.Fatal(err)
	}
}

func runPipeline(p *beam.Pipeline) error { return ptest.Run(p) }

// TestVocabIdentical counts the shards on Prism with several tokenizer
// settings (and once with one shard named twice in the input); each
// vocabulary file must be byte-identical to the single-machine count of
// the same files (text.CountFiles + SaveVocab).
func TestVocabIdentical(t *testing.T) {
	cases := map[string]VocabOptions{
		"whitespace": {Tokenizer: text.Tokenizer{Mode: text.Whitespace}, Vocab: text.VocabOptions{Specials: []string{}, MinCount: 2}},
		"word-lower": {Tokenizer: text.Tokenizer{Mode: text.Words, Lower: true, SplitPunct: true, EOS: text.EOS},
			Vocab: text.VocabOptions{Specials: []string{text.UNK, text.EOS}, MinCount: 1, MaxSize: 500}},
		"char": {Tokenizer: text.Tokenizer{Mode: text.Chars, EOS: "\n"}, Vocab: text.VocabOptions{Specials: []string{}}},
		// A file named twice, by name and through a pattern that also
		// matches it, is counted once.
		"overlapping patterns": {Input: shards[0] + "," + shardPattern, Tokenizer: text.Tokenizer{Mode: text.Whitespace},
			Vocab: text.VocabOptions{Specials: []string{}, MinCount: 1}},
	}
	for name, opt := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			opt.Output = filepath.Join(dir, "beam.json")
			if opt.Input == "" {
				opt.Input = shardPattern
			}
			run(t, func(s beam.Scope) error { return Vocab(s, opt) })
			got, err := os.ReadFile(opt.Output)
			if err != nil {
				t.Fatal(err)
			}
			v, err := text.CountFiles(&opt.Tokenizer, shards, opt.Vocab)
			if err != nil {
				t.Fatal(err)
			}
			single := filepath.Join(dir, "single.json")
			if err := text.SaveVocab(single, v); err != nil {
				t.Fatal(err)
			}
			want, _ := os.ReadFile(single)
			if v.Len() < 30 || !bytes.Equal(got, want) {
				t.Fatalf("pipeline file (%d bytes) differs from the single-machine file (%d bytes, %d tokens)", len(got), len(want), v.Len())
			}
		})
	}
}

// TestCooccurGloVe counts co-occurrences on Prism into shards and trains
// GloVe from them: the vectors must equal GloVe counting in-process with
// the same vocabulary, seed and threads.
func TestCooccurGloVe(t *testing.T) {
	dir := t.TempDir()
	vocabPath := filepath.Join(dir, "vocab.json")
	tok := text.Tokenizer{Mode: text.Whitespace}
	v, err := text.CountFiles(&tok, shards, text.VocabOptions{Specials: []string{}, MinCount: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := text.SaveVocab(vocabPath, v); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "cooc")
	run(t, func(s beam.Scope) error {
		return Cooccur(s, CooccurOptions{Input: shardPattern, Vocab: vocabPath, Output: out, Window: 5, Shards: 3, MemoryBytes: 1 << 16})
	})
	paths, err := glove.ShardPaths(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("%d shard files, want 3: %q", len(paths), paths)
	}
	// The in-process count reads the shards as one corpus (gzip detected).
	voc, corpus := corpusOf(t, v, shards...)
	opt := glove.Options{Dim: 10, Window: 5, Iterations: 3, Threads: 1, Seed: 5, Vocab: voc}
	want, err := glove.Train(context.Background(), corpus, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := glove.TrainCooccur(context.Background(), voc, paths, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Pairs != want.Pairs || !slices.Equal(got.W, want.W) || !slices.Equal(got.WTilde, want.WTilde) || !slices.Equal(got.BTilde, want.BTilde) {
		t.Fatalf("GloVe from the pipeline's shards (%d pairs, loss %v) differs from the in-process count (%d pairs, loss %v)",
			got.Pairs, got.Loss, want.Pairs, want.Loss)
	}
}

func TestMergeRuns(t *testing.T) {
	rec := func(k, n uint64) []byte {
		b := make([]byte, 16)
		for i := range 8 {
			b[i], b[8+i] = byte(k>>(8*i)), byte(n>>(8*i))
		}
		return b
	}
	a := slices.Concat(rec(1, 2), rec(5, 1), rec(9, 4))
	b := slices.Concat(rec(0, 1), rec(5, 3), rec(10, 1))
	want := slices.Concat(rec(0, 1), rec(1, 2), rec(5, 4), rec(9, 4), rec(10, 1))
	if got := mergeRuns(a, b); !bytes.Equal(got, want) {
		t.Errorf("merge(a, b) = %x", got)
	}
	if got := mergeRuns(b, a); !bytes.Equal(got, want) {
		t.Errorf("merge(b, a) = %x", got)
	}
	if got := mergeRuns(nil, a); !bytes.Equal(got, a) {
		t.Error("merge with an empty run")
	}
}

// corpusOf returns the corpus vocabulary of v and the corpus of the files,
// the in-process side of a comparison with a pipeline.
func corpusOf(t *testing.T, v *text.Vocab, files ...string) (*text.CorpusVocab, *text.Corpus) {
	t.Helper()
	voc, err := text.NewCorpusVocab(v)
	if err != nil {
		t.Fatal(err)
	}
	corpus, err := text.NewCorpus(files...)
	if err != nil {
		t.Fatal(err)
	}
	return voc, corpus
}
