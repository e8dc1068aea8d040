package seq2seq

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode"
)

// MaxOrder is the largest n-gram order of BLEU.
const MaxOrder = 4

// BLEUStats are the sufficient statistics of BLEU-4: clipped n-gram
// matches and hypothesis n-gram counts per order, and the hypothesis and
// reference lengths. Statistics of segments add up to the corpus's.
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

// ngramCounts counts the n-grams of order 1..MaxOrder of toks. Keys encode
// each token length-prefixed, so distinct token sequences never collide.
func ngramCounts(toks []string) map[string]int {
	m := make(map[string]int, MaxOrder*len(toks))
	var key []byte
	for i := range toks {
		key = key[:0]
		for n := 1; n <= MaxOrder && i+n <= len(toks); n++ {
			t := toks[i+n-1]
			key = binary.AppendUvarint(key, uint64(len(t)))
			key = append(key, t...)
			m[string(key)]++
		}
	}
	return m
}

// SegmentStats returns the BLEU statistics of one tokenized hypothesis
// against one tokenized reference.
func SegmentStats(hyp, ref []string) BLEUStats {
	s := BLEUStats{SysLen: len(hyp), RefLen: len(ref)}
	refCounts := ngramCounts(ref)
	for i := range hyp {
		for n := 1; n <= MaxOrder && i+n <= len(hyp); n++ {
			s.Total[n-1]++
		}
	}
	for g, c := range ngramCounts(hyp) {
		if rc := refCounts[g]; rc > 0 {
			s.Correct[ngramOrder(g)-1] += min(c, rc)
		}
	}
	return s
}

// ngramOrder decodes the number of tokens in an ngramCounts key.
func ngramOrder(key string) int {
	n := 0
	b := []byte(key)
	for len(b) > 0 {
		l, k := binary.Uvarint(b)
		b = b[k+int(l):]
		n++
	}
	return n
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
	var s BLEUStats
	for i := range hyps {
		s.Add(SegmentStats(Tokenize(hyps[i]), Tokenize(refs[i])))
	}
	return s.Score(), nil
}

// CorpusBLEUTokens is CorpusBLEU on token sequences.
func CorpusBLEUTokens(hyps, refs [][]string) (BLEU, error) {
	if len(hyps) != len(refs) {
		return BLEU{}, fmt.Errorf("seq2seq: %d hypotheses but %d references", len(hyps), len(refs))
	}
	var s BLEUStats
	for i := range hyps {
		s.Add(SegmentStats(hyps[i], refs[i]))
	}
	return s.Score(), nil
}
