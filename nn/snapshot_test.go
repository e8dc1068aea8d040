package nn

import (
	"slices"
	"testing"
)

func TestSnapshotRestore(t *testing.T) {
	a := &Param{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}
	b := &Param{Name: "b", Shape: []int{1, 3}, Data: []float32{3, 4, 5}}
	ps := []*Param{a, b}
	snap := Snapshot(ps, nil)
	a.Data[0], b.Data[2] = 10, 50
	if snap[0][0] != 1 || snap[1][2] != 5 {
		t.Fatalf("snapshot shares storage with the parameters: %v", snap)
	}
	again := Snapshot(ps, snap)
	if &again[0][0] != &snap[0][0] || again[0][0] != 10 || again[1][2] != 50 {
		t.Fatalf("snapshot into dst: got %v, want reused storage holding the new values", again)
	}
	a.Data[0], b.Data[2] = -1, -1
	Restore(ps, again)
	if !slices.Equal(a.Data, []float32{10, 2}) || !slices.Equal(b.Data, []float32{3, 4, 50}) {
		t.Fatalf("restore: a=%v b=%v", a.Data, b.Data)
	}
	w := WithData(ps, [][]float32{{7, 8}, {9, 9, 9}})
	if w[1].Name != "b" || !slices.Equal(w[1].Shape, []int{1, 3}) || w[1].Data[0] != 9 || w[0].Grad != nil {
		t.Fatalf("WithData: %+v", w[1])
	}
	if a.Data[0] != 10 {
		t.Fatal("WithData changed the original parameters")
	}
}
