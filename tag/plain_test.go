package tag

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/train"
)

// posSentences makes n sentences of a toy part-of-speech task in which a
// word's tag depends on its context: "flies" and "likes" are verbs (VBZ)
// after a singular noun and plural nouns (NNS) after a determiner, as in
// "the fly likes the flies" / "the likes ...". The first sentence of
// every four has the ambiguous words in both roles.
func posSentences(n int, seed uint64) []Sentence {
	r := rand.New(rand.NewPCG(seed, 1))
	dets := []string{"the", "a", "every"}
	nouns := []string{"fly", "dog", "cat", "bird"}
	plurals := []string{"flies", "dogs", "cats", "likes"}
	verbs := []string{"flies", "likes", "sees", "bites"}
	pick := func(ws []string) string { return ws[r.IntN(len(ws))] }
	out := make([]Sentence, n)
	for i := range out {
		toks := []string{pick(dets), pick(nouns), pick(verbs), pick(dets), pick(plurals), "."}
		if i%4 == 0 {
			toks[2], toks[4] = "flies", "likes"
		}
		out[i] = Sentence{Tokens: toks, Tags: []string{"DT", "NN", "VBZ", "DT", "NNS", "."}, Line: 1 + 7*i}
	}
	return out
}

// TestPlainSchemeLearnsPOS: part-of-speech tags are detected as the plain
// scheme and learned as classes (no "O" class, no chunk rules); the dev
// and test figures are conlleval -r's, so that with no O tag F1 equals
// token accuracy; the same word gets the tag its context asks for; the
// checkpoint keeps the scheme and predicts the same tags after Load.
func TestPlainSchemeLearnsPOS(t *testing.T) {
	test := posSentences(40, 3)
	s := Setup{TrainFile: writeSentences(t, "train", posSentences(160, 1)), ValidFile: writeSentences(t, "dev", posSentences(40, 2)),
		TestFile: writeSentences(t, "test", test), MinCount: 1,
		Model:    Config{WordEmbed: 8, CharEmbed: 4, CharHidden: 4, Cell: "lstm", Hidden: 16, Layers: 1, Scheme: "auto", TrainScheme: "iobes"},
		Training: TrainConfig{Config: train.Config{Epochs: 12, Batch: 8, Optimizer: "adam", LR: 0.02, Clip: 5, Seed: 1}}}
	dir := filepath.Join(t.TempDir(), "ck")
	ses, err := s.Start(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	m := ses.Trainer.Model
	if m.Config.Scheme != "plain" || m.Config.TrainScheme != "plain" {
		t.Fatalf("schemes %q / %q, want plain / plain", m.Config.Scheme, m.Config.TrainScheme)
	}
	if want := []string{".", "DT", "NN", "NNS", "VBZ"}; !slices.Equal(m.Config.Tags, want) {
		t.Fatalf("tags %q, want %q (no O class)", m.Config.Tags, want)
	}
	sum, err := ses.Train(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Test == nil || sum.Test.Tokens != 6*len(test) {
		t.Fatalf("test metrics %+v", sum.Test)
	}
	if sum.Test.Accuracy < 99 || sum.Test.F1 != sum.Test.Accuracy {
		t.Errorf("test accuracy %.2f, F1 %.2f: want >= 99 and F1 = accuracy (every tag a one-token chunk, no O)", sum.Test.Accuracy, sum.Test.F1)
	}
	var b strings.Builder
	if err := sum.WriteText(&b); err != nil || !strings.Contains(b.String(), "best dev accuracy") || sum.Scheme != "plain" {
		t.Errorf("summary (scheme %q): %q, %v", sum.Scheme, b.String(), err)
	}
	// Rerun with --resume, the command line's --train-scheme iobes is
	// what Build made plain on plain data: no conflict.
	if _, err := s.Resume(dir, func(n string) bool { return n == "train-scheme" }); err != nil {
		t.Errorf("--train-scheme iobes on resuming a plain run: %v", err)
	}
	loaded, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	amb := []Sentence{
		{Tokens: []string{"the", "fly", "flies", "the", "likes", "."}, Line: 1},
		{Tokens: []string{"a", "cat", "likes", "every", "flies", "."}, Line: 2},
	}
	want := [][]string{{"DT", "NN", "VBZ", "DT", "NNS", "."}, {"DT", "NN", "VBZ", "DT", "NNS", "."}}
	// A -DOCSTART- row (kept by tag eval) keeps its marker tag and is
	// scored as a token outside any chunk: 7 tokens, 6 one-token chunks,
	// no "-X-" type.
	docs := []Sentence{{Tokens: []string{DocStart}, Tags: []string{"-X-"}, Line: 1}, {Tokens: amb[0].Tokens, Tags: want[0], Line: 3}}
	r, pred, err := loaded.Score(context.Background(), docs, "docs", 8)
	if err != nil || !slices.Equal(pred[0], []string{"-X-"}) || r.Tokens != 7 || r.CorrectTags != 7 || r.Gold != 6 || r.Found != 6 || r.F1 != 100 || slices.Contains(r.Types, "-X-") {
		t.Errorf("scoring a -DOCSTART- row: %+v, pred %q, %v", r, pred, err)
	}
	for _, mm := range []*Model{m, loaded} {
		got, err := mm.TagSentences(context.Background(), amb, "amb", 8)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
			t.Errorf("tags %q, want %q", got, want)
		}
	}
}

// TestPlainScheme pins the scheme's rules: detection, Convert, Validate,
// the tag set, unconstrained decoding, and the refusals (train scheme
// plain on chunk data, tag convert to or from plain).
func TestPlainScheme(t *testing.T) {
	for _, c := range []struct {
		seqs [][]string
		want Scheme
	}{
		{[][]string{{"DT", "NN"}, {"VBZ", "."}}, Plain},
		{[][]string{{"PER", "O", "LOC"}}, Plain},
		{[][]string{{"-LRB-", "CD", "-RRB-"}}, Plain},
		{[][]string{{"B-PER", "O", "LOC"}}, IOB2}, // mixed: read as chunks, so training names LOC
		{[][]string{{"O", "O"}}, IOB2},
		{[][]string{{"S-PER", "O"}}, IOBES},
	} {
		if got := DetectScheme(c.seqs); got != c.want {
			t.Errorf("DetectScheme(%q) = %s, want %s", c.seqs, got, c.want)
		}
	}
	if s, err := ParseScheme("RAW"); err != nil || s != Plain || s.String() != "plain" {
		t.Errorf("ParseScheme(RAW) = %v, %v", s, err)
	}
	in := []string{"NN", "B-PER", "O"}
	if got := Convert(in, Plain); !slices.Equal(got, in) || &got[0] == &in[0] {
		t.Errorf("Convert(%q, plain) = %q, want an equal copy", in, got)
	}
	if got := Encode([]Chunk{{Type: "PER", Start: 0, End: 2}}, 3, Plain); !slices.Equal(got, []string{"PER", "PER", "O"}) {
		t.Errorf("Encode plain = %q", got)
	}
	if err := Validate([]string{"NN", "$", "-LRB-"}, Plain); err != nil {
		t.Errorf("Validate plain: %v", err)
	}
	if err := Validate([]string{"NN", "a b"}, Plain); err == nil {
		t.Error("Validate plain accepted a tag with a space")
	}
	if got := TagSet([]Sentence{{Tags: []string{"VB", "DT", "O"}}}, Plain); !slices.Equal(got, []string{"O", "DT", "VB"}) {
		t.Errorf("TagSet plain with O = %q", got)
	}
	allowed, start := transitions([]string{"I-PER", "E-PER", "NN"}, Plain)
	if slices.Contains(allowed, false) || slices.Contains(start, false) {
		t.Errorf("plain transitions constrained: %v %v", allowed, start)
	}
	if _, err := Build([]Sentence{{Tokens: []string{"John"}, Tags: []string{"B-PER"}}},
		Config{WordEmbed: 4, Cell: "lstm", Hidden: 4, Layers: 1, Scheme: "auto", TrainScheme: "plain"}, VocabOptions{MinCount: 1}, 1); err == nil || !strings.Contains(err.Error(), "needs plain data") {
		t.Errorf("train scheme plain on chunk data: %v", err)
	}
	sents := []Sentence{{Tokens: []string{"a"}, Tags: []string{"DT"}, Fields: [][]string{{"a", "DT"}}}}
	for _, ft := range [][2]string{{"", "plain"}, {"plain", "iob2"}, {"raw", "iobes"}} {
		if err := Reencode(sents, "f", -1, ft[0], ft[1]); err == nil || !strings.Contains(err.Error(), "plain tags are classes") {
			t.Errorf("Reencode from %q to %q: %v", ft[0], ft[1], err)
		}
	}
	c := Config{VocabSize: 2, WordEmbed: 2, Cell: "lstm", Hidden: 2, Layers: 1, Tags: []string{"NN"}, Scheme: "plain", TrainScheme: "iobes"}
	if err := c.Validate(); err == nil {
		t.Error("Config.Validate accepted scheme plain with train_scheme iobes")
	}
}

// TestEntitiesOfPlainTags: a plain tag is a one-token entity of its type
// (conlleval -r), kept in order beside the chunks of chunk tags.
func TestEntitiesOfPlainTags(t *testing.T) {
	toks := []string{"John", "Smith", "saw", "Paris", "today"}
	for _, c := range []struct {
		tags []string
		want []Entity
	}{
		{[]string{"NNP", "NNP", "VBD", "NNP", "NN"}, []Entity{{"NNP", 0, 1, "John"}, {"NNP", 1, 2, "Smith"}, {"VBD", 2, 3, "saw"}, {"NNP", 3, 4, "Paris"}, {"NN", 4, 5, "today"}}},
		{[]string{"B-PER", "I-PER", "O", "LOC", "O"}, []Entity{{"PER", 0, 2, "John Smith"}, {"LOC", 3, 4, "Paris"}}},
		{[]string{"PER", "O", "O", "B-LOC", "O"}, []Entity{{"PER", 0, 1, "John"}, {"LOC", 3, 4, "Paris"}}},
	} {
		if got := Entities(toks, c.tags); !slices.Equal(got, c.want) {
			t.Errorf("Entities(%q) = %v, want %v", c.tags, got, c.want)
		}
	}
}
