package pipelines

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors/glove"
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

// TestOptionsCheckedFirst: options the run would refuse, or die of, are
// errors of the pipeline's construction, before any file is read. The
// vocabulary's options were checked only by the last step, after the whole
// corpus was counted; cooccur --shards 1000000000 had every worker make a
// billion runs per file, and a window over glove.MaxWindow failed in each
// worker.
func TestOptionsCheckedFirst(t *testing.T) {
	for name, opt := range map[string]VocabOptions{
		"negative min count":      {Vocab: text.VocabOptions{MinCount: -1}},
		"max size under specials": {Vocab: text.VocabOptions{MaxSize: 1, Specials: []string{"<unk>", "<eos>"}}},
		"special listed twice":    {Vocab: text.VocabOptions{Specials: []string{"<unk>", "<unk>"}}},
		"negative max vocabulary": {Vocab: text.VocabOptions{MaxSize: -5}},
	} {
		opt.Input, opt.Output = shardPattern, filepath.Join(t.TempDir(), "v.json")
		_, s := beam.NewPipelineWithRoot()
		if err := Vocab(s, opt); err == nil {
			t.Errorf("vocab, %s: no error", name)
		}
	}
	for name, opt := range map[string]CooccurOptions{
		"negative shards": {Shards: -1},
		"too many shards": {Shards: MaxShards + 1},
		"negative window": {Window: -3},
		"window over max": {Window: glove.MaxWindow + 1},
		"negative memory": {MemoryBytes: -1},
	} {
		opt.Input, opt.Vocab, opt.Output = shardPattern, "v.json", t.TempDir()
		_, s := beam.NewPipelineWithRoot()
		if err := Cooccur(s, opt); err == nil {
			t.Errorf("cooccur, %s: no error", name)
		}
	}
}
