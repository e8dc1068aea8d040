package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

// TestGroupMatchesSeparate checks that a group of two Adams with scales 1
// and 0.1 moves each parameter exactly as a lone Adam with lr and lr/10
// would, including after SetLR, and that its state round-trips.
func TestGroupMatchesSeparate(t *testing.T) {
	mk := func() (a, b *nn.Param) {
		a, b = nn.NewParam("a", 3), nn.NewParam("b", 2)
		copy(a.Data, []float32{1, -2, 0.5})
		copy(b.Data, []float32{3, -1})
		return a, b
	}
	grad := func(ps ...*nn.Param) {
		for _, p := range ps {
			for i, w := range p.Data {
				p.Grad[i] = w*w - 0.3*float32(i)
			}
		}
	}
	ga, gb := mk()
	oa, _ := NewAdam([]*nn.Param{ga}, AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	ob, _ := NewAdam([]*nn.Param{gb}, AdamConfig{LR: 0.001, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	g, err := NewGroup([]Optimizer{oa, ob}, []float64{1, 0.1})
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := mk()
	ra, _ := NewAdam([]*nn.Param{sa}, AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	rb, _ := NewAdam([]*nn.Param{sb}, AdamConfig{LR: 0.001, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	for step := range 5 {
		if step == 3 {
			g.SetLR(0.02)
			ra.SetLR(0.02)
			rb.SetLR(0.002)
		}
		grad(ga, gb, sa, sb)
		if err := g.Step(); err != nil {
			t.Fatal(err)
		}
		ra.Step()
		rb.Step()
	}
	for i := range ga.Data {
		if ga.Data[i] != sa.Data[i] {
			t.Fatalf("a[%d] = %v, separate Adam %v", i, ga.Data[i], sa.Data[i])
		}
	}
	for i := range gb.Data {
		if gb.Data[i] != sb.Data[i] {
			t.Fatalf("b[%d] = %v, separate Adam %v", i, gb.Data[i], sb.Data[i])
		}
	}
	if lr := g.LR(); math.Abs(lr-0.02) > 1e-12 {
		t.Fatalf("group LR %v, want 0.02", lr)
	}
	st := g.State()
	if len(st.Buffers) != 4 || st.Kind != "adam" || st.Step != 5 {
		t.Fatalf("state kind %s step %d with %d buffers", st.Kind, st.Step, len(st.Buffers))
	}
	// Restore into a fresh group: the next steps must agree.
	ha, hb := mk()
	copy(ha.Data, ga.Data)
	copy(hb.Data, gb.Data)
	na, _ := NewAdam([]*nn.Param{ha}, AdamConfig{LR: 1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	nb, _ := NewAdam([]*nn.Param{hb}, AdamConfig{LR: 1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	h, _ := NewGroup([]Optimizer{na, nb}, []float64{1, 0.1})
	if err := h.SetState(st); err != nil {
		t.Fatal(err)
	}
	if nb.LR() != 0.1*0.02 {
		t.Fatalf("restored member lr %v", nb.LR())
	}
	grad(ga, gb, ha, hb)
	g.Step()
	h.Step()
	for i := range gb.Data {
		if gb.Data[i] != hb.Data[i] {
			t.Fatalf("after restore b[%d] = %v, want %v", i, hb.Data[i], gb.Data[i])
		}
	}
}

func TestGroupErrors(t *testing.T) {
	a, b := nn.NewParam("a", 2), nn.NewParam("b", 2)
	oa, _ := NewAdam([]*nn.Param{a}, DefaultAdam())
	ob, _ := NewSGD([]*nn.Param{b}, SGDConfig{LR: 0.1, Momentum: 0.9})
	oa2, _ := NewAdam([]*nn.Param{a}, DefaultAdam())
	cases := []struct {
		name    string
		members []Optimizer
		scales  []float64
		want    string
	}{
		{"empty", nil, nil, "no optimisers"},
		{"scales", []Optimizer{oa}, []float64{1, 2}, "scales"},
		{"zero scale", []Optimizer{oa}, []float64{0}, "positive"},
		{"kinds", []Optimizer{oa, ob}, []float64{1, 1}, "member 1"},
		{"shared", []Optimizer{oa, oa2}, []float64{1, 1}, "two members"},
	}
	for _, c := range cases {
		if _, err := NewGroup(c.members, c.scales); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// A NaN gradient in the second member leaves the first unchanged.
	ob2, _ := NewAdam([]*nn.Param{b}, DefaultAdam())
	g, err := NewGroup([]Optimizer{oa, ob2}, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	a.Data[0], a.Grad[0], b.Grad[1] = 1, 1, float32(math.NaN())
	if err := g.Step(); err == nil {
		t.Fatal("NaN gradient: no error")
	}
	if a.Data[0] != 1 {
		t.Fatalf("a changed to %v by a skipped step", a.Data[0])
	}
	if err := g.SetState(State{Kind: "adam", Buffers: oa.State().Buffers}); err == nil {
		t.Fatal("short state accepted")
	}
}
