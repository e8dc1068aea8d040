package optim

import (
	"math"

	"github.com/recurrent-go/recurrent/nn"
)

// RMSpropConfig holds torch.optim.RMSprop's arguments. Zero values are used
// as given; start from DefaultRMSprop.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type RMSpropConfig struct {
	LR          float64
	Alpha       float64
	Eps         float64
	WeightDecay float64
	Momentum    float64
	Centered    bool
}

// DefaultRMSprop returns torch.optim.RMSprop's defaults: lr 1e-2, alpha
// 0.99, eps 1e-8.
func DefaultRMSprop() RMSpropConfig { return RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8} }

// RMSprop is torch.optim.RMSprop:
//
//	g = grad + wd*p
//	sq = alpha*sq + (1-alpha)*g^2
//	centered: ga = alpha*ga + (1-alpha)*g; avg = sqrt(sq - ga^2) + eps
//	else:     avg = sqrt(sq) + eps
//	momentum > 0: b = momentum*b + g/avg; p = p - lr*b
//	else:         p = p - lr*g/avg
//
// (sq - ga^2, never negative in exact arithmetic, is clamped at 0 against
// rounding, where PyTorch would produce NaN.)
//
// It is not safe for concurrent use.
type RMSprop struct {
	core
	cfg RMSpropConfig
}

// NewRMSprop returns an RMSprop optimiser over params. Its state has the
// buffer "square_avg", plus "momentum_buffer" when Momentum > 0 and
// "grad_avg" when Centered.
func NewRMSprop(params []*nn.Param, cfg RMSpropConfig) (*RMSprop, error) {
	names := []string{"square_avg"}
	if cfg.Momentum > 0 {
		names = append(names, "momentum_buffer")
	}
	if cfg.Centered {
		names = append(names, "grad_avg")
	}
	c, err := newCore("rmsprop", params, cfg.LR, names, hyper{"alpha", cfg.Alpha}, hyper{"epsilon", cfg.Eps},
		hyper{"weight decay", cfg.WeightDecay}, hyper{"momentum", cfg.Momentum})
	if err != nil {
		return nil, err
	}
	return &RMSprop{core: c, cfg: cfg}, nil
}

// Step applies one RMSprop update.
func (o *RMSprop) Step() error {
	lr, alpha, eps, wd, mom := o.lr, o.cfg.Alpha, o.cfg.Eps, o.cfg.WeightDecay, o.cfg.Momentum
	return o.update(func(i, lo, hi int) {
		ws, gs := o.chunk(i, lo, hi)
		sq := o.buf(0, i, lo, len(ws))
		var buf, ga []float32
		k := 1
		if mom > 0 {
			buf = o.buf(k, i, lo, len(ws))
			k++
		}
		if o.cfg.Centered {
			ga = o.buf(k, i, lo, len(ws))
		}
		for j, w32 := range ws {
			w, g := float64(w32), float64(gs[j])
			g += wd * w
			s := alpha*float64(sq[j]) + (1-alpha)*g*g
			sq[j] = float32(s)
			if ga != nil {
				a := alpha*float64(ga[j]) + (1-alpha)*g
				ga[j] = float32(a)
				s = max(s-a*a, 0)
			}
			avg := math.Sqrt(s) + eps
			if buf != nil {
				b := mom*float64(buf[j]) + g/avg
				buf[j] = float32(b)
				w -= lr * b
			} else {
				w -= lr * g / avg
			}
			ws[j] = float32(w)
		}
	})
}
