package lm

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
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
	for _, cell := range []string{"lstm", "gru"} {
		for _, cond := range []string{CondNone, CondInit, CondInput, CondBoth} {
			t.Run(cell+"/"+cond, func(t *testing.T) {
				m, err := NewCond(CondConfig{Cell: cell, VocabSize: v.Len(), EmbedDim: 4, Hidden: 5, Layers: 2,
					Labels: []string{"x", "y", "z"}, Condition: cond, LabelDim: 3}, v, 1)
				if err != nil {
					t.Fatal(err)
				}
				sents := [][]int32{{2, 3, 4}, {5}, {}, {3, 3, 2, 5}}
				labels := []int{0, 2, 1, 2}
				nn.ZeroGrads(m.Params())
				if _, n, err := m.Loss(sents, labels, true); err != nil || n != 4+2+1+5 {
					t.Fatalf("loss: %d tokens, %v", n, err)
				}
				mean := func() float64 {
					s, n, err := m.Loss(sents, labels, false)
					if err != nil {
						t.Fatal(err)
					}
					return s / float64(n)
				}
				for _, p := range m.Params() {
					for _, i := range []int{0, p.Size() / 2, p.Size() - 1} {
						const eps = 1e-2
						old := p.Data[i]
						p.Data[i] = old + eps
						lp := mean()
						p.Data[i] = old - eps
						lm := mean()
						p.Data[i] = old
						num := (lp - lm) / (2 * eps)
						if got := float64(p.Grad[i]); math.Abs(got-num) > 2e-3+2e-2*math.Abs(num) {
							t.Errorf("%s[%d]: backward %.6g, numerical %.6g", p.Name, i, got, num)
						}
					}
				}
			})
		}
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
		m, err := NewCond(CondConfig{Cell: "gru", VocabSize: v.Len(), EmbedDim: 8, Hidden: 16, Layers: 1,
			Labels: []string{"pos", "neg"}, Condition: cond, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}, v, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := TrainCond(context.Background(), m, train, valid, CondTrainConfig{Epochs: 8, Batch: 16, LR: 1e-2, Clip: 5, Seed: 1}, nil, nil); err != nil {
			t.Fatal(err)
		}
		met, err := m.Evaluate(context.Background(), valid, 32)
		if err != nil {
			t.Fatal(err)
		}
		ppl[cond] = met.Perplexity
		if cond == CondNone {
			continue
		}
		dir := filepath.Join(t.TempDir(), "m")
		if err := m.Save(dir); err != nil {
			t.Fatal(err)
		}
		if !IsConditional(dir) {
			t.Fatal("IsConditional false for a conditional checkpoint")
		}
		m2, err := LoadCond(dir)
		if err != nil {
			t.Fatal(err)
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
	if _, err := NewCond(CondConfig{Cell: "gru", VocabSize: v.Len(), EmbedDim: 2, Hidden: 2, Layers: 1,
		Labels: []string{"a"}, Condition: "prefix"}, v, 1); err == nil {
		t.Error("unknown condition accepted")
	}

}
