package infer_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/infer/infertest"
)

// TestScoreLogitsBounded: lines scored together are split so that their
// padded logits stay within maxScoreLogits, with the same scores as
// scored in one pass, and a line over the bound alone is an input error
// naming it (instead of an allocation of T*B*V floats: a 15k-token line
// among 63 short ones would have asked a 10k-word model for 38 GB).
func TestScoreLogitsBounded(t *testing.T) {
	p, err := infertest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m, err := infer.Load(p.WordLM)
	if err != nil {
		t.Fatal(err)
	}
	l := m.(*infer.LM)
	V := l.M.Config.VocabSize
	lines := append([]string{}, infertest.Sentences...)
	lines = append(lines, "the soup", strings.Repeat("the river runs ", 6)) // 19 tokens with the end of line
	ctx := context.Background()
	ref, err := l.ScoreLines(ctx, lines, 64, true)
	if err != nil {
		t.Fatal(err)
	}
	undo := infer.SetMaxScoreLogits(20 * V)
	defer undo() // the long line alone; at most 2 of the others together
	seqs := make([][]int32, len(lines))
	for i, line := range lines {
		if seqs[i], err = l.M.EncodeLine(line); err != nil {
			t.Fatal(err)
		}
	}
	if ends, err := infer.ScoreGroups(seqs, 64, V, false); err != nil || len(ends) < 4 || ends[len(ends)-1] != len(lines) {
		t.Errorf("runs ending at %v (%v), want 4 or more ending at %d", ends, err, len(lines))
	}
	got, err := l.ScoreLines(ctx, lines, 64, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ref {
		if got[i].Tokens != ref[i].Tokens || math.Abs(got[i].LogProb-ref[i].LogProb) > 1e-4*math.Abs(ref[i].LogProb) {
			t.Errorf("line %d split: %d tokens %v, in one pass %d tokens %v", i, got[i].Tokens, got[i].LogProb, ref[i].Tokens, ref[i].LogProb)
		}
	}
	ends, _ := infer.ScoreGroups(make([][]int32, 10), 64, V, false)
	if len(ends) != 1 {
		t.Errorf("empty lines split into %v", ends)
	}
	infer.SetMaxScoreLogits(18 * V)
	_, err = l.ScoreLines(ctx, lines, 64, false)
	if !errors.Is(err, infer.ErrInput) || !strings.Contains(err.Error(), "texts[7]: 19 tokens") {
		t.Errorf("a line over the bound: %v", err)
	}
}
