package optim

import (
	"fmt"

	"github.com/recurrent-go/recurrent/nn"
)

// Options are the hyper-parameters New sets; every other one keeps
// PyTorch's default.
type Options struct {
	LR          float64 // learning rate (must be positive)
	WeightDecay float64 // L2 penalty, PyTorch's weight_decay (decoupled for "adamw")
}

// Names lists the optimizers New knows.
var Names = []string{"adam", "adamw", "sgd", "rmsprop", "adagrad"}

// New returns the named optimizer over params with PyTorch's defaults
// apart from o: "adam", "adamw", "sgd" (plain, no momentum), "rmsprop" or
// "adagrad".
func New(name string, params []*nn.Param, o Options) (Optimizer, error) {
	var (
		opt Optimizer
		err error
	)
	switch name {
	case "adam", "adamw":
		c := DefaultAdam()
		if name == "adamw" {
			c = DefaultAdamW()
		}
		c.LR, c.WeightDecay = o.LR, o.WeightDecay
		if name == "adamw" {
			opt, err = NewAdamW(params, c)
		} else {
			opt, err = NewAdam(params, c)
		}
	case "sgd":
		opt, err = NewSGD(params, SGDConfig{LR: o.LR, WeightDecay: o.WeightDecay})
	case "rmsprop":
		c := DefaultRMSprop()
		c.LR, c.WeightDecay = o.LR, o.WeightDecay
		opt, err = NewRMSprop(params, c)
	case "adagrad":
		c := DefaultAdagrad()
		c.LR, c.WeightDecay = o.LR, o.WeightDecay
		opt, err = NewAdagrad(params, c)
	default:
		return nil, fmt.Errorf("optim: unknown optimizer %q (want adam, adamw, sgd, rmsprop or adagrad)", name)
	}
	if err != nil {
		return nil, err
	}
	return opt, nil
}
