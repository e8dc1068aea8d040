package nn

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// TestGoldenWide checks the RNN against PyTorch at a hidden size where
// the vector paths run (testdata/wide_golden, H = 21: the fused cell
// kernels' whole blocks and tail, the backward rows' assembly blocks and
// Go tail), with one thread and with two (time loops of 9-row batches on
// the team, in parts of 12 and 9 units; the golden cases of TestGolden
// have 4 or 5 units and batches of at most 4, under every vector block),
// and with the backward rows in Go.
func TestGoldenWide(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	defer tensor.SetThreads(tensor.Threads())
	defer func(v bool) { rowAsm = v }(rowAsm)
	asm := rowAsm
	for _, c := range []struct {
		threads int
		rows    bool
	}{{1, asm}, {2, asm}, {2, false}} {
		t.Run(fmt.Sprintf("threads=%d/asmrows=%v", c.threads, c.rows), func(t *testing.T) {
			tensor.SetThreads(c.threads)
			rowAsm = c.rows
			checkGoldenDir(t, filepath.Join("testdata", "wide_golden"), goldenCheckers["rnn_"])
		})
	}
}
