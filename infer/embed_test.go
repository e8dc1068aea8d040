package infer

import (
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/vectors"
)

func TestEmbed(t *testing.T) {
	v := NewVectors(&vectors.Vectors{Words: []string{"a", "B", "c"}, Dim: 2, Data: []float32{1, 2, 3, 4, 5, 7}})
	e := v.Embed(" a  b zz ", false)
	if e.Known != 2 || !slices.Equal(e.Words, []string{"a", "b", "zz"}) || !slices.Equal(e.Mean, []float32{2, 3}) || e.Vectors != nil {
		t.Errorf("mean: %+v", e)
	}
	e = v.Embed("zz c", true)
	if e.Known != 1 || e.Vectors[0] != nil || !slices.Equal(e.Vectors[1], []float32{5, 7}) || e.Mean != nil {
		t.Errorf("per word: %+v", e)
	}
	if e := v.Embed("zz", false); e.Known != 0 || e.Mean != nil {
		t.Errorf("no known word: %+v", e)
	}
}
