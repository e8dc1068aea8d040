package infer

import (
	"fmt"

	"github.com/recurrent-go/recurrent/vectors"
)

// Vectors are word vectors (word2vec text or binary, GloVe text) indexed
// for queries with the case-insensitive fallback of the vectors commands.
// Safe for concurrent use: queries only read the index.
type Vectors struct {
	// X is the index; it must not be modified after NewVectors.
	X *vectors.Index
}

// NewVectors indexes v.
func NewVectors(v *vectors.Vectors) *Vectors { return &Vectors{X: vectors.NewIndex(v).IgnoreCase()} }

// Kind returns KindVectors.
func (v *Vectors) Kind() Kind { return KindVectors }

// VectorsConfig describes loaded vectors.
type VectorsConfig struct {
	Words int `json:"words"`
	Dim   int `json:"dim"`
}

// Config returns the vocabulary size and dimension.
func (v *Vectors) Config() any { return VectorsConfig{Words: v.X.V.Len(), Dim: v.X.V.Dim} }

// Neighbor is one answer of similar or analogy (vectors similar --json).
type Neighbor struct {
	Word  string  `json:"word"`
	Score float64 `json:"score"`
}

// NeighborsResult is the answer of POST /v1/similar and /v1/analogy.
type NeighborsResult struct {
	Results []Neighbor `json:"results"`
}

func neighbors(ns []vectors.Neighbor) *NeighborsResult {
	out := &NeighborsResult{Results: make([]Neighbor, len(ns))}
	for i, n := range ns {
		out.Results[i] = Neighbor{n.Word, float64(n.Score)}
	}
	return out
}

// Similar returns the topn words closest to the mean of positive minus
// negative (vectors similar).
func (v *Vectors) Similar(positive, negative []string, topn int) (*NeighborsResult, error) {
	if topn < 1 {
		return nil, inputErr("topn: %d must be >= 1", topn)
	}
	ns, err := v.X.MostSimilar(positive, negative, topn, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return neighbors(ns), nil
}

// Analogy answers a is to b as c is to ? with method "3cosadd" (default)
// or "3cosmul" (vectors analogy).
func (v *Vectors) Analogy(a, b, c, method string, topn int) (*NeighborsResult, error) {
	if method == "" {
		method = "3cosadd"
	}
	m, err := vectors.ParseMethod(method)
	if err != nil {
		return nil, fmt.Errorf("%w: method: %w", ErrInput, err)
	}
	if topn < 1 {
		return nil, inputErr("topn: %d must be >= 1", topn)
	}
	ns, err := v.X.Analogy(a, b, c, m, topn, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return neighbors(ns), nil
}

// PairSimilarity is the cosine similarity of one pair of words.
type PairSimilarity struct {
	Pair       [2]string `json:"pair"`
	Similarity float64   `json:"similarity"`
}

// SimilarityResult is the answer of POST /v1/similarity.
type SimilarityResult struct {
	Results []PairSimilarity `json:"results"`
}

// Similarity returns the cosine similarity of each pair (vectors
// similarity).
func (v *Vectors) Similarity(pairs [][2]string) (*SimilarityResult, error) {
	out := &SimilarityResult{Results: make([]PairSimilarity, len(pairs))}
	for i, p := range pairs {
		s, err := v.X.Similarity(p[0], p[1])
		if err != nil {
			return nil, fmt.Errorf("%w: pairs[%d]: %w", ErrInput, i, err)
		}
		out.Results[i] = PairSimilarity{p, float64(s)}
	}
	return out, nil
}

// Point is a word's position on the first two principal components.
type Point struct {
	Word string  `json:"word"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// ProjectResult is the answer of POST /v1/project: the known words'
// points and the words left out as unknown.
type ProjectResult struct {
	Points  []Point  `json:"points"`
	Missing []string `json:"missing"`
}

// Project places words on the first two principal components of their
// unit vectors (vectors plot); unknown words are listed, not placed.
func (v *Vectors) Project(words []string) (*ProjectResult, error) {
	known, xy, missing, err := v.X.Project2D(words)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	out := &ProjectResult{Points: make([]Point, len(known)), Missing: missing}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	for i, w := range known {
		out.Points[i] = Point{w, xy[i][0], xy[i][1]}
	}
	return out, nil
}
