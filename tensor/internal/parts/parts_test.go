package parts

import (
	"sync"
	"testing"
)

// TestCounter: parts are claimed in order, only for the current
// generation, and each exactly once when goroutines race for them.
func TestCounter(t *testing.T) {
	var c Counter
	if _, ok := c.Claim(0); ok {
		t.Fatal("zero Counter has a part")
	}
	c.Start(3, 2)
	if gen, pending := c.Gen(); gen != 3 || !pending {
		t.Fatalf("Gen() = %d, %v; want 3, true", gen, pending)
	}
	if _, ok := c.Claim(2); ok {
		t.Fatal("claimed a part of an old generation")
	}
	for want := range 2 {
		if i, ok := c.Claim(3); !ok || i != want {
			t.Fatalf("Claim = %d, %v; want %d, true", i, ok, want)
		}
	}
	if _, ok := c.Claim(3); ok {
		t.Fatal("claimed a third of two parts")
	}
	if gen, pending := c.Gen(); gen != 3 || pending {
		t.Fatalf("Gen() = %d, %v; want 3, false", gen, pending)
	}

	const n = 1000
	c.Start(4, n)
	var got [4][]int
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			for {
				i, ok := c.Claim(4)
				if !ok {
					return
				}
				got[g] = append(got[g], i)
			}
		})
	}
	wg.Wait()
	seen := make([]int, n)
	for _, l := range got {
		for _, i := range l {
			seen[i]++
		}
	}
	for i, k := range seen {
		if k != 1 {
			t.Fatalf("part %d claimed %d times", i, k)
		}
	}
}
