package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/recurrent-go/recurrent/text"
)

// Float is a float64 whose JSON is null when it is NaN or infinite (an
// undefined correlation, say), where encoding/json would fail.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// SectionSummary is a SectionScore with its accuracy, as reports show it.
type SectionSummary struct {
	Section   string `json:"section"`
	Correct   int    `json:"correct"`
	Incorrect int    `json:"incorrect"`
	OOV       int    `json:"oov"`
	Accuracy  Float  `json:"accuracy"`
}

// Summary returns s with its accuracy.
func (s SectionScore) Summary() SectionSummary {
	return SectionSummary{s.Name, s.Correct, s.Incorrect, s.OOV, Float(s.Accuracy())}
}

// AnalogySummary is the report of an analogy test: which file, how it was
// answered and the scores.
type AnalogySummary struct {
	File       string `json:"file"`
	Method     string `json:"method"`
	Restrict   int    `json:"restrict"`
	Total      Float  `json:"total"`
	Semantic   Float  `json:"semantic"`
	Syntactic  Float  `json:"syntactic"`
	Questions  int    `json:"questions"`
	OOV        int    `json:"oov"`
	OOVPercent Float  `json:"oov_percent"`
	// Counts are the total, semantic and syntactic counts, in that order.
	Counts   []SectionSummary `json:"counts"`
	Sections []SectionSummary `json:"sections"`
	// Skipped counts the lines of the file that were not four words
	// (skipped, as gensim skips them); FirstSkipped is the first one.
	Skipped      int `json:"skipped_lines"`
	FirstSkipped int `json:"first_skipped_line,omitempty"`
}

// Summary returns the report of the questions of file answered with opt.
func (r *AnalogyReport) Summary(file string, opt AnalogyOptions) *AnalogySummary {
	s := &AnalogySummary{
		File: file, Method: opt.Method.String(), Restrict: opt.Restrict,
		Total: Float(r.Total.Accuracy()), Semantic: Float(r.Semantic.Accuracy()), Syntactic: Float(r.Syntactic.Accuracy()),
		Questions: r.Questions, OOV: r.OOV, OOVPercent: Float(r.OOVPercent()),
		Counts:  []SectionSummary{r.Total.Summary(), r.Semantic.Summary(), r.Syntactic.Summary()},
		Skipped: len(r.Skipped),
	}
	if len(r.Skipped) > 0 {
		s.FirstSkipped = r.Skipped[0]
	}
	for _, sec := range r.Sections {
		s.Sections = append(s.Sections, sec.Summary())
	}
	return s
}

// WriteText writes the accuracy of each section, then the semantic,
// syntactic and total ones, then how many questions and malformed lines
// were skipped.
func (s *AnalogySummary) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "analogies %s\n", s.File)
	for _, c := range s.Sections {
		fmt.Fprintf(&b, "  %-30s %6.2f%%  (%d/%d, %d OOV)\n", c.Section, 100*c.Accuracy, c.Correct, c.Correct+c.Incorrect, c.OOV)
	}
	for _, c := range []SectionSummary{s.Counts[1], s.Counts[2], s.Counts[0]} {
		fmt.Fprintf(&b, "  %-30s %6.2f%%  (%d/%d)\n", c.Section, 100*c.Accuracy, c.Correct, c.Correct+c.Incorrect)
	}
	fmt.Fprintf(&b, "  questions with OOV words: %d of %d (%.1f%%), skipped\n", s.OOV, s.Questions, s.OOVPercent)
	if s.Skipped > 0 {
		fmt.Fprintf(&b, "  lines not of four words: %d (the first is line %d), skipped\n", s.Skipped, s.FirstSkipped)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// PairsSummary is the report of a word-similarity test.
type PairsSummary struct {
	File       string `json:"file"`
	Spearman   Float  `json:"spearman"`
	Pearson    Float  `json:"pearson"`
	OOVPercent Float  `json:"oov_percent"`
	Pairs      int    `json:"pairs"`
	OOV        int    `json:"oov"`
	// Skipped counts the lines of the file that were not a pair.
	Skipped int `json:"skipped_lines"`
}

// Summary returns the report of the pairs of file, skipped lines of which
// were not pairs.
func (r *PairsReport) Summary(file string, skipped int) *PairsSummary {
	return &PairsSummary{file, Float(r.Spearman), Float(r.Pearson), Float(r.OOVPercent), r.Pairs, r.OOV, skipped}
}

// WriteText writes the correlations and counts on one line.
func (s *PairsSummary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "similarity %s: spearman %.4f  pearson %.4f  (%d pairs, %d OOV = %.1f%%, %d lines skipped)\n",
		filepath.Base(s.File), s.Spearman, s.Pearson, s.Pairs, s.OOV, s.OOVPercent, s.Skipped)
	return err
}

// EvalSummary is the result of Evaluate.
type EvalSummary struct {
	Vectors string          `json:"vectors"` // the vector file's path
	Words   int             `json:"words"`
	Dim     int             `json:"dim"`
	Analogy *AnalogySummary `json:"analogy,omitempty"`
	// Similarity holds the word-similarity tests by file base name.
	Similarity map[string]*PairsSummary `json:"similarity,omitempty"`
	pairs      []*PairsSummary          // in the order run
}

// WriteText writes the size of the vectors, then each test's report.
func (r *EvalSummary) WriteText(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "%s: %d words, dimension %d\n", text.DisplayName(r.Vectors), r.Words, r.Dim); err != nil {
		return err
	}
	if r.Analogy != nil {
		if err := r.Analogy.WriteText(w); err != nil {
			return err
		}
	}
	for _, p := range r.pairs {
		if err := p.WriteText(w); err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSON writes {"word", "score"}: the row is left out.
func (n Neighbor) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Word  string  `json:"word"`
		Score float64 `json:"score"`
	}{n.Word, float64(n.Score)})
}

// Neighbors are the results of a query (MostSimilar, Analogy).
type Neighbors []Neighbor

// WriteText writes a "word<TAB>score" line per result.
func (ns Neighbors) WriteText(w io.Writer) error {
	for _, n := range ns {
		if _, err := fmt.Fprintf(w, "%s\t%.4f\n", n.Word, n.Score); err != nil {
			return err
		}
	}
	return nil
}

// PairSimilarity is the cosine similarity of two words.
type PairSimilarity struct {
	Similarity float32 `json:"similarity"`
	Word1      string  `json:"word1"`
	Word2      string  `json:"word2"`
}

// WriteText writes the similarity on a line.
func (s *PairSimilarity) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%.6f\n", s.Similarity)
	return err
}

// OddWord is the answer of DoesntMatch.
type OddWord struct {
	Ignored []string `json:"ignored"` // the unknown words, left out
	Word    string   `json:"word"`
}

// WriteText writes the odd word on a line.
func (o *OddWord) WriteText(w io.Writer) error {
	_, err := fmt.Fprintln(w, o.Word)
	return err
}
