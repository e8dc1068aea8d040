package vectors

import (
	"math"
	"math/rand/v2"
	"strings"
)

// EmbeddingMatrix maps a model vocabulary onto a vector file for an
// embedding layer: row i ([len(vocab), dim], row-major) is the vector of
// vocab[i], looked up exactly and then lower-cased, and for a fastText
// model (v.Subwords) built from the word's character n-grams when it is
// in neither form; found counts the rows taken from v. The other rows are drawn from a normal distribution with
// the standard deviation of v's values (1 if v is empty), using rng (a fixed
// seed when nil). When dim differs from v.Dim, the first min(dim, v.Dim)
// coordinates are copied and any remaining ones drawn at random.
func EmbeddingMatrix(vocab []string, v *Vectors, dim int, rng *rand.Rand) (data []float32, found int) {
	if rng == nil {
		rng = rand.New(rand.NewPCG(1, 2))
	}
	if dim <= 0 {
		return nil, 0
	}
	std := 1.0
	if len(v.Data) > 0 {
		var s, ss float64
		for _, x := range v.Data {
			s += float64(x)
			ss += float64(x) * float64(x)
		}
		n := float64(len(v.Data))
		if variance := ss/n - (s/n)*(s/n); variance > 0 {
			std = math.Sqrt(variance)
		}
	}
	index := make(map[string]int, len(v.Words))
	for i := len(v.Words) - 1; i >= 0; i-- {
		index[v.Words[i]] = i
	}
	data = make([]float32, len(vocab)*dim)
	ncopy := min(dim, v.Dim)
	var sub []float32
	if v.Subwords != nil {
		sub = make([]float32, v.Dim)
	}
	for r, w := range vocab {
		row := data[r*dim : (r+1)*dim]
		i, ok := index[w]
		if !ok {
			i, ok = index[strings.ToLower(w)]
		}
		start := 0
		switch {
		case ok:
			copy(row, v.Vec(i)[:ncopy])
			start = ncopy
			found++
		case sub != nil && v.Subwords.Vector(w, sub):
			copy(row, sub[:ncopy])
			start = ncopy
			found++
		}
		for j := start; j < dim; j++ {
			row[j] = float32(rng.NormFloat64() * std)
		}
	}
	return data, found
}
