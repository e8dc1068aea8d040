package seq2seq

import (
	"testing"

	"github.com/recurrent-go/recurrent/internal/cktest"
)

// TestLoadChecksConfigSizes: sizes in config.json are checked against the
// weights file and the sanity bounds before the model is built; the error
// names the file and the field.
func TestLoadChecksConfigSizes(t *testing.T) {
	src, tgt := tinyVocabs(t)
	m, err := NewModel(Config{Embed: 4, Hidden: 5, Layers: 2, Attention: "bahdanau", AttentionSize: 3}, src, tgt, 1)
	if err != nil {
		t.Fatal(err)
	}
	load := func(dir string) error { _, err := Load(dir); return err }
	dir := cktest.Saved(t, m.Save, load)
	cktest.CheckEdits(t, dir, load, []cktest.Edit{
		{Path: []string{"model", "hidden"}, Value: 1000000000, Want: []string{"outside"}},
		{Path: []string{"model", "layers"}, Value: 1000000, Want: []string{"outside"}},
		{Path: []string{"model", "layers"}, Value: 3, Want: []string{"encoder.weight_hh_l2"}},
		{Path: []string{"model", "decoder_hidden"}, Value: 1 << 20, Want: []string{"bridge.weight"}},
		{Path: []string{"model", "attention_size"}, Value: 1 << 20, Want: []string{"attention.W_q"}},
		{Path: []string{"model", "embed"}, Value: -3, Want: []string{"outside"}},
	})
}
