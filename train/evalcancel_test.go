package train

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/optim"
)

// cancelEval is the toy task whose evaluation number at (1-based) is
// interrupted: it cancels the run and fails with the context's error, as a
// long validation pass does on Ctrl-C.
type cancelEval struct {
	*toy
	at, n  int
	cancel context.CancelFunc
}

func (c *cancelEval) Evaluate(ctx context.Context) (*Eval, error) {
	c.n++
	if c.n == c.at {
		c.cancel()
		return nil, ctx.Err()
	}
	return c.toy.Evaluate(ctx)
}

// A run cancelled inside an evaluation (the mid-epoch ones of EvalEvery,
// the end-of-epoch ones and the final one of a budget stop) resumes
// exactly: the interrupted evaluation is made up, so the history, the
// plateau-reduced learning rate, the best model and the weights are those
// of the uninterrupted run.
func TestResumeAfterCancelledEvaluation(t *testing.T) {
	for _, o := range []Options{
		{Epochs: 4, EvalEvery: 5, PlateauFactor: 0.5, DecayFactor: 0.9},
		{Steps: 7, EvalEvery: 5, PlateauFactor: 0.5},
		// The step budget ends with an epoch: the stop follows the
		// epoch's end (decay, next epoch), also after a cancelled
		// end-of-epoch evaluation.
		{Steps: 6, EvalEvery: 2, DecayFactor: 0.5},
	} {
		ref := newToy()
		refLoop := newLoop(t, ref, o)
		refRes, err := refLoop.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := len(refLoop.History())
		for at := 1; at <= n; at++ {
			dir := filepath.Join(t.TempDir(), "ck")
			ctx, cancel := context.WithCancel(context.Background())
			oc := o
			oc.Dir = dir
			task := &cancelEval{toy: newToy(), at: at, cancel: cancel}
			opt, _ := optim.New("sgd", task.Params(), optim.Options{LR: 0.05})
			l, err := New(task, opt, oc)
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.Run(ctx)
			cancel()
			if !errors.Is(err, context.Canceled) || res.Stop != StopCancelled {
				t.Fatalf("%+v, evaluation %d cancelled: err %v, stop %s", o, at, err, res.Stop)
			}
			resumed := newToy()
			opt, _ = optim.New("sgd", resumed.Params(), optim.Options{LR: 0.05})
			l, err = Resume(dir, resumed, opt, oc)
			if err != nil {
				t.Fatal(err)
			}
			res, err = l.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(resumed.w.Data, ref.w.Data) || res.Pos != refRes.Pos || !slices.EqualFunc(l.History(), refLoop.History(), sameEval) ||
				l.Optimizer().LR() != refLoop.Optimizer().LR() {
				t.Errorf("%+v, evaluation %d cancelled: weights %v at %+v, %d evaluations; uninterrupted %v at %+v, %d",
					o, at, resumed.w.Data, res.Pos, len(l.History()), ref.w.Data, refRes.Pos, n)
				continue
			}
			// The checkpoint left holds the complete history too.
			l2, err := Resume(dir, newToy(), opt, oc)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(l2.History(), refLoop.History(), sameEval) {
				t.Errorf("%+v, evaluation %d cancelled: the final checkpoint holds %d evaluations, want %d", o, at, len(l2.History()), n)
			}
		}
	}
}

func sameEval(a, b Eval) bool {
	return a.Step == b.Step && a.Loss == b.Loss && a.LR == b.LR && a.Epoch == b.Epoch && a.TrainLoss == b.TrainLoss
}
