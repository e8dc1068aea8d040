package classify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/gradtest"
	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
	"github.com/recurrent-go/recurrent/vectors"
)

// plantedData makes texts of random filler words; the label is "pos" when
// the word "good" was planted, "neg" for "bad" (and "neutral" for neither
// when three classes are asked for).
func plantedData(n int, classes int, seed uint64) []Example {
	rng := rand.New(rand.NewPCG(seed, 7))
	fillers := make([]string, 40)
	for i := range fillers {
		fillers[i] = fmt.Sprintf("w%d", i)
	}
	ex := make([]Example, n)
	for i := range ex {
		l := 3 + rng.IntN(10)
		words := make([]string, l)
		for j := range words {
			words[j] = fillers[rng.IntN(len(fillers))]
		}
		label := []string{"neg", "pos", "neutral"}[rng.IntN(classes)]
		switch label {
		case "pos":
			words[rng.IntN(l)] = "good"
		case "neg":
			words[rng.IntN(l)] = "bad"
		}
		ex[i] = Example{Text: strings.Join(words, " "), Label: label, Line: i + 1}
	}
	return ex
}

func newTestModel(t testing.TB, cfg Config, train []Example, seed uint64) *Model {
	t.Helper()
	v, err := BuildVocab(train, cfg.Tokenizer, VocabOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labels := LabelMapOf(train, Sorted).Names
	cfg.VocabSize, cfg.Classes = v.Len(), len(labels)
	if cfg.Binary && len(labels) != 2 {
		cfg.Binary = false
	}
	m, err := New(cfg, v, labels, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mustEncode returns m.EncodeExamples(ex, name), failing the test on
// error.
func mustEncode(t testing.TB, m *Model, ex []Example, name string) *Data {
	t.Helper()
	d, err := m.EncodeExamples(ex, name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func rnnConfig(cell, pool string, bi bool, layers int) Config {
	return Config{Arch: ArchRNN, Embed: 6, Cell: cell, Hidden: 5, Layers: layers, Bidirectional: bi, Pool: pool,
		Tokenizer: text.Tokenizer{Mode: text.Whitespace}}
}

// lossOf runs forward and the mean loss for a batch; with grad it also
// returns the loss gradient with respect to the logits.
func lossOf(t *testing.T, m *Model, d *Data, idx []int, grad bool) (float64, []float32) {
	t.Helper()
	seqs := make([][]int32, len(idx))
	for j, i := range idx {
		seqs[j] = d.IDs[i]
	}
	p, err := text.Pad(seqs, padID)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := m.Forward(p.IDs, p.T, p.B, p.Lengths)
	if err != nil {
		t.Fatal(err)
	}
	var dl, tf []float32
	var ti []int32
	l, err := batchLoss(m, logits, d, idx, grad, &dl, &tf, &ti)
	if err != nil {
		t.Fatal(err)
	}
	return l, dl
}

// TestGradients checks the analytic gradients of every parameter (the
// pooling layers included) against central finite differences.
func TestGradients(t *testing.T) {
	train := plantedData(12, 3, 1)
	cases := []struct {
		name   string
		cfg    Config
		binary bool
	}{
		{"last-lstm-bi-2layers", rnnConfig("lstm", PoolLast, true, 2), false},
		{"mean-gru-bi", rnnConfig("gru", PoolMean, true, 1), false},
		{"max-lstm", rnnConfig("lstm", PoolMax, false, 1), false},
		{"meanmax-lstm-bi", rnnConfig("lstm", PoolMeanMax, true, 1), false},
		{"meanmax-gru-binary", rnnConfig("gru", PoolMeanMax, false, 1), true},
		{"last-rnn-binary", rnnConfig("rnn_tanh", PoolLast, false, 1), true},
		{"average", Config{Arch: ArchAverage, Embed: 6, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}, false},
		{"average-binary", Config{Arch: ArchAverage, Embed: 6, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex := train
			if c.binary {
				ex = plantedData(12, 2, 2)
				c.cfg.Binary = true
			}
			m := newTestModel(t, c.cfg, ex, 3)
			m.SetTraining(false)
			d := mustEncode(t, m, ex, "test")
			idx := []int{0, 3, 5, 7, 9}
			forward := func(grad bool) (float64, []float32) { return lossOf(t, m, d, idx, grad) }
			gradtest.Sample(t, m.params, forward, m.Backward, nn.GradSampleOptions{
				Samples: 6, Eps: 1e-2, Atol: 2e-3, Rtol: 3e-2, Rand: rand.New(rand.NewPCG(5, 5)),
				// embedding rows not in the batch
				Skip: func(i int, _ *nn.Param, _ int, g float32) bool { return i == 0 && g == 0 },
			}, 10)
		})
	}
}

func trainPlanted(t *testing.T, cfg Config, classes int, epochs int, dir string) (*Model, *Trainer, Result, *Data) {
	t.Helper()
	trainSet := plantedData(300, classes, 11)
	test := plantedData(100, classes, 12)
	cfg.Binary = classes == 2
	m := newTestModel(t, cfg, trainSet, 1)
	dt := mustEncode(t, m, trainSet, "train")
	dd := mustEncode(t, m, test, "test")
	tr := traintest.NewTrainer(t, NewTrainer, m, dt, dd, TrainConfig{Config: train.Config{Epochs: epochs, Batch: 16, Optimizer: "adam", LR: 0.01, Clip: 5, Seed: 3}, Bucket: true})
	tr.Dir = dir
	res, err := tr.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, tr, res, dd
}

// TestLearnsPlantedWord trains each architecture on a task decided by one
// planted word and requires near-perfect held-out accuracy.
func TestLearnsPlantedWord(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		classes int
	}{
		{"bilstm-max-3class", Config{Arch: ArchRNN, Embed: 16, Cell: "lstm", Hidden: 16, Layers: 1, Bidirectional: true, Pool: PoolMax, Dropout: 0.1}, 3},
		{"gru-last-binary", Config{Arch: ArchRNN, Embed: 16, Cell: "gru", Hidden: 16, Layers: 1, Bidirectional: true, Pool: PoolLast}, 2},
		{"average-3class", Config{Arch: ArchAverage, Embed: 16}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Tokenizer = text.Tokenizer{Mode: text.Whitespace}
			m, _, res, dd := trainPlanted(t, c.cfg, c.classes, 8, "")
			ev, err := m.Evaluate(context.Background(), dd, 64)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Accuracy < 0.95 {
				t.Errorf("held-out accuracy %.3f < 0.95 (best dev %+v)", ev.Accuracy, res.Best)
			}
			if res.Best == nil || res.Best.Score != ev.Accuracy {
				t.Errorf("model after Run should hold the best dev parameters: best %+v, now %.3f", res.Best, ev.Accuracy)
			}
		})
	}
}

// TestCheckpointRoundTrip saves a trained model, loads it and compares
// predictions; a damaged checkpoint is a clear error.
func TestCheckpointRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	cfg := Config{Arch: ArchRNN, Embed: 8, Cell: "lstm", Hidden: 8, Layers: 1, Bidirectional: true, Pool: PoolMean, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}
	m, _, _, dd := trainPlanted(t, cfg, 3, 2, dir)
	pred, probs, err := m.Predict(context.Background(), dd.IDs, 7)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	pred2, probs2, err := m2.Predict(context.Background(), dd.IDs, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pred {
		if pred[i] != pred2[i] {
			t.Fatalf("example %d: predicted %d before saving, %d after loading", i, pred[i], pred2[i])
		}
		for k := range probs[i] {
			if d := math.Abs(float64(probs[i][k] - probs2[i][k])); d > 1e-5 {
				t.Fatalf("example %d class %d: probability %v vs %v", i, k, probs[i][k], probs2[i][k])
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("damaged config.json: error %v should name the file", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("loading a missing directory succeeded")
	}
}

// TestResumeExact interrupts training mid-epoch, resumes from the
// checkpoint and requires the same parameters as an uninterrupted run,
// also with a separate embedding learning rate (two optimiser groups),
// word dropout and embedding dropout.
func TestResumeExact(t *testing.T) {
	embDrop := 0.1
	cases := []struct {
		name string
		mod  func(*Config, *TrainConfig)
	}{
		{"plain", func(*Config, *TrainConfig) {}},
		{"embed-lr-word-dropout", func(c *Config, tc *TrainConfig) {
			c.EmbedDropout = &embDrop
			tc.EmbedLR, tc.WordDropout = 0.002, 0.2
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { testResumeExact(t, c.mod) })
	}
}

func testResumeExact(t *testing.T, mod func(*Config, *TrainConfig)) {
	cfg := Config{Arch: ArchRNN, Embed: 8, Cell: "lstm", Hidden: 8, Layers: 2, Bidirectional: true, Pool: PoolLast, Dropout: 0.3,
		Tokenizer: text.Tokenizer{Mode: text.Whitespace}}
	trainEx := plantedData(120, 3, 21)
	dev := plantedData(40, 3, 22)
	build := func() (*Model, *Data, *Data) {
		m := newTestModel(t, cfg, trainEx, 4)
		dt := mustEncode(t, m, trainEx, "trainEx")
		dd := mustEncode(t, m, dev, "dev")
		return m, dt, dd
	}
	tc := TrainConfig{Config: train.Config{Epochs: 3, Batch: 16, Optimizer: "adam", LR: 0.01, Clip: 1, Seed: 9}, Bucket: true}
	mod(&cfg, &tc)
	ref, dt, dd := build()
	rt := traintest.NewTrainer(t, NewTrainer, ref, dt, dd, tc)
	if _, err := rt.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "ck")
	m, dt, dd := build()
	tr := traintest.NewTrainer(t, NewTrainer, m, dt, dd, tc)
	tr.Dir = dir
	_, err := traintest.CancelAt(tr.Run, 11) // mid-epoch 2 (8 batches per epoch)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	_, dt2, dd2 := build()
	rs, err := Resume(dir, dt2, dd2)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Pos() != (train.Position{Epoch: 1, Batch: 3, Step: 11}) {
		t.Fatalf("resumed at %+v", rs.Pos())
	}
	if _, err := rs.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range ref.params {
		q := rs.Model.params[i]
		for k := range p.Data {
			if p.Data[k] != q.Data[k] {
				t.Fatalf("%s[%d]: %v uninterrupted, %v resumed", p.Name, k, p.Data[k], q.Data[k])
			}
		}
	}
	if *rs.Best() != *rt.Best() {
		t.Errorf("best dev %+v resumed, %+v uninterrupted", *rs.Best(), *rt.Best())
	}
	// Other data must be refused.
	if _, err := Resume(dir, dd2, dd2); err == nil || !strings.Contains(err.Error(), "the train data differ") {
		t.Errorf("resume on other data: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	train := plantedData(20, 2, 1)
	m := newTestModel(t, rnnConfig("lstm", PoolLast, false, 1), train, 1)
	bad := []Example{{Text: "w1 good", Label: "pos", Line: 1}, {Text: "w2", Label: "surprise", Line: 7}}
	_, err := m.EncodeExamples(bad, "dev.tsv")
	if err == nil || !strings.Contains(err.Error(), "dev.tsv") || !strings.Contains(err.Error(), "7") {
		t.Errorf("unknown label: error %v should name file and line", err)
	}
	if _, err := m.Forward([]int32{1, 2}, 2, 1, []int{3}); err == nil {
		t.Error("length beyond T accepted")
	}
	if _, err := New(Config{Arch: "cnn", VocabSize: 5, Embed: 2, Classes: 2}, nil, []string{"a", "b"}, 0); err == nil {
		t.Error("unknown arch accepted")
	}
	if ids := m.Encode("   "); len(ids) != 1 || ids[0] != m.Vocab.UnkID() {
		t.Errorf("empty text encodes to %v, want one <unk>", ids)
	}
}

func TestLoadVectors(t *testing.T) {
	train := []Example{{Text: "good movie", Label: "1"}, {Text: "bad film", Label: "0"}}
	vec := &vectors.Vectors{Words: []string{"good", "bad", "unseen"}, Dim: 2, Data: []float32{1, 2, 3, 4, 5, 6}}
	m, v := averageModel(t, train, VocabOptions{Vectors: vec}, Config{Embed: 2, Freeze: true})
	if _, ok := v.Lookup("unseen"); !ok {
		t.Fatal("vector words should join the vocabulary")
	}
	if found := m.LoadVectors(vec, 1); found != 3 {
		t.Errorf("found %d words, want 3", found)
	}
	id, _ := v.Lookup("unseen")
	if row := m.Embedding.Weight.Data[2*id : 2*id+2]; row[0] != 5 || row[1] != 6 {
		t.Errorf("row of 'unseen' = %v, want [5 6]", row)
	}
	if row := m.Embedding.Weight.Data[:2]; row[0] != 0 || row[1] != 0 {
		t.Errorf("padding row = %v, want zeros", row)
	}
	if len(m.Trainable()) != len(m.Params())-1 {
		t.Error("a frozen embedding must not be trainable")
	}
}

func BenchmarkTrainStep(b *testing.B) {
	trainEx := plantedData(256, 2, 1)
	cfg := Config{Arch: ArchRNN, Embed: 64, Cell: "lstm", Hidden: 64, Layers: 1, Bidirectional: true, Pool: PoolMax, Dropout: 0.5,
		Tokenizer: text.Tokenizer{Mode: text.Whitespace}, Binary: true}
	m := newTestModel(b, cfg, trainEx, 1)
	d := mustEncode(b, m, trainEx, "trainEx")
	tr := traintest.NewTrainer(b, NewTrainer, m, d, nil, TrainConfig{Config: train.Config{Epochs: 1 << 20, Batch: 32, Optimizer: "adam", LR: 1e-3, Clip: 5, Seed: 1}})
	traintest.BenchSteps(b, tr.Run)
}

// TestSetupEmbedDropoutNaN: --embed-dropout NaN is refused by the config
// check; it was taken as unset (-1: --dropout), silently.
func TestSetupEmbedDropoutNaN(t *testing.T) {
	s := testSetup(t)
	s.EmbedDropout = math.NaN()
	if _, err := s.Start(t.TempDir(), true); err == nil || !strings.Contains(err.Error(), "embed_dropout NaN") {
		t.Errorf("embed dropout NaN: %v", err)
	}
}

// A long text among short ones is not padded together with them: a batch
// of 256 lines with one of 200,000 words ran out of memory in classify
// predict, where the long line alone needs little. The predictions are
// those of each text alone.
func TestPredictLongAmongShort(t *testing.T) {
	defer func(n int) { text.MaxPaddedTokens = n }(text.MaxPaddedTokens)
	text.MaxPaddedTokens = 1000
	cfg := Config{Arch: ArchRNN, Embed: 8, Cell: "lstm", Hidden: 8, Layers: 1, Pool: PoolMean, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}
	ex := plantedData(40, 2, 3)
	m := newTestModel(t, cfg, ex, 5)
	ids := mustEncode(t, m, ex, "planted").IDs[:31]
	long := make([]int32, 4000)
	for i := range long {
		long[i] = ids[i%len(ids)][0]
	}
	// The reference, first: the short ones together, then the long one
	// alone. Together after that they need no more working memory; padded
	// together, the 32 rows needed about 32 times the long one's.
	short := ids
	ids = append(ids, long)
	var pred []int
	var probs [][]float32
	testutil.AllocatesAsApart(t, fmt.Sprintf("predicting 31 short texts and one of %d tokens", len(long)),
		func() { m.Predict(context.Background(), short, 32) },
		func() { m.Predict(context.Background(), [][]int32{long}, 1) },
		func() (err error) { pred, probs, err = m.Predict(context.Background(), ids, 32); return err })
	for i, s := range ids {
		p1, pr1, err := m.Predict(context.Background(), [][]int32{s}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if p1[0] != pred[i] || math.Abs(float64(pr1[0][0]-probs[i][0])) > 1e-5 {
			t.Errorf("text %d: %d %v in the batch, %d %v alone", i, pred[i], probs[i], p1[0], pr1[0])
		}
	}
}
