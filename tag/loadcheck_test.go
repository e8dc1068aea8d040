package tag

import (
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/internal/cktest"
)

// TestLoadChecksConfigSizes: sizes in config.json are checked against the
// weights file and the sanity bounds before the model is built; the error
// names the file and the field.
func TestLoadChecksConfigSizes(t *testing.T) {
	sents := capsData(20, 1)
	m := newTestModel(t, testConfig(sents, 4), sents, 1)
	load := func(dir string) error { _, err := Load(dir); return err }
	dir := cktest.Saved(t, m.Save, load)
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

// TestViterbiNaNScores: log-probabilities that are NaN (a model whose
// weights went non-finite) used to send the back-trace through index -1;
// now Viterbi falls back to a valid index for every token.
func TestViterbiNaNScores(t *testing.T) {
	tags := []string{"O", "B-PER", "I-PER", "E-PER", "S-PER"}
	allowed, start := transitions(tags, IOBES)
	K := len(tags)
	for _, nanAt := range []int{0, 3, K, 2 * K, 3*K - 1} {
		lp := make([]float32, 3*K)
		for i := range lp {
			lp[i] = -1
		}
		lp[nanAt] = float32(math.NaN())
		for _, all := range []bool{false, true} {
			if all {
				for i := range lp {
					lp[i] = float32(math.NaN())
				}
			}
			got := viterbi(lp, 3, K, allowed, start)
			for _, k := range got {
				if k < 0 || k >= K {
					t.Fatalf("NaN at %d (all %v): tag index %d", nanAt, all, k)
				}
			}
		}
	}
}
