package seq2seq

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/recurrent-go/recurrent/internal/gradtest"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// tinyVocabs returns char vocabularies over letters a-f on both sides.
// tinyModel returns a model of embedding and hidden size 4 over the
// vocabularies of tinyVocabs.
func tinyModel(t testing.TB) *Model {
	t.Helper()
	src, tgt := tinyVocabs(t)
	m, err := New(Config{Embed: 4, Hidden: 4}, src, tgt, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tinyVocabs(t testing.TB) (*text.Vocab, *text.Vocab) {
	t.Helper()
	pairs := []Pair{{Source: "abcdef", Target: "abcdef"}}
	src, tgt, err := BuildVocabs(pairs, "char")
	if err != nil {
		t.Fatal(err)
	}
	return src, tgt
}

func randIDs(r *rand.Rand, n, v int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(4 + r.IntN(v-4))
	}
	return ids
}

// meanLoss is the batch's mean token loss without touching gradients.
func meanLoss(t *testing.T, m *Model, src, tgt [][]int32) float64 {
	t.Helper()
	st, err := m.Forward(src, tgt, false)
	if err != nil {
		t.Fatal(err)
	}
	return st.Loss / float64(st.Tokens)
}

// TestGradients compares the hand-written backward pass (decoder steps,
// attention, bridge, encoder) with central finite differences computed in
// float32, for every attention and both decoder cells.
func TestGradients(t *testing.T) {
	cases := []struct {
		attn, enc, dec string
	}{
		{"bahdanau", "gru", "gru"},
		{"bahdanau", "lstm", "lstm"},
		{"dot", "gru", "lstm"},
		{"general", "rnn_tanh", "gru"},
		{"none", "gru", "gru"},
		{"none", "lstm", "lstm"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%s/%s", c.attn, c.enc, c.dec), func(t *testing.T) {
			src, tgt := tinyVocabs(t)
			m, err := New(Config{Cell: c.enc, DecoderCell: c.dec, Attention: c.attn,
				Embed: 5, Hidden: 4, AttentionSize: 6}, src, tgt, 7)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			// Variable source and target lengths exercise the masks.
			xs := [][]int32{randIDs(r, 5, src.Len()), randIDs(r, 2, src.Len()), randIDs(r, 4, src.Len())}
			ys := [][]int32{randIDs(r, 3, tgt.Len()), randIDs(r, 1, tgt.Len()), {}}
			nn.ZeroGrads(m.Params())
			st, err := m.Forward(xs, ys, true)
			if err != nil {
				t.Fatal(err)
			}
			if st.Tokens != 3+1+1+1+0+1 {
				t.Fatalf("counted %d tokens, want 7", st.Tokens)
			}
			// A few entries of each parameter, including the first.
			at := func(p *nn.Param) []int {
				at := []int{0, p.Size() / 3, p.Size() - 1}
				if p.Name == "src_embed.weight" || p.Name == "tgt_embed.weight" {
					for j, i := range at {
						at[j] = int(4+i%2)*p.Shape[1] + i%p.Shape[1] // rows that are used
					}
				}
				return at
			}
			checked := gradtest.Check(t, m.Params(), func() float64 { return meanLoss(t, m, xs, ys) }, at, 1e-2, 2e-3, 2e-2)
			if checked < 20 {
				t.Fatalf("only %d entries checked", checked)
			}
		})
	}
}

func TestNewModelErrors(t *testing.T) {
	src, tgt := tinyVocabs(t)
	for _, cfg := range []Config{
		{Attention: "luong"},
		{DecoderCell: "rnn_tanh"},
		{Attention: "dot", Hidden: 4, DecoderHidden: 5},
		{Tokens: "bytes"},
		{Hidden: -1},
	} {
		if _, err := New(cfg, src, tgt, 1); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
	bad, err := text.NewVocab([]string{"a", "b", "c", "d", "e"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{}, bad, tgt, 1); err == nil {
		t.Error("vocabulary without specials accepted")
	}
}
