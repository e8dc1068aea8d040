package lm

import (
	"fmt"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
)

// Optimizer is the update rule the Trainer drives.
//
// Optimizers are not safe for concurrent use.
type Optimizer = optim.Optimizer

// NewOptimizer returns the named optimizer over ps with PyTorch's defaults
// apart from the learning rate and weight decay: "adam", "adamw", "sgd"
// (plain), "rmsprop" or "adagrad".
func NewOptimizer(name string, ps []*nn.Param, lr, weightDecay float64) (Optimizer, error) {
	var (
		o   Optimizer
		err error
	)
	switch name {
	case "adam", "adamw":
		c := optim.DefaultAdam()
		if name == "adamw" {
			c = optim.DefaultAdamW()
		}
		c.LR, c.WeightDecay = lr, weightDecay
		if name == "adamw" {
			o, err = optim.NewAdamW(ps, c)
		} else {
			o, err = optim.NewAdam(ps, c)
		}
	case "sgd":
		o, err = optim.NewSGD(ps, optim.SGDConfig{LR: lr, WeightDecay: weightDecay})
	case "rmsprop":
		c := optim.DefaultRMSprop()
		c.LR, c.WeightDecay = lr, weightDecay
		o, err = optim.NewRMSprop(ps, c)
	case "adagrad":
		c := optim.DefaultAdagrad()
		c.LR, c.WeightDecay = lr, weightDecay
		o, err = optim.NewAdagrad(ps, c)
	default:
		return nil, fmt.Errorf("lm: unknown optimizer %q (want adam, adamw, sgd, rmsprop or adagrad)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	return o, nil
}

// clipGradNorm clips to maxNorm when positive and returns the norm before.
func clipGradNorm(ps []*nn.Param, maxNorm float64) float64 {
	if maxNorm > 0 {
		return optim.ClipGradNorm(ps, maxNorm)
	}
	return optim.GradNorm(ps)
}
