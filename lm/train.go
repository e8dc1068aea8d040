package lm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// TrainConfig holds the training hyper-parameters (stored in config.json).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type TrainConfig struct {
	// Batch is the number of parallel streams B.
	Batch int `json:"batch_size"`
	// BPTT is the truncation length T of each chunk.
	BPTT int `json:"bptt"`
	// Epochs stops training after this many passes over the training
	// stream (0: unbounded; then MaxSteps or TimeLimit must be set).
	Epochs int `json:"epochs"`
	// MaxSteps stops training after exactly this many optimizer steps
	// (0: no cap). With Epochs too, the first limit reached stops.
	MaxSteps int64 `json:"max_steps,omitempty"`
	// Optimizer is "adam", "adamw", "sgd", "rmsprop" or "adagrad".
	Optimizer string `json:"optimizer"`
	// LR is the initial learning rate.
	LR float64 `json:"lr"`
	// WeightDecay is the optimizer's L2 penalty (PyTorch weight_decay).
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// Clip is the maximal global gradient L2 norm (0: no clipping).
	Clip float64 `json:"clip"`
	// Anneal divides the learning rate by this factor after a validation
	// that did not improve on the best (0 or 1: never), as PyTorch's
	// word_language_model example does with 4 after each epoch. Every
	// validation counts, those of EvalEvery too.
	Anneal float64 `json:"anneal,omitempty"`
	// LRDecay multiplies the learning rate by this factor at the end of
	// every epoch numbered LRDecayStart or later (epochs count from 1);
	// 0 or 1: never. Zaremba et al. (2014) use 0.5 from epoch 4 (their
	// "small" model: lr 1 for epochs 1-4, then halved each epoch).
	LRDecay float64 `json:"lr_decay,omitempty"`
	// LRDecayStart is the first epoch (1-based) after which LRDecay applies.
	LRDecayStart int `json:"lr_decay_start,omitempty"`
	// Schedule is "" (constant, changed only by Anneal and LRDecay),
	// "linear" or "cosine": Warmup steps rising linearly from 0 to LR, then
	// linearly to 0 or along a half cosine to 0 at the last step of the
	// budget (MaxSteps, or Epochs times the chunks per epoch). Run
	// refuses a Warmup without a Schedule, and an Anneal between 0 and 1.
	Schedule string `json:"schedule,omitempty"`
	Warmup   int    `json:"warmup,omitempty"`
	// Patience stops training early after this many validations in a row
	// without a new best loss (0: never).
	Patience int `json:"patience,omitempty"`
	// EvalBatch is the batch size for validation (0: Batch).
	EvalBatch int `json:"eval_batch_size,omitempty"`
	// EvalEvery validates every this many steps as well as after each
	// epoch (0: after each epoch only).
	EvalEvery int64 `json:"eval_every,omitempty"`
	// CheckpointEvery saves a checkpoint every this many steps (0: after
	// each epoch, on cancellation and at the end only). Needs a directory.
	CheckpointEvery int64 `json:"checkpoint_every,omitempty"`
	// TimeLimit stops training (gracefully: validation and checkpoint
	// follow) after this much wall time in Run (0: none). It makes the
	// number of steps machine-dependent.
	TimeLimit time.Duration `json:"time_limit,omitempty"`
	// Seed seeds the dropout masks (the weights were seeded in New).
	Seed uint64 `json:"seed"`
}

func (c *TrainConfig) validate() error {
	switch {
	case c.Batch < 1 || c.BPTT < 1:
		return fmt.Errorf("lm: train: batch_size %d and bptt %d must be positive", c.Batch, c.BPTT)
	case c.Epochs < 0:
		return fmt.Errorf("lm: train: negative epochs %d", c.Epochs)
	case c.Epochs == 0 && c.MaxSteps == 0 && c.TimeLimit == 0:
		return errors.New("lm: train: no budget: set epochs, max_steps or time_limit")
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("lm: train: learning rate %v must be positive and finite", c.LR)
	case c.LRDecay < 0 || c.LRDecayStart < 0 || c.Patience < 0 || c.Warmup < 0:
		return errors.New("lm: train: negative lr_decay, lr_decay_start, patience or warmup")
	case c.Clip < 0 || c.Anneal < 0 || c.WeightDecay < 0 || c.EvalBatch < 0 || c.MaxSteps < 0 || c.EvalEvery < 0 || c.CheckpointEvery < 0 || c.TimeLimit < 0:
		return errors.New("lm: train: negative clip, anneal, weight_decay, eval_batch_size, max_steps, eval_every, checkpoint_every or time_limit")
	case !(c.Anneal >= 0) || math.IsInf(c.Anneal, 1):
		return fmt.Errorf("lm: train: anneal %v must be finite and non-negative", c.Anneal)
	case c.Schedule != "" && c.Schedule != "linear" && c.Schedule != "cosine":
		return fmt.Errorf("lm: train: schedule %q: want linear, cosine or none", c.Schedule)
	}
	return nil
}

// evalBatch is the validation batch size: EvalBatch, or Batch for 0.
func (c *TrainConfig) evalBatch() int {
	if c.EvalBatch > 0 {
		return c.EvalBatch
	}
	return c.Batch
}

// Position is where training stands (train.Position): the epoch in
// progress, the next chunk of that epoch (Batch) and the optimizer steps
// taken.
type Position = train.Position

// Point is one validation on the loss curves: the step and the epochs done
// (fractional inside an epoch: 0.5 halfway through the first, as
// train.Eval.Epoch) it was taken at, the mean training loss since the
// previous point and the validation loss, both in nats per token.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Point struct {
	Step      int64   `json:"step"`
	Epoch     float64 `json:"epoch"`
	TrainLoss float64 `json:"train_loss,omitempty"` // 0: no training step since the previous point
	ValidLoss float64 `json:"valid_loss"`
	LR        float64 `json:"lr"`
}

// Result summarizes a Run: the loop's result (Best and Last are
// evaluations; MetricsOf gives their Metrics) and the final validation's
// Metrics.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Result struct {
	train.Result
	Valid *Metrics // the last validation (nil without validation data)
}

// Trainer trains a Model on a token stream with truncated BPTT on the
// train.Loop: it holds the language model's train.Task (the chunks of the
// stream in order, the recurrent state carried between them and saved in
// carry.safetensors) and maps TrainConfig to the loop's options.
//
// A Trainer is not safe for concurrent use.
type Trainer struct {
	Model  *Model
	Config TrainConfig
	// Dir, if not empty, is the checkpoint directory written during Run.
	Dir string
	// Overwrite lets a new Trainer replace a checkpoint in Dir.
	Overwrite bool

	task *lmTask
	opt  optim.Optimizer
	loop *train.Loop
}

// lmTask is the language model's train.Task.
type lmTask struct {
	m            *Model
	cfg          *TrainConfig
	train, valid []int32
	sb           *text.StreamBatcher
	state        *State
	x, y         []int32
}

func (t *lmTask) Params() []*nn.Param { return t.m.Params() }

func (t *lmTask) Epoch(int) (int, error) { return t.sb.NumChunks(), nil }

func (t *lmTask) Step(pos train.Position) (train.StepResult, error) {
	if pos.Batch == 0 {
		t.state.Reset()
	}
	B := t.cfg.Batch
	T := t.sb.Chunk(pos.Batch, t.x, t.y)
	loss, err := t.m.TrainChunk(t.x[:T*B], t.y[:T*B], T, B, t.state, uint64(pos.Step))
	return train.StepResult{Loss: loss, Items: T * B}, err
}

func (t *lmTask) Evaluate(ctx context.Context) (*train.Eval, error) {
	if t.valid == nil {
		return nil, nil
	}
	v, err := t.m.Evaluate(ctx, t.valid, t.cfg.evalBatch(), t.cfg.BPTT)
	if err != nil {
		return nil, err
	}
	return evalOf(v), nil
}

// evalOf turns Metrics into a train.Eval (lower loss is better).
func evalOf(v Metrics) *train.Eval {
	return &train.Eval{Loss: v.Loss, Score: -v.Loss,
		Metrics: map[string]float64{"perplexity": v.Perplexity, "bits": v.Bits, "tokens": float64(v.Tokens)}}
}

// MetricsOf returns the Metrics of an evaluation made by a Trainer (nil
// for nil).
func MetricsOf(e *train.Eval) *Metrics {
	if e == nil {
		return nil
	}
	return &Metrics{Loss: e.Loss, Perplexity: e.Metrics["perplexity"], Bits: e.Metrics["bits"], Tokens: int64(e.Metrics["tokens"])}
}

func (t *lmTask) Files() ([]checkpoint.File, error) {
	cfg := *t.cfg
	files, err := t.m.files(&cfg)
	if err != nil {
		return nil, err
	}
	carry := map[string]checkpoint.Tensor{"h": {Shape: t.stateShape(), Data: t.state.H}}
	if t.state.C != nil {
		carry["c"] = checkpoint.Tensor{Shape: t.stateShape(), Data: t.state.C}
	}
	return append(files, checkpoint.TensorsFile(CarryFile, carry, nil)), nil
}

// Restore reads the carried recurrent state (train.Restorer).
func (t *lmTask) Restore(ck *checkpoint.Checkpoint) error {
	carry, _, err := ck.ReadTensors(CarryFile)
	if err != nil {
		return err
	}
	want := map[string][]float32{"h": t.state.H}
	if t.state.C != nil {
		want["c"] = t.state.C
	}
	if len(carry) != len(want) {
		return fmt.Errorf("%s has %d tensors, want %d", ck.Path(CarryFile), len(carry), len(want))
	}
	for name, dst := range want {
		ten, ok := carry[name]
		if !ok || len(ten.Data) != len(dst) {
			return fmt.Errorf("%s: tensor %q missing or not of shape %v", ck.Path(CarryFile), name, t.stateShape())
		}
		for i, v := range ten.Data {
			if v-v != 0 { // NaN or infinite: no step carries such a state
				return fmt.Errorf("%s: tensor %q holds %v at element %d", ck.Path(CarryFile), name, v, i)
			}
		}
		copy(dst, ten.Data)
	}
	return nil
}

func (t *lmTask) stateShape() []int {
	return []int{t.m.Config.Layers, t.cfg.Batch, t.m.Config.Hidden}
}

// NewTrainer prepares training of m on the train stream, validating on
// valid (may be nil). The streams must be at least 2*Batch (2*EvalBatch)
// tokens long.
func NewTrainer(m *Model, train, valid []int32, cfg TrainConfig) (*Trainer, error) {
	t, err := newTrainer(m, train, valid, cfg)
	if err != nil {
		return nil, err
	}
	if t.loop, err = trainNew(t); err != nil {
		return nil, err
	}
	return t, nil
}

func trainNew(t *Trainer) (*train.Loop, error) {
	o, err := t.options()
	if err != nil {
		return nil, err
	}
	return train.New(t.task, t.opt, o)
}

func newTrainer(m *Model, trainIDs, valid []int32, cfg TrainConfig) (*Trainer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.EvalBatch == 0 {
		cfg.EvalBatch = cfg.Batch
	}
	sb, err := text.NewStreamBatcher(trainIDs, cfg.Batch, cfg.BPTT)
	if err != nil {
		return nil, fmt.Errorf("lm: training data: %w", err)
	}
	opt, err := optim.New(cfg.Optimizer, m.Params(), optim.Options{LR: cfg.LR, WeightDecay: cfg.WeightDecay})
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	m.drop.Seed = cfg.Seed
	t := &Trainer{Model: m, Config: cfg, opt: opt}
	t.task = &lmTask{m: m, cfg: &t.Config, train: trainIDs, valid: valid, sb: sb, state: m.NewState(cfg.Batch),
		x: make([]int32, sb.Steps()*cfg.Batch), y: make([]int32, sb.Steps()*cfg.Batch)}
	return t, nil
}

// options maps the configuration to the loop's options.
func (t *Trainer) options() (train.Options, error) {
	c := &t.Config
	if err := c.validate(); err != nil {
		return train.Options{}, err
	}
	if t.task.valid != nil {
		// Checked before every Run: the evaluation batch may have changed
		// (a resume's --eval-batch), and no step should be lost to it.
		if _, err := text.NewStreamBatcher(t.task.valid, c.evalBatch(), c.BPTT); err != nil {
			return train.Options{}, fmt.Errorf("lm: validation data: %w", err)
		}
	}
	o := train.Options{Epochs: c.Epochs, Steps: c.MaxSteps, TimeLimit: c.TimeLimit, EvalEvery: c.EvalEvery, Patience: c.Patience,
		Clip: c.Clip, DecayFactor: c.LRDecay, DecayStart: c.LRDecayStart, Dir: t.Dir, SaveEvery: c.CheckpointEvery,
		Overwrite: t.Overwrite, Meta: map[string]string{"format": "pt", "model": "recurrent-lm"},
		Data: []train.Fingerprint{train.FingerprintIDs("train", t.task.train), train.FingerprintIDs("valid", t.task.valid)}}
	if c.Anneal > 1 {
		o.PlateauFactor = 1 / c.Anneal
	}
	if c.Schedule != "" {
		total := int64(0)
		if c.Epochs > 0 {
			total = int64(c.Epochs) * int64(t.Chunks())
		}
		if c.MaxSteps > 0 && (total == 0 || c.MaxSteps < total) {
			total = c.MaxSteps
		}
		if total == 0 {
			return o, fmt.Errorf("lm: train: the %s schedule needs epochs or max_steps", c.Schedule)
		}
		if c.Schedule == "linear" {
			o.Schedule = optim.LinearWarmupDecay(c.LR, c.Warmup, int(total))
		} else {
			o.Schedule = optim.CosineWarmup(c.LR, c.Warmup, int(total), 0)
		}
	}
	return o, nil
}

// Pos returns the current position.
func (t *Trainer) Pos() Position { return t.loop.Pos() }

// LR returns the current learning rate.
func (t *Trainer) LR() float64 { return t.opt.LR() }

// SetLR sets the learning rate from the next step on (a Schedule, if
// any, still decides the rates).
func (t *Trainer) SetLR(lr float64) { t.opt.SetLR(lr) }

// Chunks returns the number of chunks per epoch.
func (t *Trainer) Chunks() int { return t.task.sb.NumChunks() }

// Loop returns the training loop (its Best, History, BestParams...).
func (t *Trainer) Loop() *train.Loop { return t.loop }

// History returns the validations so far (across resumes), oldest first.
func (t *Trainer) History() []Point {
	h := t.loop.History()
	out := make([]Point, len(h))
	for i, e := range h {
		out[i] = Point{Step: e.Step, Epoch: e.Epoch, TrainLoss: e.TrainLoss, ValidLoss: e.Loss, LR: e.LR}
	}
	return out
}

// Validate evaluates the model on the validation stream (nil metrics
// without one).
func (t *Trainer) Validate(ctx context.Context) (*Metrics, error) {
	e, err := t.task.Evaluate(ctx)
	return MetricsOf(e), err
}

// Run trains until the epochs or MaxSteps are done, the time limit passes,
// early stopping triggers, the loss diverges or ctx is cancelled, with the
// loop's rules (see package train): cancellation saves a checkpoint (when
// Dir is set) at the exact position reached and returns ctx's error, and a
// later Resume continues as if never interrupted. The model holds the
// latest weights after Run; the checkpoint's model.safetensors the best.
// progress, which may be nil, receives the loop's events.
func (t *Trainer) Run(ctx context.Context, progress func(train.Event)) (Result, error) {
	// Checked here, not in validate: a checkpoint saved with a setting
	// that did nothing still loads, and Reconfigure can mend it.
	switch c := t.Config; {
	case c.Warmup > 0 && c.Schedule == "":
		return Result{}, fmt.Errorf("lm: train: warmup %d needs a schedule, linear or cosine (a constant rate has no warm-up)", c.Warmup)
	case c.Anneal > 0 && c.Anneal < 1:
		return Result{}, fmt.Errorf("lm: train: anneal %v: the rate is divided by it, so a factor above 1 (0 or 1: never)", c.Anneal)
	}
	o, err := t.options()
	if err != nil {
		return Result{}, err
	}
	o.Progress = progress
	t.loop.Options = o
	res, err := t.loop.Run(ctx)
	return Result{Result: res, Valid: MetricsOf(res.Last)}, err
}

// Save writes a complete training checkpoint to dir: the model files, the
// best weights (model.safetensors), the latest (last.safetensors), the
// optimizer state, the carried recurrent state (carry.safetensors) and
// state.json.
func (t *Trainer) Save(dir string) error { return t.loop.Save(dir) }

// Resume reopens a training checkpoint written by a Trainer on the same
// train and valid streams (checked by length and hash) and returns a
// trainer that continues exactly where the saved one stopped. The caller
// may change the budget and schedule fields of Config (Epochs, MaxSteps,
// TimeLimit, Clip, Anneal, LRDecay, Patience, EvalEvery, CheckpointEvery)
// and the rate (SetLR) before Run; the architecture, Batch, BPTT,
// Optimizer and Seed are the checkpoint's.
func Resume(dir string, trainIDs, valid []int32) (*Trainer, error) {
	return train.ResumeTask("lm", dir, load, func(m *Model, _ *checkpoint.Checkpoint, tc TrainConfig) (*Trainer, error) {
		t, err := newTrainer(m, trainIDs, valid, tc)
		if err != nil {
			return nil, err
		}
		t.Dir = dir
		o, err := t.options()
		if err != nil {
			return nil, err
		}
		if t.loop, err = train.Resume(dir, t.task, t.opt, o); err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		return t, nil
	})
}
