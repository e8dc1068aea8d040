package tag

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/cktest"
)

// TestLoadChecksConfigSizes: sizes in config.json are checked against the
// weights file and the sanity bounds before the model is built; the error
// names the file and the field.
func TestLoadChecksConfigSizes(t *testing.T) {
	sents := capsData(20, 1)
	m := newTestModel(t, testConfig(sents, 4), sents, 1)
	cktest.CheckConfigSizes(t, m.Save, Load, append(cktest.Bounds([]string{"model", "hidden"}, []string{"model", "layers"}), []cktest.Edit{
		{Path: []string{"model", "layers"}, Value: 2, Want: []string{"rnn.weight_hh_l1"}},
		{Path: []string{"model", "hidden"}, Value: 11, Want: []string{"rnn.weight_hh_l0"}},
		{Path: []string{"model", "word_embed"}, Value: 1 << 20, Want: []string{"word_embedding.weight"}},
		{Path: []string{"model", "char_hidden"}, Value: 1 << 20, Want: []string{"char_rnn.weight_hh_l0"}},
		{Path: []string{"model", "char_embed"}, Value: 100000000, Want: []string{"outside"}},
	}...))
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

// FuzzLoadConfig: any config.json, vocab.json and chars.json beside a
// valid weights file either load into a model matching the weights or are
// refused, without a panic and without allocating what the weights cannot
// back.
func FuzzLoadConfig(f *testing.F) {
	sents := capsData(10, 1)
	m := newTestModel(f, testConfig(sents, 3), sents, 1)
	dir, seeds := cktest.FuzzSaved(f, m.Save, checkpoint.ConfigFile, checkpoint.VocabFile, CharsFile)
	f.Add(seeds[0], seeds[1], seeds[2])
	f.Add(bytes.Replace(seeds[0], []byte(`"layers": 1`), []byte(`"layers": 1000000`), 1), seeds[1], seeds[2])
	f.Add(bytes.Replace(seeds[0], []byte(`"char_hidden": 3`), []byte(`"char_hidden": 0`), 1), seeds[1], seeds[2])
	f.Fuzz(func(t *testing.T, config, vocab, chars []byte) {
		m, err := cktest.LoadFuzzed(t, dir, Load,
			checkpoint.ConfigFile, config, checkpoint.VocabFile, vocab, CharsFile, chars)
		if err == nil && m.Vocab.Len() != m.Config.VocabSize {
			t.Fatalf("loaded an inconsistent model %+v", m.Config)
		}
	})
}

// FuzzReadCoNLL: any bytes are read into sentences of equal token and tag
// counts, or refused with an error naming the input; never a panic.
func FuzzReadCoNLL(f *testing.F) {
	for _, s := range []string{"EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n-DOCSTART- -X- -X- O\n\nPeter B-PER\n",
		"a O\n\n\nb B-X\nc\n", "x y z\nq r\n", "caf\xe9 O\n", ""} {
		f.Add([]byte(s), int8(0), int8(0), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, tokCol, tagCol int8, keep bool) {
		sents, err := ReadCoNLL(bytes.NewReader(data), "fuzz", ReadOptions{TokenColumn: int(tokCol), TagColumn: int(tagCol), KeepDocStart: keep})
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
		for _, s := range sents {
			if len(s.Tokens) == 0 || len(s.Tokens) != len(s.Tags) || len(s.Fields) != len(s.Tokens) || s.Line < 1 {
				t.Fatalf("sentence %+v", s)
			}
		}
	})
}
