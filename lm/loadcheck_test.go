package lm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/cktest"
	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/text"
)

// TestLoadChecksConfigSizes: sizes in config.json are checked against the
// weights file and the sanity bounds before the model is built, so a
// config claiming 1e9 hidden units or 1e6 layers is refused with an error
// naming the file and the field, not an out-of-memory crash.
func TestLoadChecksConfigSizes(t *testing.T) {
	m := mustNew(t, New, Config{Arch: Arch{Cell: "lstm", VocabSize: 10, EmbedDim: 4, Hidden: 6, Layers: 2}}, nil, 1)
	cktest.CheckConfigSizes(t, m.Save, Load, append(cktest.Bounds([]string{"model", "hidden_size"}, []string{"model", "num_layers"}), []cktest.Edit{
		{Path: []string{"model", "num_layers"}, Value: 3, Want: []string{"rnn.weight_hh_l2"}},
		{Path: []string{"model", "hidden_size"}, Value: 7, Want: []string{"rnn.weight_hh_l0", "model.safetensors"}},
		{Path: []string{"model", "embed_dim"}, Value: 1 << 20, Want: []string{"embedding.weight"}},
		{Path: []string{"model", "vocab_size"}, Value: -1, Want: []string{"outside"}},
	}...))
}

// TestLoadCondChecksConfigSizes is TestLoadChecksConfigSizes for the
// label-conditioned model, including its label tables.
func TestLoadCondChecksConfigSizes(t *testing.T) {
	v := condVocab(t, "a", "b", "c")
	m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 4, Hidden: 5, Layers: 1},
		Labels: []string{"x", "y"}, Condition: CondBoth, LabelDim: 3, LabelBias: true}, v, 1)
	cktest.CheckConfigSizes(t, m.Save, LoadCond, append(cktest.Bounds([]string{"hidden_size"}, []string{"num_layers"}), []cktest.Edit{
		{Path: []string{"label_dim"}, Value: 1 << 22, Want: []string{"label_embedding.weight"}},
		{Path: []string{"labels"}, Value: []string{"x", "y", "z"}, Want: []string{"label_"}},
	}...))
}

// fuzzLMDir saves a small model with a vocabulary for the fuzz targets.
func fuzzLMDir(f *testing.F) string {
	v, err := text.NewVocab([]string{text.UNK, "\n", "a", "b", "c"}, nil, []string{text.UNK, "\n"})
	if err != nil {
		f.Fatal(err)
	}
	m := mustNew(f, New, Config{Arch: Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 4, Hidden: 6, Layers: 2},
		Tokenizer: text.Tokenizer{Mode: text.Chars, EOS: "\n"}}, v, 1)
	dir := filepath.Join(f.TempDir(), "src")
	if err := m.Save(dir); err != nil {
		f.Fatal(err)
	}
	return dir
}

// FuzzLoadConfig: any config.json and vocab.json beside a valid weights
// file either load into a model matching the weights or are refused,
// without a panic and without allocating what the weights cannot back.
func FuzzLoadConfig(f *testing.F) {
	dir, seeds := cktest.FuzzDir(f, fuzzLMDir(f), checkpoint.ConfigFile, checkpoint.VocabFile)
	f.Add(seeds[0], seeds[1])
	f.Add(bytes.Replace(seeds[0], []byte(`"hidden_size": 6`), []byte(`"hidden_size": 1000000000`), 1), seeds[1])
	f.Add(bytes.Replace(seeds[0], []byte(`"num_layers": 2`), []byte(`"num_layers": 1000000`), 1), seeds[1])
	f.Add([]byte(`{"model":{"cell":"lstm","vocab_size":5,"embed_dim":4,"hidden_size":6,"num_layers":2,"tie_weights":true}}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, config, vocab []byte) {
		m, err := cktest.LoadFuzzed(t, dir, Load,
			checkpoint.ConfigFile, config, checkpoint.VocabFile, vocab)
		if err == nil && (m.NumParams() > 1000 || m.Vocab == nil || m.Vocab.Len() != m.Config.VocabSize) {
			t.Fatalf("loaded %+v with %d parameters", m.Config, m.NumParams())
		}
	})
}

// FuzzLoadCondConfig is FuzzLoadConfig for the label-conditioned model.
func FuzzLoadCondConfig(f *testing.F) {
	v, err := text.NewVocab([]string{text.UNK, text.EOS, "a", "b"}, nil, []string{text.UNK, text.EOS})
	if err != nil {
		f.Fatal(err)
	}
	m := mustNew(f, NewCond, CondConfig{Arch: Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 4, Hidden: 5, Layers: 1},
		Labels: []string{"x", "y"}, Condition: CondBoth, LabelDim: 3, LabelBias: true}, v, 1)
	dir, seeds := cktest.FuzzSaved(f, m.Save, checkpoint.ConfigFile, checkpoint.VocabFile)
	f.Add(seeds[0], seeds[1])
	f.Add(bytes.Replace(seeds[0], []byte(`"label_dim": 3`), []byte(`"label_dim": 99999999`), 1), seeds[1])
	f.Fuzz(func(t *testing.T, config, vocab []byte) {
		m, err := cktest.LoadFuzzed(t, dir, LoadCond,
			checkpoint.ConfigFile, config, checkpoint.VocabFile, vocab)
		if err == nil && len(m.params) > 20 {
			t.Fatalf("loaded %+v", m.Config)
		}
	})
}

// FuzzResumeState: any state.json beside a valid training checkpoint is
// refused or resumed without a panic.
func FuzzResumeState(f *testing.F) {
	v, err := text.NewVocab([]string{text.UNK, "\n", "a", "b", "c"}, nil, []string{text.UNK, "\n"})
	if err != nil {
		f.Fatal(err)
	}
	m := mustNew(f, New, Config{Arch: Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 4, Hidden: 4, Layers: 1},
		Tokenizer: text.Tokenizer{Mode: text.Chars, EOS: "\n"}}, v, 1)
	train := make([]int32, 400)
	for i := range train {
		train[i] = int32(2 + i%3)
	}
	tr := traintest.NewTrainer(f, NewTrainer, m, train, train[:100], TrainConfig{Epochs: 1, Batch: 2, BPTT: 8, LR: 0.01, Optimizer: "adam", MaxSteps: 3})
	src := filepath.Join(f.TempDir(), "src")
	tr.Dir = src
	if _, err := tr.Run(context.Background(), nil); err != nil {
		f.Fatal(err)
	}
	dir, seeds := cktest.FuzzDir(f, src, checkpoint.StateFile)
	f.Add(seeds[0])
	f.Add([]byte(`{"format":"recurrent-lm-train-state","position":{"epoch":-1,"step":-5}}`))
	f.Fuzz(func(t *testing.T, state []byte) {
		cktest.LoadFuzzed(t, dir, func(d string) (*Trainer, error) { return Resume(d, train, train[:100]) },
			checkpoint.StateFile, state)
	})
}

// FuzzImportPyTorch: any bytes given as a PyTorch state_dict in
// safetensors form are imported or refused without a panic.
func FuzzImportPyTorch(f *testing.F) {
	for _, name := range []string{"pytorch_lstm.safetensors", "pytorch_gru_tied.safetensors"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	path := filepath.Join(f.TempDir(), "sd.safetensors")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := ImportPyTorch(path, ImportOptions{})
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > cktest.MaxAlloc+uint64(64*len(b)) {
			t.Fatalf("importing %d bytes allocated %d (error %v)", len(b), n, err)
		}
		if err == nil && 4*m.NumParams() > len(b) {
			t.Fatalf("%d parameters from %d bytes", m.NumParams(), len(b))
		}
	})
}
