package pipelines

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/recurrent-go/recurrent/text"
)

// TestOverlappingPatternsCountOnce gives the vocabulary pipeline a file
// twice, by name and through a pattern that also matches it: the file must
// be counted once, as the single-machine count of the three shards.
func TestOverlappingPatternsCountOnce(t *testing.T) {
	dir := t.TempDir()
	opt := VocabOptions{Input: shards[0] + "," + shardPattern, Output: filepath.Join(dir, "beam.json"),
		Tokenizer: text.Tokenizer{Mode: text.Whitespace}, Vocab: text.VocabOptions{Specials: []string{}, MinCount: 1}}
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
	if !bytes.Equal(got, want) {
		t.Fatalf("a file named twice in --input was counted twice: the vocabulary (%d bytes) differs from the single count (%d bytes)", len(got), len(want))
	}
}

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
