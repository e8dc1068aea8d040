package lm

import (
	"fmt"
	"strconv"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
)

// Optimizer is the update rule the Trainer drives.
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

// optimizerState flattens the optimizer state into safetensors tensors named
// "<param>/<buffer>" (for example "rnn.weight_ih_l0/exp_avg") and metadata
// kind, step and lr.
func optimizerState(o Optimizer) (map[string]checkpoint.Tensor, map[string]string, error) {
	s := o.State()
	ts := make(map[string]checkpoint.Tensor, len(s.Buffers))
	for _, b := range s.Buffers {
		key := b.Param + "/" + b.Name
		if _, dup := ts[key]; dup {
			return nil, nil, fmt.Errorf("optimizer state: buffer %s twice", key)
		}
		ts[key] = checkpoint.Tensor{Shape: []int{len(b.Data)}, Data: b.Data}
	}
	meta := map[string]string{
		"kind": s.Kind,
		"step": strconv.FormatInt(s.Step, 10),
		"lr":   strconv.FormatFloat(s.LR, 'g', -1, 64),
	}
	return ts, meta, nil
}

// setOptimizerState restores what optimizerState wrote.
func setOptimizerState(o Optimizer, ts map[string]checkpoint.Tensor, meta map[string]string) error {
	s := o.State() // the expected buffers, in the optimizer's order
	if meta["kind"] != s.Kind {
		return fmt.Errorf("optimizer state is for %q, the trainer uses %q", meta["kind"], s.Kind)
	}
	step, err := strconv.ParseInt(meta["step"], 10, 64)
	if err != nil {
		return fmt.Errorf("optimizer state: step: %w", err)
	}
	lr, err := strconv.ParseFloat(meta["lr"], 64)
	if err != nil {
		return fmt.Errorf("optimizer state: lr: %w", err)
	}
	s.Step, s.LR = step, lr
	if len(ts) != len(s.Buffers) {
		return fmt.Errorf("optimizer state has %d buffers, want %d", len(ts), len(s.Buffers))
	}
	for i, b := range s.Buffers {
		t, ok := ts[b.Param+"/"+b.Name]
		if !ok {
			return fmt.Errorf("optimizer state: buffer %s/%s missing", b.Param, b.Name)
		}
		s.Buffers[i].Data = t.Data
	}
	if err := o.SetState(s); err != nil {
		return fmt.Errorf("optimizer state: %w", err)
	}
	return nil
}
