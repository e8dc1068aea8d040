package optim

import (
	"fmt"
	"math"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// AdamConfig holds torch.optim.Adam's (and AdamW's) arguments. Zero values
// are used as given; start from DefaultAdam or DefaultAdamW.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type AdamConfig struct {
	LR           float64
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64
	AMSGrad      bool
}

// DefaultAdam returns torch.optim.Adam's defaults: lr 1e-3, betas (0.9,
// 0.999), eps 1e-8, no weight decay.
func DefaultAdam() AdamConfig { return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// DefaultAdamW returns torch.optim.AdamW's defaults: DefaultAdam with
// weight decay 1e-2.
func DefaultAdamW() AdamConfig {
	c := DefaultAdam()
	c.WeightDecay = 1e-2
	return c
}

// Adam is torch.optim.Adam, or AdamW when created by NewAdamW. At step t:
//
//	Adam:  g = grad + wd*p            AdamW: p = p * (1 - lr*wd), g = grad
//	m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
//	vmax = max(vmax, v) (AMSGrad: v below means vmax)
//	p = p - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
//
// It is not safe for concurrent use.
type Adam struct {
	core
	cfg       AdamConfig
	decoupled bool
}

// NewAdam returns an Adam optimiser over params. Its state has buffers
// "exp_avg", "exp_avg_sq" and, with AMSGrad, "max_exp_avg_sq".
func NewAdam(params []*nn.Param, cfg AdamConfig) (*Adam, error) {
	return newAdam("adam", params, cfg, false)
}

// NewAdamW returns an AdamW optimiser (decoupled weight decay) over params.
func NewAdamW(params []*nn.Param, cfg AdamConfig) (*Adam, error) {
	return newAdam("adamw", params, cfg, true)
}

func newAdam(kind string, params []*nn.Param, cfg AdamConfig, decoupled bool) (*Adam, error) {
	if !(cfg.Beta1 >= 0 && cfg.Beta1 < 1 && cfg.Beta2 >= 0 && cfg.Beta2 < 1) {
		return nil, fmt.Errorf("optim: %s: betas (%v, %v) must lie in [0, 1)", kind, cfg.Beta1, cfg.Beta2)
	}
	names := []string{"exp_avg", "exp_avg_sq"}
	if cfg.AMSGrad {
		names = append(names, "max_exp_avg_sq")
	}
	c, err := newCore(kind, params, cfg.LR, names, hyper{"epsilon", cfg.Eps}, hyper{"weight decay", cfg.WeightDecay})
	if err != nil {
		return nil, err
	}
	return &Adam{core: c, cfg: cfg, decoupled: decoupled}, nil
}

// Step applies one Adam (or AdamW) update.
func (o *Adam) Step() error {
	lr, b1, b2, eps, wd := o.lr, o.cfg.Beta1, o.cfg.Beta2, o.cfg.Eps, o.cfg.WeightDecay
	t := float64(o.step + 1) // this step
	stepSize := lr / (1 - math.Pow(b1, t))
	decay := 1.0
	if o.decoupled {
		decay = 1 - lr*wd
	}
	// The elementwise update runs in float32, as PyTorch's does for float32
	// parameters (1.7x faster here than float64, and within a few ulps).
	var (
		fb1, fb2       = float32(b1), float32(b2)
		fc1, fc2       = float32(1 - b1), float32(1 - b2)
		fStep, fEps    = float32(stepSize), float32(eps)
		fInvBc2, fDec  = float32(1 / math.Sqrt(1-math.Pow(b2, t))), float32(decay)
		fwd            = float32(wd)
		decoupled, ams = o.decoupled, o.cfg.AMSGrad
	)
	k := tensor.AdamConsts{B1: fb1, C1: fc1, B2: fb2, C2: fc2, Step: fStep, InvBc2: fInvBc2, Eps: fEps, WD: fwd, Dec: fDec,
		Decoupled: decoupled}
	return o.update(func(i, lo, hi int) {
		ws, gs := o.chunk(i, lo, hi)
		m, v := o.buf(0, i, lo, len(ws)), o.buf(1, i, lo, len(ws))
		if !ams {
			// The loop below without vmax (vectorised where the CPU
			// allows; the same operations in the same order).
			tensor.AdamUpdate(ws, gs, m, v, &k)
			return
		}
		vmax := o.buf(2, i, lo, len(ws))
		for j, w := range ws {
			g := gs[j]
			if decoupled {
				w *= fDec
			} else {
				g += float32(fwd * w)
			}
			// float32(...) rounds each product before its sum, as
			// tensor.AdamUpdate does, also in a GOAMD64=v3 build (FMA).
			mj := float32(fb1*m[j]) + float32(fc1*g)
			vj := float32(fb2*v[j]) + float32(fc2*g*g)
			m[j], v[j] = mj, vj
			vj = max(vmax[j], vj)
			vmax[j] = vj
			ws[j] = w - fStep*mj/(float32(float32(math.Sqrt(float64(vj)))*fInvBc2)+fEps)
		}
	})
}
