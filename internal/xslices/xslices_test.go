package xslices

import "testing"

func TestResize(t *testing.T) {
	s := make([]float32, 3, 8)
	s[0] = 7
	r := Resize(s, 6)
	if len(r) != 6 || &r[0] != &s[0] || r[0] != 7 {
		t.Errorf("within capacity: len %d, same array %v, r[0] %v", len(r), &r[0] == &s[0], r[0])
	}
	g := Resize(s, 9)
	if len(g) != 9 || &g[0] == &s[0] || g[0] != 0 {
		t.Errorf("beyond capacity: len %d, new array %v, g[0] %v", len(g), &g[0] != &s[0], g[0])
	}
	if got := Resize([]int(nil), 0); len(got) != 0 {
		t.Errorf("nil to 0: %v", got)
	}
}
