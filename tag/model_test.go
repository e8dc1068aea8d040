package tag

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/gradtest"
	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
	"github.com/recurrent-go/recurrent/vectors"
)

// capsData makes sentences of lower-case filler words in which runs of one
// or two capitalised made-up names are entities: type PER when the run
// follows "mr", LOC otherwise. Tags are IOB1 (as in CoNLL-2003). Names are
// drawn fresh, so a tagger must read their characters to generalise.
func capsData(n int, seed uint64) []Sentence {
	rng := rand.New(rand.NewPCG(seed, 3))
	fillers := []string{"the", "a", "went", "to", "saw", "and", "of", "in", "with", "said", "city", "from"}
	name := func() string {
		l := 3 + rng.IntN(5)
		b := []byte{byte('A' + rng.IntN(26))}
		for range l {
			b = append(b, byte('a'+rng.IntN(26)))
		}
		return string(b)
	}
	sents := make([]Sentence, n)
	for i := range sents {
		var s Sentence
		s.Line = 1 + 10*i
		for len(s.Tokens) < 4+rng.IntN(8) {
			if rng.IntN(4) == 0 {
				typ := "LOC"
				if rng.IntN(2) == 0 {
					typ = "PER"
					s.Tokens = append(s.Tokens, "mr")
					s.Tags = append(s.Tags, "O")
				}
				for range 1 + rng.IntN(2) {
					s.Tokens = append(s.Tokens, name())
					s.Tags = append(s.Tags, "I-"+typ)
				}
				continue
			}
			s.Tokens = append(s.Tokens, fillers[rng.IntN(len(fillers))])
			s.Tags = append(s.Tags, "O")
		}
		sents[i] = s
	}
	return sents
}

// mustEncode returns m.EncodeSentences(sents, name, labelled), failing the
// test on error.
func mustEncode(t testing.TB, m *Model, sents []Sentence, name string, labelled bool) *Data {
	t.Helper()
	d, err := m.EncodeSentences(sents, name, labelled)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func testConfig(sents []Sentence, charHidden int) Config {
	return Config{WordEmbed: 8, CharEmbed: 6, CharHidden: charHidden, Cell: "lstm", Hidden: 10, Layers: 1,
		Lower: true, NormDigits: true, Tags: TagSet(sents, IOBES), TrainScheme: "iobes", Scheme: "iob1"}
}

func newTestModel(t testing.TB, cfg Config, sents []Sentence, seed uint64) *Model {
	t.Helper()
	words, chars, err := BuildVocabs(sents, &cfg, VocabOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.VocabSize, cfg.CharVocab = words.Len(), chars.Len()
	m, err := New(cfg, words, chars, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// lossOf runs forward and the mean loss for a batch; with grad it also
// returns the loss gradient with respect to the scores.
func lossOf(t *testing.T, m *Model, d *Data, idx []int, grad bool) (float64, []float32) {
	t.Helper()
	var words [][]int32
	var chars [][][]int32
	for _, i := range idx {
		words = append(words, d.Words[i])
		chars = append(chars, d.Chars[i])
	}
	p, err := text.Pad(words, padID)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := m.Forward(p.IDs, chars, p.T, p.B, p.Lengths)
	if err != nil {
		t.Fatal(err)
	}
	var targets []int32
	var valid []bool
	var ds []float32
	dScores := &ds
	if !grad {
		dScores = nil
	}
	l, _, err := batchLoss(m, scores, d, idx, &targets, &valid, dScores)
	if err != nil {
		t.Fatal(err)
	}
	return l, ds
}

// TestGradients checks every parameter's analytic gradient, the character
// encoder's final-state gathering included, against finite differences.
func TestGradients(t *testing.T) {
	sents := capsData(10, 1)
	for _, ch := range []int{4, 0} {
		t.Run(fmt.Sprintf("char_hidden=%d", ch), func(t *testing.T) {
			m := newTestModel(t, testConfig(sents, ch), sents, 2)
			m.SetTraining(false)
			d := mustEncode(t, m, sents, "test", true)
			idx := []int{1, 4, 6}
			forward := func(grad bool) (float64, []float32) { return lossOf(t, m, d, idx, grad) }
			gradtest.Sample(t, m.params, forward, m.Backward, nn.GradSampleOptions{
				Samples: 40, Eps: 1e-2, Atol: 1e-3, Rtol: 3e-2, Rand: rand.New(rand.NewPCG(9, 9)),
				Skip: func(_ int, p *nn.Param, _ int, g float32) bool {
					return strings.Contains(p.Name, "embedding") && g == 0
				},
			}, 50)
		})
	}
}

// TestLearnsCapitalisedEntities trains on the synthetic task and requires
// a high conlleval F1 on unseen names.
func TestLearnsCapitalisedEntities(t *testing.T) {
	trainSet, dev := capsData(300, 11), capsData(100, 12)
	cfg := testConfig(trainSet, 12)
	cfg.Dropout = 0.2
	m := newTestModel(t, cfg, trainSet, 1)
	d := mustEncode(t, m, trainSet, "train", true)
	tr := traintest.NewTrainer(t, NewTrainer, m, d, dev, TrainConfig{Config: train.Config{Epochs: 8, Batch: 10, Optimizer: "adam", LR: 0.01, Clip: 5, Seed: 1}})
	res, err := tr.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, pred, err := m.Score(context.Background(), dev, "dev", 32)
	if err != nil {
		t.Fatal(err)
	}
	if r.F1 < 95 {
		t.Errorf("dev F1 %.2f < 95 (per type %+v)", r.F1, r.PerType)
	}
	if res.Best == nil || math.Abs(res.Best.Score-r.F1) > 1e-9 {
		t.Errorf("after Run the model should hold the best dev parameters: best %+v, now %.2f", res.Best, r.F1)
	}
	// Predictions come back in the data's scheme (IOB1: no B- at chunk
	// starts after O, no E-/S-).
	for i, p := range pred {
		if err := Validate(p, IOB1); err != nil {
			t.Fatalf("sentence %d: prediction %v is not IOB1: %v", i, p, err)
		}
	}
}

func TestViterbiKeepsSchemeValid(t *testing.T) {
	tags := []string{"O", "B-PER", "I-PER", "E-PER", "S-PER"}
	allowed, start := transitions(tags, IOBES)
	K := len(tags)
	// Per-token argmax would be O I-PER O: invalid in IOBES.
	probs := [][]float64{{0.9, 0.02, 0.02, 0.02, 0.04}, {0.15, 0.05, 0.45, 0.05, 0.3}, {0.6, 0.1, 0.1, 0.1, 0.1}}
	lp := make([]float32, 0, 3*K)
	for _, row := range probs {
		for _, p := range row {
			lp = append(lp, float32(math.Log(p)))
		}
	}
	got := viterbi(lp, 3, K, allowed, start)
	named := make([]string, len(got))
	for i, k := range got {
		named[i] = tags[k]
	}
	if want := []string{"O", "S-PER", "O"}; !reflect.DeepEqual(named, want) {
		t.Errorf("viterbi = %v, want %v", named, want)
	}
	if err := Validate(named, IOBES); err != nil {
		t.Error(err)
	}
}

// checkSavedTagger saves m to dir and requires the loaded model to tag dev
// as m does, and a missing chars.json to be named.
func checkSavedTagger(t *testing.T, m *Model, dev []Sentence, dir string) {
	t.Helper()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	lm, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r1, _, err := m.Score(context.Background(), dev, "dev", 7)
	if err != nil {
		t.Fatal(err)
	}
	r2, _, err := lm.Score(context.Background(), dev, "dev", 50)
	if err != nil {
		t.Fatal(err)
	}
	if r1.F1 != r2.F1 || r1.Accuracy != r2.Accuracy {
		t.Errorf("loaded model scores %.2f/%.2f, trained one %.2f/%.2f", r2.F1, r2.Accuracy, r1.F1, r1.Accuracy)
	}
	if err := os.Remove(filepath.Join(dir, CharsFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), CharsFile) {
		t.Errorf("missing %s: error %v should name it", CharsFile, err)
	}
}

// TestResumeExact interrupts training mid-epoch and requires the resumed
// run to end with the same parameters as an uninterrupted one.
func TestResumeExact(t *testing.T) {
	trainS, dev := capsData(60, 21), capsData(20, 22)
	cfg := testConfig(trainS, 5)
	cfg.Dropout = 0.3
	tc := TrainConfig{Config: train.Config{Epochs: 2, Batch: 8, Optimizer: "adam", LR: 0.01, Clip: 1, Seed: 5}, Decay: 0.1}
	build := func() (*Model, *Data) {
		m := newTestModel(t, cfg, trainS, 3)
		d := mustEncode(t, m, trainS, "trainS", true)
		return m, d
	}
	ref, d := build()
	rt := traintest.NewTrainer(t, NewTrainer, ref, d, dev, tc)
	if _, err := rt.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ck")
	m, d := build()
	tr := traintest.NewTrainer(t, NewTrainer, m, d, dev, tc)
	tr.Dir = dir
	if _, err := traintest.CancelAt(tr.Run, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	_, d2 := build()
	rs, err := Resume(dir, d2, dev)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Pos().Step != 10 || rs.Pos().Epoch != 1 {
		t.Fatalf("resumed at %+v", rs.Pos())
	}
	if _, err := rs.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range ref.params {
		if !reflect.DeepEqual(p.Data, rs.Model.params[i].Data) {
			t.Fatalf("%s differs between the uninterrupted and the resumed run", p.Name)
		}
	}
	if _, err := Resume(dir, d2, dev[:5]); err == nil || !strings.Contains(err.Error(), "dev data differ") {
		t.Errorf("resume with other dev data: %v", err)
	}

	checkSavedTagger(t, rs.Model, dev, filepath.Join(dir, "final"))
}

// recase returns a copy of sents with the first token of sentence i
// upper-cased: with Config.Lower the word ids stay, the characters the
// character encoder reads change.
func recase(sents []Sentence, i int) []Sentence {
	out := append([]Sentence(nil), sents...)
	out[i].Tokens = append([]string(nil), out[i].Tokens...)
	out[i].Tokens[0] = strings.ToUpper(out[i].Tokens[0])
	return out
}

// TestResumeChecksCharacters checks that a resume on training or dev
// sentences that differ only in what the character encoder reads is
// refused naming that data set, and that a checkpoint written before the
// character fingerprints existed (state.json without them) still resumes.
func TestResumeChecksCharacters(t *testing.T) {
	trainS, dev := capsData(16, 31), capsData(6, 32)
	cfg := testConfig(trainS, 3) // Lower: true
	m := newTestModel(t, cfg, trainS, 3)
	tc := TrainConfig{Config: train.Config{Epochs: 1, Batch: 8, Optimizer: "sgd", LR: 0.1, Seed: 1}}
	tr := traintest.NewTrainer(t, NewTrainer, m, mustEncode(t, m, trainS, "train", true), dev, tc)
	dir := filepath.Join(t.TempDir(), "ck")
	tr.Dir = dir
	if _, err := tr.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	resume := func(trainS, dev []Sentence) error {
		m, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Resume(dir, mustEncode(t, m, trainS, "train", true), dev)
		return err
	}
	if err := resume(trainS, dev); err != nil {
		t.Fatalf("resume on the same data: %v", err)
	}
	// The word ids are the same: only the characters tell the data apart.
	otherTrain, otherDev := recase(trainS, 3), recase(dev, 1)
	if a, b := mustEncode(t, m, trainS, "", true), mustEncode(t, m, otherTrain, "", true); fmt.Sprint(a.Words) != fmt.Sprint(b.Words) || fmt.Sprint(a.Chars) == fmt.Sprint(b.Chars) {
		t.Fatalf("recased data: words %v / %v, chars %v / %v", a.Words[3], b.Words[3], a.Chars[3], b.Chars[3])
	}
	if err := resume(otherTrain, dev); err == nil || !strings.Contains(err.Error(), "the train_chars data differ from the checkpoint's (16 items, other content)") {
		t.Errorf("resume on recased training sentences: %v", err)
	}
	if err := resume(trainS, otherDev); err == nil || !strings.Contains(err.Error(), "the dev_chars data differ from the checkpoint's (6 items, other content)") {
		t.Errorf("resume on recased dev sentences: %v", err)
	}

	// A checkpoint of the previous version: no character fingerprints in
	// state.json (and a manifest that matches it).
	stripCharFingerprints(t, dir)
	if err := resume(trainS, dev); err != nil {
		t.Fatalf("resume of a checkpoint without character fingerprints: %v", err)
	}
	if err := resume(otherTrain, otherDev); err != nil {
		t.Errorf("a checkpoint without character fingerprints is not checked on characters: %v", err)
	}
	if err := resume(trainS[1:], dev); err == nil || !strings.Contains(err.Error(), "the train data differ") {
		t.Errorf("resume of an old checkpoint on other words: %v", err)
	}
}

// stripCharFingerprints drops the character fingerprints from the
// state.json of the checkpoint dir and rewrites its line of the manifest.
func stripCharFingerprints(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, checkpoint.StateFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]json.RawMessage
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var data, kept []train.Fingerprint
	if err := json.Unmarshal(st["data"], &data); err != nil {
		t.Fatal(err)
	}
	for _, f := range data {
		if !strings.HasSuffix(f.Name, "_chars") {
			kept = append(kept, f)
		}
	}
	if len(kept) != 4 || len(data) != 6 {
		t.Fatalf("state.json fingerprints %+v", data)
	}
	st["data"], _ = json.Marshal(kept)
	nb, _ := json.Marshal(st)
	if err := os.WriteFile(path, nb, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, checkpoint.ManifestFile)
	mb, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	oldLine := fmt.Sprintf("%x  %s\n", sha256.Sum256(b), checkpoint.StateFile)
	if !strings.Contains(string(mb), oldLine) {
		t.Fatalf("manifest %q has no line %q", mb, oldLine)
	}
	mb = []byte(strings.Replace(string(mb), oldLine, fmt.Sprintf("%x  %s\n", sha256.Sum256(nb), checkpoint.StateFile), 1))
	if err := os.WriteFile(manifest, mb, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEncodeErrorsAndVectors(t *testing.T) {
	train := capsData(20, 1)
	cfg := testConfig(train, 4)
	vec := &vectors.Vectors{Words: []string{"the", "City", "zzz"}, Dim: 8, Data: make([]float32, 24)}
	for i := range vec.Data {
		vec.Data[i] = float32(i)
	}
	words, chars, err := BuildVocabs(train, &cfg, VocabOptions{Vectors: vec})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := words.Lookup("zzz"); !ok {
		t.Error("vector words should join the vocabulary")
	}
	cfg.VocabSize, cfg.CharVocab = words.Len(), chars.Len()
	m, err := New(cfg, words, chars, 1)
	if err != nil {
		t.Fatal(err)
	}
	if found := m.LoadVectors(vec, 1); found != 2 { // "the", "zzz" ("City" is looked up as "city")
		t.Errorf("found %d, want 2", found)
	}
	id, _ := words.Lookup("zzz")
	if row := m.WordEmb.Weight.Data[int(id)*8 : int(id)*8+8]; row[0] != 16 || row[7] != 23 {
		t.Errorf("row of zzz = %v", row)
	}
	bad := []Sentence{{Tokens: []string{"Paris"}, Tags: []string{"I-ORG"}, Line: 42}}
	if _, err := m.EncodeSentences(bad, "dev.conll", true); err == nil || !strings.Contains(err.Error(), "dev.conll:42") {
		t.Errorf("unknown tag: error %v should name file and line", err)
	}
	if _, err := m.EncodeSentences([]Sentence{{Line: 3}}, "x", false); err == nil {
		t.Error("empty sentence accepted")
	}
	if got := cfg.WordKey("Year-2024"); got != "year-0000" {
		t.Errorf("WordKey = %q", got)
	}
}

func BenchmarkTrainStep(b *testing.B) {
	trainS := capsData(512, 1)
	cfg := testConfig(trainS, 25)
	cfg.WordEmbed, cfg.CharEmbed, cfg.Hidden, cfg.Dropout = 100, 25, 100, 0.5
	m := newTestModel(b, cfg, trainS, 1)
	d := mustEncode(b, m, trainS, "trainS", true)
	tr := traintest.NewTrainer(b, NewTrainer, m, d, nil, TrainConfig{Config: train.Config{Epochs: 1 << 20, Batch: 16, Optimizer: "adam", LR: 1e-3, Clip: 5, Seed: 1}})
	traintest.BenchSteps(b, tr.Run)
}

// A long sentence among short ones is not padded together with them: a
// batch of 128 lines with one of 200,000 words ran out of memory in tag
// predict, where the long line alone needs little. The tags are those of
// each sentence alone.
func TestPredictLongAmongShort(t *testing.T) {
	defer func(n int) { text.MaxPaddedTokens = n }(text.MaxPaddedTokens)
	text.MaxPaddedTokens = 1000
	sents := capsData(127, 4)
	m := newTestModel(t, testConfig(sents, 4), sents, 2)
	var long Sentence
	for len(long.Tokens) < 1000 {
		long.Tokens = append(long.Tokens, sents[len(long.Tokens)%len(sents)].Tokens...)
	}
	sents = append(sents, long)
	d := mustEncode(t, m, sents, "test", false)
	// The reference, first: the short ones together, then the long one
	// alone. Together after that they need no more working memory; padded
	// together, the 128 rows needed about 128 times the long one's.
	shortD, longD := mustEncode(t, m, sents[:127], "test", false), mustEncode(t, m, []Sentence{long}, "test", false)
	var tags [][]string
	testutil.AllocatesAsApart(t, fmt.Sprintf("tagging 127 short sentences and one of %d tokens", len(long.Tokens)),
		func() { m.Predict(context.Background(), shortD, 128) },
		func() { m.Predict(context.Background(), longD, 1) },
		func() (err error) { tags, err = m.Predict(context.Background(), d, 128); return err })
	for i, s := range sents {
		alone, err := m.Predict(context.Background(), mustEncode(t, m, []Sentence{s}, "test", false), 1)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(alone[0], tags[i]) {
			t.Errorf("sentence %d: tagged %v in the batch, %v alone", i, tags[i], alone[0])
		}
	}
}
