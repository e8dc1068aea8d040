package word2vec

import (
	"math"

	"github.com/recurrent-go/recurrent/internal/xrand"
)

// Sigmoid and log-sigmoid tables over [-maxExp, maxExp], as in word2vec.c:
// outside the range the sigmoid saturates to 0 or 1.
const (
	maxExp    = 6
	sigTable  = 1024
	sigScale  = sigTable / (2 * maxExp)
	logSigMin = -30 // clamp for -log(0)
)

var (
	sigmoidTab [sigTable + 1]float32
	logSigTab  [sigTable + 1]float32 // log(sigmoid(x))
)

func init() {
	for i := range sigmoidTab {
		x := (float64(i)/sigTable*2 - 1) * maxExp
		s := 1 / (1 + math.Exp(-x))
		sigmoidTab[i] = float32(s)
		logSigTab[i] = float32(math.Log(s))
	}
}

// sigmoid returns the tabulated sigmoid of f.
func sigmoid(f float32) float32 {
	if f >= maxExp {
		return 1
	}
	if f <= -maxExp {
		return 0
	}
	return sigmoidTab[int((f+maxExp)*sigScale)]
}

// logSigmoid returns the tabulated log(sigmoid(f)), linear below -maxExp.
func logSigmoid(f float32) float32 {
	if f >= maxExp {
		return 0
	}
	if f <= -maxExp {
		return f
	}
	return logSigTab[int((f+maxExp)*sigScale)]
}

// aliasTable samples word ids from the unigram distribution raised to a
// power (0.75 for negative sampling) in O(1) with Walker's alias method:
// pick a column uniformly, keep it with probability prob[i], else take
// alias[i]. It needs 8 bytes per word instead of word2vec.c's 10^8-entry
// table. A column's threshold and alias sit side by side: columns are
// drawn uniformly, so on a large vocabulary every draw is a cache miss, and
// one line then serves both reads.
type aliasTable struct {
	col []aliasColumn
}

// aliasColumn is one column of an aliasTable: keep the column when the low
// 32 random bits are < prob, else take alias.
type aliasColumn struct {
	prob  uint32
	alias int32
}

func newAliasTable(counts []int64, power float64) aliasTable {
	n := len(counts)
	w := make([]float64, n)
	var sum float64
	for i, c := range counts {
		w[i] = math.Pow(float64(c), power)
		sum += w[i]
	}
	t := aliasTable{col: make([]aliasColumn, n)}
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i := range w {
		w[i] = w[i] * float64(n) / sum
		if w[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s := small[len(small)-1]
		small = small[:len(small)-1]
		l := large[len(large)-1]
		t.col[s] = aliasColumn{prob: uint32(w[s] * (1 << 32)), alias: l}
		w[l] -= 1 - w[s]
		if w[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range append(small, large...) { // numerically ~1
		t.col[i] = aliasColumn{prob: math.MaxUint32, alias: i}
	}
	return t
}

// sample draws one id.
func (t *aliasTable) sample(r *xrand.RNG) int32 {
	u := r.Next()
	i := int32((u >> 32) * uint64(len(t.col)) >> 32)
	c := t.col[i]
	if uint32(u) < c.prob {
		return i
	}
	return c.alias
}

// keepThresholds returns, per word, the probability (scaled to 2^32) of
// keeping an occurrence under subsampling with threshold t, word2vec.c's
// formula: keep = (sqrt(f/t) + 1) * t/f with f the word's relative
// frequency. t <= 0 keeps everything.
func keepThresholds(counts []int64, total int64, t float64) []uint32 {
	keep := make([]uint32, len(counts))
	for i, c := range counts {
		p := 1.0
		if t > 0 {
			st := t * float64(total)
			p = (math.Sqrt(float64(c)/st) + 1) * st / float64(c)
		}
		if p >= 1 {
			keep[i] = math.MaxUint32
		} else {
			keep[i] = uint32(p * (1 << 32))
		}
	}
	return keep
}

// KeepProbability is word2vec.c's subsampling rule: the probability of
// keeping an occurrence of a word seen count times among total tokens, with
// threshold t (t <= 0 keeps everything).
func KeepProbability(count, total int64, t float64) float64 {
	if t <= 0 {
		return 1
	}
	st := t * float64(total)
	return min(1, (math.Sqrt(float64(count)/st)+1)*st/float64(count))
}
