package lm

import (
	"testing"

	"github.com/recurrent-go/recurrent/internal/cktest"
)

// TestLoadChecksConfigSizes: sizes in config.json are checked against the
// weights file and the sanity bounds before the model is built, so a
// config claiming 1e9 hidden units or 1e6 layers is refused with an error
// naming the file and the field, not an out-of-memory crash.
func TestLoadChecksConfigSizes(t *testing.T) {
	m, err := New(Config{Cell: "lstm", VocabSize: 10, EmbedDim: 4, Hidden: 6, Layers: 2}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	load := func(dir string) error { _, err := Load(dir); return err }
	dir := cktest.Saved(t, m.Save, load)
	cktest.CheckEdits(t, dir, load, []cktest.Edit{
		{Path: []string{"model", "hidden_size"}, Value: 1000000000, Want: []string{"outside"}},
		{Path: []string{"model", "num_layers"}, Value: 1000000, Want: []string{"outside"}},
		{Path: []string{"model", "num_layers"}, Value: 3, Want: []string{"rnn.weight_hh_l2"}},
		{Path: []string{"model", "hidden_size"}, Value: 7, Want: []string{"rnn.weight_hh_l0", "model.safetensors"}},
		{Path: []string{"model", "embed_dim"}, Value: 1 << 20, Want: []string{"embedding.weight"}},
		{Path: []string{"model", "vocab_size"}, Value: -1, Want: []string{"outside"}},
	})
}

// TestLoadCondChecksConfigSizes is TestLoadChecksConfigSizes for the
// label-conditioned model, including its label tables.
func TestLoadCondChecksConfigSizes(t *testing.T) {
	v := condVocab(t, "a", "b", "c")
	m, err := NewCond(CondConfig{Cell: "gru", VocabSize: v.Len(), EmbedDim: 4, Hidden: 5, Layers: 1,
		Labels: []string{"x", "y"}, Condition: CondBoth, LabelDim: 3, LabelBias: true}, v, 1)
	if err != nil {
		t.Fatal(err)
	}
	load := func(dir string) error { _, err := LoadCond(dir); return err }
	dir := cktest.Saved(t, m.Save, load)
	cktest.CheckEdits(t, dir, load, []cktest.Edit{
		{Path: []string{"hidden_size"}, Value: 1000000000, Want: []string{"outside"}},
		{Path: []string{"num_layers"}, Value: 1000000, Want: []string{"outside"}},
		{Path: []string{"label_dim"}, Value: 1 << 22, Want: []string{"label_embedding.weight"}},
		{Path: []string{"labels"}, Value: []string{"x", "y", "z"}, Want: []string{"label_"}},
	})
}
