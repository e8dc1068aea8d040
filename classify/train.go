package classify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// TrainConfig holds the training hyper-parameters (stored in config.json):
// the settings every task shares (train.Config; Patience counts epochs
// without a strictly better dev accuracy) and the classifier's own.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type TrainConfig struct {
	train.Config
	// EmbedLR is the learning rate of a fine-tuned embedding (0: LR); the
	// embedding and the other parameters then form two optimiser groups
	// (optim.Group), as PyTorch's parameter groups would.
	EmbedLR float64 `json:"embed_lr,omitempty"`
	// WordDropout replaces each training token by <unk> with this
	// probability (a fresh draw every step), so that the model learns to
	// classify with words missing, as it must for unseen words at test
	// time.
	WordDropout float64 `json:"word_dropout,omitempty"`
	// Bucket groups examples of similar length into batches (less padding);
	// batches are shuffled either way.
	Bucket bool `json:"bucket,omitempty"`
}

func (c *TrainConfig) validate() error {
	if err := c.Config.Validate("classify: train"); err != nil {
		return err
	}
	switch {
	case c.EmbedLR < 0:
		return fmt.Errorf("classify: train: negative embed_lr %v", c.EmbedLR)
	case !(c.WordDropout >= 0 && c.WordDropout < 1):
		return fmt.Errorf("classify: train: word_dropout %v outside [0, 1)", c.WordDropout)
	}
	return nil
}

// Metrics are a model's mean loss and accuracy on N labelled examples.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Metrics struct {
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
	N        int     `json:"n"`
}

// MetricsOf returns the Metrics of an evaluation made by a Trainer (nil
// for nil).
func MetricsOf(e *train.Eval) *Metrics {
	if e == nil {
		return nil
	}
	return &Metrics{Loss: e.Loss, Accuracy: e.Score, N: int(e.Metrics["examples"])}
}

// Result summarizes a Run: the loop's result (its Best and Last are
// evaluations; MetricsOf gives their Metrics) and Valid, the last dev
// Metrics (nil without dev data).
type Result = train.TaskResult[Metrics]

// Trainer trains a Model with mini-batches on the train.Loop, evaluating
// on dev data after each epoch, keeping the model with the best dev
// accuracy (strictly better only) and stopping early.
//
// Not safe for concurrent use.
type Trainer struct {
	train.TaskTrainer[Model, TrainConfig, Metrics]

	task *task
}

// task is the classifier's train.Task.
type task struct {
	m          *Model
	cfg        *TrainConfig
	opt        optim.Optimizer
	train, dev *Data
	params     []*nn.Param // what the optimiser updates (see trainParams)
	batches    [][]int     // the current epoch's
	wordPCG    *rand.PCG
	wordRand   *rand.Rand
	targets    []float32
	targetsI   []int32
	dLogits    []float32
	seqs       [][]int32
	pad        text.Padded
}

func (t *task) Params() []*nn.Param { return t.m.params }

// SetTraining switches the model's mode (train.Runner sets evaluation
// mode after a run).
func (t *task) SetTraining(on bool) { t.m.SetTraining(on) }

func (t *task) Epoch(e int) (int, error) {
	var err error
	t.batches, err = text.SeqBatches(t.train.IDs, text.BatchOptions{Size: t.cfg.Batch, Bucket: t.cfg.Bucket, Shuffle: true, Seed: t.cfg.Seed}, e)
	return len(t.batches), err
}

func (t *task) Step(pos train.Position) (train.StepResult, error) {
	m, idx := t.m, t.batches[pos.Batch]
	m.SetTraining(true)
	if err := t.padBatch(idx); err != nil {
		return train.StepResult{}, err
	}
	t.dropWords(pos.Step)
	m.drop.Reseed(uint64(pos.Step))
	logits, err := m.Forward(t.pad.IDs, t.pad.T, t.pad.B, t.pad.Lengths)
	if err != nil {
		return train.StepResult{}, err
	}
	l, err := batchLoss(m, logits, t.train, idx, true, &t.dLogits, &t.targets, &t.targetsI)
	if err != nil {
		return train.StepResult{}, err
	}
	return train.StepResult{Loss: l, Items: len(idx)}, m.Backward(t.dLogits)
}

// padBatch pads the training sequences of the given example indices.
func (t *task) padBatch(idx []int) error {
	t.seqs = t.seqs[:0]
	for _, i := range idx {
		t.seqs = append(t.seqs, t.train.IDs[i])
	}
	return text.PadInto(&t.pad, t.seqs, padID)
}

// dropWords replaces each valid token of the padded batch by <unk> with
// probability TrainConfig.WordDropout, drawn from a generator seeded by
// (seed, step).
func (t *task) dropWords(step int64) {
	p := t.cfg.WordDropout
	if p <= 0 {
		return
	}
	t.wordPCG.Seed(t.cfg.Seed^0x776f7264, uint64(step))
	unk := t.m.Vocab.UnkID()
	T, B := t.pad.T, t.pad.B
	for s := range T {
		for b := range B {
			if s < t.pad.Lengths[b] && t.wordRand.Float64() < p {
				t.pad.IDs[s*B+b] = unk
			}
		}
	}
}

func (t *task) Evaluate(ctx context.Context) (*train.Eval, error) {
	if t.dev == nil || t.dev.Len() == 0 {
		return nil, nil
	}
	r, err := t.m.Evaluate(ctx, t.dev, t.cfg.EvalBatch)
	if err != nil {
		return nil, err
	}
	return &train.Eval{Loss: r.Loss, Score: r.Accuracy, Metrics: map[string]float64{"accuracy": r.Accuracy, "examples": float64(r.N)}}, nil
}

func (t *task) Files() ([]checkpoint.File, error) {
	cfg := *t.cfg
	return t.m.files(&cfg), nil
}

// NewTrainer prepares training of m on train, evaluating on dev (may be nil).
func NewTrainer(m *Model, train, dev *Data, cfg TrainConfig) (*Trainer, error) {
	return newTrainer(m, train, dev, cfg, "")
}

// newTrainer builds a trainer and starts its loop: fresh with resume "",
// else from the checkpoint in the directory resume.
func newTrainer(m *Model, trainData, dev *Data, cfg TrainConfig, resume string) (*Trainer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if trainData == nil || trainData.Len() == 0 {
		return nil, errors.New("classify: train: no training examples")
	}
	if cfg.EvalBatch == 0 {
		cfg.EvalBatch = 256
	}
	if cfg.WordDropout > 0 && m.Vocab.UnkID() < 0 {
		return nil, errors.New("classify: train: word dropout needs an <unk> token in the vocabulary")
	}
	emb, rest := trainParams(m, trainData)
	opt, err := newOptimizer(&cfg, emb, rest)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	params := rest
	if emb != nil {
		params = append([]*nn.Param{emb}, rest...)
	}
	m.drop.Seed = cfg.Seed
	pcg := rand.NewPCG(cfg.Seed, 0)
	t := &Trainer{TaskTrainer: train.NewTaskTrainer(m, cfg, MetricsOf)}
	t.task = &task{m: m, cfg: &t.Config, opt: opt, train: trainData, dev: dev, params: params, wordPCG: pcg, wordRand: rand.New(pcg)}
	if err := t.Start(t.task, t.task.opt, t.options, resume); err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	return t, nil
}

// newOptimizer builds the optimizer over the embedding (nil: frozen) and
// the rest: two groups when the embedding has a learning rate of its own.
func newOptimizer(cfg *TrainConfig, emb *nn.Param, rest []*nn.Param) (optim.Optimizer, error) {
	o := cfg.OptimOptions()
	if emb == nil || cfg.EmbedLR <= 0 || cfg.EmbedLR == cfg.LR {
		if emb != nil {
			rest = append([]*nn.Param{emb}, rest...)
		}
		return optim.New(cfg.Optimizer, rest, o)
	}
	oe, err := optim.New(cfg.Optimizer, []*nn.Param{emb}, optim.Options{LR: cfg.EmbedLR, WeightDecay: cfg.WeightDecay})
	if err != nil {
		return nil, err
	}
	or, err := optim.New(cfg.Optimizer, rest, o)
	if err != nil {
		return nil, err
	}
	return optim.NewGroup([]optim.Optimizer{or, oe}, []float64{1, cfg.EmbedLR / cfg.LR})
}

// trainParams returns the parameters training updates: the embedding
// (nil when frozen) and the rest. The embedding is a view of its first
// rows, up to the largest id in the training data: the rows after it
// belong to words known only from a vector file, which never receive a
// gradient, so leaving them out of the optimiser (and of gradient
// zeroing and clipping) changes nothing for optimisers whose update of a
// zero gradient with zero state is zero (all of them without weight
// decay), while a step no longer touches the whole vector vocabulary.
// With weight decay those rows keep their pretrained values instead of
// decaying.
func trainParams(m *Model, train *Data) (emb *nn.Param, rest []*nn.Param) {
	t := m.Trainable()
	if m.Config.Freeze {
		return nil, t
	}
	rows := padID + 1
	for _, s := range train.IDs {
		for _, id := range s {
			rows = max(rows, int(id)+1)
		}
	}
	rows = max(rows, int(m.Vocab.UnkID())+1) // word dropout writes <unk>
	w, E := m.Embedding.Weight, m.Config.Embed
	emb = &nn.Param{Name: w.Name, Shape: []int{rows, E}, Data: w.Data[:rows*E], Grad: w.Grad[:rows*E]}
	return emb, t[1:]
}

// options maps the configuration to the loop's options.
func (t *Trainer) options() (train.Options, error) {
	c := &t.Config
	if err := c.validate(); err != nil {
		return train.Options{}, err
	}
	o := c.Options()
	o.Better, o.ClipParams, o.Meta = train.HigherScore, t.task.params, modelMeta
	o.Data = []train.Fingerprint{fingerprint("train", t.task.train), fingerprint("dev", t.task.dev)}
	return o, nil
}

// fingerprint identifies a data set (nil: none) in the checkpoint.
func fingerprint(name string, d *Data) train.Fingerprint {
	if d == nil {
		return train.Fingerprint{Name: name}
	}
	return train.FingerprintSeqs(name, d.IDs, d.Labels)
}

// Resume reopens a training checkpoint written by a Trainer on the same
// train and dev data (checked by fingerprint) and returns a trainer that
// continues exactly where the saved one stopped. The caller may change
// the budget fields of Config (Epochs, MaxSteps, Patience, Clip,
// SaveEvery) before Run.
func Resume(dir string, trainData, dev *Data) (*Trainer, error) {
	return train.ResumeTask("classify", dir, load, func(m *Model, _ *checkpoint.Checkpoint, tc TrainConfig) (*Trainer, error) {
		return newTrainer(m, trainData, dev, tc, dir)
	})
}
