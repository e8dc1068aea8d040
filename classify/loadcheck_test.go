package classify

import (
	"testing"

	"github.com/recurrent-go/recurrent/internal/cktest"
	"github.com/recurrent-go/recurrent/text"
)

// TestLoadChecksConfigSizes: sizes in config.json are checked against the
// weights file and the sanity bounds before the model is built; the error
// names the file and the field.
func TestLoadChecksConfigSizes(t *testing.T) {
	v, err := text.NewVocab([]string{"<pad>", "<unk>", "a", "b"}, nil, []string{"<pad>", "<unk>"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Arch: ArchRNN, VocabSize: v.Len(), Embed: 4, Cell: "gru", Hidden: 5, Layers: 2, Pool: PoolMean, Classes: 3}, v, []string{"x", "y", "z"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	load := func(dir string) error { _, err := Load(dir); return err }
	dir := cktest.Saved(t, m.Save, load)
	cktest.CheckEdits(t, dir, load, []cktest.Edit{
		{Path: []string{"model", "hidden"}, Value: 1000000000, Want: []string{"outside"}},
		{Path: []string{"model", "layers"}, Value: 1000000, Want: []string{"outside"}},
		{Path: []string{"model", "layers"}, Value: 3, Want: []string{"rnn.weight_hh_l2"}},
		{Path: []string{"model", "hidden"}, Value: 6, Want: []string{"rnn.weight_hh_l0"}},
		{Path: []string{"model", "embed_dim"}, Value: 1 << 20, Want: []string{"embedding.weight"}},
		{Path: []string{"model", "classes"}, Value: 4, Want: []string{"head.bias"}},
	})
}
