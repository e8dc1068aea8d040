package optim

import (
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

// BenchmarkStep times one Step of each optimiser over a 1M-element
// parameter (BenchmarkAdamStep covers Adam).
func BenchmarkStep(b *testing.B) {
	for _, c := range []struct {
		name string
		mk   func([]*nn.Param) (Optimizer, error)
	}{
		{"SGD", func(p []*nn.Param) (Optimizer, error) {
			return NewSGD(p, SGDConfig{LR: 0.1, Momentum: 0.9, WeightDecay: 1e-4})
		}},
		{"Adagrad", func(p []*nn.Param) (Optimizer, error) { return NewAdagrad(p, DefaultAdagrad()) }},
		{"RMSprop", func(p []*nn.Param) (Optimizer, error) { return NewRMSprop(p, DefaultRMSprop()) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := nn.NewParam("w", 1<<20)
			for i := range p.Grad {
				p.Grad[i] = float32(i%7) * 0.1
			}
			o, err := c.mk([]*nn.Param{p})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := o.Step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
