package vectors

import (
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// TestCoverageOf: specials are never counted; the type rate counts
// training word types, the token rate weights them by their counts.
func TestCoverageOf(t *testing.T) {
	specials := []string{text.PAD, text.UNK}
	model, err := text.NewVocab([]string{text.PAD, text.UNK, "a", "b", "c", "d"}, []int64{0, 0, 5, 3, 1, 0}, specials)
	if err != nil {
		t.Fatal(err)
	}
	train, err := text.NewVocab([]string{text.PAD, text.UNK, "a", "b", "c"}, []int64{0, 0, 5, 3, 2}, specials)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"a": true, "c": true, text.UNK: true}
	c := CoverageOf(model, 3, train, func(w string) bool { return known[w] })
	want := Coverage{Found: 3, Words: 4, Train: 2, Of: 3, Rate: 2.0 / 3, TokenRate: 7.0 / 10}
	if c.Found != want.Found || c.Words != want.Words || c.Train != want.Train || c.Of != want.Of ||
		math.Abs(c.Rate-want.Rate) > 1e-12 || math.Abs(c.TokenRate-want.TokenRate) > 1e-12 {
		t.Errorf("CoverageOf = %+v, want %+v", c, want)
	}
}
