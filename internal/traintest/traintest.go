// Package traintest holds helpers for the tests and benchmarks of the
// task packages' trainers (classify, tag, ...), which run on the shared
// loop of package train. It is used by tests only.
package traintest

import (
	"context"
	"testing"

	"github.com/recurrent-go/recurrent/train"
)

// BenchSteps times b.N training steps of a task's trainer: it resets the
// timer and calls run (the trainer's Run, whatever its result type),
// cancelling the run after its b.N-th train.StepEvent. The run's
// result and error (the cancellation) are dropped.
func BenchSteps[R any](b *testing.B, run func(ctx context.Context, progress func(train.Event)) (R, error)) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	n := 0
	_, _ = run(ctx, func(e train.Event) {
		if _, ok := e.(train.StepEvent); ok {
			if n++; n >= b.N {
				cancel()
			}
		}
	})
}
