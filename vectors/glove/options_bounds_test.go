package glove

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// A dimension beyond what a vector file can hold (--dim 1e9, a typo) is
// refused before anything is allocated; it died with "fatal error: out of
// memory" (2^50 here so that, unchecked, the allocation panics instead).
func TestTrainRefusesHugeDim(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("the cat sat on the mat\n", 20)), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := text.NewCorpus(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("panic %v", r)
		}
	}()
	_, err = Train(context.Background(), c, Options{Dim: 1 << 50, MinCount: 1, Iterations: 1, Threads: 1}, nil)
	if err == nil || !strings.Contains(err.Error(), "dim") {
		t.Errorf("dim 2^50: error %v, want one naming dim", err)
	}
}
