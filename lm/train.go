package lm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/recurrent-go/recurrent/text"
)

// TrainConfig holds the training hyper-parameters (stored in config.json).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type TrainConfig struct {
	// Batch is the number of parallel streams B.
	Batch int `json:"batch_size"`
	// BPTT is the truncation length T of each chunk.
	BPTT int `json:"bptt"`
	// Epochs is the number of passes over the training stream.
	Epochs int `json:"epochs"`
	// MaxSteps stops training after this many optimizer steps (0: no cap).
	MaxSteps int64 `json:"max_steps,omitempty"`
	// Optimizer is "adam" or "sgd".
	Optimizer string `json:"optimizer"`
	// LR is the initial learning rate.
	LR float64 `json:"lr"`
	// WeightDecay is the optimizer's L2 penalty (PyTorch weight_decay).
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// Clip is the maximal global gradient L2 norm (0: no clipping).
	Clip float64 `json:"clip"`
	// Anneal divides the learning rate by this factor after an epoch whose
	// validation loss did not improve (0 or 1: never), as PyTorch's
	// word_language_model example does with 4.
	Anneal float64 `json:"anneal,omitempty"`
	// LRDecay multiplies the learning rate by this factor at the end of
	// every epoch numbered LRDecayStart or later (epochs count from 1);
	// 0 or 1: never. Zaremba et al. (2014) use 0.5 from epoch 4 (their
	// "small" model: lr 1 for epochs 1-4, then halved each epoch).
	LRDecay float64 `json:"lr_decay,omitempty"`
	// LRDecayStart is the first epoch (1-based) after which LRDecay applies.
	LRDecayStart int `json:"lr_decay_start,omitempty"`
	// Patience stops training early after this many consecutive
	// end-of-epoch validations without a new best loss (0: never).
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
	case c.Epochs < 1:
		return fmt.Errorf("lm: train: epochs %d must be positive", c.Epochs)
	case !(c.LR > 0):
		return fmt.Errorf("lm: train: learning rate %v must be positive", c.LR)
	case c.LRDecay < 0 || c.LRDecayStart < 0 || c.Patience < 0:
		return errors.New("lm: train: negative lr_decay, lr_decay_start or patience")
	case c.Clip < 0 || c.Anneal < 0 || c.WeightDecay < 0 || c.EvalBatch < 0 || c.MaxSteps < 0 || c.EvalEvery < 0 || c.CheckpointEvery < 0 || c.TimeLimit < 0:
		return errors.New("lm: train: negative clip, anneal, weight_decay, eval_batch_size, max_steps, eval_every, checkpoint_every or time_limit")
	}
	return nil
}

// Position is where training stands: the next chunk to train on and the
// number of optimizer steps taken.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Position struct {
	Epoch int   `json:"epoch"` // 0-based epoch in progress
	Chunk int   `json:"chunk"` // next chunk of that epoch
	Step  int64 `json:"step"`  // optimizer steps so far
}

// Progress is reported to the callback after every step and validation.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Progress struct {
	// Event is "step", "valid" (a validation finished), "anneal" (the
	// learning rate was divided), "decay" (LRDecay applied) or "checkpoint" (one was saved).
	Event string
	Pos   Position
	// Chunks is the number of chunks per epoch; MaxSteps the step budget
	// over the whole run (Epochs*Chunks or MaxSteps, whichever is smaller).
	Chunks   int
	MaxSteps int64
	// Loss is this step's mean training loss (nats per token), AvgLoss the
	// mean over the epoch so far ("step") or over the steps since the
	// previous validation ("valid"; 0 if none).
	Loss, AvgLoss float64
	GradNorm      float64 // before clipping
	LR            float64
	TokensPerSec  float64
	Elapsed       time.Duration
	Valid         *Metrics // the validation just done ("valid")
	Dir           string   // the checkpoint directory ("checkpoint")
}

// Point is one validation on the loss curves: the step and epoch (1-based,
// fractional inside an epoch) it was taken at, the mean training loss since
// the previous point and the validation loss, both in nats per token.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Point struct {
	Step      int64   `json:"step"`
	Epoch     float64 `json:"epoch"`
	TrainLoss float64 `json:"train_loss,omitempty"` // 0: no training step since the previous point
	ValidLoss float64 `json:"valid_loss"`
	LR        float64 `json:"lr"`
}

// BestFile is the file of a training checkpoint that holds the parameters
// with the lowest validation loss seen so far (same names and format as
// model.safetensors); LoadBest loads them.
const BestFile = "best.safetensors"

// Result summarizes a Run.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Result struct {
	Pos       Position
	TrainLoss float64  // mean loss of the last (possibly partial) epoch
	Valid     *Metrics // final validation (nil without validation data)
	Best      *Metrics // best validation seen
	Elapsed   time.Duration
	Tokens    int64 // target tokens trained on in this Run
	// EarlyStop is set when Patience ended the run.
	EarlyStop bool
}

// Trainer trains a Model on a token stream with truncated BPTT.
//
// A Trainer is not safe for concurrent use.
type Trainer struct {
	Model  *Model
	Config TrainConfig
	// Dir, if not empty, is the checkpoint directory written during Run.
	Dir string

	opt   Optimizer
	train []int32
	valid []int32
	sb    *text.StreamBatcher
	state *State
	pos   Position
	best  *Metrics
	x, y  []int32

	// history is every validation so far (kept across resumes), bad the
	// number of consecutive end-of-epoch validations without improvement,
	// and sinceLoss/sinceN the training losses since the last point.
	history   []Point
	bad       int
	sinceLoss float64
	sinceN    int
	// bestParams is a copy of the parameters at the best validation.
	bestParams [][]float32
}

// keepBest copies the current parameters as the best ones.
func (t *Trainer) keepBest() {
	ps := t.Model.Params()
	if t.bestParams == nil {
		t.bestParams = make([][]float32, len(ps))
		for i, p := range ps {
			t.bestParams[i] = make([]float32, len(p.Data))
		}
	}
	for i, p := range ps {
		copy(t.bestParams[i], p.Data)
	}
}

// History returns the validations so far (across resumes), oldest first.
func (t *Trainer) History() []Point { return t.history }

// NewTrainer prepares training of m on the train stream, validating on
// valid (may be nil). The streams must be at least 2*Batch (2*EvalBatch)
// tokens long.
func NewTrainer(m *Model, train, valid []int32, cfg TrainConfig) (*Trainer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.EvalBatch == 0 {
		cfg.EvalBatch = cfg.Batch
	}
	sb, err := text.NewStreamBatcher(train, cfg.Batch, cfg.BPTT)
	if err != nil {
		return nil, fmt.Errorf("lm: training data: %w", err)
	}
	if valid != nil {
		if _, err := text.NewStreamBatcher(valid, cfg.EvalBatch, cfg.BPTT); err != nil {
			return nil, fmt.Errorf("lm: validation data: %w", err)
		}
	}
	opt, err := NewOptimizer(cfg.Optimizer, m.Params(), cfg.LR, cfg.WeightDecay)
	if err != nil {
		return nil, err
	}
	m.dropSeed = cfg.Seed
	return &Trainer{Model: m, Config: cfg, opt: opt, train: train, valid: valid, sb: sb,
		state: m.NewState(cfg.Batch), x: make([]int32, cfg.BPTT*cfg.Batch), y: make([]int32, cfg.BPTT*cfg.Batch)}, nil
}

// Pos returns the current position.
func (t *Trainer) Pos() Position { return t.pos }

// LR returns the current learning rate.
func (t *Trainer) LR() float64 { return t.opt.LR() }

// Chunks returns the number of chunks per epoch.
func (t *Trainer) Chunks() int { return t.sb.NumChunks() }

func (t *Trainer) maxSteps() int64 {
	n := int64(t.Config.Epochs) * int64(t.sb.NumChunks())
	if t.Config.MaxSteps > 0 {
		n = min(n, t.Config.MaxSteps)
	}
	return n
}

// Done reports whether the step budget is used up.
func (t *Trainer) Done() bool {
	return t.pos.Step >= t.maxSteps() || t.pos.Epoch >= t.Config.Epochs || t.earlyStopped()
}

// earlyStopped reports whether Patience epochs in a row failed to improve
// the validation loss.
func (t *Trainer) earlyStopped() bool { return t.Config.Patience > 0 && t.bad >= t.Config.Patience }

// Validate evaluates the model on the validation stream (nil metrics
// without one).
func (t *Trainer) Validate(ctx context.Context) (*Metrics, error) {
	if t.valid == nil {
		return nil, nil
	}
	v, err := t.Model.Evaluate(ctx, t.valid, t.Config.EvalBatch, t.Config.BPTT)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Run trains until the epochs or MaxSteps are done, the time limit passes,
// or ctx is cancelled. Cancellation saves a checkpoint (when Dir is set) at
// the exact position reached and returns ctx's error; a later Resume
// continues as if never interrupted. progress may be nil.
func (t *Trainer) Run(ctx context.Context, progress func(Progress)) (Result, error) {
	report := func(p Progress) {
		if progress != nil {
			progress(p)
		}
	}
	cfg := t.Config
	start := time.Now()
	chunks := t.sb.NumChunks()
	B := cfg.Batch
	var (
		res       Result
		epochLoss float64
		epochN    int
		lastValid *Metrics
	)
	base := Progress{Chunks: chunks, MaxSteps: t.maxSteps()}
	validate := func() error {
		v, err := t.Validate(ctx)
		if err != nil || v == nil {
			return err
		}
		lastValid = v
		pt := Point{Step: t.pos.Step, Epoch: float64(t.pos.Epoch) + float64(t.pos.Chunk)/float64(chunks),
			ValidLoss: v.Loss, LR: t.opt.LR()}
		if t.sinceN > 0 {
			pt.TrainLoss = t.sinceLoss / float64(t.sinceN)
		}
		t.sinceLoss, t.sinceN = 0, 0
		t.history = append(t.history, pt)
		improved := t.best == nil || v.Loss < t.best.Loss
		if improved {
			b := *v
			t.best = &b
			t.keepBest()
		}
		p := base
		p.Event, p.Pos, p.Valid, p.LR, p.Elapsed, p.AvgLoss = "valid", t.pos, v, t.opt.LR(), time.Since(start), pt.TrainLoss
		report(p)
		return nil
	}
	save := func() error {
		if t.Dir == "" {
			return nil
		}
		if err := t.Save(t.Dir); err != nil {
			return err
		}
		p := base
		p.Event, p.Pos, p.Dir, p.Elapsed = "checkpoint", t.pos, t.Dir, time.Since(start)
		report(p)
		return nil
	}
	finish := func(err error) (Result, error) {
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// Interrupted (also inside a validation): keep the exact
			// position so that Resume continues from here.
			if serr := save(); serr != nil {
				err = errors.Join(err, serr)
			}
		}
		res.Pos, res.Elapsed, res.Best = t.pos, time.Since(start), t.best
		if epochN > 0 {
			res.TrainLoss = epochLoss / float64(epochN)
		}
		return res, err
	}

	stopped := false
	for !t.Done() && !stopped {
		if t.pos.Chunk == 0 {
			t.state.Reset()
		}
		for t.pos.Chunk < chunks {
			if err := ctx.Err(); err != nil {
				return finish(err)
			}
			if t.pos.Step >= t.maxSteps() || (cfg.TimeLimit > 0 && time.Since(start) >= cfg.TimeLimit) {
				stopped = true
				break
			}
			T := t.sb.Chunk(t.pos.Chunk, t.x, t.y)
			t.opt.ZeroGrad()
			loss, err := t.Model.TrainChunk(t.x[:T*B], t.y[:T*B], T, B, t.state, uint64(t.pos.Step))
			if err != nil {
				return finish(fmt.Errorf("lm: epoch %d chunk %d (step %d): %w", t.pos.Epoch, t.pos.Chunk, t.pos.Step, err))
			}
			norm := clipGradNorm(t.Model.Params(), cfg.Clip)
			if err := t.opt.Step(); err != nil {
				return finish(fmt.Errorf("lm: epoch %d chunk %d (step %d): %w", t.pos.Epoch, t.pos.Chunk, t.pos.Step, err))
			}
			t.pos.Chunk++
			t.pos.Step++
			epochLoss += loss
			epochN++
			t.sinceLoss += loss
			t.sinceN++
			res.Tokens += int64(T * B)
			el := time.Since(start)
			p := base
			p.Event, p.Pos, p.Loss, p.AvgLoss, p.GradNorm, p.LR, p.Elapsed = "step", t.pos, loss, epochLoss/float64(epochN), norm, t.opt.LR(), el
			if s := el.Seconds(); s > 0 {
				p.TokensPerSec = float64(res.Tokens) / s
			}
			report(p)
			if cfg.EvalEvery > 0 && t.pos.Step%cfg.EvalEvery == 0 && t.pos.Chunk < chunks {
				if err := validate(); err != nil {
					return finish(err)
				}
			}
			if cfg.CheckpointEvery > 0 && t.pos.Step%cfg.CheckpointEvery == 0 && t.pos.Chunk < chunks {
				if err := save(); err != nil {
					return finish(err)
				}
			}
		}
		if t.pos.Chunk >= chunks {
			// End of epoch: validate, anneal, move on, checkpoint.
			prevBest := t.best
			lastValid = nil
			if err := validate(); err != nil {
				return finish(err)
			}
			worse := prevBest != nil && lastValid != nil && lastValid.Loss >= prevBest.Loss
			if cfg.Anneal > 1 && worse {
				t.opt.SetLR(t.opt.LR() / cfg.Anneal)
				p := base
				p.Event, p.Pos, p.LR, p.Elapsed = "anneal", t.pos, t.opt.LR(), time.Since(start)
				report(p)
			}
			if cfg.LRDecay > 0 && cfg.LRDecay != 1 && t.pos.Epoch+1 >= cfg.LRDecayStart {
				t.opt.SetLR(t.opt.LR() * cfg.LRDecay)
				p := base
				p.Event, p.Pos, p.LR, p.Elapsed = "decay", t.pos, t.opt.LR(), time.Since(start)
				report(p)
			}
			if lastValid != nil {
				if worse {
					t.bad++
				} else {
					t.bad = 0
				}
			}
			res.EarlyStop = t.earlyStopped()
			res.TrainLoss = epochLoss / float64(max(epochN, 1))
			t.pos.Epoch++
			t.pos.Chunk = 0
			epochLoss, epochN = 0, 0
			if err := save(); err != nil {
				return finish(err)
			}
		}
	}
	if stopped {
		if err := validate(); err != nil {
			return finish(err)
		}
		if err := save(); err != nil {
			return finish(err)
		}
	}
	res.Valid = lastValid
	r, err := finish(nil)
	if epochN == 0 {
		r.TrainLoss = res.TrainLoss
	}
	return r, err
}
