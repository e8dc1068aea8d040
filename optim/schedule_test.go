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
	}
	for _, tc := range tests {
		for step, want := range tc.want {
			if got := tc.s(step); math.Abs(got-want) > 1e-12 {
				t.Errorf("%s(%d) = %v, want %v", tc.name, step, got, want)
			}
		}
	}
}
