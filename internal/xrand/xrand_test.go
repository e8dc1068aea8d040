package xrand

import "testing"

func TestStreamsDifferAndRepeat(t *testing.T) {
	a, b, c := New(1, 0), New(1, 1), New(1, 0)
	same := 0
	for range 100 {
		x, y, z := a.Next(), b.Next(), c.Next()
		if x == y {
			same++
		}
		if x != z {
			t.Fatal("the same seed and stream gave different sequences")
		}
	}
	if same > 0 {
		t.Errorf("streams 0 and 1 agreed on %d of 100 values", same)
	}
}

func TestRanges(t *testing.T) {
	r := New(7, 3)
	var hist [10]int
	for range 100000 {
		f := r.Float32()
		if f < 0 || f >= 1 {
			t.Fatalf("Float32 = %v, outside [0, 1)", f)
		}
		n := r.Intn(10)
		if n < 0 || n >= 10 {
			t.Fatalf("Intn(10) = %d", n)
		}
		hist[n]++
	}
	for i, h := range hist {
		if h < 9000 || h > 11000 {
			t.Errorf("Intn(10) gave %d %d times in 100000 draws, want about 10000", i, h)
		}
	}
}
