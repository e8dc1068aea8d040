package trainer

import (
	"context"
	"strings"
	"testing"
)

// Sizes beyond what a vector file can hold or a sentence can use are
// refused with an error naming the option before anything is allocated:
// --dim, --window or --negative of 1e9 (a typo) died with "fatal error: out
// of memory", or on a large machine took its memory. (The values here are
// chosen so that, unchecked, the allocation panics instead of taking
// memory.)
func TestTrainRefusesHugeSizes(t *testing.T) {
	for _, o := range []Options{
		{Method: "skipgram", Dim: 1 << 50},
		{Method: "skipgram", Window: 1 << 48},
		{Method: "skipgram", Negative: 1 << 48},
		{Method: "glove", Dim: 1 << 50},
	} {
		name := "dim"
		switch {
		case o.Window != 0:
			name = "window"
		case o.Negative != 0:
			name = "negative"
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s %s: panic %v", o.Method, name, r)
				}
			}()
			o.Corpus, o.Stdin = []string{"-"}, strings.NewReader(strings.Repeat("the cat sat on the mat\n", 20))
			o.MinCount, o.Epochs, o.Threads = 1, 1, 1
			_, _, err := Train(context.Background(), o, nil)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s %s: error %v, want one naming %s", o.Method, name, err, name)
			}
		}()
	}
}
