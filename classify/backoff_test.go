package classify

import (
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

func TestBackoffParts(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"coming-of-age", []string{"coming", "of", "age"}},
		{`writer\/director`, []string{"writer", "director"}},
		{"n't", []string{"not"}},
		{"'RE", []string{"are"}},
		{"Clichés", []string{"cliches"}},
		{"ÀàáâãäåçèéêëìíîïñòóôõöøùúûüÿЖx", []string{"aaaaaaaceeeeiiiinoooooouuuu", "x"}}, // every folded letter; other letters split
		{"1930s", []string{"one", "nine", "three", "zero", "s"}},
		{"mr.", []string{"mr"}},
		{"Movie", nil}, // the lower-cased lookup comes first
		{"movie", nil},
		{"...", nil},
	}
	for _, c := range cases {
		if got := BackoffParts(c.in); !slices.Equal(got, c.want) {
			t.Errorf("BackoffParts(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBackoffVectors(t *testing.T) {
	vec := &vectors.Vectors{Dim: 2, Words: []string{"well", "made", "not", "film"},
		Data: []float32{1, 2, 3, 6, -1, -1, 7, 7}}
	train := []Example{{Text: "well-made film", Label: "1"}, {Text: "n't a-b-c", Label: "0"}}
	m, v := averageModel(t, train, VocabOptions{Vectors: vec}, Config{Embed: 2})
	m.LoadVectors(vec, 1)
	abc, _ := v.Lookup("a-b-c")
	before := slices.Clone(m.Embedding.Weight.Data[2*abc : 2*abc+2])
	if n := m.BackoffVectors(vec); n != 2 {
		t.Errorf("composed %d words, want 2 (well-made, n't)", n)
	}
	row := func(w string) []float32 {
		id, ok := v.Lookup(w)
		if !ok {
			t.Fatalf("%q not in the vocabulary", w)
		}
		return m.Embedding.Weight.Data[2*id : 2*id+2]
	}
	if r := row("well-made"); r[0] != 2 || r[1] != 4 {
		t.Errorf("well-made = %v, want the mean [2 4]", r)
	}
	if r := row("n't"); r[0] != -1 || r[1] != -1 {
		t.Errorf("n't = %v, want not's [-1 -1]", r)
	}
	if r := row("film"); r[0] != 7 || r[1] != 7 {
		t.Errorf("film = %v changed", r)
	}
	if r := row("a-b-c"); !slices.Equal(r, before) {
		t.Errorf("a-b-c (no part known) = %v, want its random row %v", r, before)
	}
	if r := m.Embedding.Weight.Data[:2]; r[0] != 0 || r[1] != 0 {
		t.Errorf("padding row %v", r)
	}
}

func TestModelVectors(t *testing.T) {
	train := []Example{{Text: "good movie", Label: "1"}, {Text: "bad film", Label: "0"}}
	m, v := averageModel(t, train, VocabOptions{}, Config{Embed: 3})
	vec := m.Vectors()
	if vec.Dim != 3 || len(vec.Words) != 4 || len(vec.Data) != 12 {
		t.Fatalf("got %d words of dim %d (%d values), want 4 x 3", len(vec.Words), vec.Dim, len(vec.Data))
	}
	for i, w := range vec.Words {
		id, _ := v.Lookup(w)
		if !slices.Equal(vec.Vec(i), m.Embedding.Weight.Data[3*int(id):3*int(id)+3]) {
			t.Errorf("vector of %q differs from its embedding row", w)
		}
		if w == text.PAD || w == text.UNK {
			t.Errorf("special %q exported", w)
		}
	}
}

// averageModel builds the whitespace vocabulary of train (with vo) and a
// binary averaging model over it with labels "0" and "1", seed 1; cfg
// gives the embedding size and Freeze, the rest is set here.
func averageModel(t *testing.T, train []Example, vo VocabOptions, cfg Config) (*Model, *text.Vocab) {
	t.Helper()
	tok := text.Tokenizer{Mode: text.Whitespace}
	v, err := BuildVocab(train, tok, vo)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Arch, cfg.VocabSize, cfg.Classes, cfg.Binary, cfg.Tokenizer = ArchAverage, v.Len(), 2, true, tok
	m, err := New(cfg, v, []string{"0", "1"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m, v
}
