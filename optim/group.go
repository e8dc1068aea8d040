package optim

import (
	"errors"
	"fmt"
)

// Group runs several optimisers of the same kind as one, like PyTorch's
// parameter groups: each member optimises its own parameters with its own
// learning rate, a fixed multiple (its scale) of the group's. SetLR(lr)
// gives member i the rate lr*scale[i], so a schedule applied to the group
// keeps the ratios. Step checks every member's gradients before changing
// anything, so a NaN in any group skips the whole step.
//
// It is not safe for concurrent use.
type Group struct {
	members []Optimizer
	scales  []float64
}

// NewGroup combines members (at least one, all of the same kind, over
// disjoint parameters) with learning-rate scales (one per member, > 0).
// The group's learning rate is the first member's rate divided by its
// scale.
func NewGroup(members []Optimizer, scales []float64) (*Group, error) {
	if len(members) == 0 {
		return nil, errors.New("optim: group: no optimisers")
	}
	if len(scales) != len(members) {
		return nil, fmt.Errorf("optim: group: %d scales for %d optimisers", len(scales), len(members))
	}
	g := &Group{members: members, scales: scales}
	kind := members[0].State().Kind
	seen := map[string]bool{}
	for i, o := range members {
		if !(scales[i] > 0) {
			return nil, fmt.Errorf("optim: group: learning-rate scale %v of member %d must be positive", scales[i], i)
		}
		s := o.State()
		if s.Kind != kind {
			return nil, fmt.Errorf("optim: group: member %d is %q, member 0 %q", i, s.Kind, kind)
		}
		var names []string
		for _, b := range s.Buffers {
			if len(names) == 0 || names[len(names)-1] != b.Param {
				names = append(names, b.Param)
			}
		}
		for _, n := range names {
			if seen[n] {
				return nil, fmt.Errorf("optim: group: parameter %q in two members", n)
			}
			seen[n] = true
		}
	}
	return g, nil
}

// Members returns the member optimisers.
func (g *Group) Members() []Optimizer { return g.members }

// Step applies one update of every member, or none if any gradient is NaN
// or infinite.
func (g *Group) Step() error {
	for _, o := range g.members {
		if c, ok := o.(interface{ finiteErr() error }); ok {
			if err := c.finiteErr(); err != nil {
				return err
			}
		}
	}
	for i, o := range g.members {
		if err := o.Step(); err != nil {
			return fmt.Errorf("optim: group member %d: %w", i, err)
		}
	}
	return nil
}

// ZeroGrad clears the gradients of every member's parameters.
func (g *Group) ZeroGrad() {
	for _, o := range g.members {
		o.ZeroGrad()
	}
}

// SetLR sets member i's learning rate to lr*scale[i].
func (g *Group) SetLR(lr float64) {
	for i, o := range g.members {
		o.SetLR(lr * g.scales[i])
	}
}

// LR returns the group's learning rate (the first member's over its scale).
func (g *Group) LR() float64 { return g.members[0].LR() / g.scales[0] }

// State returns the members' buffers one after the other, with the first
// member's step and the group's learning rate.
func (g *Group) State() State {
	s := g.members[0].State()
	s.LR = g.LR()
	for _, o := range g.members[1:] {
		s.Buffers = append(s.Buffers, o.State().Buffers...)
	}
	return s
}

// SetState restores a state returned by State of a group of the same
// shape; on error nothing is changed.
func (g *Group) SetState(s State) error {
	parts := make([]State, len(g.members))
	rest := s.Buffers
	for i, o := range g.members {
		n := len(o.State().Buffers)
		if len(rest) < n {
			return fmt.Errorf("optim: group: state has %d buffers, fewer than the members need", len(s.Buffers))
		}
		parts[i] = State{Kind: s.Kind, Step: s.Step, LR: s.LR * g.scales[i], Buffers: rest[:n]}
		rest = rest[n:]
	}
	if len(rest) != 0 {
		return fmt.Errorf("optim: group: state has %d buffers more than the members hold", len(rest))
	}
	// Check every part against a copy first so that a failure changes nothing.
	old := make([]State, len(g.members))
	for i, o := range g.members {
		old[i] = o.State()
	}
	for i, o := range g.members {
		if err := o.SetState(parts[i]); err != nil {
			for j := range i {
				_ = g.members[j].SetState(old[j])
			}
			return fmt.Errorf("optim: group member %d: %w", i, err)
		}
	}
	return nil
}

// finiteErr lets a Group check a member's gradients before any member steps.
func (c *core) finiteErr() error { return CheckFinite(c.params) }
