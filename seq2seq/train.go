package seq2seq

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// TrainConfig holds the training hyper-parameters (config.json's "train").
// Zero values take the defaults noted.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type TrainConfig struct {
	// Epochs stops training after this many passes over the training pairs
	// (default 10 when MaxSteps is 0 too; 0 with MaxSteps: unbounded).
	Epochs int `json:"epochs"`
	// MaxSteps stops training after exactly this many updates (0: no cap).
	// With Epochs too, the first limit reached stops.
	MaxSteps int64 `json:"max_steps,omitempty"`
	// Batch is the number of pairs per update (default 64).
	Batch int `json:"batch"`
	// Optimizer is "adam" (default), "adamw" or "sgd".
	Optimizer string `json:"optimizer"`
	// LR is the learning rate (default 2e-3 for Adam, 0.5 for SGD).
	LR float64 `json:"lr"`
	// LRDecay multiplies the learning rate after each epoch (default 1).
	LRDecay float64 `json:"lr_decay"`
	// Clip is the maximum global gradient norm (default 5; negative: none).
	Clip float64 `json:"clip"`
	// Seed orders the batches (each epoch's order is a function of Seed and
	// the epoch, so a resumed run continues identically).
	Seed uint64 `json:"seed"`
	// DevDecode bounds the dev pairs decoded for exact match at each
	// evaluation (default 2000; negative: all).
	DevDecode int `json:"dev_decode"`
	// Patience stops training after this many evaluations (one per epoch)
	// without a better dev score (0: never stop early).
	Patience int `json:"patience,omitempty"`
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Epochs == 0 && c.MaxSteps == 0 {
		c.Epochs = 10
	}
	c.Batch = cmp.Or(c.Batch, 64)
	c.Optimizer = cmp.Or(c.Optimizer, "adam")
	if c.LR == 0 && c.Optimizer == "sgd" {
		c.LR = 0.5
	}
	c.LR = cmp.Or(c.LR, 2e-3)
	c.LRDecay = cmp.Or(c.LRDecay, 1)
	c.Clip = cmp.Or(c.Clip, 5)
	c.DevDecode = cmp.Or(c.DevDecode, 2000)
	return c
}

func (c *TrainConfig) validate() error {
	switch {
	case c.Batch < 1:
		return fmt.Errorf("seq2seq: batch %d must be positive", c.Batch)
	case c.Epochs < 0:
		return fmt.Errorf("seq2seq: epochs %d must not be negative", c.Epochs)
	case c.MaxSteps < 0:
		return fmt.Errorf("seq2seq: steps %d must not be negative", c.MaxSteps)
	case c.Patience < 0:
		return fmt.Errorf("seq2seq: patience %d must not be negative", c.Patience)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("seq2seq: lr %v must be a positive number", c.LR)
	case !(c.LRDecay > 0) || math.IsInf(c.LRDecay, 0):
		return fmt.Errorf("seq2seq: lr_decay %v must be a positive number", c.LRDecay)
	case math.IsNaN(c.Clip) || math.IsInf(c.Clip, 0):
		return fmt.Errorf("seq2seq: clip %v must be a number", c.Clip)
	}
	switch c.Optimizer {
	case "adam", "adamw", "sgd":
		return nil
	}
	return fmt.Errorf("seq2seq: unknown optimizer %q (want adam, adamw or sgd)", c.Optimizer)
}

// Encoded is a data set of pairs as ids.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Encoded struct {
	Src, Tgt [][]int32
}

// Encode maps pairs to ids with the model's vocabularies. Pairs with an
// empty source are an error naming the pair's line (its index + 1).
func (m *Model) Encode(pairs []Pair) (Encoded, error) {
	e := Encoded{Src: make([][]int32, len(pairs)), Tgt: make([][]int32, len(pairs))}
	for i, p := range pairs {
		e.Src[i], e.Tgt[i] = m.EncodeSource(p.Source), m.EncodeTarget(p.Target)
		if len(e.Src[i]) == 0 {
			return Encoded{}, fmt.Errorf("seq2seq: pair %d has an empty source", i+1)
		}
	}
	return e, nil
}

// Position is where training stands (train.Position).
type Position = train.Position

// Trainer fits a Model to encoded pairs with teacher forcing on the
// train.Loop: it holds the encoder-decoder's train.Task (batches of pairs of
// similar source length, the teacher-forced loss, greedy exact match on
// dev as the score) and maps TrainConfig to the loop's options.
type Trainer struct {
	Model  *Model
	Config TrainConfig
	// Runner holds the loop and the checkpoint directory (Dir, Overwrite)
	// and gives Run, Save, Pos and Loop.
	train.Runner

	task *task
	opt  optim.Optimizer
}

// task is the encoder-decoder's train.Task.
type task struct {
	m          *Model
	cfg        *TrainConfig
	train, dev Encoded
	batches    [][]int // the epoch's batches of pair indices
	src, tgt   [][]int32
}

func (t *task) Params() []*nn.Param { return t.m.Params() }

// Epoch shuffles the pairs with (Seed, epoch), orders them by source
// length within windows of 32 batches (so a batch pads little), cuts them
// into batches and shuffles the batches.
func (t *task) Epoch(e int) (int, error) {
	var err error
	t.batches, err = text.SeqBatches(t.train.Src, text.BatchOptions{Size: t.cfg.Batch, Bucket: true, Window: 32,
		Shuffle: true, Seed: t.cfg.Seed}, e+1)
	return len(t.batches), err
}

func (t *task) Step(pos train.Position) (train.StepResult, error) {
	b := t.batches[pos.Batch]
	t.src, t.tgt = xslices.Gather(t.src[:0], t.train.Src, b), xslices.Gather(t.tgt[:0], t.train.Tgt, b)
	st, err := t.m.Forward(t.src, t.tgt, true)
	if err != nil {
		return train.StepResult{}, err
	}
	return train.StepResult{Loss: st.Loss / float64(max(1, st.Tokens)), Items: st.Tokens}, nil
}

// Evaluate scores dev: the teacher-forced loss and greedy exact match
// (the score) on up to DevDecode pairs.
func (t *task) Evaluate(ctx context.Context) (*train.Eval, error) {
	if len(t.dev.Src) == 0 {
		return nil, nil
	}
	ev, err := t.m.Evaluate(ctx, t.dev, EvalOptions{Batch: 256, Limit: t.cfg.DevDecode, TeacherForced: true})
	if err != nil {
		return nil, err
	}
	return &train.Eval{Loss: ev.Loss, Score: ev.ExactMatch,
		Metrics: map[string]float64{"exact_match": ev.ExactMatch, "token_acc_teacher_forced": ev.TokenAccTF}}, nil
}

func (t *task) Files() ([]checkpoint.File, error) {
	cfg := *t.cfg
	return t.m.files(&cfg), nil
}

// NewTrainer prepares training on train, validating on dev (which may be
// empty).
func NewTrainer(m *Model, train, dev Encoded, cfg TrainConfig) (*Trainer, error) {
	return startTrainer(m, train, dev, cfg, "")
}

// startTrainer builds a trainer and starts its loop: fresh with resume "",
// else from the checkpoint in the directory resume.
func startTrainer(m *Model, trainE, dev Encoded, cfg TrainConfig, resume string) (*Trainer, error) {
	t, err := newTrainer(m, trainE, dev, cfg)
	if err != nil {
		return nil, err
	}
	if err := t.Start(t.task, t.opt, t.options, resume); err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	return t, nil
}

func newTrainer(m *Model, trainE, dev Encoded, cfg TrainConfig) (*Trainer, error) {
	cfg = cfg.withDefaults()
	if len(trainE.Src) == 0 || len(trainE.Src) != len(trainE.Tgt) || len(dev.Src) != len(dev.Tgt) {
		return nil, fmt.Errorf("seq2seq: %d training pairs (%d targets), %d dev pairs (%d targets)", len(trainE.Src), len(trainE.Tgt), len(dev.Src), len(dev.Tgt))
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	o, err := optim.New(cfg.Optimizer, m.Params(), optim.Options{LR: cfg.LR})
	if err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	targets := make([]string, len(trainE.Tgt))
	for i, ids := range trainE.Tgt {
		targets[i] = JoinTokens(m.Config.Tokens, m.DecodeTarget(ids))
	}
	m.Config.TrainedDates = TargetDateRange(targets)
	t := &Trainer{Model: m, Config: cfg, opt: o}
	t.task = &task{m: m, cfg: &t.Config, train: trainE, dev: dev}
	return t, nil
}

// options checks the configuration (which a caller may change between
// runs) and maps it to the loop's options.
func (t *Trainer) options() (train.Options, error) {
	t.Config = t.Config.withDefaults()
	if err := t.Config.validate(); err != nil {
		return train.Options{}, err
	}
	c := &t.Config
	return train.Options{Epochs: c.Epochs, Steps: c.MaxSteps, Patience: c.Patience, Clip: max(0, c.Clip),
		DecayFactor: c.LRDecay,
		Meta:        map[string]string{"format": "pt", "model": "recurrent-seq2seq"},
		Data: []train.Fingerprint{
			train.FingerprintSeqs("train_source", t.task.train.Src, nil), train.FingerprintSeqs("train_target", t.task.train.Tgt, nil),
			train.FingerprintSeqs("dev_source", t.task.dev.Src, nil), train.FingerprintSeqs("dev_target", t.task.dev.Tgt, nil)}}, nil
}

// Batches returns the number of batches per epoch.
func (t *Trainer) Batches() int { return (len(t.task.train.Src) + t.Config.Batch - 1) / t.Config.Batch }

// EvalOptions configure Evaluate.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type EvalOptions struct {
	DecodeOptions
	// Batch is the number of sources decoded together (default 256).
	Batch int
	// Limit evaluates only the first Limit pairs (<= 0: all).
	Limit int
	// TeacherForced also computes the teacher-forced loss and accuracy.
	TeacherForced bool
	// Progress, if non-nil, is called with the number of pairs done.
	Progress func(done int)
	// Hypothesis, if non-nil, is called with each pair's index and
	// decoded hypothesis, in order (with DecodeOptions.Attention, to draw
	// its attention); an error stops the evaluation.
	Hypothesis func(i int, h Hypothesis) error
}

// Metrics are the results of Evaluate.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Metrics struct {
	N int `json:"n"`
	// ExactMatch is the share of outputs equal to their reference.
	ExactMatch float64 `json:"exact_match"`
	// TokenAccuracy is the number of positions where output and reference
	// agree divided by the summed max(len(output), len(reference)), so
	// missing and extra tokens both count as errors.
	TokenAccuracy float64 `json:"token_accuracy"`
	// BLEU is corpus BLEU-4 over the model's tokens (characters for a
	// char model), as sacreBLEU computes it on tokenized text.
	BLEU float64 `json:"bleu"`
	// Loss (mean token cross-entropy, nats) and TokenAccTF (next-token
	// accuracy) under teacher forcing, when requested.
	Loss       float64 `json:"loss,omitempty"`
	TokenAccTF float64 `json:"token_acc_teacher_forced,omitempty"`
	// Hyps are the decoded outputs, in order.
	Hyps [][]int32 `json:"-"`
}

// agreement is the number of positions where hyp and ref hold the same
// id.
func agreement(hyp, ref []int32) int {
	n := 0
	for j := range min(len(hyp), len(ref)) {
		if hyp[j] == ref[j] {
			n++
		}
	}
	return n
}

// Evaluate decodes the sources of data and scores them against the
// targets, opt.Batch pairs at a time (fewer where padding them together
// would pass text.MaxPaddedTokens).
func (m *Model) Evaluate(ctx context.Context, data Encoded, opt EvalOptions) (Metrics, error) {
	n := len(data.Src)
	if opt.Limit > 0 && opt.Limit < n {
		n = opt.Limit
	}
	if opt.Batch <= 0 {
		opt.Batch = 256
	}
	var met Metrics
	met.N = n
	if n == 0 {
		return met, nil
	}
	var tf Stats
	exact, agree, total := 0, 0, 0
	hypToks, refToks := make([][]string, 0, n), make([][]string, 0, n)
	lengths := make([]int, n) // what a batch pads: source and target
	for i := range lengths {
		lengths[i] = len(data.Src[i]) + len(data.Tgt[i])
	}
	lo := 0
	for _, hi := range text.PaddedRuns(lengths, opt.Batch) {
		if err := ctx.Err(); err != nil {
			return met, err
		}
		if opt.TeacherForced {
			st, err := m.Forward(data.Src[lo:hi], data.Tgt[lo:hi], false)
			if err != nil {
				return met, err
			}
			tf.Add(st)
		}
		hs, err := m.Translate(ctx, data.Src[lo:hi], opt.DecodeOptions)
		if err != nil {
			return met, err
		}
		for i, h := range hs {
			if opt.Hypothesis != nil {
				if err := opt.Hypothesis(lo+i, h); err != nil {
					return met, err
				}
			}
			ref := data.Tgt[lo+i]
			met.Hyps = append(met.Hyps, h.IDs)
			a := agreement(h.IDs, ref)
			if a == len(ref) && len(h.IDs) == len(ref) {
				exact++
			}
			agree += a
			total += max(len(h.IDs), len(ref))
			hypToks = append(hypToks, m.DecodeTarget(h.IDs))
			refToks = append(refToks, m.DecodeTarget(ref))
		}
		if opt.Progress != nil {
			opt.Progress(hi)
		}
		lo = hi
	}
	met.ExactMatch = float64(exact) / float64(n)
	if total > 0 {
		met.TokenAccuracy = float64(agree) / float64(total)
	} else {
		met.TokenAccuracy = 1
	}
	b, err := CorpusBLEUTokens(hypToks, refToks)
	if err != nil {
		return met, fmt.Errorf("seq2seq: bleu: %w", err)
	}
	met.BLEU = b.Score
	if opt.TeacherForced && tf.Tokens > 0 {
		met.Loss = tf.Loss / float64(tf.Tokens)
		met.TokenAccTF = float64(tf.Correct) / float64(tf.Tokens)
	}
	if math.IsNaN(met.Loss) {
		return met, fmt.Errorf("seq2seq: evaluation loss is NaN")
	}
	return met, nil
}
