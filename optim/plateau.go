package optim

import (
	"fmt"
	"math"
)

// ReduceLROnPlateau lowers an optimiser's learning rate when a metric to
// be minimised (such as validation loss) stops improving, as
// torch.optim.lr_scheduler.ReduceLROnPlateau in mode "min" with threshold
// mode "rel": a value improves on the best so far when it is below
// best*(1-Threshold). After more than Patience evaluations without
// improvement the rate is multiplied by Factor (not below MinLR), then
// Cooldown evaluations pass before bad evaluations count again.
type ReduceLROnPlateau struct {
	Factor    float64
	Patience  int
	Threshold float64
	Cooldown  int
	MinLR     float64
	Eps       float64 // reductions smaller than this are skipped

	opt      Optimizer
	best     float64
	bad      int
	cooldown int
}

// NewReduceLROnPlateau returns a plateau schedule for o with PyTorch's
// defaults for the fields not given (threshold 1e-4, no cooldown, minimum
// rate 0, eps 1e-8). Factor must lie in (0, 1).
func NewReduceLROnPlateau(o Optimizer, factor float64, patience int) (*ReduceLROnPlateau, error) {
	if !(factor > 0 && factor < 1) {
		return nil, fmt.Errorf("optim: ReduceLROnPlateau: factor %v outside (0, 1)", factor)
	}
	if patience < 0 {
		return nil, fmt.Errorf("optim: ReduceLROnPlateau: negative patience %d", patience)
	}
	return &ReduceLROnPlateau{Factor: factor, Patience: patience, Threshold: 1e-4, Eps: 1e-8, opt: o, best: math.Inf(1)}, nil
}

// Step records one evaluation of the metric and reports whether the
// learning rate was lowered.
func (s *ReduceLROnPlateau) Step(metric float64) bool {
	if metric < s.best*(1-s.Threshold) {
		s.best, s.bad = metric, 0
	} else {
		s.bad++
	}
	return s.afterObserve()
}

// afterObserve applies the cooldown and, after more than Patience bad
// evaluations, lowers the rate; it reports whether it did.
func (s *ReduceLROnPlateau) afterObserve() bool {
	if s.cooldown > 0 {
		s.cooldown--
		s.bad = 0
	}
	if s.bad <= s.Patience {
		return false
	}
	s.bad = 0
	old := s.opt.LR()
	lr := math.Max(old*s.Factor, s.MinLR)
	if old-lr <= s.Eps {
		return false
	}
	s.opt.SetLR(lr)
	s.cooldown = s.Cooldown
	return true
}

// Best returns the best metric seen so far (+Inf before the first Step).
func (s *ReduceLROnPlateau) Best() float64 { return s.best }

// Observe records one evaluation whose improvement the caller decided
// (for example a training loop that already keeps the best model by its
// own rule) and reports whether the learning rate was lowered: the
// counting, cooldown and reduction are those of Step.
func (s *ReduceLROnPlateau) Observe(improved bool) bool {
	if improved {
		s.bad = 0
	} else {
		s.bad++
	}
	return s.afterObserve()
}

// PlateauState is the resumable part of a ReduceLROnPlateau: the bad
// evaluations counted and the cooldown left (the best metric is kept by
// callers of Observe; Step callers restore it with SetState's best).
type PlateauState struct {
	Bad      int `json:"bad"`
	Cooldown int `json:"cooldown,omitempty"`
}

// State returns the counters a resumed run needs.
func (s *ReduceLROnPlateau) State() PlateauState {
	return PlateauState{Bad: s.bad, Cooldown: s.cooldown}
}

// SetState restores counters returned by State and the best metric
// (+Inf: none yet).
func (s *ReduceLROnPlateau) SetState(st PlateauState, best float64) {
	s.bad, s.cooldown, s.best = st.Bad, st.Cooldown, best
}
