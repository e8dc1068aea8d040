package optim

import (
	"fmt"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// SGDConfig holds torch.optim.SGD's arguments. Zero values are used as
// given (plain SGD without momentum or decay).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type SGDConfig struct {
	LR          float64
	Momentum    float64
	Dampening   float64
	WeightDecay float64
	Nesterov    bool
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and (coupled, L2) weight decay, as torch.optim.SGD:
//
//	g = grad + wd*p
//	b = g on the first step, else momentum*b + (1-dampening)*g
//	g = g + momentum*b (Nesterov) or b (momentum != 0)
//	p = p - lr*g
//
// It is not safe for concurrent use.
type SGD struct {
	core
	cfg SGDConfig
}

// NewSGD returns an SGD optimiser over params. Its state has the buffer
// "momentum_buffer" when Momentum != 0.
func NewSGD(params []*nn.Param, cfg SGDConfig) (*SGD, error) {
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		return nil, fmt.Errorf("optim: sgd: Nesterov momentum requires momentum > 0 and zero dampening")
	}
	var names []string
	if cfg.Momentum != 0 {
		names = []string{"momentum_buffer"}
	}
	c, err := newCore("sgd", params, cfg.LR, names, hyper{"momentum", cfg.Momentum}, hyper{"dampening", cfg.Dampening},
		hyper{"weight decay", cfg.WeightDecay})
	if err != nil {
		return nil, err
	}
	return &SGD{core: c, cfg: cfg}, nil
}

// Step applies one SGD update.
func (o *SGD) Step() error {
	lr, mom, damp, wd := o.lr, o.cfg.Momentum, o.cfg.Dampening, o.cfg.WeightDecay
	return o.update(func(i, lo, hi int) {
		ws, gs := o.chunk(i, lo, hi)
		if mom == 0 {
			// The loop below without momentum, vectorised (same bits).
			tensor.SGDUpdate(ws, gs, lr, wd)
			return
		}
		buf := o.buf(0, i, lo, len(ws))
		for j, w32 := range ws {
			w, g := float64(w32), float64(gs[j])
			g += wd * w
			b := g
			if o.step > 1 {
				b = mom*float64(buf[j]) + (1-damp)*g
			}
			buf[j] = float32(b)
			if o.cfg.Nesterov {
				g += mom * b
			} else {
				g = b
			}
			ws[j] = float32(w - lr*g)
		}
	})
}
