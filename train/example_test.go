package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/train"
)

// line fits y = 3x - 1 with two parameters: a complete train.Task.
type line struct {
	w     *nn.Param // [slope, intercept]
	xs    []float32
	order []int
}

func (t *line) Params() []*nn.Param { return []*nn.Param{t.w} }

// Epoch shuffles the examples from (seed, epoch) into batches of 4.
func (t *line) Epoch(e int) (int, error) {
	t.order = rand.New(rand.NewPCG(1, uint64(e))).Perm(len(t.xs))
	return len(t.xs) / 4, nil
}

// Step adds the gradient of the batch's mean squared error.
func (t *line) Step(pos train.Position) (train.StepResult, error) {
	var loss float64
	for _, i := range t.order[4*pos.Batch : 4*pos.Batch+4] {
		x := t.xs[i]
		d := t.w.Data[0]*x + t.w.Data[1] - (3*x - 1)
		loss += float64(d*d) / 4
		t.w.Grad[0] += 2 * d * x / 4
		t.w.Grad[1] += 2 * d / 4
	}
	return train.StepResult{Loss: loss, Items: 4}, nil
}

// Evaluate scores the distance to the true line (lower is better).
func (t *line) Evaluate(context.Context) (*train.Eval, error) {
	d0, d1 := float64(t.w.Data[0]-3), float64(t.w.Data[1]+1)
	loss := d0*d0 + d1*d1
	return &train.Eval{Loss: loss, Score: -loss}, nil
}

// Files is the task's own part of a checkpoint.
func (t *line) Files() ([]checkpoint.File, error) {
	return []checkpoint.File{checkpoint.JSONFile(checkpoint.ConfigFile, map[string]string{"model": "line"})}, nil
}

func Example() {
	task := &line{w: nn.NewParam("w", 2)}
	for i := range 64 {
		task.xs = append(task.xs, float32(i)/32-1)
	}
	opt, err := optim.New("sgd", task.Params(), optim.Options{LR: 0.3})
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	loop, err := train.New(task, opt, train.Options{
		Steps: 40, Epochs: 100, // exactly 40 steps: the first limit reached stops
		EvalEvery: 10, Patience: 3, Clip: 5, DecayFactor: 0.5,
		Dir: filepath.Join(dir, "ck"),
		Progress: func(e train.Event) {
			switch e := e.(type) {
			case train.EvalEvent:
				fmt.Printf("step %d: distance %.4f\n", e.Pos.Step, e.Eval.Loss)
			case train.StopEvent:
				fmt.Printf("stopped at step %d (epoch %d): %s\n", e.Pos.Step, e.Pos.Epoch, e.Reason)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	res, err := loop.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Printf("best at step %d: slope %.2f intercept %.2f\n", res.Best.Step, task.w.Data[0], task.w.Data[1])
	// Output:
	// step 10: distance 0.1667
	// step 16: distance 0.0057
	// step 20: distance 0.0026
	// step 30: distance 0.0003
	// step 32: distance 0.0001
	// step 40: distance 0.0001
	// stopped at step 40 (epoch 2): steps
	// best at step 40: slope 2.99 intercept -1.00
}
