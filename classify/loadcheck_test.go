package classify

import (
	"bytes"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
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
	cktest.CheckConfigSizes(t, m.Save, Load, append(cktest.Bounds([]string{"model", "hidden"}, []string{"model", "layers"}), []cktest.Edit{
		{Path: []string{"model", "layers"}, Value: 3, Want: []string{"rnn.weight_hh_l2"}},
		{Path: []string{"model", "hidden"}, Value: 6, Want: []string{"rnn.weight_hh_l0"}},
		{Path: []string{"model", "embed_dim"}, Value: 1 << 20, Want: []string{"embedding.weight"}},
		{Path: []string{"model", "classes"}, Value: 4, Want: []string{"head.bias"}},
	}...))
}

// FuzzLoadConfig: any config.json, vocab.json and labels.json beside a
// valid weights file either load into a model matching the weights or are
// refused, without a panic and without allocating what the weights cannot
// back.
func FuzzLoadConfig(f *testing.F) {
	v, err := text.NewVocab([]string{"<pad>", "<unk>", "a", "b"}, nil, []string{"<pad>", "<unk>"})
	if err != nil {
		f.Fatal(err)
	}
	m, err := New(Config{Arch: ArchRNN, VocabSize: v.Len(), Embed: 4, Cell: "lstm", Hidden: 3, Layers: 2, Bidirectional: true,
		Pool: PoolMeanMax, Classes: 3, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}, v, []string{"x", "y", "z"}, 1)
	if err != nil {
		f.Fatal(err)
	}
	dir, seeds := cktest.FuzzSaved(f, m.Save, checkpoint.ConfigFile, checkpoint.VocabFile, LabelsFile)
	f.Add(seeds[0], seeds[1], seeds[2])
	f.Add(bytes.Replace(seeds[0], []byte(`"hidden": 3`), []byte(`"hidden": 1000000000`), 1), seeds[1], seeds[2])
	f.Add([]byte(`{"model":{"arch":"average","vocab_size":4,"embed_dim":4,"classes":2,"binary":true}}`), seeds[1], []byte(`["p","n"]`))
	f.Fuzz(func(t *testing.T, config, vocab, labels []byte) {
		m, err := cktest.LoadFuzzed(t, dir, Load,
			checkpoint.ConfigFile, config, checkpoint.VocabFile, vocab, LabelsFile, labels)
		if err == nil && (len(m.Labels) != m.Config.Classes || m.Vocab.Len() != m.Config.VocabSize) {
			t.Fatalf("loaded an inconsistent model %+v", m.Config)
		}
	})
}

// FuzzRead: any bytes in any format are read into labelled examples with
// text, or refused with an error naming the input; never a panic.
func FuzzRead(f *testing.F) {
	for _, s := range []string{"pos\ta fine film\nneg\tdull\n", "1 a warm film\n0 a dull one\n", "\"a, b\",pos\nc,neg\n",
		"label\ttext\nx\ty\n", "1 good\nno label here\n", "\xff\xfe", ""} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		ex, err := Read(bytes.NewReader(data), "fuzz", Format(format%4))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") && !strings.Contains(err.Error(), "format") {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
		for _, e := range ex {
			if e.Label == "" || e.Text == "" || e.Line < 1 {
				t.Fatalf("example %+v", e)
			}
		}
	})
}
