package optim

import (
	"math"
	"testing"
)

func TestSchedules(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
		want map[int]float64
	}{
		{"constant", Constant(0.3), map[int]float64{0: 0.3, 100: 0.3}},
		{"step", StepLR(1, 3, 0.5), map[int]float64{0: 1, 2: 1, 3: 0.5, 5: 0.5, 6: 0.25, 9: 0.125}},
		{"exponential", ExponentialLR(2, 0.9), map[int]float64{0: 2, 1: 1.8, 3: 2 * 0.729}},
		{"linear warmup decay", LinearWarmupDecay(1, 4, 12), map[int]float64{
			0: 0, 1: 0.25, 3: 0.75, 4: 1, 8: 0.5, 12: 0, 20: 0}},
		{"cosine warmup", CosineWarmup(1, 2, 6, 0.1), map[int]float64{
			0: 0, 1: 0.5, 2: 1, 4: 0.55, 6: 0.1, 10: 0.1}},
		{"inverse time", InverseTimeDecay(1, 0.5), map[int]float64{0: 1, 1: 1 / 1.5, 2: 0.5}},
	}
	for _, tc := range tests {
		for step, want := range tc.want {
			if got := tc.s(step); math.Abs(got-want) > 1e-12 {
				t.Errorf("%s(%d) = %v, want %v", tc.name, step, got, want)
			}
		}
	}
}

func TestReduceLROnPlateau(t *testing.T) {
	o, s := newPlateau(t, 0.5, 1)
	s.Cooldown, s.MinLR = 1, 0.2
	// Worked through PyTorch's rules by hand (and checked against PyTorch
	// 1.13 with the same sequence): patience 1 means the second
	// non-improving evaluation in a row lowers the rate.
	steps := []struct {
		metric  float64
		reduced bool
		lr      float64
	}{
		{10, false, 1},    // best 10
		{9, false, 1},     // best 9
		{9, false, 1},     // bad 1
		{9.5, true, 0.5},  // bad 2 > 1: halve, cooldown 1
		{9.5, false, 0.5}, // in cooldown: bad reset
		{9.5, false, 0.5}, // bad 1
		{9.5, true, 0.25}, // bad 2: halve
		{8, false, 0.25},  // improvement (cooldown tick)
		{8, false, 0.25},  // bad 1
		{8, true, 0.2},    // bad 2: halve, clamped at MinLR
		{8, false, 0.2},   // cooldown
		{8, false, 0.2},   // bad 1
		{8, false, 0.2},   // bad 2, but already at MinLR
	}
	for i, st := range steps {
		if got := s.Step(st.metric); got != st.reduced || o.LR() != st.lr {
			t.Fatalf("evaluation %d (%v): reduced %v lr %v, want %v and %v", i, st.metric, got, o.LR(), st.reduced, st.lr)
		}
	}
	if s.Best() != 8 {
		t.Errorf("Best() = %v, want 8", s.Best())
	}
	if _, err := NewReduceLROnPlateau(o, 1, 0); err == nil {
		t.Error("accepted factor 1")
	}
}

// TestPlateauObserve checks that Observe counts the caller's verdicts as
// Step counts its own, and that State and SetState carry the counters.
func TestPlateauObserve(t *testing.T) {
	o, s := newPlateau(t, 0.25, 1)
	for i, st := range []struct {
		improved, reduced bool
		lr                float64
	}{{true, false, 1}, {false, false, 1}, {false, true, 0.25}, {false, false, 0.25}} {
		if got := s.Observe(st.improved); got != st.reduced || o.LR() != st.lr {
			t.Fatalf("evaluation %d: reduced %v lr %v, want %v and %v", i, got, o.LR(), st.reduced, st.lr)
		}
	}
	st := s.State()
	if st.Bad != 1 {
		t.Fatalf("state %+v, want 1 bad", st)
	}
	r, _ := NewReduceLROnPlateau(o, 0.25, 1)
	r.SetState(st, math.Inf(1))
	if !r.Observe(false) || o.LR() != 0.25*0.25 {
		t.Errorf("restored plateau: lr %v, want a reduction to %v", o.LR(), 0.25*0.25)
	}
}

// newPlateau returns an SGD optimiser at learning rate 1 and a
// ReduceLROnPlateau over it with factor and patience.
func newPlateau(t *testing.T, factor float64, patience int) (*SGD, *ReduceLROnPlateau) {
	t.Helper()
	o, err := NewSGD(testParams(), SGDConfig{LR: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewReduceLROnPlateau(o, factor, patience)
	if err != nil {
		t.Fatal(err)
	}
	return o, s
}
