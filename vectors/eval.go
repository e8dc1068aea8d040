package vectors

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// AnalogyQuestion is one line "a b c d" of an analogy file: a is to b as c
// is to d.
type AnalogyQuestion struct {
	A, B, C, D string
	Line       int // 1-based line in the file
}

// AnalogySection is a named group of questions (": name" in the file).
type AnalogySection struct {
	Name      string
	Questions []AnalogyQuestion
}

// Syntactic reports whether the section is syntactic: in the Google set the
// syntactic sections are those whose name starts with "gram".
func (s AnalogySection) Syntactic() bool { return strings.HasPrefix(s.Name, "gram") }

// AnalogySet is a parsed analogy file.
type AnalogySet struct {
	Sections []AnalogySection
	// Skipped lists the lines that were not four words, which are ignored
	// (and not counted anywhere) like gensim does.
	Skipped []int
}

// LoadAnalogies reads an analogy file (see ReadAnalogies).
func LoadAnalogies(path string) (set *AnalogySet, err error) {
	err = loadFile(path, "analogies", func(r io.Reader) (err error) {
		set, err = ReadAnalogies(r)
		return err
	})
	return set, err
}

// ReadAnalogies parses the Google analogy format: lines ": name" start a
// section, other lines hold four white-space separated words. As in gensim,
// a line other than a section header before the first header is an error,
// and lines that are not exactly four words are skipped. A UTF-8
// byte-order mark at the start is dropped; invalid UTF-8 is an error
// naming the line.
func ReadAnalogies(r io.Reader) (*AnalogySet, error) {
	set := &AnalogySet{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		ln := sc.Text()
		if line == 1 {
			ln = strings.TrimPrefix(ln, text.BOM)
		}
		if err := checkLineUTF8(ln, line); err != nil {
			return nil, err
		}
		if strings.HasPrefix(ln, ": ") {
			set.Sections = append(set.Sections, AnalogySection{Name: strings.TrimSpace(strings.TrimLeft(ln, ": "))})
			continue
		}
		if len(set.Sections) == 0 {
			return nil, fmt.Errorf("line %d: expected a section header \": name\" before the first question, got %q", line, clip([]byte(ln)))
		}
		f := strings.Fields(ln)
		if len(f) != 4 {
			set.Skipped = append(set.Skipped, line)
			continue
		}
		s := &set.Sections[len(set.Sections)-1]
		s.Questions = append(s.Questions, AnalogyQuestion{A: f[0], B: f[1], C: f[2], D: f[3], Line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return set, nil
}

// pyUpper returns Python's str.upper, which gensim compares words with:
// full Unicode case mapping ("straße" -> "STRASSE", "ﬁ" -> "FI"), where
// strings.ToUpper maps rune by rune. The function is not safe for
// concurrent use.
func pyUpper() func(string) string {
	c := cases.Upper(language.Und)
	return func(s string) string {
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				return c.String(s)
			}
		}
		return strings.ToUpper(s)
	}
}

// checkLineUTF8 refuses line number n of an evaluation file if it is not
// valid UTF-8: its words could match no vector (gensim stops there too).
func checkLineUTF8(ln string, n int) error {
	if utf8.ValidString(ln) {
		return nil
	}
	col := 1
	for i, r := range ln {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(ln[i:]); size <= 1 {
				col = i + 1
				break
			}
		}
	}
	return fmt.Errorf("line %d: %w: byte 0x%02x at column %d (convert the file to UTF-8)", n, text.ErrInvalidUTF8, ln[col-1], col)
}

// AnalogyOptions configures EvaluateAnalogies. The zero value matches gensim
// 4's evaluate_word_analogies defaults except Restrict (gensim: 300000).
type AnalogyOptions struct {
	// Restrict limits the vocabulary to the first Restrict words (0: all):
	// questions with a word outside it are out of vocabulary, and answers are
	// searched only among them.
	Restrict int
	// CaseSensitive disables gensim's case_insensitive matching, which
	// compares upper-cased words and uses the first (most frequent) case
	// variant's vector.
	CaseSensitive bool
	// Dummy4Unknown counts questions with unknown words as incorrect instead
	// of skipping them.
	Dummy4Unknown bool
	// Method is the analogy objective; gensim uses CosAdd.
	Method Method
	// Progress, if not nil, is called with the number of questions answered
	// and the number to answer.
	Progress func(done, total int)
}

// SectionScore counts the answers of one section (or an aggregate).
type SectionScore struct {
	Name      string `json:"section"`
	Correct   int    `json:"correct"`
	Incorrect int    `json:"incorrect"`
	// OOV is the number of questions with a word outside the vocabulary.
	OOV int `json:"oov"`
}

// Accuracy returns Correct / (Correct + Incorrect), or 0 with no answers
// (as gensim reports).
func (s SectionScore) Accuracy() float64 {
	if s.Correct+s.Incorrect == 0 {
		return 0
	}
	return float64(s.Correct) / float64(s.Correct+s.Incorrect)
}

func (s *SectionScore) add(o SectionScore) {
	s.Correct += o.Correct
	s.Incorrect += o.Incorrect
	s.OOV += o.OOV
}

// AnalogyReport is the result of EvaluateAnalogies.
type AnalogyReport struct {
	Sections []SectionScore
	// Semantic sums the sections not starting with "gram", Syntactic the
	// others, Total all of them.
	Semantic, Syntactic, Total SectionScore
	// Questions is the number of well-formed questions; OOV of them had a
	// word outside the (restricted) vocabulary.
	Questions, OOV int
	// Skipped lists the set's lines that were not questions
	// (AnalogySet.Skipped).
	Skipped []int
}

// OOVPercent returns the share of questions with unknown words, in percent
// (gensim's oov_ratio).
func (r *AnalogyReport) OOVPercent() float64 {
	if r.Questions == 0 {
		return 0
	}
	return 100 * float64(r.OOV) / float64(r.Questions)
}

// pendingQ is a question whose words are all known.
type pendingQ struct {
	section    int
	a, b, c, d string // comparison keys
}

// distinct returns x, or when a word occurs more than once an index of the
// first occurrences only, as gensim keeps when loading such a file (so that
// the first N words are N distinct words).
func (x *Index) distinct() *Index {
	if len(x.exact) == len(x.V.Words) {
		return x
	}
	d := x.V.Dim
	v := &Vectors{Dim: d, Words: make([]string, 0, len(x.exact)), Data: make([]float32, 0, len(x.exact)*d)}
	for i, w := range x.V.Words {
		if x.exact[w] == i {
			v.Words = append(v.Words, w)
			v.Data = append(v.Data, x.V.Vec(i)...)
		}
	}
	return NewIndex(v)
}

// EvaluateAnalogies answers every question of set like gensim 4's
// KeyedVectors.evaluate_word_analogies: words are compared upper-cased
// (unless CaseSensitive), each key maps to its first occurrence among the
// first Restrict words, questions with a word outside them are skipped (or
// counted incorrect with Dummy4Unknown), the five best candidates other than
// the rows of a, b and c are taken and the first whose key is not a question
// word is the prediction; it is correct when its key equals d's. Repeated
// words of the file count once (the first), as gensim loads them.
func EvaluateAnalogies(ctx context.Context, x *Index, set *AnalogySet, opt AnalogyOptions) (*AnalogyReport, error) {
	x = x.distinct()
	r := x.restrictN(opt.Restrict)
	key := pyUpper()
	if opt.CaseSensitive {
		key = func(s string) string { return s }
	}
	keys := make([]string, r)
	ok := make(map[string]int, r)
	for i := r - 1; i >= 0; i-- {
		keys[i] = key(x.V.Words[i])
		ok[keys[i]] = i
	}
	rep := &AnalogyReport{Sections: make([]SectionScore, len(set.Sections)), Skipped: set.Skipped}
	var pend []pendingQ
	var rows [][3]int
	for si, s := range set.Sections {
		rep.Sections[si].Name = s.Name
		for _, q := range s.Questions {
			rep.Questions++
			a, b, c, d := key(q.A), key(q.B), key(q.C), key(q.D)
			ia, okA := ok[a]
			ib, okB := ok[b]
			ic, okC := ok[c]
			_, okD := ok[d]
			if !okA || !okB || !okC || !okD {
				rep.OOV++
				rep.Sections[si].OOV++
				if opt.Dummy4Unknown {
					rep.Sections[si].Incorrect++
				}
				continue
			}
			pend = append(pend, pendingQ{section: si, a: a, b: b, c: c, d: d})
			rows = append(rows, [3]int{ia, ib, ic})
		}
	}
	const chunk = 2048
	for q0 := 0; q0 < len(rows); q0 += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		q1 := min(len(rows), q0+chunk)
		ans := x.AnalogyBatch(rows[q0:q1], opt.Method, 5, r, nil)
		for j, top := range ans.Top {
			p := pend[q0+j]
			predicted, has := "", false
			for _, i := range top {
				predicted, has = keys[i], true
				if predicted != p.a && predicted != p.b && predicted != p.c {
					break
				}
			}
			if has && predicted == p.d {
				rep.Sections[p.section].Correct++
			} else {
				rep.Sections[p.section].Incorrect++
			}
		}
		if opt.Progress != nil {
			opt.Progress(q1, len(rows))
		}
	}
	rep.Semantic.Name, rep.Syntactic.Name, rep.Total.Name = "semantic", "syntactic", "total"
	for si, s := range rep.Sections {
		if set.Sections[si].Syntactic() {
			rep.Syntactic.add(s)
		} else {
			rep.Semantic.add(s)
		}
		rep.Total.add(s)
	}
	return rep, nil
}

// WordPair is one line of a word-similarity file: two words and a human
// score.
type WordPair struct {
	A, B  string
	Score float64
	Line  int
}

// LoadWordPairs reads a word-similarity file (see ReadWordPairs).
func LoadWordPairs(path string) (pairs []WordPair, skipped []int, err error) {
	err = loadFile(path, "word pairs", func(r io.Reader) (err error) {
		pairs, skipped, err = ReadWordPairs(r)
		return err
	})
	return pairs, skipped, err
}

// ReadWordPairs parses "w1 w2 score" lines. A line holding a tab is split on
// tabs (exactly three fields, like gensim's default delimiter), any other
// line on white space. Lines starting with '#' are comments. Lines that do
// not parse (or whose score is NaN or infinite) are skipped, like gensim
// skips unparsable lines, and their numbers returned. A UTF-8 byte-order
// mark at the start is dropped; invalid UTF-8 is an error naming the line,
// and so is a file with lines but no pair.
func ReadWordPairs(r io.Reader) (pairs []WordPair, skipped []int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		ln := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			ln = strings.TrimPrefix(ln, text.BOM)
		}
		if err := checkLineUTF8(ln, line); err != nil {
			return nil, nil, err
		}
		if strings.HasPrefix(ln, "#") {
			continue
		}
		var f []string
		if strings.Contains(ln, "\t") {
			f = strings.Split(ln, "\t")
		} else {
			f = strings.Fields(ln)
		}
		if len(f) != 3 || f[0] == "" || f[1] == "" {
			skipped = append(skipped, line)
			continue
		}
		score, perr := strconv.ParseFloat(strings.TrimSpace(f[2]), 64)
		if perr != nil || math.IsNaN(score) || math.IsInf(score, 0) {
			skipped = append(skipped, line)
			continue
		}
		pairs = append(pairs, WordPair{A: f[0], B: f[1], Score: score, Line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if len(pairs) == 0 && len(skipped) > 0 {
		return nil, nil, fmt.Errorf("none of the %d lines is \"word1<TAB>word2<TAB>score\" or \"word1 word2 score\" (line %d is the first)", len(skipped), skipped[0])
	}
	return pairs, skipped, nil
}

// PairsOptions configures EvaluateWordPairs; the zero value matches gensim
// 4's evaluate_word_pairs defaults except Restrict (gensim: 300000).
type PairsOptions struct {
	Restrict      int  // only the first Restrict words (0: all)
	CaseSensitive bool // compare words exactly instead of upper-cased
	// Dummy4Unknown gives pairs with unknown words similarity 0 instead of
	// skipping them.
	Dummy4Unknown bool
}

// PairsReport is the result of EvaluateWordPairs.
type PairsReport struct {
	Pearson  float64 // Pearson correlation of model and human scores
	Spearman float64 // Spearman rank correlation (average ranks for ties)
	Pairs    int     // pairs used in the correlations
	OOV      int     // pairs with a word outside the vocabulary
	// OOVPercent is gensim's oov_ratio: OOV / (Pairs + OOV) * 100, or
	// OOV / Pairs * 100 with Dummy4Unknown (where Pairs includes them).
	OOVPercent float64
}

// EvaluateWordPairs correlates cosine similarities with human scores like
// gensim 4's KeyedVectors.evaluate_word_pairs.
func EvaluateWordPairs(x *Index, pairs []WordPair, opt PairsOptions) (*PairsReport, error) {
	x = x.distinct()
	r := x.restrictN(opt.Restrict)
	key := pyUpper()
	if opt.CaseSensitive {
		key = func(s string) string { return s }
	}
	ok := make(map[string]int, r)
	for i := r - 1; i >= 0; i-- {
		ok[key(x.V.Words[i])] = i
	}
	var gold, model []float64
	rep := &PairsReport{}
	for _, p := range pairs {
		ia, okA := ok[key(p.A)]
		ib, okB := ok[key(p.B)]
		if !okA || !okB {
			rep.OOV++
			if opt.Dummy4Unknown {
				gold = append(gold, p.Score)
				model = append(model, 0)
			}
			continue
		}
		gold = append(gold, p.Score)
		model = append(model, float64(tensor.Dot(x.UnitVec(ia), x.UnitVec(ib))))
	}
	if len(gold) == 0 {
		return nil, fmt.Errorf("no word pair has both words in the vocabulary (%d pairs, %d out of vocabulary)", len(pairs), rep.OOV)
	}
	rep.Pairs = len(gold)
	rep.Pearson = Pearson(gold, model)
	rep.Spearman = Spearman(gold, model)
	if opt.Dummy4Unknown {
		rep.OOVPercent = 100 * float64(rep.OOV) / float64(len(gold))
	} else {
		rep.OOVPercent = 100 * float64(rep.OOV) / float64(len(gold)+rep.OOV)
	}
	return rep, nil
}

// Pearson returns the Pearson correlation of x and y (NaN if either is
// constant or they have fewer than two values).
func Pearson(x, y []float64) float64 {
	n := len(x)
	if n != len(y) || n < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	r := sxy / math.Sqrt(sxx*syy)
	return max(-1, min(1, r))
}

// Spearman returns the Spearman rank correlation of x and y: the Pearson
// correlation of their ranks, tied values sharing their average rank.
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) {
		return math.NaN()
	}
	return Pearson(Ranks(x), Ranks(y))
}

// Ranks returns the 1-based ranks of x, ties getting the average of the
// ranks they span.
func Ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	ranks := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of ranks i+1 .. j
		for k := i; k < j; k++ {
			ranks[idx[k]] = avg
		}
		i = j
	}
	return ranks
}
