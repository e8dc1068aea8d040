package seq2seq

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"

	"github.com/recurrent-go/recurrent/text"
)

// MaxOrder is the largest n-gram order of BLEU.
const MaxOrder = 4

// BLEUStats are the sufficient statistics of BLEU-4: clipped n-gram
// matches and hypothesis n-gram counts per order, and the hypothesis and
// reference lengths. Statistics of segments add up to the corpus's.
//
// Plain data: safe for concurrent reads; Add modifies it, so synchronise Add
// with other uses.
type BLEUStats struct {
	Correct [MaxOrder]int `json:"correct"`
	Total   [MaxOrder]int `json:"total"`
	SysLen  int           `json:"sys_len"`
	RefLen  int           `json:"ref_len"`
}

// Add accumulates o into s.
func (s *BLEUStats) Add(o BLEUStats) {
	for n := range MaxOrder {
		s.Correct[n] += o.Correct[n]
		s.Total[n] += o.Total[n]
	}
	s.SysLen += o.SysLen
	s.RefLen += o.RefLen
}

// BLEU is a BLEU score with the figures sacreBLEU reports.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type BLEU struct {
	// Score is BLEU on a 0-100 scale.
	Score float64 `json:"bleu"`
	// Precisions are the (smoothed) n-gram precisions in percent, n=1..4.
	Precisions []float64 `json:"precisions"`
	// BP is the brevity penalty.
	BP     float64 `json:"bp"`
	SysLen int     `json:"sys_len"`
	RefLen int     `json:"ref_len"`
	// Counts and Totals are the matched and hypothesis n-gram counts.
	Counts []int `json:"counts"`
	Totals []int `json:"totals"`
	// Tokenize, Lowercase and Signature tell how CorpusBLEULines prepared
	// the lines (BLEUOptions, with "" resolved to its default); Signature
	// is empty for scores of token sequences.
	Tokenize  string `json:"tokenize,omitempty"`
	Lowercase bool   `json:"lowercase"`
	Signature string `json:"signature,omitempty"`
}

// String formats b as sacreBLEU does: "BLEU = 27.27 66.7/40.0/25.0/16.7
// (BP = 0.846 ratio = 0.857 hyp_len = 6 ref_len = 7)".
func (b BLEU) String() string {
	ratio := 0.0
	if b.RefLen > 0 {
		ratio = float64(b.SysLen) / float64(b.RefLen)
	}
	p := make([]string, len(b.Precisions))
	for i, v := range b.Precisions {
		p[i] = fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("BLEU = %.2f %s (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)",
		b.Score, strings.Join(p, "/"), b.BP, ratio, b.SysLen, b.RefLen)
}

// WriteText writes b's String and a newline, then b's Signature on a line
// of its own if it has one.
func (b BLEU) WriteText(w io.Writer) error {
	s := b.String() + "\n"
	if b.Signature != "" {
		s += b.Signature + "\n"
	}
	_, err := io.WriteString(w, s)
	return err
}

// CorpusBLEULines is corpus BLEU of the lines of two inputs as sacreBLEU's
// command computes it with opt: each hypothesis and reference line is
// prepared by opt.Preprocess, then scored as by CorpusBLEU. hypName and
// refName name the inputs in the error when their line counts differ.
func CorpusBLEULines(hyps, refs []string, hypName, refName string, opt BLEUOptions) (BLEU, error) {
	if len(refs) != len(hyps) {
		return BLEU{}, fmt.Errorf("%s has %d lines but %s has %d; they must match line for line", hypName, len(hyps), refName, len(refs))
	}
	prep, err := opt.preprocessor()
	if err != nil {
		return BLEU{}, err
	}
	b := corpusBLEU(len(hyps), func(c *counter, i int) {
		c.hids, c.rids = c.ids(prep(hyps[i]), c.hids), c.ids(prep(refs[i]), c.rids)
	})
	b.Tokenize, _, _ = opt.tokenizer()
	b.Lowercase = opt.Lowercase
	b.Signature, _ = opt.Signature()
	return b, nil
}

// CorpusBLEUFiles is CorpusBLEULines of the lines of the files hypPath and
// refPath, read through s ("-" is s.In).
func CorpusBLEUFiles(s text.Stdio, hypPath, refPath string, opt BLEUOptions) (BLEU, error) {
	var lines [2][]string
	for i, path := range []string{refPath, hypPath} {
		err := s.ReadFile(path, func(r io.Reader, name string) error {
			return text.ReadLines(r, name, func(_ int, l string) error {
				lines[i] = append(lines[i], l)
				return nil
			})
		})
		if err != nil {
			return BLEU{}, err
		}
	}
	return CorpusBLEULines(lines[1], lines[0], text.DisplayName(hypPath), text.DisplayName(refPath), opt)
}

// Tokenize splits a line on whitespace exactly as Python's str.split()
// does, which is how sacreBLEU's tokenize="none" segments text.
func Tokenize(line string) []string {
	return strings.FieldsFunc(line, isPySpace)
}

// isPySpace reports whether Python's str.isspace holds for r: Unicode
// White_Space plus the separators U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// ngram is an n-gram of token ids (n = 1..MaxOrder; unused ids are 0).
type ngram struct {
	n   int32
	ids [MaxOrder]int32
}

// counter computes segment statistics, reusing its vocabulary, maps and
// buffers so that scoring a corpus allocates only for new token types.
type counter struct {
	vocab      map[string]int32
	hyp, ref   map[ngram]int32
	hids, rids []int32
}

func newCounter() *counter {
	return &counter{vocab: map[string]int32{}, hyp: map[ngram]int32{}, ref: map[ngram]int32{}}
}

// ids appends the ids of the whitespace-separated tokens of line to buf.
func (c *counter) ids(line string, buf []int32) []int32 {
	buf = buf[:0]
	start := -1
	for i, r := range line {
		if isPySpace(r) {
			if start >= 0 {
				buf = append(buf, c.id(line[start:i]))
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		buf = append(buf, c.id(line[start:]))
	}
	return buf
}

func (c *counter) id(tok string) int32 {
	id, ok := c.vocab[tok]
	if !ok {
		id = int32(len(c.vocab)) + 1
		c.vocab[tok] = id
	}
	return id
}

// count fills m with the n-gram counts of ids.
func count(m map[ngram]int32, ids []int32) {
	clear(m)
	for i := range ids {
		g := ngram{}
		for n := 1; n <= MaxOrder && i+n <= len(ids); n++ {
			g.n = int32(n)
			g.ids[n-1] = ids[i+n-1]
			m[g]++
		}
	}
}

// stats returns the statistics of hypothesis ids against reference ids.
func (c *counter) stats(hyp, ref []int32) BLEUStats {
	s := BLEUStats{SysLen: len(hyp), RefLen: len(ref)}
	for n := 1; n <= MaxOrder; n++ {
		s.Total[n-1] = max(0, len(hyp)-n+1)
	}
	count(c.hyp, hyp)
	count(c.ref, ref)
	for g, k := range c.hyp {
		if rk := c.ref[g]; rk > 0 {
			s.Correct[g.n-1] += int(min(k, rk))
		}
	}
	return s
}

// tokens maps a token slice to ids.
func (c *counter) tokens(toks []string, buf []int32) []int32 {
	buf = buf[:0]
	for _, t := range toks {
		buf = append(buf, c.id(t))
	}
	return buf
}

// SegmentStats returns the BLEU statistics of one tokenized hypothesis
// against one tokenized reference.
func SegmentStats(hyp, ref []string) BLEUStats {
	c := newCounter()
	c.hids = c.tokens(hyp, c.hids)
	c.rids = c.tokens(ref, c.rids)
	return c.stats(c.hids, c.rids)
}

// myLog is sacreBLEU's logarithm, with log(0) taken as -9999999999.
func myLog(x float64) float64 {
	if x == 0 {
		return -9999999999
	}
	return math.Log(x)
}

// Score computes corpus BLEU from accumulated statistics as sacreBLEU's
// corpus_score does with its defaults (smooth_method="exp", no effective
// order, max order 4): the brevity penalty is exp(1 - ref_len/sys_len) when
// sys_len < ref_len (0 for an empty hypothesis); without any matching
// n-gram the score is 0; an order with matches has precision
// 100*correct/total, an order with none gets 100/(2^k * total) for the k-th
// such order, and an order the hypotheses are too short to have at all
// gives precision 0 and hence BLEU 0.
func (s BLEUStats) Score() BLEU {
	b := BLEU{
		Precisions: make([]float64, MaxOrder),
		SysLen:     s.SysLen, RefLen: s.RefLen,
		Counts: s.Correct[:], Totals: s.Total[:],
		BP: 1,
	}
	if s.SysLen < s.RefLen {
		b.BP = 0
		if s.SysLen > 0 {
			b.BP = math.Exp(1 - float64(s.RefLen)/float64(s.SysLen))
		}
	}
	matched := false
	for _, c := range s.Correct {
		matched = matched || c != 0
	}
	if !matched {
		return b
	}
	smooth := 1.0
	for n := range MaxOrder {
		if s.Total[n] == 0 {
			break
		}
		if s.Correct[n] == 0 {
			smooth *= 2
			b.Precisions[n] = 100 / (smooth * float64(s.Total[n]))
		} else {
			b.Precisions[n] = 100 * float64(s.Correct[n]) / float64(s.Total[n])
		}
	}
	sum := 0.0
	for _, p := range b.Precisions {
		sum += myLog(p)
	}
	b.Score = b.BP * math.Exp(sum/MaxOrder)
	return b
}

// CorpusBLEU computes corpus BLEU of hypothesis lines against one reference
// line each, on already tokenized text (sacreBLEU tokenize="none": tokens
// are separated by whitespace). Empty lines are allowed on either side.
func CorpusBLEU(hyps, refs []string) (BLEU, error) {
	if len(hyps) != len(refs) {
		return BLEU{}, fmt.Errorf("seq2seq: %d hypothesis lines but %d reference lines", len(hyps), len(refs))
	}
	return corpusBLEU(len(hyps), func(c *counter, i int) {
		c.hids, c.rids = c.ids(hyps[i], c.hids), c.ids(refs[i], c.rids)
	}), nil
}

// CorpusBLEUTokens is CorpusBLEU on token sequences.
func CorpusBLEUTokens(hyps, refs [][]string) (BLEU, error) {
	if len(hyps) != len(refs) {
		return BLEU{}, fmt.Errorf("seq2seq: %d hypotheses but %d references", len(hyps), len(refs))
	}
	return corpusBLEU(len(hyps), func(c *counter, i int) {
		c.hids, c.rids = c.tokens(hyps[i], c.hids), c.tokens(refs[i], c.rids)
	}), nil
}

// corpusBLEU sums the statistics of n segments, each put into the
// counter's hids and rids by ids, and scores them.
func corpusBLEU(n int, ids func(c *counter, i int)) BLEU {
	var s BLEUStats
	c := newCounter()
	for i := range n {
		ids(c, i)
		s.Add(c.stats(c.hids, c.rids))
	}
	return s.Score()
}
