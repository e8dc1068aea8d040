package tag

import (
	"path/filepath"
	"testing"

	"github.com/recurrent-go/recurrent/internal/cktest"
)

// TestLoadChecksConfigSizes: sizes in config.json are checked against the
// weights file and the sanity bounds before the model is built; the error
// names the file and the field.
func TestLoadChecksConfigSizes(t *testing.T) {
	sents := capsData(20, 1)
	m := newTestModel(t, testConfig(sents, 4), sents, 1)
	dir := filepath.Join(t.TempDir(), "m")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Fatal(err)
	}
	load := func(dir string) error { _, err := Load(dir); return err }
	cktest.CheckEdits(t, dir, load, []cktest.Edit{
		{Path: []string{"model", "hidden"}, Value: 1000000000, Want: []string{"outside"}},
		{Path: []string{"model", "layers"}, Value: 1000000, Want: []string{"outside"}},
		{Path: []string{"model", "layers"}, Value: 2, Want: []string{"rnn.weight_hh_l1"}},
		{Path: []string{"model", "hidden"}, Value: 11, Want: []string{"rnn.weight_hh_l0"}},
		{Path: []string{"model", "word_embed"}, Value: 1 << 20, Want: []string{"word_embedding.weight"}},
		{Path: []string{"model", "char_hidden"}, Value: 1 << 20, Want: []string{"char_rnn.weight_hh_l0"}},
		{Path: []string{"model", "char_embed"}, Value: 100000000, Want: []string{"outside"}},
	})
}
