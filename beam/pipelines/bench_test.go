package pipelines

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors/glove"
)

// TestBenchWiki17m times the vocab and cooccur pipelines on Prism (default
// parallelism) against the in-process counters on the same files, checks
// that they agree, and logs the figures for BENCHMARKS.md. It runs only
// with RECURRENT_BENCH_CORPUS set to a file pattern, for example
// ../../../shared/data/wiki17m/*.gz.
func TestBenchWiki17m(t *testing.T) {
	pattern := os.Getenv("RECURRENT_BENCH_CORPUS")
	if pattern == "" {
		t.Skip("RECURRENT_BENCH_CORPUS not set")
	}
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("pattern %q: %v (%d files)", pattern, err, len(files))
	}
	load := func() string { b, _ := exec.Command("uptime").Output(); return strings.TrimSpace(string(b)) }
	dir := t.TempDir()
	tok := text.Tokenizer{Mode: text.Whitespace}
	vopt := text.VocabOptions{Specials: []string{}, MinCount: 5}

	t.Logf("load before: %s", load())
	start := time.Now()
	v, err := text.CountFiles(&tok, files, vopt)
	if err != nil {
		t.Fatal(err)
	}
	single := filepath.Join(dir, "single.json")
	if err := text.SaveVocab(single, v); err != nil {
		t.Fatal(err)
	}
	t.Logf("vocab in-process: %.1fs, %d words", time.Since(start).Seconds(), v.Len())

	beamVocab := filepath.Join(dir, "beam.json")
	start = time.Now()
	run(t, func(s beam.Scope) error {
		return Vocab(s, VocabOptions{Input: pattern, Output: beamVocab, Tokenizer: tok, Vocab: vopt})
	})
	t.Logf("vocab on Prism: %.1fs; load %s", time.Since(start).Seconds(), load())
	a, _ := os.ReadFile(single)
	b, _ := os.ReadFile(beamVocab)
	if !bytes.Equal(a, b) {
		t.Fatal("vocabulary files differ")
	}

	voc, corpus := corpusOf(t, v, files...)
	start = time.Now()
	var entries int64
	var sum float64
	st, err := glove.Cooccur(context.Background(), corpus, voc, glove.CooccurOptions{Window: 10}, nil, func(c glove.Cooccurrence) error {
		entries++
		sum += c.X
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cooccur in-process (window 10, 1 GiB budget): %.1fs, %d entries, %d runs; load %s", time.Since(start).Seconds(), entries, st.Runs, load())

	out := filepath.Join(dir, "cooc")
	start = time.Now()
	run(t, func(s beam.Scope) error {
		return Cooccur(s, CooccurOptions{Input: pattern, Vocab: single, Output: out, Window: 10})
	})
	el := time.Since(start)
	paths, err := glove.ShardPaths(out)
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, p := range paths {
		fi, _ := os.Stat(p)
		size += fi.Size()
	}
	var entries2 int64
	var sum2 float64
	if _, _, err := glove.ReadShards(context.Background(), paths, voc, func(c glove.Cooccurrence) error {
		entries2++
		sum2 += c.X
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("cooccur on Prism (window 10, 16 shards): %.1fs, %d shard files, %d bytes (%.1f MiB), %d entries; load %s",
		el.Seconds(), len(paths), size, float64(size)/(1<<20), entries2, load())
	if entries2 != entries || sum2 != sum {
		t.Fatalf("shards hold %d entries (sum %v), in-process %d (sum %v)", entries2, sum2, entries, sum)
	}
}
