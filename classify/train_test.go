package classify

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
	"github.com/recurrent-go/recurrent/vectors"
)

// vectorModel builds a model whose vocabulary holds the training words
// and, after them, words known only from a vector file.
func vectorModel(t *testing.T, train []Example) (*Model, *Data, int) {
	t.Helper()
	extra := []string{"zz1", "zz2", "zz3", "zz4"}
	vec := &vectors.Vectors{Dim: 8}
	for i, w := range append([]string{"good", "bad"}, extra...) {
		vec.Words = append(vec.Words, w)
		for j := range 8 {
			vec.Data = append(vec.Data, float32(i+1)*0.1+float32(j)*0.01)
		}
	}
	tok := text.Tokenizer{Mode: text.Whitespace}
	v, err := BuildVocab(train, tok, VocabOptions{Vectors: vec})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Arch: ArchRNN, Embed: 8, Cell: "lstm", Hidden: 6, Layers: 1, Bidirectional: true, Pool: PoolMax, Dropout: 0.2,
		VocabSize: v.Len(), Classes: 2, Binary: true, Tokenizer: tok}
	m, err := New(cfg, v, []string{"neg", "pos"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	m.LoadVectors(vec, 2)
	d := mustEncode(t, m, train, "train")
	return m, d, v.Len() - len(extra)
}

// TestTrainRowsExact checks that restricting the optimiser to the
// embedding rows seen in training gives bit-for-bit the parameters of a
// dense update of the whole table, and leaves the vector-only rows as
// they were.
func TestTrainRowsExact(t *testing.T) {
	trainSet := plantedData(64, 2, 5)
	tc := TrainConfig{Config: train.Config{Epochs: 2, Batch: 16, Optimizer: "adam", LR: 0.01, Clip: 1, Seed: 4}, Bucket: true}
	ms, ds, rows := vectorModel(t, trainSet)
	before := append([]float32(nil), ms.Embedding.Weight.Data...)
	ts := traintest.NewTrainer(t, NewTrainer, ms, ds, nil, tc)
	if got := len(ts.task.params[0].Data); got != rows*8 {
		t.Fatalf("optimised embedding has %d values, want %d rows x 8", got, rows)
	}
	if _, err := ts.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}

	md, dd, _ := vectorModel(t, trainSet)
	td := traintest.NewTrainer(t, NewTrainer, md, dd, nil, tc)
	// The dense reference: one optimiser over every row.
	td.task.params = md.Trainable()
	var err error
	if td.task.opt, err = optim.New("adam", td.task.params, optim.Options{LR: tc.LR}); err != nil {
		t.Fatal(err)
	}
	if err := td.Start(td.task, td.task.opt, td.options, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := td.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range ms.params {
		q := md.params[i]
		for k := range p.Data {
			if p.Data[k] != q.Data[k] {
				t.Fatalf("%s[%d]: %v with the row view, %v dense", p.Name, k, p.Data[k], q.Data[k])
			}
		}
	}
	w := ms.Embedding.Weight.Data
	for k := rows * 8; k < len(w); k++ {
		if w[k] != before[k] {
			t.Fatalf("vector-only embedding value %d changed: %v -> %v", k, before[k], w[k])
		}
	}
	changed := false
	for k := 2 * 8; k < rows*8; k++ {
		changed = changed || w[k] != before[k]
	}
	if !changed {
		t.Fatal("training rows of the embedding did not move")
	}
}

// TestEmbedLR checks that a separate embedding learning rate builds two
// optimiser groups and that a tiny one keeps the embedding nearly fixed
// while the other parameters train at the full rate.
func TestEmbedLR(t *testing.T) {
	trainSet := plantedData(64, 2, 5)
	m, d, _ := vectorModel(t, trainSet)
	before := nn.Snapshot(m.params, nil)
	tr := traintest.NewTrainer(t, NewTrainer, m, d, nil, TrainConfig{Config: train.Config{Epochs: 1, Batch: 16, Optimizer: "adam", LR: 0.01, Seed: 1}, EmbedLR: 1e-7})
	g, ok := tr.task.opt.(*optim.Group)
	if !ok || len(g.Members()) != 2 || g.Members()[1].LR() != 1e-7 {
		t.Fatalf("optimizer %T, want a group of two with the embedding at lr 1e-7", tr.task.opt)
	}
	if _, err := tr.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	maxDelta := func(i int) float64 {
		var dm float64
		for k, v := range m.params[i].Data {
			dm = max(dm, float64(abs32(v-before[i][k])))
		}
		return dm
	}
	// Adam moves a parameter by at most about lr per step (4 steps here).
	if de := maxDelta(0); de > 1e-5 {
		t.Errorf("embedding moved by %v with lr 1e-7", de)
	}
	if dr := maxDelta(1); dr < 1e-3 {
		t.Errorf("recurrent weights moved by only %v with lr 0.01", dr)
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// TestWordDropout checks that dropWords replaces about the asked fraction
// of valid tokens by <unk>, never touches padding, and repeats with the
// step.
func TestWordDropout(t *testing.T) {
	trainSet := plantedData(200, 2, 3)
	m := newTestModel(t, rnnConfig("lstm", PoolMax, true, 1), trainSet, 1)
	d := mustEncode(t, m, trainSet, "train")
	tr := traintest.NewTrainer(t, NewTrainer, m, d, nil, TrainConfig{Config: train.Config{Epochs: 1, Batch: 200, Optimizer: "adam", LR: 0.01, Seed: 7}, WordDropout: 0.25})
	idx := make([]int, d.Len())
	for i := range idx {
		idx[i] = i
	}
	unk := m.Vocab.UnkID()
	var step int64
	run := func() []int32 {
		if err := tr.task.padBatch(idx); err != nil {
			t.Fatal(err)
		}
		tr.task.dropWords(step)
		return append([]int32(nil), tr.task.pad.IDs...)
	}
	a := run()
	if err := tr.task.padBatch(idx); err != nil {
		t.Fatal(err)
	}
	orig := append([]int32(nil), tr.task.pad.IDs...)
	valid, dropped := 0, 0
	for s := range tr.task.pad.T {
		for b := range tr.task.pad.B {
			i := s*tr.task.pad.B + b
			if s >= tr.task.pad.Lengths[b] {
				if a[i] != padID {
					t.Fatalf("padding at (%d,%d) became %d", s, b, a[i])
				}
				continue
			}
			valid++
			switch {
			case a[i] == unk && orig[i] != unk:
				dropped++
			case a[i] != orig[i]:
				t.Fatalf("token (%d,%d) changed %d -> %d, not to <unk>", s, b, orig[i], a[i])
			}
		}
	}
	if f := float64(dropped) / float64(valid); f < 0.2 || f > 0.3 {
		t.Errorf("dropped %d of %d tokens (%.3f), want about 0.25", dropped, valid, f)
	}
	if b := run(); !slices.Equal(a, b) {
		t.Error("word dropout differs at the same step")
	}
	step++
	if c := run(); slices.Equal(a, c) {
		t.Error("word dropout repeats across steps")
	}
}

func TestTrainOptionErrors(t *testing.T) {
	trainSet := plantedData(20, 2, 1)
	m := newTestModel(t, rnnConfig("lstm", PoolLast, false, 1), trainSet, 1)
	d := mustEncode(t, m, trainSet, "train")
	base := TrainConfig{Config: train.Config{Epochs: 1, Batch: 4, Optimizer: "adam", LR: 0.01}}
	cases := []struct {
		name string
		mod  func(*TrainConfig)
		want string
	}{
		{"word dropout 1", func(c *TrainConfig) { c.WordDropout = 1 }, "word_dropout"},
		{"negative word dropout", func(c *TrainConfig) { c.WordDropout = -0.1 }, "word_dropout"},
		{"negative embed lr", func(c *TrainConfig) { c.EmbedLR = -1 }, "embed_lr"},
	}
	for _, c := range cases {
		tc := base
		c.mod(&tc)
		if _, err := NewTrainer(m, d, nil, tc); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.name, err, c.want)
		}
	}
	bad := 1.5
	cfg := rnnConfig("lstm", PoolLast, false, 1)
	cfg.VocabSize, cfg.Classes, cfg.EmbedDropout = 10, 2, &bad
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "embed_dropout") {
		t.Errorf("embed_dropout 1.5: %v", err)
	}
	zero := 0.0
	cfg.EmbedDropout, cfg.Dropout = &zero, 0.5
	if r := cfg.EmbeddingDropout(); r != 0 {
		t.Errorf("EmbeddingDropout %v, want the explicit 0", r)
	}
	cfg.EmbedDropout = nil
	if r := cfg.EmbeddingDropout(); r != 0.5 {
		t.Errorf("EmbeddingDropout %v, want Dropout 0.5", r)
	}
}
