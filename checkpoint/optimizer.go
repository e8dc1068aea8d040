package checkpoint

import (
	"fmt"
	"strconv"

	"github.com/recurrent-go/recurrent/optim"
)

// OptimizerTensors flattens an optimizer's state into tensors named
// "<param>/<buffer>" (for example "rnn.weight_ih_l0/exp_avg") and metadata
// holding its kind, step and learning rate.
// Written with TensorsFile(OptimizerFile, ...), it lets a run resume exactly.
func OptimizerTensors(o optim.Optimizer) (map[string]Tensor, map[string]string, error) {
	s := o.State()
	ts := make(map[string]Tensor, len(s.Buffers))
	for _, b := range s.Buffers {
		key := b.Param + "/" + b.Name
		if _, dup := ts[key]; dup {
			return nil, nil, fmt.Errorf("checkpoint: optimizer state: buffer %s twice", key)
		}
		ts[key] = Tensor{Shape: []int{len(b.Data)}, Data: b.Data}
	}
	meta := map[string]string{
		"kind": s.Kind,
		"step": strconv.FormatInt(s.Step, 10),
		"lr":   strconv.FormatFloat(s.LR, 'g', -1, 64),
	}
	return ts, meta, nil
}

// RestoreOptimizer loads into o the state that OptimizerTensors wrote. The
// optimizer must be of the same kind over the same parameters; a missing
// "lr" entry keeps o's current learning rate.
func RestoreOptimizer(o optim.Optimizer, ts map[string]Tensor, meta map[string]string) error {
	s := o.State() // the expected buffers, in the optimizer's order
	if meta["kind"] != s.Kind {
		return fmt.Errorf("checkpoint: optimizer state is for %q, the trainer uses %q", meta["kind"], s.Kind)
	}
	step, err := strconv.ParseInt(meta["step"], 10, 64)
	if err != nil {
		return fmt.Errorf("checkpoint: optimizer state: step: %w", err)
	}
	s.Step = step
	if v, ok := meta["lr"]; ok {
		if s.LR, err = strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("checkpoint: optimizer state: lr: %w", err)
		}
	}
	if len(ts) != len(s.Buffers) {
		return fmt.Errorf("checkpoint: optimizer state has %d buffers, want %d", len(ts), len(s.Buffers))
	}
	for i, b := range s.Buffers {
		t, ok := ts[b.Param+"/"+b.Name]
		if !ok {
			return fmt.Errorf("checkpoint: optimizer state: buffer %s/%s missing", b.Param, b.Name)
		}
		if len(t.Data) != len(b.Data) {
			return fmt.Errorf("checkpoint: optimizer state: buffer %s/%s has %d values, want %d", b.Param, b.Name, len(t.Data), len(b.Data))
		}
		s.Buffers[i].Data = t.Data
	}
	if err := o.SetState(s); err != nil {
		return fmt.Errorf("checkpoint: optimizer state: %w", err)
	}
	return nil
}

// ReadOptimizer restores o from the checkpoint's OptimizerFile, as written
// from OptimizerTensors.
func (c *Checkpoint) ReadOptimizer(o optim.Optimizer) error {
	ts, meta, err := c.ReadTensors(OptimizerFile)
	if err != nil {
		return err
	}
	if err := RestoreOptimizer(o, ts, meta); err != nil {
		return fmt.Errorf("%s: %w", c.Path(OptimizerFile), err)
	}
	return nil
}
