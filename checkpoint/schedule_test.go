package checkpoint

import "testing"

func TestEpochDue(t *testing.T) {
	cases := []struct {
		epoch, epochs, every int
		stopped, want        bool
	}{
		{1, 10, 0, false, true},
		{1, 10, 1, false, true},
		{1, 10, 3, false, false},
		{3, 10, 3, false, true},
		{4, 10, 3, false, false},
		{4, 10, 3, true, true},
		{10, 10, 3, false, true},
		{12, 10, 5, false, true},
	}
	for _, c := range cases {
		if got := EpochDue(c.epoch, c.epochs, c.every, c.stopped); got != c.want {
			t.Errorf("EpochDue(%d, %d, %d, %v) = %v, want %v", c.epoch, c.epochs, c.every, c.stopped, got, c.want)
		}
	}
}
