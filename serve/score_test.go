package serve

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
)

// TestTokenScoresLongLineBounded: the per-token scores of a long line
// (12k tokens of a 20k-word model) are computed in windows of time
// steps, not from the logits of the whole line at once (1 GB here, and
// as much again copied; a 1 MB body could ask a real model for
// terabytes), and add up to the line's score.
func TestTokenScoresLongLineBounded(t *testing.T) {
	const V, T = 20000, 12000
	c := text.NewCounter()
	words := make([]string, V-2)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
		c.AddN(words[i], int64(V-i))
	}
	v, err := text.BuildVocab(c, text.VocabOptions{Specials: []string{text.UNK, text.EOS}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := lm.New(lm.Config{Arch: lm.Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 4, Hidden: 4, Layers: 1},
		Tokenizer: text.Tokenizer{Mode: text.Words, EOS: text.EOS}}, v, 3)
	if err != nil {
		t.Fatal(err)
	}
	l, err := infer.NewLM(m)
	if err != nil {
		t.Fatal(err)
	}
	s, ts := newTestServer(t, Options{})
	if err := s.Add("big", l); err != nil {
		t.Fatal(err)
	}
	line := make([]string, T)
	for i := range line {
		line[i] = words[(i*7919)%len(words)]
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a := post(t, ts, "/v1/score", map[string]any{"model": "big", "texts": []string{strings.Join(line, " ")}, "token_scores": true})
	runtime.ReadMemStats(&after)
	var got struct {
		Lines []struct {
			LogProb     float64 `json:"logprob"`
			Tokens      int     `json:"tokens"`
			TokenScores []struct {
				LogProb float64 `json:"logprob"`
			} `json:"token_scores"`
		} `json:"lines"`
	}
	a.json(t, &got)
	if len(got.Lines) != 1 || got.Lines[0].Tokens != T+1 || len(got.Lines[0].TokenScores) != T+1 {
		t.Fatalf("%d: %.200s", a.status, a.body)
	}
	var sum float64
	for _, s := range got.Lines[0].TokenScores {
		sum += s.LogProb
	}
	if l := got.Lines[0].LogProb; math.Abs(sum-l) > 1e-4*math.Abs(l) {
		t.Errorf("token scores sum to %v, the line's score is %v", sum, l)
	}
	// The line's score alone holds 256 MB of logits (lm.Model.Score's
	// bound), some 550 MB of heap with the garbage collector's room; the
	// whole line's logits are 1 GB, copied once (2 GB of heap grown).
	if grew := int64(after.HeapSys) - int64(before.HeapSys); grew > 1200<<20 {
		t.Errorf("the heap grew by %d MB for a long line's token scores", grew>>20)
	}
}
