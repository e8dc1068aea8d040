package pipelines

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

// TestNoPatterns: an --input of only commas and spaces is an error of the
// pipeline's construction (it indexed an empty list of patterns).
func TestNoPatterns(t *testing.T) {
	for _, in := range []string{",", " , ", " "} {
		_, s := beam.NewPipelineWithRoot()
		if err := Vocab(s, VocabOptions{Input: in, Output: "x"}); err == nil || !strings.Contains(err.Error(), "no file pattern") {
			t.Errorf("vocab --input %q: %v", in, err)
		}
		_, s = beam.NewPipelineWithRoot()
		if err := Cooccur(s, CooccurOptions{Input: in, Vocab: "v", Output: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no file pattern") {
			t.Errorf("cooccur --input %q: %v", in, err)
		}
		_, s = beam.NewPipelineWithRoot()
		if err := Predict(s, PredictOptions{Input: in, Output: "x", Task: TaskEmbed, Model: "m"}); err == nil || !strings.Contains(err.Error(), "no file pattern") {
			t.Errorf("predict --input %q: %v", in, err)
		}
	}
}

// TestPredictSameOutputName gives predict two inputs with the same base
// name in different directories (one compressed): both would be written to
// x.txt.jsonl, the second overwriting the first. The run must fail naming
// both inputs.
func TestPredictSameOutputName(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "vec.txt")
	if err := os.WriteFile(model, []byte("2 3\nthe 1 2 3\ncat 4 5 6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a", "x.txt"), filepath.Join(dir, "b", "x.txt")
	for _, p := range []string{a, b} {
		os.Mkdir(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("the cat\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, s := beam.NewPipelineWithRoot()
	if err := Predict(s, PredictOptions{Input: filepath.Join(dir, "*", "x.txt"), Output: filepath.Join(dir, "out"), Task: TaskEmbed, Model: model}); err != nil {
		t.Fatal(err)
	}
	err := runPipeline(p)
	if err == nil || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b) {
		t.Fatalf("two inputs named x.txt: %v", err)
	}
}

// TestCooccurRefusesOldShards: shards left in --output by an earlier run
// with another --shards (or an interrupted one) would be read together with
// the new ones by vectors train --cooccur DIR, adding their counts. The
// pipeline must refuse such a directory.
func TestCooccurRefusesOldShards(t *testing.T) {
	out := t.TempDir()
	old := filepath.Join(out, ShardName(3, 4))
	if err := os.WriteFile(old, []byte("RCOOCCUR"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, s := beam.NewPipelineWithRoot()
	err := Cooccur(s, CooccurOptions{Input: shardPattern, Vocab: "v.json", Output: out, Shards: 3})
	if err == nil || !strings.Contains(err.Error(), old) {
		t.Fatalf("an output directory holding %s: %v", old, err)
	}
}
