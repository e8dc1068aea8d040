package seq2seq

import (
	"bytes"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/cktest"
)

// TestLoadChecksConfigSizes: sizes in config.json are checked against the
// weights file and the sanity bounds before the model is built; the error
// names the file and the field.
func TestLoadChecksConfigSizes(t *testing.T) {
	src, tgt := tinyVocabs(t)
	m, err := New(Config{Embed: 4, Hidden: 5, Layers: 2, Attention: "bahdanau", AttentionSize: 3}, src, tgt, 1)
	if err != nil {
		t.Fatal(err)
	}
	cktest.CheckConfigSizes(t, m.Save, Load, append(cktest.Bounds([]string{"model", "hidden"}, []string{"model", "layers"}), []cktest.Edit{
		{Path: []string{"model", "layers"}, Value: 3, Want: []string{"encoder.weight_hh_l2"}},
		{Path: []string{"model", "decoder_hidden"}, Value: 1 << 20, Want: []string{"bridge.weight"}},
		{Path: []string{"model", "attention_size"}, Value: 1 << 20, Want: []string{"attention.W_q"}},
		{Path: []string{"model", "embed"}, Value: -3, Want: []string{"outside"}},
	}...))
}

// FuzzLoadConfig: any config.json and vocabularies beside a valid weights
// file either load into a model matching the weights or are refused,
// without a panic and without allocating what the weights cannot back.
func FuzzLoadConfig(f *testing.F) {
	src, tgt := tinyVocabs(f)
	m, err := New(Config{Embed: 4, Hidden: 3, Layers: 2, Attention: "bahdanau", AttentionSize: 5}, src, tgt, 1)
	if err != nil {
		f.Fatal(err)
	}
	dir, seeds := cktest.FuzzSaved(f, m.Save, checkpoint.ConfigFile, SourceVocabFile, TargetVocabFile)
	f.Add(seeds[0], seeds[1], seeds[2])
	f.Add(bytes.Replace(seeds[0], []byte(`"hidden": 3`), []byte(`"hidden": 1000000000`), 1), seeds[1], seeds[2])
	f.Add(bytes.Replace(seeds[0], []byte(`"bahdanau"`), []byte(`"dot"`), 1), seeds[1], seeds[2])
	f.Fuzz(func(t *testing.T, config, srcVocab, tgtVocab []byte) {
		m, err := cktest.LoadFuzzed(t, dir, Load,
			checkpoint.ConfigFile, config, SourceVocabFile, srcVocab, TargetVocabFile, tgtVocab)
		if err == nil && len(m.Params()) > 40 {
			t.Fatalf("loaded %+v", m.Config)
		}
	})
}

// FuzzReadPairs: any bytes are read into pairs without TABs, or refused
// with an error naming the input; never a panic.
func FuzzReadPairs(f *testing.F) {
	for _, s := range []string{"a\tb\n\nc\td\r\n", "no tab\n", "a\tb\tc\n", "\xef\xbb\xbfx\ty", "\xff\t\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pairs, err := ReadPairs(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
		for _, p := range pairs {
			if strings.ContainsAny(p.Source+p.Target, "\t\n") {
				t.Fatalf("pair %q", p)
			}
		}
	})
}
