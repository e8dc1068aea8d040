package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// Dropout is inverted dropout: in training, each element is zeroed with
// probability P and the survivors are scaled by 1/(1-P), so evaluation is
// the identity. The mask is drawn from the layer's own seeded generator,
// kept for Backward, and can be reused across time steps (Apply with a mask
// shorter than the input repeats it row by row, as "locked" or variational
// dropout does).
//
// Slices returned by Forward and Backward belong to the layer and are
// overwritten by the next call of the same method; when the layer is not
// training (or P is 0) they are the argument itself.
type Dropout struct {
	P        float64
	Training bool

	rng  *rand.Rand
	mask []float32 // [m]  0 or 1/(1-P)
	out  []float32 // Forward buffer
	dx   []float32 // Backward buffer
}

// NewDropout returns a dropout layer in training mode with drop probability
// p in [0, 1), drawing its masks from a PCG generator seeded with seed.
func NewDropout(p float64, seed uint64) (*Dropout, error) {
	if !(p >= 0 && p < 1) {
		return nil, fmt.Errorf("nn: NewDropout: probability %v outside [0, 1)", p)
	}
	return &Dropout{P: p, Training: true, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}, nil
}

// active reports whether the layer changes its input.
func (d *Dropout) active() bool { return d.Training && d.P > 0 }

// Sample draws a fresh mask of m elements.
func (d *Dropout) Sample(m int) {
	d.mask = xslices.Resize(d.mask, m)
	keep := float32(1 / (1 - d.P))
	// Each 64-bit draw gives two 32-bit uniforms; an element is dropped
	// when its uniform is below P * 2^32.
	thresh := uint64(d.P * (1 << 32))
	var r uint64
	for i := range d.mask {
		if i%2 == 0 {
			r = d.rng.Uint64()
		} else {
			r >>= 32
		}
		if r&0xffffffff < thresh {
			d.mask[i] = 0
		} else {
			d.mask[i] = keep
		}
	}
}

// Mask returns the current mask (0 or 1/(1-P) per element); tests may set
// its elements to fix it.
func (d *Dropout) Mask() []float32 { return d.mask }

// Apply computes dst = x * mask, where len(x) is a multiple of the mask's
// length and the mask repeats over consecutive blocks of x. It is used for
// both directions: the gradient of dst = x*mask is dx = dy*mask.
func (d *Dropout) Apply(dst, x []float32) error {
	m := len(d.mask)
	if len(dst) != len(x) || m == 0 || len(x)%m != 0 {
		return fmt.Errorf("nn: Dropout.Apply: %d values (dst %d) not a multiple of mask length %d", len(x), len(dst), m)
	}
	for off := 0; off < len(x); off += m {
		tensor.Mul(dst[off:off+m], x[off:off+m], d.mask)
	}
	return nil
}

// Forward draws a new mask of len(x) elements and returns x*mask; outside
// training it returns x.
func (d *Dropout) Forward(x []float32) []float32 {
	if !d.active() {
		return x
	}
	d.Sample(len(x))
	d.out = xslices.Resize(d.out, len(x))
	_ = d.Apply(d.out, x) // lengths match by construction
	return d.out
}

// Backward returns dx = dy*mask for the mask of the last Forward; outside
// training it returns dy.
func (d *Dropout) Backward(dy []float32) ([]float32, error) {
	if !d.active() {
		return dy, nil
	}
	d.dx = xslices.Resize(d.dx, len(dy))
	if err := d.Apply(d.dx, dy); err != nil {
		return nil, fmt.Errorf("nn: Dropout.Backward: %w", err)
	}
	return d.dx, nil
}
