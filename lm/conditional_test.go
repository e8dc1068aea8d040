package lm

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/gradtest"
	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

func condVocab(t testing.TB, toks ...string) *text.Vocab {
	t.Helper()
	v, err := text.NewVocab(append([]string{text.UNK, text.EOS}, toks...), nil, []string{text.UNK, text.EOS})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCondGradients checks the conditional model's backward (label
// embedding, label-initialised state, RNN, decoder) against central
// differences, for every conditioning and an LSTM and a GRU.
func TestCondGradients(t *testing.T) {
	v := condVocab(t, "a", "b", "c", "d")
	type variant struct {
		cell, cond string
		bias       bool
		disc       float64 // > 0: HybridLoss with this weight
	}
	var vs []variant
	for _, cell := range []string{"lstm", "gru"} {
		for _, cond := range []string{CondNone, CondInit, CondInput, CondBoth} {
			vs = append(vs, variant{cell, cond, false, 0})
		}
	}
	vs = append(vs, variant{"lstm", CondNone, true, 0}, variant{"gru", CondBoth, true, 0},
		variant{"lstm", CondBoth, true, 0.7}, variant{"gru", CondInit, false, 2})
	for _, vt := range vs {
		cell, cond := vt.cell, vt.cond
		t.Run(fmt.Sprintf("%s/%s/bias=%v/disc=%v", cell, cond, vt.bias, vt.disc), func(t *testing.T) {
			m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: cell, VocabSize: v.Len(), EmbedDim: 4, Hidden: 5, Layers: 2},
				Labels: []string{"x", "y", "z"}, Condition: cond, LabelDim: 3, LabelBias: vt.bias}, v, 1)
			if vt.bias { // a non-zero bias, so its gradient flows into the rest
				r := rand.New(rand.NewPCG(5, 5))
				for _, p := range m.Params() {
					if p.Name == "label_bias.weight" {
						nn.InitUniform(r, p.Data, 0.5)
					}
				}
			}
			sents := [][]int32{{2, 3, 4}, {5}, {}, {3, 3, 2, 5}}
			labels := []int{0, 2, 1, 2}
			nn.ZeroGrads(m.Params())
			if vt.disc > 0 {
				if _, n, d, err := m.HybridLoss(sents, labels, vt.disc, true); err != nil || n != 4+2+1+5 || !(d > 0) {
					t.Fatalf("hybrid loss: %d tokens, disc %v, %v", n, d, err)
				}
			} else if _, n, err := m.Loss(sents, labels, true); err != nil || n != 4+2+1+5 {
				t.Fatalf("loss: %d tokens, %v", n, err)
			}
			mean := func() float64 {
				s, n, err := m.Loss(sents, labels, false)
				if err != nil {
					t.Fatal(err)
				}
				if vt.disc > 0 {
					// The discriminative term from the posteriors.
					var d float64
					for b, l := range labels {
						post, err := m.LabelPosterior(sents[b])
						if err != nil {
							t.Fatal(err)
						}
						d -= post[l]
					}
					return s/float64(n) + vt.disc*d/float64(len(sents))
				}
				return s / float64(n)
			}
			gradtest.Check(t, m.Params(), mean, gradtest.Ends, 1e-2, 2e-3, 2e-2)
		})
	}
}

// TestCondLearnsLabel trains on sentences whose words depend on the
// label only and requires samples for each label to use that label's
// words; the unconditional model cannot, and has a higher perplexity.
func TestCondLearnsLabel(t *testing.T) {
	words := [][]string{{"good", "great", "fine"}, {"bad", "awful", "poor"}}
	var all []string
	for _, w := range words {
		all = append(all, w...)
	}
	v := condVocab(t, all...)
	r := rand.New(rand.NewPCG(3, 3))
	gen := func(n int) CondData {
		var d CondData
		for i := 0; i < n; i++ {
			l := r.IntN(2)
			s := make([]int32, 2+r.IntN(4))
			for j := range s {
				s[j] = v.ID(words[l][r.IntN(3)])
			}
			d.Sents, d.Labels = append(d.Sents, s), append(d.Labels, l)
		}
		return d
	}
	train, valid := gen(600), gen(100)
	ppl := map[string]float64{}
	for _, cond := range []string{CondNone, CondInit} {
		m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 8, Hidden: 16, Layers: 1},
			Labels: []string{"pos", "neg"}, Condition: cond, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}, v, 2)
		if err := trainCond(m, train, valid, CondTrainConfig{Epochs: 8, Batch: 16, LR: 1e-2, Clip: 5, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		met, err := m.Evaluate(context.Background(), valid, 32)
		if err != nil {
			t.Fatal(err)
		}
		ppl[cond] = met.Perplexity
		acc, err := m.LabelAccuracy(context.Background(), valid, 32)
		if err != nil {
			t.Fatal(err)
		}
		ll, err := m.LabelLogLikelihoods(valid.Sents[:5])
		if err != nil {
			t.Fatal(err)
		}
		for b, row := range ll {
			for l, v := range row {
				nll, _, err := m.Loss(valid.Sents[b:b+1], []int{l}, false)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(v+nll) > 1e-4*max(1, nll) {
					t.Errorf("%s: sentence %d label %d: log-likelihood %v, Loss %v", cond, b, l, v, nll)
				}
			}
		}
		if cond == CondNone {
			if acc > 0.7 {
				t.Errorf("unconditional model classifies %.3f of the labels right", acc)
			}
			continue
		}
		if acc < 0.95 {
			t.Errorf("%s: the model's Bayes posterior classifies %.3f of valid right, want >= 0.95", cond, acc)
		}
		m2, dir := testutil.SaveLoad(t, m.Save, LoadCond)
		if !IsConditional(dir) {
			t.Fatal("IsConditional false for a conditional checkpoint")
		}
		for l, name := range []string{"pos", "neg"} {
			li := m2.LabelID(name)
			if li != l {
				t.Fatalf("LabelID(%s) = %d", name, li)
			}
			ok := 0
			for s := uint64(0); s < 20; s++ {
				ids, err := m2.Sample(context.Background(), li, SampleOptions{MaxTokens: 10, Temperature: 1, Seed: s})
				if err != nil {
					t.Fatal(err)
				}
				sent := m2.DecodeSentence(ids)
				good := len(ids) > 0
				for _, w := range strings.Fields(sent) {
					good = good && slices.Contains(words[l], w)
				}
				if good {
					ok++
				}
			}
			if ok < 18 {
				t.Errorf("label %s: %d of 20 samples use only its words", name, ok)
			}
			// The model as a classifier (Bayes' rule) and reranked samples.
			post, err := m2.LabelPosterior([]int32{v.ID(words[l][0]), v.ID(words[l][1])})
			if err != nil {
				t.Fatal(err)
			}
			if p := math.Exp(post[l]); p < 0.9 || math.Abs(math.Exp(post[0])+math.Exp(post[1])-1) > 1e-9 {
				t.Errorf("label %s: posterior %v", name, post)
			}
			ids, score, err := m2.SampleReranked(context.Background(), l, SampleOptions{MaxTokens: 10, Temperature: 1, Seed: 7}, 5)
			if err != nil {
				t.Fatal(err)
			}
			if check, _ := m2.LabelPosterior(ids); math.Abs(check[l]-score) > 1e-9 || score < math.Log(0.9) {
				t.Errorf("label %s: reranked sample %v scored %.4f (recomputed %v)", name, ids, score, check)
			}
		}
	}
	t.Logf("valid perplexity: %v", ppl)
	if !(ppl[CondInit] < ppl[CondNone]-0.3) {
		t.Errorf("conditional perplexity %.3f not clearly below unconditional %.3f", ppl[CondInit], ppl[CondNone])
	}
	if _, err := NewCond(CondConfig{Arch: Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 2, Hidden: 2, Layers: 1},
		Labels: []string{"a"}, Condition: "prefix"}, v, 1); err == nil {
		t.Error("unknown condition accepted")
	}

}

// TestCondLabelBias trains a model that sees the label only through its
// output bias (condition none) on label-dependent words: the bias alone
// must make each label's next-word distribution favour its own words, and
// it must survive a checkpoint round trip.
func TestCondLabelBias(t *testing.T) {
	words := [][]string{{"good", "great", "fine"}, {"bad", "awful", "poor"}}
	v := condVocab(t, append(slices.Clone(words[0]), words[1]...)...)
	r := rand.New(rand.NewPCG(4, 4))
	var d CondData
	for range 400 {
		l := r.IntN(2)
		s := make([]int32, 1+r.IntN(4))
		for j := range s {
			s[j] = v.ID(words[l][r.IntN(3)])
		}
		d.Sents, d.Labels = append(d.Sents, s), append(d.Labels, l)
	}
	m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 8, Hidden: 8, Layers: 1},
		Labels: []string{"pos", "neg"}, Condition: CondNone, LabelBias: true, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}, v, 2)
	if err := trainCond(m, d, CondData{}, CondTrainConfig{Epochs: 10, Batch: 16, LR: 3e-2, Clip: 5, Seed: 1, Bucket: true}); err != nil {
		t.Fatal(err)
	}
	m2, _ := testutil.SaveLoad(t, m.Save, LoadCond)
	if !m2.Config.LabelBias {
		t.Fatal("label_bias lost in the checkpoint")
	}
	V := v.Len()
	for l := range words {
		s1, _, err := m.Loss(d.Sents[:20], d.Labels[:20], false)
		if err != nil {
			t.Fatal(err)
		}
		s2, _, err := m2.Loss(d.Sents[:20], d.Labels[:20], false)
		if err != nil {
			t.Fatal(err)
		}
		if s1 != s2 {
			t.Fatalf("loss %v before save, %v after load", s1, s2)
		}
		logits, err := m2.forward([][]int32{{}}, []int{l})
		if err != nil {
			t.Fatal(err)
		}
		p := make([]float32, V)
		tensor.Softmax(p, logits[:V])
		var own, other float32
		for _, w := range words[l] {
			own += p[v.ID(w)]
		}
		for _, w := range words[1-l] {
			other += p[v.ID(w)]
		}
		if own < 0.9 {
			t.Errorf("label %d: first-word probability of its words %.3f, of the other label's %.3f", l, own, other)
		}
	}
}

// TestCondGuidance checks SampleGuided: g = 0 is Sample, and a greedy
// guided step picks the argmax of log p(w|l) + g (log p(w|l) - log p(w|other)).
func TestCondGuidance(t *testing.T) {
	v := condVocab(t, "a", "b", "c", "d", "e")
	m := mustNew(t, NewCond, CondConfig{Arch: Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 4, Hidden: 6, Layers: 1},
		Labels: []string{"x", "y"}, Condition: CondBoth, LabelDim: 2, LabelBias: true}, v, 3)
	r := rand.New(rand.NewPCG(9, 9))
	for _, p := range m.Params() {
		nn.InitUniform(r, p.Data, 1)
	}
	ctx := context.Background()
	opt := SampleOptions{MaxTokens: 8, Temperature: 1, Seed: 11, Prompt: []int32{2}}
	plain, err := m.Sample(ctx, 1, opt)
	if err != nil {
		t.Fatal(err)
	}
	g0, err := m.SampleGuided(ctx, 1, opt, 0)
	if err != nil || !slices.Equal(plain, g0) {
		t.Fatalf("guidance 0: %v (%v), Sample: %v", g0, err, plain)
	}
	V := v.Len()
	logp := func(label int) []float32 {
		lg, err := m.forward([][]int32{{2}}, []int{label})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float32, V)
		tensor.LogSoftmax(out, lg[V:2*V])
		return out
	}
	seen := map[int32]bool{}
	for _, g := range []float64{0, 0.5, 2, 8} {
		want := make([]float32, V)
		lx, ly := logp(0), logp(1)
		for i := range want {
			want[i] = ly[i] + float32(g)*(ly[i]-lx[i])
		}
		want[v.UnkID()] = float32(math.Inf(-1))
		ids, err := m.SampleGuided(ctx, 1, SampleOptions{MaxTokens: 1, Prompt: []int32{2}, Greedy: true}, g)
		if err != nil {
			t.Fatal(err)
		}
		if best := int32(tensor.Argmax(want)); len(ids) > 0 && ids[0] != best || len(ids) == 0 && best != 1 {
			t.Errorf("guidance %v: greedy step %v, want %d", g, ids, best)
		}
		if len(ids) > 0 {
			seen[ids[0]] = true
		}
	}
	t.Logf("greedy picks over guidance strengths: %v", seen)
	if _, err := m.SampleGuided(ctx, 0, opt, -1); err == nil {
		t.Error("negative guidance accepted")
	}
}

// TestCondBatches checks that every sentence is in exactly one batch and
// that bucketing by length cuts the padding.
func TestCondBatches(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sents := make([][]int32, 1000)
	for i := range sents {
		sents[i] = make([]int32, 1+r.IntN(50))
	}
	pad := map[bool]int{}
	for _, bucket := range []bool{false, true} {
		task := &condTask{cfg: &CondTrainConfig{Batch: 16, Seed: 7, Bucket: bucket}, train: CondData{Sents: sents}}
		if _, err := task.Epoch(0); err != nil {
			t.Fatal(err)
		}
		bs := task.batches
		seen := make([]int, len(sents))
		for _, b := range bs {
			if len(b) == 0 || len(b) > 16 {
				t.Fatalf("bucket %v: batch of %d", bucket, len(b))
			}
			T := 0
			for _, i := range b {
				seen[i]++
				T = max(T, len(sents[i]))
			}
			for _, i := range b {
				pad[bucket] += T - len(sents[i])
			}
		}
		for i, n := range seen {
			if n != 1 {
				t.Fatalf("bucket %v: sentence %d in %d batches", bucket, i, n)
			}
		}
	}
	if pad[true]*4 > pad[false] {
		t.Errorf("padding with buckets %d, without %d", pad[true], pad[false])
	}
}

// TestCondResume trains 6 epochs straight and 3 + save + resume 3, without
// dropout and with it (embeddings, between two layers, outputs), and
// requires identical parameters, history and best model; the checkpoint's
// model is the best validation epoch's.
func TestCondResume(t *testing.T) {
	for _, c := range []struct {
		dropout float64
		layers  int
		seed    uint64 // training seed, chosen so that the last epoch is not the best
	}{{0, 1, 2}, {0.3, 2, 3}} {
		t.Run(fmt.Sprintf("dropout%v/L%d", c.dropout, c.layers), func(t *testing.T) { testCondResume(t, c.dropout, c.layers, c.seed) })
	}
}

func testCondResume(t *testing.T, dropout float64, layers int, seed uint64) {
	words := [][]string{{"good", "great", "fine"}, {"bad", "awful", "poor"}}
	v := condVocab(t, append(slices.Clone(words[0]), words[1]...)...)
	r := rand.New(rand.NewPCG(6, 6))
	gen := func(n int) CondData {
		var d CondData
		for range n {
			l := r.IntN(2)
			s := make([]int32, 1+r.IntN(4))
			for j := range s {
				s[j] = v.ID(words[r.IntN(2)][r.IntN(3)]) // noisy: either label's words
			}
			d.Sents, d.Labels = append(d.Sents, s), append(d.Labels, l)
		}
		return d
	}
	trainD, valid := gen(300), gen(60)
	cfg := CondConfig{Arch: Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 6, Hidden: 8, Layers: layers, Dropout: dropout}, Labels: []string{"pos", "neg"},
		Condition: CondBoth, LabelDim: 2, LabelBias: true}
	tc := CondTrainConfig{Epochs: 6, Batch: 16, LR: 1e-1, Clip: 5, Seed: seed, Bucket: true, Discriminative: 0.1}
	newTrainer := func() *CondTrainer {
		m := mustNew(t, NewCond, cfg, v, 5)
		tr := traintest.NewTrainer(t, NewCondTrainer, m, trainD, valid, tc)
		return tr
	}
	ctx := context.Background()
	// Every epoch's parameters and validation, straight and resumed.
	type epoch struct {
		params [][]float32
		eval   *train.Eval
	}
	record := func(tr **CondTrainer, to *[]epoch) func(train.Event) {
		return func(e train.Event) {
			if ep, ok := e.(train.EpochEvent); ok {
				*to = append(*to, epoch{nn.Snapshot((*tr).Model.Params(), nil), ep.Eval})
			}
		}
	}
	straight := newTrainer()
	var h1, h2 []epoch
	if _, err := straight.Run(ctx, record(&straight, &h1)); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ck")
	first := newTrainer()
	first.Dir = dir
	first.Config.Epochs = 3
	if _, err := first.Run(ctx, record(&first, &h2)); err != nil {
		t.Fatal(err)
	}
	res, err := ResumeCond(dir, trainD, valid)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pos().Epoch != 3 || len(res.Loop().History()) != 3 {
		t.Fatalf("resumed at %+v with %d evaluations", res.Pos(), len(res.Loop().History()))
	}
	res.Config.Epochs = 6
	if _, err := res.Run(ctx, record(&res, &h2)); err != nil {
		t.Fatal(err)
	}
	if len(h1) != 6 || len(h2) != 6 {
		t.Fatalf("%d epochs straight, %d resumed", len(h1), len(h2))
	}
	for i, p := range straight.Model.Params() {
		if !slices.Equal(h1[5].params[i], h2[5].params[i]) {
			t.Fatalf("%s: resumed training reached other parameters", p.Name)
		}
		if !slices.Equal(p.Data, res.Model.Params()[i].Data) {
			t.Fatalf("%s: the best model differs after resuming", p.Name)
		}
	}
	best := 0
	for i := range h1 {
		if h1[i].eval.Loss != h2[i].eval.Loss {
			t.Fatalf("epoch %d: %+v straight, %+v resumed", i+1, h1[i].eval, h2[i].eval)
		}
		if h1[i].eval.Loss < h1[best].eval.Loss {
			best = i
		}
	}
	t.Logf("best epoch %d", best+1)
	if best == len(h1)-1 {
		t.Fatal("the last epoch is the best, so the test cannot tell the best model from the last")
	}
	saved, err := LoadCond(dir)
	if err != nil {
		t.Fatal(err)
	}
	met, err := saved.Evaluate(ctx, valid, 32)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(met.Loss-h1[best].eval.Loss) > 1e-9 {
		t.Errorf("saved model's valid loss %v, best epoch %d had %v", met.Loss, best+1, h1[best].eval.Loss)
	}
	if _, err := ResumeCond(dir, gen(300), valid); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Errorf("resume on other data: %v", err)
	}
}

// trainCond trains m without a checkpoint directory.
func trainCond(m *CondModel, trainD, valid CondData, cfg CondTrainConfig) error {
	tr, err := NewCondTrainer(m, trainD, valid, cfg)
	if err != nil {
		return err
	}
	_, err = tr.Run(context.Background(), nil)
	return err
}
