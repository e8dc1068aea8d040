package word2vec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// Sizes beyond what a vector file can hold or a sentence can use are
// refused by Train with an error naming the option, before anything is
// allocated: --dim, --window or --negative of 1e9 (a typo) died with
// "fatal error: out of memory", or on a large machine took its memory.
// (The values here are chosen so that, without the check, the allocation
// fails with a recoverable panic rather than taking memory.)
func TestTrainRefusesHugeSizes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("the cat sat on the mat\n", 20)), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := text.NewCorpus(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"dim", Options{Dim: 1 << 50}},
		{"window", Options{Window: 1 << 48}},
		{"negative", Options{Negative: 1 << 48}},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", tc.name, r)
				}
			}()
			o := tc.opt
			o.Method, o.MinCount, o.Epochs, o.Threads = SkipGram, 1, 1, 1
			if o.Negative == 0 {
				o.Negative = 5
			}
			_, err := Train(context.Background(), c, o, nil)
			if err == nil || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.name)
			}
		}()
	}
}
