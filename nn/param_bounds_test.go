package nn

import (
	"strings"
	"testing"
)

// A layer whose parameter tensor would hold more than MaxParamElems
// elements (--hidden 100000 is a 4e10-element weight_hh) is refused with an
// error naming the tensor, before anything is allocated; it died with
// "fatal error: out of memory". (The sizes here make the unchecked
// allocation panic instead, so that this test fails cleanly without the
// check.)
func TestHugeLayersRefused(t *testing.T) {
	check := func(what string, build func() error) {
		t.Helper()
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s: panic %v", what, r)
			}
		}()
		if err := build(); err == nil || !strings.Contains(err.Error(), "elements") {
			t.Errorf("%s: error %v, want one about its elements", what, err)
		}
	}
	check("RNN of hidden 2^24", func() error {
		_, err := NewRNN(RNNConfig{Cell: "lstm", InputSize: 1, HiddenSize: 1 << 24, NumLayers: 1}, nil)
		return err
	})
	check("RNN of input 2^45", func() error {
		_, err := NewRNN(RNNConfig{Cell: "gru", InputSize: 1 << 45, HiddenSize: 8, NumLayers: 1}, nil)
		return err
	})
	check("embedding 2^30 x 2^30", func() error {
		_, err := NewEmbedding(1<<30, 1<<30, -1, nil)
		return err
	})
	if _, err := NewRNN(RNNConfig{Cell: "lstm", InputSize: 3, HiddenSize: 5, NumLayers: 2, Bidirectional: true}, nil); err != nil {
		t.Errorf("a small RNN: %v", err)
	}
}
