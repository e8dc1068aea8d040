package classify

import "strings"

// Stats summarizes a data set: its size and how many examples each label
// has (labels in Sorted order).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Stats struct {
	Examples        int            `json:"examples"`
	WordsPerExample float64        `json:"words_per_example"`
	Labels          []string       `json:"labels"`
	Counts          map[string]int `json:"counts"`
}

// StatsOf counts the examples, their white-space separated words and the
// examples of each label.
func StatsOf(ex []Example) Stats {
	m := LabelMapOf(ex, Sorted)
	s := Stats{Examples: len(ex), Labels: m.Names, Counts: make(map[string]int, m.Len())}
	words := 0
	for _, e := range ex {
		s.Counts[e.Label]++
		words += len(strings.Fields(e.Text))
	}
	if len(ex) > 0 {
		s.WordsPerExample = float64(words) / float64(len(ex))
	}
	return s
}
