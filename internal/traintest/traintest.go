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

// CancelAt runs run (a trainer's Run, whatever its result type) as an
// interrupted run: its context is cancelled once the step numbered step
// has run. It returns run's result and error, context.Canceled when the
// run got that far (having saved its position, if it has a directory).
func CancelAt[R any](run func(ctx context.Context, progress func(train.Event)) (R, error), step int64) (R, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return run(ctx, func(e train.Event) {
		if p, ok := e.(train.StepEvent); ok && p.Pos.Step == step {
			cancel()
		}
	})
}

// NewTrainer returns newTrainer(m, trainData, dev, cfg), newTrainer being
// a task package's constructor (lm.NewTrainer, lm.NewCondTrainer,
// classify.NewTrainer, tag.NewTrainer), failing the test on error.
func NewTrainer[M, D, V, C, T any](tb testing.TB, newTrainer func(M, D, V, C) (T, error), m M, trainData D, dev V, cfg C) T {
	tb.Helper()
	tr, err := newTrainer(m, trainData, dev, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}
