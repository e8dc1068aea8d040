package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/cktest"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
)

// toy is a linear regression task: 12 examples of 3 features, batches of
// 4 in an order drawn from (seed, epoch), gradient noise drawn from
// (seed, step) as dropout would be.
type toy struct {
	w      *nn.Param
	x      [][]float32
	y      []float32
	seed   uint64
	order  []int
	valid  bool
	evals  []float64 // scripted validation losses (nil: the real one)
	nEval  int
	blowAt int64 // Step returns a huge loss at this step (0: never)
	nanAt  int64 // Step returns NaN at this step
	sleep  time.Duration
}

func newToy() *toy {
	r := rand.New(rand.NewPCG(1, 2))
	t := &toy{w: nn.NewParam("w", 3), seed: 7, valid: true}
	for range 12 {
		x := []float32{float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())}
		t.x = append(t.x, x)
		t.y = append(t.y, 0.5*x[0]-x[1]+2*x[2])
	}
	return t
}

func (t *toy) Params() []*nn.Param { return []*nn.Param{t.w} }

func (t *toy) Epoch(e int) (int, error) {
	t.order = rand.New(rand.NewPCG(t.seed, uint64(e))).Perm(len(t.x))
	return len(t.x) / 4, nil
}

func (t *toy) loss(i int) (float32, float32) {
	var p float32
	for j, v := range t.x[i] {
		p += t.w.Data[j] * v
	}
	d := p - t.y[i]
	return d * d, d
}

func (t *toy) Step(pos Position) (StepResult, error) {
	if t.sleep > 0 {
		time.Sleep(t.sleep)
	}
	noise := rand.New(rand.NewPCG(t.seed, uint64(pos.Step)))
	var sum float64
	for _, i := range t.order[4*pos.Batch : 4*pos.Batch+4] {
		l, d := t.loss(i)
		sum += float64(l)
		for j, v := range t.x[i] {
			t.w.Grad[j] += 2 * d * v / 4 * float32(0.9+0.2*noise.Float64())
		}
	}
	loss := sum / 4
	switch pos.Step + 1 {
	case t.blowAt:
		loss = 1e6
	case t.nanAt:
		loss = math.NaN()
	}
	return StepResult{Loss: loss, Items: 4}, nil
}

func (t *toy) Evaluate(ctx context.Context) (*Eval, error) {
	if !t.valid {
		return nil, nil
	}
	var loss float64
	if t.evals != nil {
		loss = t.evals[min(t.nEval, len(t.evals)-1)]
		t.nEval++
	} else {
		for i := range t.x {
			l, _ := t.loss(i)
			loss += float64(l) / float64(len(t.x))
		}
	}
	return &Eval{Loss: loss, Score: -loss, Metrics: map[string]float64{"rmse": math.Sqrt(loss), "bad": math.Inf(1)}}, nil
}

func (t *toy) Files() ([]checkpoint.File, error) {
	return []checkpoint.File{checkpoint.JSONFile(checkpoint.ConfigFile, map[string]uint64{"seed": t.seed})}, nil
}

func newLoop(t *testing.T, task *toy, o Options) *Loop {
	t.Helper()
	opt, err := optim.New("sgd", task.Params(), optim.Options{LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(task, opt, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// collect returns a Progress func appending to evs.
func collect(evs *[]Event) func(Event) { return func(e Event) { *evs = append(*evs, e) } }

func TestBudgets(t *testing.T) {
	tests := []struct {
		name   string
		o      Options
		want   Position
		reason StopReason
	}{
		{"steps only", Options{Steps: 7}, Position{Epoch: 2, Batch: 1, Step: 7}, StopSteps},
		{"epochs only", Options{Epochs: 2}, Position{Epoch: 2, Step: 6}, StopEpochs},
		{"epochs first", Options{Epochs: 2, Steps: 100}, Position{Epoch: 2, Step: 6}, StopEpochs},
		{"steps first", Options{Epochs: 5, Steps: 4}, Position{Epoch: 1, Batch: 1, Step: 4}, StopSteps},
		{"steps at an epoch end", Options{Steps: 6}, Position{Epoch: 2, Step: 6}, StopSteps},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var evs []Event
			tc.o.Progress = collect(&evs)
			res, err := newLoop(t, newToy(), tc.o).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Pos != tc.want || res.Stop != tc.reason || res.Steps != tc.want.Step {
				t.Errorf("stopped at %+v (%s, %d steps), want %+v (%s)", res.Pos, res.Stop, res.Steps, tc.want, tc.reason)
			}
			steps := 0
			for _, e := range evs {
				if s, ok := e.(StepEvent); ok {
					steps++
					if want := min(tc.o.Steps+boolInt(tc.o.Steps == 0)*1e9, int64(max(tc.o.Epochs, 0))*3+boolInt(tc.o.Epochs == 0)*1e9); s.Total != want {
						t.Fatalf("step event total %d, want %d", s.Total, want)
					}
				}
			}
			last, ok := evs[len(evs)-1].(StopEvent)
			if int64(steps) != tc.want.Step || !ok || last.Reason != tc.reason {
				t.Errorf("%d step events, last event %#v", steps, evs[len(evs)-1])
			}
			// The stop evaluated the final weights.
			if res.Last == nil || res.Last.Step != tc.want.Step {
				t.Errorf("last evaluation %+v, want one at step %d", res.Last, tc.want.Step)
			}
		})
	}
	if _, err := New(newToy(), nil, Options{}); err == nil {
		t.Error("New without an optimizer: no error")
	}
	toy := newToy()
	opt, _ := optim.New("sgd", toy.Params(), optim.Options{LR: 1})
	if _, err := New(toy, opt, Options{}); err == nil || !strings.Contains(err.Error(), "no budget") {
		t.Errorf("no budget: err %v", err)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func TestTimeLimit(t *testing.T) {
	task := newToy()
	task.sleep = 2 * time.Millisecond
	dir := filepath.Join(t.TempDir(), "ck")
	res, err := newLoop(t, task, Options{TimeLimit: 30 * time.Millisecond, Dir: dir}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Each step sleeps 2ms, so the limit allows at most 15; a loaded
	// machine may allow fewer (even one), but never an early stop.
	if res.Stop != StopTime || res.Steps < 1 || res.Steps > 15 || res.Elapsed < 30*time.Millisecond {
		t.Errorf("time limit: stop %s after %d steps in %v", res.Stop, res.Steps, res.Elapsed)
	}
	if res.Saved != res.Pos {
		t.Errorf("saved at %+v, stopped at %+v", res.Saved, res.Pos)
	}
}

func TestEarlyStoppingKeepsBest(t *testing.T) {
	task := newToy()
	task.evals = []float64{5, 4, 3, 3.5, 3.2, 3.1, 2}
	dir := filepath.Join(t.TempDir(), "ck")
	var evs []Event
	var bestW []float32
	l := newLoop(t, task, Options{Epochs: 20, Patience: 3, Dir: dir, Progress: func(e Event) {
		evs = append(evs, e)
		if ce, ok := e.(EpochEvent); ok && ce.Epoch == 3 {
			bestW = slices.Clone(task.w.Data)
		}
	}})
	res, err := l.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Evaluations after epochs 1..6: the best is the third (loss 3), three
	// worse ones follow.
	if res.Stop != StopEarly || res.Pos.Epoch != 6 || res.Best.Loss != 3 || res.Best.Step != 9 {
		t.Fatalf("stopped %s at %+v, best %+v", res.Stop, res.Pos, res.Best)
	}
	for _, e := range evs {
		if ee, ok := e.(EvalEvent); ok && ee.Eval.Metrics["bad"] != 0 {
			t.Errorf("non-finite metric kept: %v", ee.Eval.Metrics)
		}
	}
	ck, err := checkpoint.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := ck.ReadTensors(checkpoint.ModelFile)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m["w"].Data, bestW) {
		t.Errorf("model.safetensors %v, want the best epoch's %v", m["w"].Data, bestW)
	}
	last, _, _ := ck.ReadTensors(LastFile)
	if !slices.Equal(last["w"].Data, task.w.Data) {
		t.Errorf("last.safetensors %v, want the current %v", last["w"].Data, task.w.Data)
	}
}

func TestSchedules(t *testing.T) {
	cos := optim.CosineWarmup(0.1, 2, 9, 0.01)
	var lrs []float64
	l := newLoop(t, newToy(), Options{Steps: 9, Schedule: cos, Progress: func(e Event) {
		if s, ok := e.(StepEvent); ok {
			lrs = append(lrs, s.LR)
		}
	}})
	if _, err := l.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, lr := range lrs {
		if lr != cos(i) {
			t.Errorf("step %d: lr %v, want %v", i, lr, cos(i))
		}
	}

	// Decay from the second epoch, and a plateau halving after one bad
	// evaluation.
	task := newToy()
	task.evals = []float64{3, 2, 2.5, 2.6, 1}
	var changes []LREvent
	l = newLoop(t, task, Options{Epochs: 5, DecayFactor: 0.1, DecayStart: 2, PlateauFactor: 0.5, Progress: func(e Event) {
		if c, ok := e.(LREvent); ok {
			changes = append(changes, c)
		}
	}})
	if _, err := l.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.Reason)
	}
	// Epoch 1: no decay yet; 2: decay; 3: plateau then decay; 4: plateau, decay; 5: decay.
	want := []string{"decay", "plateau", "decay", "plateau", "decay", "decay"}
	if !slices.Equal(got, want) {
		t.Fatalf("lr changes %v, want %v", got, want)
	}
	if lr, want := l.Optimizer().LR(), 0.05*0.5*0.5*0.1*0.1*0.1*0.1; math.Abs(lr-want) > 1e-15 {
		t.Errorf("final lr %v, want %v", lr, want)
	}
}

// TestDivergence checks that an exploding and a NaN loss stop training
// with ErrDiverged, keep the last good checkpoint and write no NaN.
func TestDivergence(t *testing.T) {
	for _, name := range []string{"explode", "nan"} {
		t.Run(name, func(t *testing.T) {
			task := newToy()
			if name == "nan" {
				task.nanAt = 16
			} else {
				task.blowAt = 16
			}
			dir := filepath.Join(t.TempDir(), "ck")
			var evs []Event
			res, err := newLoop(t, task, Options{Epochs: 10, SaveEvery: 5, SaveEveryEpochs: 100, DivergeWindow: 20, Dir: dir, Progress: collect(&evs)}).Run(context.Background())
			if !errors.Is(err, ErrDiverged) || res.Stop != StopDiverged {
				t.Fatalf("err %v, stop %s", err, res.Stop)
			}
			if !strings.Contains(err.Error(), "step 16") || !strings.Contains(err.Error(), "holds step 15") {
				t.Errorf("error does not say where: %v", err)
			}
			if res.Pos.Step != 15 || res.Saved.Step != 15 {
				t.Errorf("stopped at %+v, saved %+v", res.Pos, res.Saved)
			}
			if se := evs[len(evs)-1].(StopEvent); se.Reason != StopDiverged || se.Err == nil {
				t.Errorf("stop event %+v", se)
			}
			cktest.CheckFinite(t, dir)
		})
	}
	// A non-finite parameter is never saved.
	task := newToy()
	l := newLoop(t, task, Options{Epochs: 1})
	task.w.Data[1] = float32(math.Inf(1))
	if err := l.Save(filepath.Join(t.TempDir(), "ck")); !errors.Is(err, ErrDiverged) {
		t.Errorf("saving an infinite weight: err %v", err)
	}
}

// TestCancelResume cancels at every step of a short run and checks that
// resuming ends with the weights of the uninterrupted run, bit for bit.
func TestCancelResume(t *testing.T) {
	o := Options{Epochs: 4, EvalEvery: 5, Patience: 10, PlateauFactor: 0.5, DecayFactor: 0.9}
	ref := newToy()
	refRes, err := newLoop(t, ref, o).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for at := int64(1); at < 12; at += 2 {
		dir := filepath.Join(t.TempDir(), "ck")
		ctx, cancel := context.WithCancel(context.Background())
		oc := o
		oc.Dir = dir
		oc.Progress = func(e Event) {
			if s, ok := e.(StepEvent); ok && s.Pos.Step == at {
				cancel()
			}
		}
		res, err := newLoop(t, newToy(), oc).Run(ctx)
		cancel()
		if !errors.Is(err, context.Canceled) || res.Stop != StopCancelled || res.Saved.Step != at {
			t.Fatalf("cancel at %d: err %v stop %s saved %+v", at, err, res.Stop, res.Saved)
		}
		task := newToy()
		opt, _ := optim.New("sgd", task.Params(), optim.Options{LR: 0.05})
		or := o
		or.Dir = dir
		l, err := Resume(dir, task, opt, or)
		if err != nil {
			t.Fatal(err)
		}
		res, err = l.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(task.w.Data, ref.w.Data) || res.Pos != refRes.Pos || res.Best.Loss != refRes.Best.Loss || len(l.History()) != 4+2 {
			t.Errorf("cancel at %d: weights %v at %+v, uninterrupted %v at %+v; %d evaluations", at, task.w.Data, res.Pos, ref.w.Data, refRes.Pos, len(l.History()))
		}
		// The train loss reported is the last epoch's, all of its steps
		// (it was the mean of the resumed Run's steps only, and 0 for a
		// Run with none left, as lm train's summary showed).
		if res.TrainLoss != refRes.TrainLoss {
			t.Errorf("cancel at %d: train loss %v, uninterrupted %v", at, res.TrainLoss, refRes.TrainLoss)
		}
		l, err = Resume(dir, newToy(), opt, or)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := l.Run(context.Background()); err != nil || res.Steps != 0 || res.TrainLoss != refRes.TrainLoss {
			t.Errorf("cancel at %d, the finished run resumed: %d steps, train loss %v (%v), want %v", at, res.Steps, res.TrainLoss, err, refRes.TrainLoss)
		}
	}
}

func TestOverwriteAndData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	o := Options{Epochs: 1, Dir: dir, Data: []Fingerprint{FingerprintIDs("train", []int32{1, 2, 3})}}
	if _, err := newLoop(t, newToy(), o).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := newLoop(t, newToy(), o).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "already holds files") {
		t.Fatalf("training into an existing checkpoint: err %v", err)
	}
	o.Overwrite = true
	if _, err := newLoop(t, newToy(), o).Run(context.Background()); err != nil {
		t.Fatalf("with Overwrite: %v", err)
	}
	// Resume on other data is refused.
	task := newToy()
	opt, _ := optim.New("sgd", task.Params(), optim.Options{LR: 0.05})
	o.Data = []Fingerprint{FingerprintIDs("train", []int32{1, 2, 4})}
	if _, err := Resume(dir, task, opt, o); err == nil || !strings.Contains(err.Error(), "the train data differ") {
		t.Errorf("resume on other data: err %v", err)
	}
	// An unwritable place is reported before training.
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if err := CheckDir(filepath.Join(file, "ck"), false); err == nil {
		t.Error("a directory under a file: no error")
	}
}

// Overwrite replaces a checkpoint, not any directory: a Dir holding the
// user's files but no checkpoint (a project directory, the data's own) is
// refused before training, and its files are kept (lm train --out proj
// --overwrite deleted proj/corpus.txt and every other file in proj at the
// first checkpoint).
func TestOverwriteKeepsOtherFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	notes := filepath.Join(dir, "notes.txt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := Options{Epochs: 1, Dir: dir, Overwrite: true}
	_, err := newLoop(t, newToy(), o).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no checkpoint") || errors.Is(err, ErrDirInUse) {
		t.Errorf("Overwrite into a directory of other files: %v, want a refusal saying it holds no checkpoint", err)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" {
		t.Errorf("notes.txt after the run: %q, %v; want it kept", b, err)
	}
	// Without Overwrite too, the refusal says it holds no checkpoint rather
	// than ErrDirInUse, after which lm train suggested --resume and
	// --overwrite, both of which fail there.
	o.Overwrite = false
	_, err = newLoop(t, newToy(), o).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no checkpoint") || errors.Is(err, ErrDirInUse) {
		t.Errorf("a fresh run into a directory of other files: %v, want a refusal saying it holds no checkpoint", err)
	}
}

// A Dir of "." or ".." cannot be a checkpoint directory: Save replaces it
// by renaming, which the current directory and its parents refuse. It is
// refused before training (lm train --out . in an empty directory, or
// --resume --out . in the checkpoint, trained, then failed at the first
// checkpoint: "rename . ..old: device or resource busy", the run lost).
func TestCheckDirDot(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, checkpoint.ConfigFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "ck"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(root, "ck")) // empty; its parent a checkpoint
	for _, c := range []struct {
		dir     string
		replace bool
	}{{".", false}, {"./", false}, {".", true}, {"..", true}, {"../ck/..", true}} {
		if err := CheckDir(c.dir, c.replace); err == nil || !strings.Contains(err.Error(), "name") {
			t.Errorf("CheckDir(%q, %v): %v, want an error asking for a directory name", c.dir, c.replace, err)
		}
	}
	if err := CheckDir(filepath.Join("..", "ck"), false); err != nil {
		t.Errorf("CheckDir(../ck), an empty directory: %v", err)
	}
}

// A checkpoint that an interrupted Save left as Dir.swap-old (Dir
// missing) is still a checkpoint: a fresh run without Overwrite refuses
// it, as it refuses Dir itself (it trained and its first checkpoint
// removed Dir.swap-old, the old run deleted without --overwrite).
func TestFreshRunRefusesInterruptedCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	o := Options{Epochs: 1, Dir: dir}
	if _, err := newLoop(t, newToy(), o).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir, dir+".swap-old"); err != nil { // the crash
		t.Fatal(err)
	}
	_, err := newLoop(t, newToy(), o).Run(context.Background())
	if !errors.Is(err, ErrDirInUse) {
		t.Errorf("fresh run over %s.swap-old: %v, want ErrDirInUse", dir, err)
	}
	if _, err := checkpoint.Load(dir); err != nil {
		t.Errorf("the interrupted checkpoint after the refused run: %v", err)
	}
}

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
		{[]string{"epoch_n"}, -3},
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

// A run cancelled after its last step, before the stop's evaluation and
// checkpoint (Ctrl-C during the last step of lm train --steps N), resumes
// with the same budget to the uninterrupted run's end: the stop's
// evaluation is made then, so the history, the best model and
// model.safetensors are the uninterrupted run's (the resumed run did
// nothing, its best model lacking the final weights' evaluation).
func TestCancelAtLastStep(t *testing.T) {
	for _, o := range []Options{{Steps: 7, EvalEvery: 5}, {Steps: 7}} {
		refTask := newToy()
		refTask.evals = []float64{5, 4, 3, 2, 1}
		ref := newLoop(t, refTask, o)
		refRes, err := ref.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "ck")
		ctx, cancel := context.WithCancel(context.Background())
		oc := o
		oc.Dir = dir
		oc.Progress = func(e Event) {
			if s, ok := e.(StepEvent); ok && s.Pos.Step == refRes.Pos.Step {
				cancel()
			}
		}
		task := newToy()
		task.evals = refTask.evals
		if _, err := newLoop(t, task, oc).Run(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("steps %d, eval every %d: cancelled at the last step: %v", o.Steps, o.EvalEvery, err)
		}
		cancel()
		task = newToy()
		task.evals, task.nEval = refTask.evals, len(ref.History())-1
		opt, _ := optim.New("sgd", task.Params(), optim.Options{LR: 0.05})
		oc.Progress = nil
		l, err := Resume(dir, task, opt, oc)
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Pos != refRes.Pos || !slices.EqualFunc(l.History(), ref.History(), sameEval) || res.Best.Step != refRes.Best.Step || res.Last.Step != refRes.Pos.Step {
			t.Errorf("steps %d, eval every %d: resumed after a cancel at the last step: %d evaluations, best at %d; uninterrupted %d, best at %d",
				o.Steps, o.EvalEvery, len(l.History()), res.Best.Step, len(ref.History()), refRes.Best.Step)
		}
		ck, err := checkpoint.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := ck.ReadTensors(checkpoint.ModelFile)
		if err != nil || !slices.Equal(m["w"].Data, refTask.w.Data) {
			t.Errorf("steps %d, eval every %d: model.safetensors %v (%v), want the last (best) weights %v", o.Steps, o.EvalEvery, m["w"].Data, err, refTask.w.Data)
		}
		// Resuming the finished run again evaluates nothing more.
		if res, err := l.Run(context.Background()); err != nil || res.Steps != 0 || len(l.History()) != len(ref.History()) {
			t.Errorf("steps %d, eval every %d: a finished run rerun: %d steps, %d evaluations (%v)", o.Steps, o.EvalEvery, res.Steps, len(l.History()), err)
		}
	}
}
