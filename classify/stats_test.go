package classify

import (
	"slices"
	"testing"
)

func TestStatsOf(t *testing.T) {
	s := StatsOf([]Example{{Label: "pos", Text: "a b c"}, {Label: "neg", Text: "d"}, {Label: "pos", Text: "e f"}})
	if s.Examples != 3 || s.WordsPerExample != 2 || !slices.Equal(s.Labels, []string{"neg", "pos"}) || s.Counts["pos"] != 2 || s.Counts["neg"] != 1 {
		t.Errorf("StatsOf = %+v", s)
	}
	if z := StatsOf(nil); z.Examples != 0 || z.WordsPerExample != 0 {
		t.Errorf("StatsOf(nil) = %+v", z)
	}
}
