package classify

import (
	"slices"
	"strings"
	"testing"
)

func TestInitFrom(t *testing.T) {
	cfg := rnnConfig("lstm", PoolMax, true, 2)
	srcEx := []Example{{Text: "good film", Label: "pos"}, {Text: "bad plot", Label: "neg"}}
	dstEx := []Example{{Text: "good food", Label: "eat"}, {Text: "bad game", Label: "play"}, {Text: "film night", Label: "fun"}}
	src := newTestModel(t, cfg, srcEx, 1)
	m := newTestModel(t, cfg, dstEx, 2)
	head := slices.Clone(m.Head.Weight.Data)
	E := cfg.Embed
	row := func(m *Model, w string) []float32 {
		id, ok := m.Vocab.Lookup(w)
		if !ok {
			t.Fatalf("%q not in vocabulary", w)
		}
		return m.Embedding.Weight.Data[int(id)*E : (int(id)+1)*E]
	}
	foodBefore := slices.Clone(row(m, "food"))
	n, err := m.InitFrom(src)
	if err != nil {
		t.Fatal(err)
	}
	// Shared: good, bad, film and the unknown-word token.
	shared := 0
	for _, w := range m.Vocab.Tokens()[1:] {
		if _, ok := src.Vocab.Lookup(w); ok {
			shared++
		}
	}
	if n != shared || n < 3 {
		t.Errorf("copied %d rows, want %d (>= 3)", n, shared)
	}
	for _, w := range []string{"good", "bad", "film"} {
		if !slices.Equal(row(m, w), row(src, w)) {
			t.Errorf("row of %q not copied", w)
		}
	}
	if !slices.Equal(row(m, "food"), foodBefore) {
		t.Error("row of a word the source lacks changed")
	}
	for i, p := range m.RNN.Params() {
		if !slices.Equal(p.Data, src.RNN.Params()[i].Data) {
			t.Errorf("%s not copied", p.Name)
		}
	}
	if !slices.Equal(m.Head.Weight.Data, head) {
		t.Error("head changed")
	}
	// The copy is a starting point, not shared storage.
	m.RNN.Params()[0].Data[0]++
	if m.RNN.Params()[0].Data[0] == src.RNN.Params()[0].Data[0] {
		t.Error("recurrent weights share storage with the source")
	}
}

func TestInitFromMismatch(t *testing.T) {
	ex := []Example{{Text: "a b", Label: "x"}, {Text: "b c", Label: "y"}}
	base := rnnConfig("lstm", PoolMax, true, 1)
	src := newTestModel(t, base, ex, 1)
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"cell", func(c *Config) { c.Cell = "gru" }},
		{"hidden", func(c *Config) { c.Hidden++ }},
		{"layers", func(c *Config) { c.Layers = 2 }},
		{"directions", func(c *Config) { c.Bidirectional = false }},
		{"embed", func(c *Config) { c.Embed++ }},
		{"average", func(c *Config) { c.Arch = ArchAverage }},
	} {
		cfg := base
		tc.edit(&cfg)
		m := newTestModel(t, cfg, ex, 2)
		if _, err := m.InitFrom(src); err == nil || !strings.Contains(err.Error(), "init from") {
			t.Errorf("%s: err = %v, want a mismatch error", tc.name, err)
		}
	}
}
