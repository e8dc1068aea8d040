package seq2seq

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/train"
)

// reversePairs makes n pairs "s -> reverse(s)" over letters a-f.
func reversePairs(seed uint64, n int) []Pair {
	r := rand.New(rand.NewPCG(seed, 9))
	ps := make([]Pair, n)
	for i := range ps {
		b := make([]byte, 3+r.IntN(5))
		for j := range b {
			b[j] = byte('a' + r.IntN(6))
		}
		rev := slices.Clone(b)
		slices.Reverse(rev)
		ps[i] = Pair{Source: string(b), Target: string(rev)}
	}
	return ps
}

// newCharTrainer builds character vocabularies from train, a model of cfg
// (seed 3), the encoded train and dev pairs, and a trainer of tc.
func newCharTrainer(t *testing.T, train, dev []Pair, cfg Config, tc TrainConfig) (*Model, Encoded, Encoded, *Trainer) {
	t.Helper()
	src, tgt, err := BuildVocabs(train, "char")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, src, tgt, 3)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := m.Encode(train)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := m.Encode(dev)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := NewTrainer(m, tr, dv, tc)
	if err != nil {
		t.Fatal(err)
	}
	return m, tr, dv, tn
}

// trainReverse trains on reversal and returns the model, the dev pairs
// and the epochs' mean training losses.
func trainReverse(t *testing.T, attn string, epochs int) (*Model, Encoded, []float64) {
	t.Helper()
	m, _, dv, tn := newCharTrainer(t, reversePairs(1, 3000), reversePairs(2, 300),
		Config{Attention: attn, Embed: 16, Hidden: 32}, TrainConfig{Epochs: epochs, Batch: 32, LR: 5e-3, Seed: 4, DevDecode: -1})
	var losses []float64
	if _, err := tn.Run(context.Background(), func(e train.Event) {
		if ep, ok := e.(train.EpochEvent); ok {
			losses = append(losses, ep.TrainLoss)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return m, dv, losses
}

// TestLearnsReverse trains the attention model on string reversal and
// requires near-perfect held-out exact match, greedy and with beam search.
func TestLearnsReverse(t *testing.T) {
	m, dev, h := trainReverse(t, "bahdanau", 6)
	if len(h) != 6 || h[5] >= h[0] {
		t.Fatalf("training loss did not fall: %+v", h)
	}
	for _, beam := range []int{1, 4} {
		met, err := m.Evaluate(context.Background(), dev, EvalOptions{DecodeOptions: DecodeOptions{Beam: beam}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("beam %d: exact %.3f token acc %.3f bleu %.1f", beam, met.ExactMatch, met.TokenAccuracy, met.BLEU)
		if met.ExactMatch < 0.95 || met.TokenAccuracy < 0.98 || met.BLEU < 95 {
			t.Errorf("beam %d: exact match %.3f, token accuracy %.3f, BLEU %.1f; want >= 0.95, 0.98, 95",
				beam, met.ExactMatch, met.TokenAccuracy, met.BLEU)
		}
	}
	// Attention weights are distributions over the real source positions.
	x := m.EncodeSource("abcdef")
	hs, err := m.Translate(context.Background(), [][]int32{x, m.EncodeSource("ab")}, DecodeOptions{Attention: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.DecodeTarget(hs[0].IDs), ""); got != "fedcba" {
		t.Errorf("reverse(abcdef) = %q", got)
	}
	for _, h := range hs {
		if len(h.Attention) != len(h.IDs)+1 {
			t.Fatalf("%d attention rows for %d tokens + <eos>", len(h.Attention), len(h.IDs))
		}
	}
	for _, row := range hs[1].Attention {
		if len(row) != 6 || row[2] != 0 || row[5] != 0 || math.Abs(float64(row[0]+row[1])-1) > 1e-5 {
			t.Errorf("masked attention row %v", row)
		}
	}
}

// TestBeamWidthOneIsGreedy decodes with beam 1 and greedily.
func TestBeamWidthOneIsGreedy(t *testing.T) {
	src, tgt := tinyVocabs(t)
	for _, attn := range []string{"bahdanau", "none"} {
		m, err := New(Config{Attention: attn, Embed: 8, Hidden: 8}, src, tgt, 11)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(5, 5))
		var xs [][]int32
		for i := 0; i < 20; i++ {
			xs = append(xs, randIDs(r, 1+r.IntN(6), src.Len()))
		}
		g, err := m.Translate(context.Background(), xs, DecodeOptions{MaxLen: 8})
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Translate(context.Background(), xs, DecodeOptions{MaxLen: 8, Beam: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i := range xs {
			// Beam 1 goes through beamSearch only when asked directly.
			bs, err := beamSearch(context.Background(), m.newStepperFor(t, xs[i:i+1]), 0, 1, 8, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(g[i].IDs, bs[0].IDs) || g[i].Finished != bs[0].Finished ||
				math.Abs(g[i].LogProb-bs[0].LogProb) > 1e-4 || !slices.Equal(g[i].IDs, b[i].IDs) {
				t.Errorf("%s source %d: greedy %v (%.4f, %v), beam 1 %v (%.4f, %v)", attn, i,
					g[i].IDs, g[i].LogProb, g[i].Finished, bs[0].IDs, bs[0].LogProb, bs[0].Finished)
			}
		}
	}
}

// newStepperFor encodes src and returns a stepper over it.
func (m *Model) newStepperFor(t *testing.T, src [][]int32) stepper {
	t.Helper()
	var mem memory
	s0 := make([]float32, len(src)*m.Config.DecoderHidden)
	var err error
	m.work.hbuf, err = m.encode(src, &mem, nil, s0)
	if err != nil {
		t.Fatal(err)
	}
	return m.newStepper(&mem, s0)
}

// tableStepper is a hand-made decoder whose next-token distribution
// depends only on the previous token.
type tableStepper map[int32][]float64

func (s tableStepper) vocab() int { return 6 }

func (s tableStepper) step(parents []int, tokens []int32) ([]float32, []float32, error) {
	out := make([]float32, 0, len(tokens)*6)
	for _, tok := range tokens {
		for _, p := range s[tok] {
			out = append(out, float32(math.Log(p)))
		}
	}
	return out, nil, nil
}

// TestBeamBeatsGreedy: the most probable first token (a, 0.6) is followed
// by a flat distribution, the runner-up (b, 0.4) by <eos> with 0.95. Greedy
// takes a; beam 2 finds "b <eos>" with probability 0.38.
func TestBeamBeatsGreedy(t *testing.T) {
	const tiny = 1e-6
	//                     pad   unk   bos   eos   a     b
	s := tableStepper{
		BosID: {tiny, tiny, tiny, tiny, 0.6, 0.4},
		4:     {tiny, tiny, tiny, 0.3, 0.35, 0.35},
		5:     {tiny, tiny, tiny, 0.95, 0.025, 0.025},
	}
	g, err := greedy(context.Background(), s, []int{5}, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := beamSearch(context.Background(), s, 0, 2, 5, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b[0].IDs, []int32{5}) || !b[0].Finished {
		t.Fatalf("beam 2 best %v (finished %v), want [5]", b[0].IDs, b[0].Finished)
	}
	if want := math.Log(0.4 * 0.95); math.Abs(b[0].LogProb-want) > 1e-4 {
		t.Errorf("beam log-prob %.5f, want %.5f", b[0].LogProb, want)
	}
	if g[0].LogProb >= b[0].LogProb || g[0].IDs[0] != 4 {
		t.Errorf("greedy %v (%.4f) should start with a and score below beam's %.4f", g[0].IDs, g[0].LogProb, b[0].LogProb)
	}
	for i := 1; i < len(b); i++ {
		if b[i].Finished && b[i].Score > b[i-1].Score {
			t.Errorf("hypotheses not sorted: %+v", b)
		}
	}
	// Length normalization can prefer a longer hypothesis: with the flat
	// continuation made likelier, alpha=1 ranks by mean log-probability.
	s[4] = []float64{tiny, tiny, tiny, 0.5, 0.25, 0.25}
	s[5] = []float64{tiny, tiny, tiny, 0.6, 0.2, 0.2}
	raw, _ := beamSearch(context.Background(), s, 0, 3, 5, DecodeOptions{})
	norm, _ := beamSearch(context.Background(), s, 0, 3, 5, DecodeOptions{Alpha: 1})
	if !slices.Equal(raw[0].IDs, []int32{4}) {
		t.Errorf("raw best %v, want [4]", raw[0].IDs)
	}
	for _, h := range norm {
		if want := h.LogProb / float64(len(h.IDs)+1); math.Abs(h.Score-want) > 1e-9 {
			t.Errorf("normalized score %.5f, want %.5f", h.Score, want)
		}
	}
}

// TestCheckpointRoundTrip saves a trained model and a training state,
// loads both and checks equal outputs and an exact resume.
func TestCheckpointRoundTrip(t *testing.T) {
	pairs := reversePairs(1, 400)
	src, tgt, err := BuildVocabs(pairs, "char")
	if err != nil {
		t.Fatal(err)
	}
	newRun := func() (*Model, *Trainer, Encoded) {
		m, err := New(Config{Attention: "general", Cell: "lstm", Embed: 8, Hidden: 8}, src, tgt, 3)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := m.Encode(pairs)
		if err != nil {
			t.Fatal(err)
		}
		tn, err := NewTrainer(m, tr, Encoded{}, TrainConfig{Epochs: 2, Batch: 16, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		return m, tn, tr
	}
	// Straight run of 2 epochs.
	m1, t1, tr := newRun()
	if _, err := t1.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	// 1 epoch, save, resume, 1 more.
	_, t2, _ := newRun()
	t2.Config.Epochs = 1
	if _, err := t2.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ck")
	if err := t2.Save(dir); err != nil {
		t.Fatal(err)
	}
	t3, err := Resume(dir, tr, Encoded{})
	if err != nil {
		t.Fatal(err)
	}
	t3.Config.Epochs = 2
	if _, err := t3.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range m1.Params() {
		if !slices.Equal(p.Data, t3.Model.Params()[i].Data) {
			t.Fatalf("%s differs after resume", p.Name)
		}
	}
	// Interrupted mid-epoch: the position is kept and the rest of the
	// epoch's batches follow in the same order after Resume.
	_, t4, _ := newRun()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = t4.Run(ctx, func(e train.Event) {
		if p, ok := e.(train.StepEvent); ok && p.Pos.Epoch == 1 && p.Pos.Batch == 7 {
			cancel()
		}
	})
	if err != context.Canceled || t4.Pos().Batch != 7 {
		t.Fatalf("interrupted run: %v at %+v", err, t4.Pos())
	}
	if err := t4.Save(dir); err != nil {
		t.Fatal(err)
	}
	t5, err := Resume(dir, tr, Encoded{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := t5.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range m1.Params() {
		if !slices.Equal(p.Data, t5.Model.Params()[i].Data) {
			t.Fatalf("%s differs after a mid-epoch resume", p.Name)
		}
	}
	if _, err := Resume(dir, Encoded{Src: tr.Src[1:], Tgt: tr.Tgt[1:]}, Encoded{}); err == nil {
		t.Error("resume on different data accepted")
	}
	// Model round trip.
	m2, mdir := testutil.SaveLoad(t, m1.Save, Load)
	if m2.Config != m1.Config || m2.Src.Len() != m1.Src.Len() {
		t.Fatalf("config %+v, want %+v", m2.Config, m1.Config)
	}
	h1, err := m1.Translate(context.Background(), tr.Src[:20], DecodeOptions{Beam: 3})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := m2.Translate(context.Background(), tr.Src[:20], DecodeOptions{Beam: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range h1 {
		if !slices.Equal(h1[i].IDs, h2[i].IDs) || h1[i].LogProb != h2[i].LogProb {
			t.Fatalf("source %d: %v vs %v after load", i, h1[i], h2[i])
		}
	}
	if _, err := Resume(mdir, tr, Encoded{}); err == nil {
		t.Error("resume from a model-only checkpoint accepted")
	}
}

// TestKeepsBestEpoch trains on reversal but validates on copying, so dev
// gets worse as training succeeds: the checkpoint's model must be the best
// epoch's parameters on dev (exact match, then dev loss), while Resume
// continues from the last ones, and Patience stops the run.
func TestKeepsBestEpoch(t *testing.T) {
	pairs := reversePairs(1, 600)
	var dev []Pair
	for _, p := range reversePairs(2, 100) {
		dev = append(dev, Pair{Source: p.Source, Target: p.Source})
	}
	m, tr, dv, tn := newCharTrainer(t, pairs, dev,
		Config{Attention: "dot", Embed: 8, Hidden: 16}, TrainConfig{Epochs: 4, Batch: 16, LR: 1e-2, Seed: 4, DevDecode: -1})
	dir := filepath.Join(t.TempDir(), "ck")
	tn.Dir = dir
	var snaps [][][]float32
	var improved []bool
	if _, err := tn.Run(context.Background(), func(e train.Event) {
		switch e := e.(type) {
		case train.EvalEvent:
			improved = append(improved, e.Improved)
		case train.EpochEvent:
			snaps = append(snaps, nn.Snapshot(m.Params(), nil))
		}
	}); err != nil {
		t.Fatal(err)
	}
	h := tn.Loop().History()
	want := 0
	for i, e := range h {
		if e.Score > h[want].Score || e.Score == h[want].Score && e.Loss < h[want].Loss {
			want = i
		}
		if improved[i] != (want == i) {
			t.Errorf("epoch %d marked best=%v: %+v", i+1, improved[i], h)
		}
	}
	t.Logf("history %+v; best epoch %d", h, want+1)
	if len(h) != 4 || len(snaps) != 4 || want == len(h)-1 {
		t.Fatalf("%d evaluations, %d epochs, best the last: the test shows nothing: %+v", len(h), len(snaps), h)
	}
	if b := tn.Loop().Best(); b == nil || b.Epoch != float64(want+1) {
		t.Fatalf("Best() = %+v, want epoch %d", b, want+1)
	}
	same := func(ps []*nn.Param, snap [][]float32) bool {
		for i, p := range ps {
			if !slices.Equal(p.Data, snap[i]) {
				return false
			}
		}
		return true
	}
	if !same(m.Params(), snaps[want]) {
		t.Error("after Run the model does not hold the best epoch's parameters")
	}
	saved, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !same(saved.Params(), snaps[want]) {
		t.Error("model.safetensors is not the best epoch's")
	}
	res, err := Resume(dir, tr, dv)
	if err != nil {
		t.Fatal(err)
	}
	if b := res.Loop().Best(); !same(res.Model.Params(), snaps[len(snaps)-1]) || b == nil || b.Epoch != float64(want+1) {
		t.Errorf("Resume: not the last epoch's parameters, or best %+v", b)
	}
	// Patience 1 stops at the first epoch without improvement.
	_, _, _, tn2 := newCharTrainer(t, pairs, dev,
		Config{Attention: "dot", Embed: 8, Hidden: 16}, TrainConfig{Epochs: 4, Batch: 16, LR: 1e-2, Seed: 4, DevDecode: -1, Patience: 1})
	r2, err := tn2.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	first := 1
	for first < len(h) && improved[first] {
		first++
	}
	if n := len(tn2.Loop().History()); n != first+1 || r2.Stop != train.StopEarly {
		t.Errorf("patience 1: ran %d epochs (stop %s), want %d", n, r2.Stop, first+1)
	}
}
