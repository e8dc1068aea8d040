package nn

import "fmt"

// Param is a trainable tensor and its gradient, stored flat and row-major.
// Name is the PyTorch state_dict name (for example "weight_ih_l0" or, inside
// a model, "rnn.weight_ih_l0").
type Param struct {
	Name  string
	Shape []int
	Data  []float32
	Grad  []float32
}

// NewParam allocates a zeroed parameter and gradient of the given shape.
func NewParam(name string, shape ...int) *Param {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("nn: parameter %s has negative dimension in %v", name, shape))
		}
		n *= d
	}
	return &Param{Name: name, Shape: append([]int(nil), shape...), Data: make([]float32, n), Grad: make([]float32, n)}
}

// Prefix names each of ps prefix.name, as PyTorch's state_dict names the
// parameters of a submodule, and returns ps: a model built of layers
// calls it once per layer, e.g. Prefix("rnn", rnn.Params()...).
func Prefix(prefix string, ps ...*Param) []*Param {
	for _, p := range ps {
		p.Name = prefix + "." + p.Name
	}
	return ps
}

// MaxParamElems is the largest parameter tensor the layers' constructors
// (NewRNN, NewEmbedding) allocate: 2^32 elements, 16 GiB of weights and as
// much gradient. A larger size is far more likely a typo (--hidden 100000)
// than a model, and checking it turns a fatal out-of-memory into an error.
const MaxParamElems = 1 << 32

// checkElems returns an error when a parameter of the given shape would
// hold more than MaxParamElems elements (computed without overflow).
func checkElems(what string, shape ...int) error {
	n := 1.0
	for _, d := range shape {
		n *= float64(d)
	}
	if n > MaxParamElems {
		return fmt.Errorf("nn: %s of shape %v would hold %.3g elements, more than %d (MaxParamElems)", what, shape, n, int64(MaxParamElems))
	}
	return nil
}

// Size returns the number of elements.
func (p *Param) Size() int { return len(p.Data) }

// CountParams returns the number of scalars in ps.
func CountParams(ps []*Param) int {
	n := 0
	for _, p := range ps {
		n += p.Size()
	}
	return n
}

// ZeroGrad clears the gradient.
func (p *Param) ZeroGrad() { clear(p.Grad) }

// Module is anything with trainable parameters.
type Module interface {
	// Params returns the module's parameters in a stable order.
	Params() []*Param
}
