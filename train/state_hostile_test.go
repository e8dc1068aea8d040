package train

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/optim"
)

// A state.json whose counters or learning-rate scale no run can have
// written is refused by Resume, naming the file and the field: a negative
// lr_scale used to turn every later learning rate negative (training
// climbed the loss), a negative since_n made the next evaluation report a
// train loss of the wrong sign, and negative bad_evals or plateau counters
// pushed early stopping and the plateau rule back by as many evaluations.
func TestResumeRefusesImpossibleState(t *testing.T) {
	o := Options{Epochs: 1, EvalEvery: 2, Dir: filepath.Join(t.TempDir(), "ck"), PlateauFactor: 0.5}
	if _, err := newLoop(t, newToy(), o).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(o.Dir, checkpoint.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(o.Dir, checkpoint.ManifestFile))
	resume := func() error {
		task := newToy()
		opt, _ := optim.New("sgd", task.Params(), optim.Options{LR: 0.05})
		_, err := Resume(o.Dir, task, opt, o)
		return err
	}
	if err := resume(); err != nil {
		t.Fatalf("the state as saved: %v", err)
	}
	for _, tc := range []struct {
		path  []string
		value any
	}{
		{[]string{"lr_scale"}, -1.0},
		{[]string{"since_n"}, -3},
		{[]string{"bad_evals"}, -5},
		{[]string{"plateau", "bad"}, -2},
		{[]string{"plateau", "cooldown"}, -2},
	} {
		field := tc.path[len(tc.path)-1]
		t.Run(strings.Join(tc.path, "."), func(t *testing.T) {
			var st map[string]any
			json.Unmarshal(orig, &st)
			obj := st
			for _, k := range tc.path[:len(tc.path)-1] {
				obj = obj[k].(map[string]any)
			}
			obj[field] = tc.value
			b, _ := json.Marshal(st)
			if err := os.WriteFile(filepath.Join(o.Dir, checkpoint.StateFile), b, 0o644); err != nil {
				t.Fatal(err)
			}
			err := resume()
			if err == nil || !strings.Contains(err.Error(), checkpoint.StateFile) || !strings.Contains(err.Error(), field) {
				t.Errorf("error %v, want one naming %s and %s", err, checkpoint.StateFile, field)
			}
		})
	}
}
