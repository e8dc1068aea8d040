package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/recurrent-go/recurrent/internal/golden"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
)

// This file is in the external test package because optim imports nn.

func init() {
	nn.GoldenCheckers["optim_"] = checkGoldenOptim
}

// goldenOptimCase is the optim_*.json format of testdata/golden/README.md.
// Hyperparameters use torch.optim's argument names and are read from Hyper,
// with PyTorch's defaults for those absent.
type goldenOptimCase struct {
	Optimizer string            `json:"optimizer"`
	Params    []golden.Tensor   `json:"params"`
	Grads     [][]golden.Tensor `json:"grads"`
	Expected  [][]golden.Tensor `json:"expected_after_each_step"`
	ClipNorm  *float64          `json:"clip_grad_norm"`
	ClipValue *float64          `json:"clip_grad_value"`
	Hyper     map[string]json.RawMessage
}

// hyper reads torch.optim arguments from a case, remembering which were used.
type hyper struct {
	raw  map[string]json.RawMessage
	used map[string]bool
	err  error
}

func (h *hyper) get(name string, v any) {
	h.used[name] = true
	r, ok := h.raw[name]
	if !ok || string(r) == "null" || h.err != nil {
		return
	}
	if err := json.Unmarshal(r, v); err != nil {
		h.err = fmt.Errorf("field %q: %w", name, err)
	}
}

func (h *hyper) float(name string, def float64) float64 { h.get(name, &def); return def }
func (h *hyper) bool(name string, def bool) bool        { h.get(name, &def); return def }

// unused returns an error for any field neither structural nor read, so a
// case with an option this checker does not know fails instead of passing
// by ignoring it.
func (h *hyper) unused() error {
	if h.err != nil {
		return h.err
	}
	for k := range h.raw {
		switch k {
		case "name", "optimizer", "params", "grads", "expected_after_each_step", "clip_grad_norm", "clip_grad_value", "param_names":
			continue
		}
		if !h.used[k] {
			return fmt.Errorf("unsupported field %q", k)
		}
	}
	return nil
}

// newGoldenOptimizer builds the optimiser a case names, with torch.optim's
// defaults for arguments the case leaves out.
func newGoldenOptimizer(kind string, h *hyper, ps []*nn.Param) (optim.Optimizer, error) {
	if h.bool("maximize", false) {
		return nil, fmt.Errorf("maximize is not supported")
	}
	// Implementation switches that do not change the numbers.
	h.used["foreach"], h.used["capturable"], h.used["differentiable"], h.used["fused"] = true, true, true, true
	var (
		o   optim.Optimizer
		err error
	)
	switch kind {
	case "sgd":
		o, err = optim.NewSGD(ps, optim.SGDConfig{
			LR: h.float("lr", 1e-3), Momentum: h.float("momentum", 0), Dampening: h.float("dampening", 0),
			WeightDecay: h.float("weight_decay", 0), Nesterov: h.bool("nesterov", false),
		})
	case "adam", "adamw":
		cfg := optim.DefaultAdam()
		if kind == "adamw" {
			cfg = optim.DefaultAdamW()
		}
		betas := []float64{cfg.Beta1, cfg.Beta2}
		h.get("betas", &betas)
		if len(betas) != 2 {
			return nil, fmt.Errorf("betas %v, want two values", betas)
		}
		cfg.LR, cfg.Beta1, cfg.Beta2 = h.float("lr", cfg.LR), betas[0], betas[1]
		cfg.Eps, cfg.WeightDecay, cfg.AMSGrad = h.float("eps", cfg.Eps), h.float("weight_decay", cfg.WeightDecay), h.bool("amsgrad", false)
		if kind == "adam" {
			o, err = optim.NewAdam(ps, cfg)
		} else {
			o, err = optim.NewAdamW(ps, cfg)
		}
	case "adagrad":
		d := optim.DefaultAdagrad()
		o, err = optim.NewAdagrad(ps, optim.AdagradConfig{
			LR: h.float("lr", d.LR), LRDecay: h.float("lr_decay", 0), WeightDecay: h.float("weight_decay", 0),
			InitialAccumulatorValue: h.float("initial_accumulator_value", 0), Eps: h.float("eps", d.Eps),
		})
	case "rmsprop":
		d := optim.DefaultRMSprop()
		o, err = optim.NewRMSprop(ps, optim.RMSpropConfig{
			LR: h.float("lr", d.LR), Alpha: h.float("alpha", d.Alpha), Eps: h.float("eps", d.Eps),
			WeightDecay: h.float("weight_decay", 0), Momentum: h.float("momentum", 0), Centered: h.bool("centered", false),
		})
	default:
		return nil, fmt.Errorf("unknown optimizer %q", kind)
	}
	if err != nil {
		return nil, err
	}
	return o, h.unused()
}

func checkGoldenOptim(t *testing.T, path string) {
	var c goldenOptimCase
	if err := golden.Decode(path, &c); err != nil {
		t.Fatal(err)
	}
	if err := golden.Decode(path, &c.Hyper); err != nil {
		t.Fatal(err)
	}
	ps := make([]*nn.Param, len(c.Params))
	for i, p := range c.Params {
		if p.Size() != len(p.Data) {
			t.Fatalf("param %d: shape %v but %d values", i, p.Shape, len(p.Data))
		}
		ps[i] = nn.NewParam(fmt.Sprintf("p%d", i), p.Shape...)
		copy(ps[i].Data, p.Float32())
	}
	h := &hyper{raw: c.Hyper, used: map[string]bool{}}
	o, err := newGoldenOptimizer(c.Optimizer, h, ps)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(c.Grads) != len(c.Expected) || len(c.Grads) == 0 {
		t.Fatalf("%d gradient sets but %d expected states", len(c.Grads), len(c.Expected))
	}
	overall := 0.0
	defer func() { t.Logf("largest parameter difference from PyTorch: %.3g", overall) }()
	for s := range c.Grads {
		if len(c.Grads[s]) != len(ps) || len(c.Expected[s]) != len(ps) {
			t.Fatalf("step %d: %d grads and %d expected for %d params", s, len(c.Grads[s]), len(c.Expected[s]), len(ps))
		}
		for i, g := range c.Grads[s] {
			if len(g.Data) != ps[i].Size() {
				t.Fatalf("step %d: grad %d has %d values, param %d", s, i, len(g.Data), ps[i].Size())
			}
			copy(ps[i].Grad, g.Float32())
		}
		if c.ClipNorm != nil {
			optim.ClipGradNorm(ps, *c.ClipNorm)
		}
		if c.ClipValue != nil {
			optim.ClipGradValue(ps, *c.ClipValue)
		}
		if err := o.Step(); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		for i, want := range c.Expected[s] {
			if len(want.Data) != ps[i].Size() {
				t.Fatalf("step %d: expected param %d has %d values, want %d", s, i, len(want.Data), ps[i].Size())
			}
			worst, at := 0.0, 0
			for j, w := range want.Data {
				if d := math.Abs(float64(ps[i].Data[j]) - w); !(d <= worst) {
					worst, at = d, j
				}
			}
			overall = math.Max(overall, worst)
			if !(worst <= 1e-5) {
				t.Errorf("step %d param %d [%d] = %.9g, want %.9g (|diff| %.3g > 1e-5)", s, i, at, ps[i].Data[at], want.Data[at], worst)
			}
		}
	}
}
