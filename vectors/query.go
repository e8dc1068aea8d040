package vectors

import (
	"fmt"
	"math"
	"strings"

	"github.com/recurrent-go/recurrent/tensor"
)

// Index prepares Vectors for similarity queries: every row scaled to unit
// length (zero rows stay zero) and a word lookup. Queries score all (or the
// first Restrict) words with one matrix-vector or matrix-matrix product and
// keep the best with a partial top-k selection. An Index is safe for
// concurrent queries; it must not be used after V changes.
type Index struct {
	V     *Vectors
	Unit  []float32 // [N, Dim] rows of V.Data scaled to unit length
	exact map[string]int
	fold  map[string]int // upper-case form -> first index
	// shadowed are the rows whose word occurred earlier: Lookup never
	// reaches them, so no query answers with them either.
	shadowed []int
}

// NewIndex builds the unit-length matrix and word lookup of v. When a word
// occurs more than once, the first occurrence wins and the later ones are
// never a query's answer.
func NewIndex(v *Vectors) *Index {
	x := &Index{V: v, Unit: make([]float32, len(v.Data)), exact: make(map[string]int, len(v.Words))}
	copy(x.Unit, v.Data)
	for i := range v.Words {
		normalize(x.Unit[i*v.Dim : (i+1)*v.Dim])
	}
	for i := len(v.Words) - 1; i >= 0; i-- {
		x.exact[v.Words[i]] = i
	}
	for i, w := range v.Words {
		if x.exact[w] != i {
			x.shadowed = append(x.shadowed, i)
		}
	}
	return x
}

// hideShadowed marks the scores of shadowed rows NaN, which topK skips.
func (x *Index) hideShadowed(scores []float32) {
	for _, i := range x.shadowed {
		if i < len(scores) {
			scores[i] = float32(math.NaN())
		}
	}
}

// normalize scales x to unit length in place; a zero vector stays zero.
func normalize(x []float32) {
	ss := tensor.SumSquares(x)
	if ss > 0 {
		tensor.Scale(float32(1/math.Sqrt(ss)), x)
	}
}

// UnitVec returns the unit-length vector of word i, sharing storage.
func (x *Index) UnitVec(i int) []float32 { return x.Unit[i*x.V.Dim : (i+1)*x.V.Dim] }

// Lookup returns the index of word: an exact match, else the first word
// equal to it ignoring case.
func (x *Index) Lookup(word string) (int, bool) {
	if i, ok := x.exact[word]; ok {
		return i, true
	}
	if x.fold == nil {
		return -1, false
	}
	i, ok := x.fold[strings.ToUpper(word)]
	return i, ok
}

// IgnoreCase enables the case-insensitive fallback of Lookup and returns x.
// It must be called before concurrent use.
func (x *Index) IgnoreCase() *Index {
	if x.fold == nil {
		x.fold = make(map[string]int, len(x.V.Words))
		for i := len(x.V.Words) - 1; i >= 0; i-- {
			x.fold[strings.ToUpper(x.V.Words[i])] = i
		}
	}
	return x
}

// lookupAll resolves words to indexes, failing on the first unknown word.
func (x *Index) lookupAll(words []string) ([]int, error) {
	ids := make([]int, len(words))
	for k, w := range words {
		i, ok := x.Lookup(w)
		if !ok {
			return nil, fmt.Errorf("word %q not in vocabulary", w)
		}
		ids[k] = i
	}
	return ids, nil
}

// WordVec returns the unit-length vector of word and its row: a word of the
// vocabulary (Lookup) gives its row; any other word, when the vectors are
// a fastText model (V.Subwords), gives fastText's vector for it built from
// its character n-grams and row -1. Other words are an error.
func (x *Index) WordVec(word string) (unit []float32, row int, err error) {
	if i, ok := x.Lookup(word); ok {
		return x.UnitVec(i), i, nil
	}
	if x.V.Subwords != nil {
		v := make([]float32, x.V.Dim)
		if x.V.Subwords.Vector(word, v) {
			normalize(v)
			return v, -1, nil
		}
		return nil, -1, fmt.Errorf("word %q not in vocabulary and has no character n-grams of %d to %d characters", word, x.V.Subwords.Minn, x.V.Subwords.Maxn)
	}
	return nil, -1, fmt.Errorf("word %q not in vocabulary", word)
}

// wordVecs resolves words with WordVec, returning their unit vectors and
// the rows of those in the vocabulary.
func (x *Index) wordVecs(words []string) (vecs [][]float32, rows []int, err error) {
	for _, w := range words {
		v, i, err := x.WordVec(w)
		if err != nil {
			return nil, nil, err
		}
		vecs = append(vecs, v)
		if i >= 0 {
			rows = append(rows, i)
		}
	}
	return vecs, rows, nil
}

// Neighbor is a query result: a word, its row and its score (a cosine for
// MostSimilar and 3CosAdd, the 3CosMul objective for 3CosMul).
type Neighbor struct {
	Word  string
	Index int
	Score float32
}

// restrictN clamps a restriction to the vocabulary; 0 or less means all.
func (x *Index) restrictN(restrict int) int {
	if restrict <= 0 || restrict > len(x.V.Words) {
		return len(x.V.Words)
	}
	return restrict
}

// Similarity returns the cosine similarity of two words (words outside the
// vocabulary of a fastText model included, see WordVec).
func (x *Index) Similarity(w1, w2 string) (float32, error) {
	vecs, _, err := x.wordVecs([]string{w1, w2})
	if err != nil {
		return 0, err
	}
	return tensor.Dot(vecs[0], vecs[1]), nil
}

// MostSimilar returns the k words closest by cosine to the normalized mean
// of the unit vectors of positive minus those of negative (gensim's
// most_similar), searching the first restrict words (0: all) and excluding
// the query words. Words outside the vocabulary of a fastText model get
// its vector for them (see WordVec).
func (x *Index) MostSimilar(positive, negative []string, k, restrict int) ([]Neighbor, error) {
	if len(positive)+len(negative) == 0 {
		return nil, fmt.Errorf("most similar: no query words")
	}
	pos, posRows, err := x.wordVecs(positive)
	if err != nil {
		return nil, err
	}
	neg, negRows, err := x.wordVecs(negative)
	if err != nil {
		return nil, err
	}
	d := x.V.Dim
	q := make([]float32, d)
	for _, v := range pos {
		tensor.Axpy(1, v, q)
	}
	for _, v := range neg {
		tensor.Axpy(-1, v, q)
	}
	normalize(q)
	return x.ByVector(q, k, restrict, append(posRows, negRows...)), nil
}

// ByVector returns the k words whose unit vectors have the largest dot
// product with q (the cosine when q has unit length) among the first
// restrict words (0: all), skipping the rows in exclude.
func (x *Index) ByVector(q []float32, k, restrict int, exclude []int) []Neighbor {
	r := x.restrictN(restrict)
	scores := make([]float32, r)
	// scores[1, r] = q[1, d] * Unit[r, d]^T
	tensor.Sgemm(false, true, 1, r, x.V.Dim, 1, q, x.V.Dim, x.Unit, x.V.Dim, 0, scores, r)
	x.hideShadowed(scores)
	return x.neighbors(topK(scores, k, exclude, nil), scores)
}

// neighbors converts selected rows into Neighbors.
func (x *Index) neighbors(ids []int, scores []float32) []Neighbor {
	out := make([]Neighbor, len(ids))
	for n, i := range ids {
		out[n] = Neighbor{Word: x.V.Words[i], Index: i, Score: scores[i]}
	}
	return out
}

// Method is an analogy objective.
type Method int

const (
	// CosAdd is 3CosAdd: argmax cos(d, b - a + c) over unit vectors.
	CosAdd Method = iota
	// CosMul is 3CosMul (Levy & Goldberg 2014): argmax
	// s(d,b) s(d,c) / (s(d,a) + 0.001) with cosines shifted to s = (cos+1)/2.
	CosMul
)

// CosMulEpsilon is the ε of 3CosMul (Levy & Goldberg 2014 use 0.001; gensim's
// most_similar_cosmul uses 1e-6).
const CosMulEpsilon = 0.001

// String returns "3cosadd" or "3cosmul".
func (m Method) String() string {
	if m == CosMul {
		return "3cosmul"
	}
	return "3cosadd"
}

// ParseMethod parses "3cosadd"/"add" or "3cosmul"/"mul".
func ParseMethod(s string) (Method, error) {
	switch strings.ToLower(s) {
	case "3cosadd", "cosadd", "add", "":
		return CosAdd, nil
	case "3cosmul", "cosmul", "mul":
		return CosMul, nil
	}
	return CosAdd, fmt.Errorf("unknown analogy method %q (want 3cosadd or 3cosmul)", s)
}

// Analogy answers a:b :: c:? with the given method, returning the k best
// words among the first restrict (0: all), excluding a, b and c. Words
// outside the vocabulary of a fastText model get its vector for them (see
// WordVec).
func (x *Index) Analogy(a, b, c string, method Method, k, restrict int) ([]Neighbor, error) {
	vecs, rows, err := x.wordVecs([]string{a, b, c})
	if err != nil {
		return nil, err
	}
	if len(rows) == 3 {
		res := x.AnalogyBatch([][3]int{{rows[0], rows[1], rows[2]}}, method, k, restrict, nil)
		out := make([]Neighbor, len(res.Top[0]))
		for n, i := range res.Top[0] {
			out[n] = Neighbor{Word: x.V.Words[i], Index: i, Score: res.scores[0][n]}
		}
		return out, nil
	}
	return x.analogyByVectors(vecs, rows, method, k, restrict), nil
}

// analogyByVectors answers an analogy from the unit vectors of a, b and c
// (those with a row, rows, are excluded from the answers), as AnalogyBatch
// does from rows.
func (x *Index) analogyByVectors(vecs [][]float32, rows []int, method Method, k, restrict int) []Neighbor {
	r, d := x.restrictN(restrict), x.V.Dim
	if method == CosAdd {
		q := make([]float32, d)
		copy(q, vecs[1])
		tensor.Axpy(-1, vecs[0], q)
		tensor.Axpy(1, vecs[2], q)
		normalize(q)
		return x.ByVector(q, k, restrict, rows)
	}
	query := make([]float32, 3*d)
	for t, v := range vecs {
		copy(query[t*d:], v)
	}
	scores := make([]float32, 3*r)
	// scores[3, r] = query[3, d] * Unit[r, d]^T: the cosines with a, b, c
	tensor.Sgemm(false, true, 3, r, d, 1, query, d, x.Unit, d, 0, scores, r)
	ca, cb, cc := scores[:r], scores[r:2*r], scores[2*r:]
	for i := range ca {
		ca[i] = (cb[i] + 1) / 2 * ((cc[i] + 1) / 2) / ((ca[i]+1)/2 + CosMulEpsilon)
	}
	x.hideShadowed(ca)
	return x.neighbors(topK(ca, max(0, min(k, r)), rows, nil), ca)
}

// AnalogyAnswers holds the answers of AnalogyBatch: Top[q] are the rows of
// the best candidates of question q, best first.
type AnalogyAnswers struct {
	Top    [][]int
	scores [][]float32 // per question, the candidate scores aligned with Top
}

// Score returns the score of the n-th candidate of question q.
func (a *AnalogyAnswers) Score(q, n int) float32 { return a.scores[q][n] }

// analogyBatchFloats bounds the score scratch of AnalogyBatch (floats).
const analogyBatchFloats = 1 << 23

// AnalogyBatch answers many questions {a, b, c} (rows) at once: questions are
// processed in blocks whose scores come from one matrix product each, and for
// every question the k best of the first restrict words (0: all) other than
// its a, b and c are kept. progress, if not nil, is called after each block
// with the number of questions done.
func (x *Index) AnalogyBatch(qs [][3]int, method Method, k, restrict int, progress func(done int)) *AnalogyAnswers {
	r := x.restrictN(restrict)
	d := x.V.Dim
	out := &AnalogyAnswers{Top: make([][]int, len(qs)), scores: make([][]float32, len(qs))}
	if r == 0 || len(qs) == 0 {
		return out
	}
	perQ := 1
	if method == CosMul {
		perQ = 3
	}
	block := max(1, min(512, analogyBatchFloats/(perQ*r)))
	k = max(0, min(k, r))
	tops := make([]int, len(qs)*k)        // [len(qs), k] result rows
	tscores := make([]float32, len(qs)*k) // [len(qs), k] their scores
	query := make([]float32, perQ*block*d)
	scores := make([]float32, perQ*block*r)
	for q0 := 0; q0 < len(qs); q0 += block {
		nb := min(block, len(qs)-q0)
		for j := 0; j < nb; j++ {
			qq := qs[q0+j]
			if method == CosAdd {
				row := query[j*d : (j+1)*d]
				copy(row, x.UnitVec(qq[1]))
				tensor.Axpy(-1, x.UnitVec(qq[0]), row)
				tensor.Axpy(1, x.UnitVec(qq[2]), row)
				normalize(row)
			} else {
				for t := 0; t < 3; t++ {
					copy(query[(3*j+t)*d:(3*j+t+1)*d], x.UnitVec(qq[t]))
				}
			}
		}
		m := perQ * nb
		// scores[m, r] = query[m, d] * Unit[r, d]^T
		tensor.Sgemm(false, true, m, r, d, 1, query, d, x.Unit, d, 0, scores, r)
		parallelFor(nb, func(j int) {
			qq := qs[q0+j]
			var row []float32
			if method == CosAdd {
				row = scores[j*r : (j+1)*r]
			} else {
				ca := scores[(3*j)*r : (3*j+1)*r]
				cb := scores[(3*j+1)*r : (3*j+2)*r]
				cc := scores[(3*j+2)*r : (3*j+3)*r]
				for i := range ca {
					ca[i] = (cb[i] + 1) / 2 * ((cc[i] + 1) / 2) / ((ca[i]+1)/2 + CosMulEpsilon)
				}
				row = ca
			}
			x.hideShadowed(row)
			q := q0 + j
			top := topK(row, k, qq[:], tops[q*k:q*k:(q+1)*k])
			sc := tscores[q*k : q*k+len(top)]
			for n, i := range top {
				sc[n] = row[i]
			}
			out.Top[q], out.scores[q] = top, sc
		})
		if progress != nil {
			progress(q0 + nb)
		}
	}
	return out
}

// DoesntMatch returns the word of words farthest from the normalized mean
// of their unit vectors (gensim's doesnt_match). Unknown words are ignored
// and returned in missing (a fastText model knows every word with
// character n-grams, see WordVec); at least one word must be known.
func (x *Index) DoesntMatch(words []string) (odd string, missing []string, err error) {
	var vecs [][]float32
	var known []string
	for _, w := range words {
		if v, _, err := x.WordVec(w); err == nil {
			vecs = append(vecs, v)
			known = append(known, w)
		} else {
			missing = append(missing, w)
		}
	}
	if len(vecs) == 0 {
		return "", missing, fmt.Errorf("doesn't match: none of %q is in the vocabulary", words)
	}
	mean := make([]float32, x.V.Dim)
	for _, v := range vecs {
		tensor.Axpy(1, v, mean)
	}
	normalize(mean)
	best, bestScore := 0, float32(math.Inf(1))
	for n, v := range vecs {
		if s := tensor.Dot(v, mean); s < bestScore {
			best, bestScore = n, s
		}
	}
	return known[best], missing, nil
}

// topK returns the indexes of the k largest scores, best first (ties: lower
// index first), skipping the indexes in exclude and NaN scores. dst is reused.
func topK(scores []float32, k int, exclude []int, dst []int) []int {
	dst = dst[:0]
	if k <= 0 {
		return dst
	}
	// dst is kept sorted best first; a candidate enters when it beats the last.
	for i, s := range scores {
		if len(dst) == k && !(s > scores[dst[k-1]]) {
			continue
		}
		if s != s {
			continue
		}
		skip := false
		for _, e := range exclude {
			if e == i {
				skip = true
				break
			}
		}
		if skip {
			continue
		}
		// Insertion: find the first position whose score is lower than s.
		p := len(dst)
		for p > 0 && scores[dst[p-1]] < s {
			p--
		}
		if len(dst) < k {
			dst = append(dst, 0)
		} else if p == k {
			continue
		}
		copy(dst[p+1:], dst[p:len(dst)-1])
		dst[p] = i
	}
	return dst
}
