package vectors

import (
	"fmt"
	"math/rand/v2"
)

// randomVectors returns n random Gaussian vectors of dimension d named w0, w1, ...
func randomVectors(n, d int, seed uint64) *Vectors {
	rng := rand.New(rand.NewPCG(seed, 7))
	v := &Vectors{Words: make([]string, n), Dim: d, Data: make([]float32, n*d)}
	for i := range v.Words {
		v.Words[i] = fmt.Sprintf("w%d", i)
	}
	for i := range v.Data {
		v.Data[i] = float32(rng.NormFloat64())
	}
	return v
}
