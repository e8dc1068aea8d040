package lm

import (
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
)

// clipGradNorm clips to maxNorm when positive and returns the norm before.
func clipGradNorm(ps []*nn.Param, maxNorm float64) float64 {
	if maxNorm > 0 {
		return optim.ClipGradNorm(ps, maxNorm)
	}
	return optim.GradNorm(ps)
}
