package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// Embedding is a lookup table of Vocab vectors of size Dim, as
// torch.nn.Embedding: Weight is [Vocab, Dim] and is named "weight".
//
// When PaddingIdx >= 0 that row is zero-initialised, and Backward never adds
// gradient to it, so it stays whatever it is (zero unless loaded).
//
// The slice returned by Forward belongs to the layer and is overwritten by
// the next Forward.
type Embedding struct {
	Vocab, Dim int
	PaddingIdx int    // -1 for none
	Weight     *Param // [Vocab, Dim]

	ids []int32   // [n]       ids of the last Forward (copied)
	out []float32 // [n, Dim]  output buffer
}

// NewEmbedding returns an embedding table. When rng is non-nil the weights
// are drawn from N(0, 1) as PyTorch does; otherwise they are zero. The row
// paddingIdx (if >= 0) is zeroed either way.
func NewEmbedding(vocab, dim, paddingIdx int, rng *rand.Rand) (*Embedding, error) {
	if vocab <= 0 || dim <= 0 {
		return nil, fmt.Errorf("nn: NewEmbedding: vocab %d and dim %d must be positive", vocab, dim)
	}
	if paddingIdx >= vocab || paddingIdx < -1 {
		return nil, fmt.Errorf("nn: NewEmbedding: padding index %d outside [-1, %d)", paddingIdx, vocab)
	}
	if err := checkElems("embedding", vocab, dim); err != nil {
		return nil, err
	}
	e := &Embedding{Vocab: vocab, Dim: dim, PaddingIdx: paddingIdx, Weight: NewParam("weight", vocab, dim)}
	if rng != nil {
		InitNormal(rng, e.Weight.Data, 0, 1)
	}
	if paddingIdx >= 0 {
		clear(e.Weight.Data[paddingIdx*dim : (paddingIdx+1)*dim])
	}
	return e, nil
}

// Params returns the weight.
func (e *Embedding) Params() []*Param { return []*Param{e.Weight} }

// Forward looks up ids (n of them, for example time-major [T*B]) and returns
// their vectors, shape [n, Dim]. An id outside [0, Vocab) is an error.
func (e *Embedding) Forward(ids []int32) ([]float32, error) {
	e.ids = e.ids[:0]
	for i, id := range ids {
		if id < 0 || int(id) >= e.Vocab {
			return nil, fmt.Errorf("nn: Embedding.Forward: id %d at position %d outside vocabulary [0, %d)", id, i, e.Vocab)
		}
		e.ids = append(e.ids, id)
	}
	return e.gather(), nil
}

// ForwardInt is Forward for ids held as []int.
func (e *Embedding) ForwardInt(ids []int) ([]float32, error) {
	e.ids = e.ids[:0]
	for i, id := range ids {
		if id < 0 || id >= e.Vocab {
			return nil, fmt.Errorf("nn: Embedding.Forward: id %d at position %d outside vocabulary [0, %d)", id, i, e.Vocab)
		}
		e.ids = append(e.ids, int32(id))
	}
	return e.gather(), nil
}

// gather copies the rows of e.ids into the output buffer.
func (e *Embedding) gather() []float32 {
	e.out = xslices.Resize(e.out, len(e.ids)*e.Dim)
	gatherRows(e.out, e.Weight.Data, e.ids, e.Dim) // out[i,:] = W[ids[i],:]
	return e.out
}

// Backward takes dOut, shape [n, Dim], for the ids of the last Forward and
// adds each row into the gradient row of its id (sparse: only the rows
// looked up are touched; repeated ids accumulate). The padding row gets
// nothing.
func (e *Embedding) Backward(dOut []float32) error {
	d := e.Dim
	if len(dOut) != len(e.ids)*d {
		return fmt.Errorf("nn: Embedding.Backward: gradient has %d values, want %d ids x %d = %d", len(dOut), len(e.ids), d, len(e.ids)*d)
	}
	g := e.Weight.Grad
	for i, id := range e.ids {
		if int(id) == e.PaddingIdx {
			continue
		}
		tensor.Axpy(1, dOut[i*d:(i+1)*d], g[int(id)*d:(int(id)+1)*d]) // dW[id,:] += dOut[i,:]
	}
	return nil
}
