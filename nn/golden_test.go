package nn

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/golden"
)

// goldenCheckers maps a golden file's name prefix (up to and including the
// first underscore: "rnn_", "optim_", "loss_") to the function that checks a
// case of that kind. Each kind registers itself from its own test file.
var goldenCheckers = map[string]func(t *testing.T, path string){}

// TestGolden checks every case in $GOLDEN_DIR (default testdata/golden)
// against PyTorch's numbers, one subtest per file.
func TestGolden(t *testing.T) {
	dir, err := golden.Dir()
	if err != nil {
		t.Fatal(err)
	}
	checkGoldenDir(t, dir, func(t *testing.T, f string) {
		kind, _, ok := strings.Cut(filepath.Base(f), "_")
		check := goldenCheckers[kind+"_"]
		if !ok || check == nil {
			t.Fatalf("no checker for golden case kind %q (file %s)", kind, f)
		}
		check(t, f)
	})
}

// TestGoldenMore checks the further PyTorch cases kept beside the code they
// cover, each directory with its kind's registered checker (the same one
// TestGolden uses): 3-layer bidirectional stacks, bias=False and unsorted
// lengths with length-1 rows (rnn_golden), AdaptiveLogSoftmaxWithLoss
// (adaptive_golden), and SGD, Adagrad, RMSprop and AMSGrad variants kept with
// package optim; each directory's gen_golden.py generated its cases.
func TestGoldenMore(t *testing.T) {
	for _, c := range []struct{ kind, dir string }{
		{"rnn_", filepath.Join("testdata", "rnn_golden")},
		{"adaptive_", filepath.Join("testdata", "adaptive_golden")},
		{"optim_", filepath.Join("..", "optim", "testdata", "golden")}, // checker registered by nn_test
	} {
		t.Run(strings.TrimSuffix(c.kind, "_"), func(t *testing.T) {
			check := goldenCheckers[c.kind]
			if check == nil {
				t.Fatalf("no checker registered for golden case kind %q", c.kind)
			}
			checkGoldenDir(t, c.dir, check)
		})
	}
}

// decodeGoldenCase reads the golden case at path into a new T, failing t if
// the file cannot be read or decoded.
func decodeGoldenCase[T any](t *testing.T, path string) *T {
	t.Helper()
	c := new(T)
	if err := golden.Decode(path, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// checkGoldenDir runs check on every case (*.json) in dir, one subtest per
// file named after it; a directory without cases fails.
func checkGoldenDir(t *testing.T, dir string, check func(t *testing.T, path string)) {
	t.Helper()
	files, err := golden.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden cases in %s", dir)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) { check(t, f) })
	}
}
