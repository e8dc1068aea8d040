package classify

import (
	"fmt"
	"io"
	"strings"
)

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

// FileStats are the Stats of a data file with its name and format.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type FileStats struct {
	File   string `json:"file"`
	Format string `json:"format"`
	Stats
}

// ReadStats reads examples in format f (FormatAuto: detected) from r,
// named name, and returns their FileStats.
func ReadStats(r io.Reader, name string, f Format) (FileStats, error) {
	ex, ff, err := ReadFormat(r, name, f)
	if err != nil {
		return FileStats{}, err
	}
	return FileStats{File: name, Format: ff.String(), Stats: StatsOf(ex)}, nil
}

// WriteText writes the format, size and label counts, a label a line.
func (s *FileStats) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%s: format %s, %d examples, %.1f words/example, %d labels\n", s.File, s.Format, s.Examples, s.WordsPerExample, len(s.Labels))
	for _, name := range s.Labels {
		if _, err := fmt.Fprintf(w, "  %-12s %6d\n", name, s.Counts[name]); err != nil {
			return err
		}
	}
	return nil
}
