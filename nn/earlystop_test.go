package nn

import "testing"

func TestEarlyStopping(t *testing.T) {
	p := &Param{Name: "w", Shape: []int{1}, Data: []float32{0}}
	ps := []*Param{p}
	cases := []struct {
		name     string
		patience int
		improved []bool
		best     float32 // value of p at the last improvement
		bad      int
		stopped  bool
	}{
		{"improving", 2, []bool{true, true, true}, 3, 0, false},
		{"patience reached", 2, []bool{true, false, true, false, false}, 3, 2, true},
		{"reset before patience", 3, []bool{true, false, false, true, false}, 4, 1, false},
		{"never stops without patience", 0, []bool{true, false, false, false, false}, 1, 4, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e EarlyStopping
			e.RestoreBest(ps) // no best yet: a no-op
			if got := e.BestParams(ps); &got[0] != &ps[0] {
				t.Fatal("BestParams before any best: want ps itself")
			}
			for i, imp := range c.improved {
				p.Data[0] = float32(i + 1)
				e.Observe(imp, c.patience, ps)
			}
			if e.Bad != c.bad || e.Stopped != c.stopped {
				t.Errorf("Bad %d Stopped %v, want %d %v", e.Bad, e.Stopped, c.bad, c.stopped)
			}
			p.Data[0] = -1
			if bp := e.BestParams(ps); bp[0].Name != "w" || bp[0].Data[0] != c.best {
				t.Errorf("BestParams: %s = %v, want w = %v", bp[0].Name, bp[0].Data, c.best)
			}
			e.RestoreBest(ps)
			if p.Data[0] != c.best {
				t.Errorf("restored %v, want %v", p.Data[0], c.best)
			}
		})
	}
}
