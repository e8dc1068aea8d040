package xslices

import (
	"slices"
	"testing"
)

func TestGather(t *testing.T) {
	src := []string{"a", "b", "c", "d"}
	buf := make([]string, 0, 8)
	got := Gather(buf, src, []int{3, 0, 3})
	if want := []string{"d", "a", "d"}; !slices.Equal(got, want) || &got[0] != &buf[:1][0] {
		t.Errorf("Gather = %v (in the buffer: %v), want %v", got, &got[0] == &buf[:1][0], want)
	}
	if got := Gather(got[:0], src, nil); len(got) != 0 {
		t.Errorf("no indices: %v", got)
	}
	if got := Gather([]string{"x"}, src, []int{1}); !slices.Equal(got, []string{"x", "b"}) {
		t.Errorf("appends after dst: %v", got)
	}
}
