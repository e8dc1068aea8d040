package nn

import (
	"math/rand/v2"
	"testing"
)

func TestEmbeddingGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	e, err := NewEmbedding(6, 3, 0, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range e.Weight.Data[:3] {
		if v != 0 {
			t.Fatalf("padding row not zero: %v", e.Weight.Data[:3])
		}
	}
	ids := []int32{2, 0, 5, 2, 1, 0, 2} // repeats and padding
	w := rnnRandom(rng, len(ids)*3, 1)
	loss := func() float64 {
		y, err := e.Forward(ids)
		if err != nil {
			t.Fatal(err)
		}
		return rnnDot(y, w)
	}
	loss()
	if err := e.Backward(w); err != nil {
		t.Fatal(err)
	}
	num := numericGrad(loss, e.Weight.Data, 1e-2)
	clear(num[0:3]) // PyTorch semantics: the padding row receives no gradient
	checkGrad(t, "weight", e.Weight.Grad, num, 1e-3)
	for _, g := range e.Weight.Grad[0:3] {
		if g != 0 {
			t.Fatalf("padding row got gradient %v", e.Weight.Grad[0:3])
		}
	}
	for _, g := range e.Weight.Grad[3*3 : 5*3] { // ids 3 and 4 unused
		if g != 0 {
			t.Fatalf("unused rows got gradient %v", e.Weight.Grad)
		}
	}
}

func TestEmbeddingForwardIntAndErrors(t *testing.T) {
	e, err := NewEmbedding(4, 2, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	copy(e.Weight.Data, []float32{0, 1, 10, 11, 20, 21, 30, 31})
	y, err := e.ForwardInt([]int{3, 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{30, 31, 10, 11}; y[0] != want[0] || y[1] != want[1] || y[2] != want[2] || y[3] != want[3] {
		t.Fatalf("ForwardInt = %v, want %v", y, want)
	}
	for _, tc := range []struct {
		name string
		ids  []int32
	}{{"negative", []int32{1, -1}}, {"too large", []int32{4}}} {
		if _, err := e.Forward(tc.ids); err == nil {
			t.Errorf("%s: Forward(%v) accepted", tc.name, tc.ids)
		}
	}
	if _, err := NewEmbedding(4, 2, 4, nil); err == nil {
		t.Error("NewEmbedding accepted padding index 4 of vocab 4")
	}
	if err := e.Backward(make([]float32, 3)); err == nil {
		t.Error("Backward accepted 3 values for 2 ids of dim 2")
	}
}
