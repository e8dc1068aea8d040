package optim

import (
	"math"

	"github.com/recurrent-go/recurrent/nn"
)

// AdagradConfig holds torch.optim.Adagrad's arguments. Zero values are used
// as given; start from DefaultAdagrad.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type AdagradConfig struct {
	LR                      float64
	LRDecay                 float64
	WeightDecay             float64
	InitialAccumulatorValue float64
	Eps                     float64
}

// DefaultAdagrad returns torch.optim.Adagrad's defaults: lr 1e-2, eps 1e-10.
func DefaultAdagrad() AdagradConfig { return AdagradConfig{LR: 1e-2, Eps: 1e-10} }

// Adagrad is torch.optim.Adagrad. At step t:
//
//	g = grad + wd*p
//	clr = lr / (1 + (t-1)*lr_decay)
//	sum = sum + g^2                  (sum starts at initial_accumulator_value)
//	p = p - clr * g / (sqrt(sum) + eps)
//
// It is not safe for concurrent use.
type Adagrad struct {
	core
	cfg AdagradConfig
}

// NewAdagrad returns an Adagrad optimiser over params. Its state has the
// buffer "sum".
func NewAdagrad(params []*nn.Param, cfg AdagradConfig) (*Adagrad, error) {
	c, err := newCore("adagrad", params, cfg.LR, []string{"sum"}, hyper{"lr decay", cfg.LRDecay}, hyper{"weight decay", cfg.WeightDecay},
		hyper{"initial accumulator value", cfg.InitialAccumulatorValue}, hyper{"epsilon", cfg.Eps})
	if err != nil {
		return nil, err
	}
	for _, s := range c.bufs[0] {
		for j := range s {
			s[j] = float32(cfg.InitialAccumulatorValue)
		}
	}
	return &Adagrad{core: c, cfg: cfg}, nil
}

// Step applies one Adagrad update.
func (o *Adagrad) Step() error {
	clr := o.lr / (1 + float64(o.step)*o.cfg.LRDecay) // o.step: the steps before this one
	wd, eps := o.cfg.WeightDecay, o.cfg.Eps
	return o.update(func(i, lo, hi int) {
		ws, gs := o.chunk(i, lo, hi)
		sum := o.buf(0, i, lo, len(ws))
		for j, w32 := range ws {
			w, g := float64(w32), float64(gs[j])
			g += wd * w
			s := float64(sum[j]) + g*g
			sum[j] = float32(s)
			ws[j] = float32(w - clr*g/(math.Sqrt(s)+eps))
		}
	})
}
