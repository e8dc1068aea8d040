package tensor

import (
	"fmt"

	"github.com/recurrent-go/recurrent/tensor/internal/gemm"
)

// MatVec computes y = M x for a row-major M [len(y), len(x)] with leading
// dimension ld: y[i] = sum_p m[i*ld+p]*x[p]. Unlike Sgemm it runs on the
// calling goroutine only and never allocates, so that callers splitting a
// product over their own goroutines (a batch-1 recurrent step) pay no
// scheduling cost per product. Each y[i] is summed in float32 with
// vector-wide partial sums, as Sgemm's matrix-vector path does.
func MatVec(m []float32, ld int, x, y []float32) {
	if len(y) == 0 {
		return
	}
	if ld < len(x) {
		panic(fmt.Sprintf("tensor: MatVec rows of %d columns with leading dimension %d", len(x), ld))
	}
	if need := (len(y)-1)*ld + len(x); len(m) < need {
		panic(fmt.Sprintf("tensor: MatVec M is %dx%d with leading dimension %d: needs %d elements, has %d", len(y), len(x), ld, need, len(m)))
	}
	gemm.MatVec(m, ld, x, y)
}
