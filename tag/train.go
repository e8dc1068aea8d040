package tag

import (
	"context"
	"errors"
	"fmt"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// TrainConfig holds the training hyper-parameters (stored in config.json):
// the settings every task shares (train.Config; Patience counts epochs
// without a strictly better dev F1) and the tagger's schedule.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type TrainConfig struct {
	train.Config
	// Decay sets the learning rate to LR/(1+Decay*epoch) in every epoch
	// (0-based; Lample et al.'s schedule: optim.InverseTimeDecay by epoch;
	// 0: constant).
	Decay float64 `json:"decay,omitempty"`
}

func (c *TrainConfig) validate() error {
	if err := c.Config.Validate("tag: train"); err != nil {
		return err
	}
	if !(c.Decay >= 0) {
		return fmt.Errorf("tag: train: decay %v must not be negative", c.Decay)
	}
	return nil
}

// MetricsOf returns the Metrics of an evaluation made by a Trainer (nil
// for nil): its precision, recall and F1 (the per-type figures are not
// kept; the figures are percentages).
func MetricsOf(e *train.Eval) *Metrics {
	if e == nil {
		return nil
	}
	return &Metrics{Score: Score{Precision: e.Metrics["precision"], Recall: e.Metrics["recall"], F1: e.Score},
		Accuracy: e.Metrics["accuracy"], Tokens: int(e.Metrics["tokens"])}
}

// Result summarizes a Run: the loop's result (its Best and Last are
// evaluations; MetricsOf gives their Metrics) and Valid, the last dev
// Metrics (nil without dev data).
type Result = train.TaskResult[Metrics]

// Trainer trains a tagger with mini-batches of sentences on the
// train.Loop, scoring dev F1 (conlleval) after each epoch and keeping the
// model with the best (strictly better only).
//
// Not safe for concurrent use.
type Trainer struct {
	train.TaskTrainer[Model, TrainConfig, Metrics]

	task *task
}

// task is the tagger's train.Task.
type task struct {
	m       *Model
	cfg     *TrainConfig
	train   *Data
	dev     []Sentence // as read, kept -DOCSTART- rows included
	devRows taggedRows // dev split for tagging
	devData *Data      // devRows.keep encoded
	batches [][]int
	data    []train.Fingerprint // fingerprints of train and dev (train.Options.Data)

	words   [][]int32
	chars   [][][]int32
	pad     text.Padded
	targets []int32
	valid   []bool
	dScores []float32
}

func (t *task) Params() []*nn.Param { return t.m.params }

// SetTraining switches the model's mode (train.Runner sets evaluation
// mode after a run).
func (t *task) SetTraining(on bool) { t.m.SetTraining(on) }

func (t *task) Epoch(e int) (int, error) {
	var err error
	t.batches, err = text.SeqBatches(t.train.Words, text.BatchOptions{Size: t.cfg.Batch, Bucket: true, Shuffle: true, Seed: t.cfg.Seed}, e)
	return len(t.batches), err
}

// Step trains on one batch and returns its mean loss per token.
func (t *task) Step(pos train.Position) (train.StepResult, error) {
	m, d, idx := t.m, t.train, t.batches[pos.Batch]
	m.SetTraining(true)
	t.words, t.chars = t.words[:0], t.chars[:0]
	for _, i := range idx {
		t.words = append(t.words, d.Words[i])
		t.chars = append(t.chars, d.Chars[i])
	}
	if err := text.PadInto(&t.pad, t.words, padID); err != nil {
		return train.StepResult{}, err
	}
	m.drop.Reseed(uint64(pos.Step))
	scores, err := m.Forward(t.pad.IDs, t.chars, t.pad.T, t.pad.B, t.pad.Lengths)
	if err != nil {
		return train.StepResult{}, err
	}
	l, n, err := batchLoss(m, scores, d, idx, &t.targets, &t.valid, &t.dScores)
	if err != nil {
		return train.StepResult{}, err
	}
	return train.StepResult{Loss: l, Items: n}, m.Backward(t.dScores)
}

// batchLoss returns the mean cross-entropy per tagged token of scores
// [T*B, tags], the model's scores of the sentences idx of d (batch column
// b is sentence idx[b]; the T rows past a sentence's end are padding), and
// the number of tagged tokens. It fills *targets and *valid [T*B] and,
// unless dScores is nil, *dScores with the loss gradient (each resized).
func batchLoss(m *Model, scores []float32, d *Data, idx []int, targets *[]int32, valid *[]bool, dScores *[]float32) (float64, int, error) {
	K := len(m.Config.Tags)
	TB, B := len(scores)/K, len(idx)
	*targets = xslices.Resize(*targets, TB)
	*valid = xslices.Resize(*valid, TB)
	n := 0
	for tt := range TB / B {
		for b, i := range idx {
			ok := tt < len(d.Tags[i])
			(*valid)[tt*B+b] = ok
			(*targets)[tt*B+b] = 0
			if ok {
				(*targets)[tt*B+b] = d.Tags[i][tt]
				n++
			}
		}
	}
	var ds []float32
	if dScores != nil {
		*dScores = xslices.Resize(*dScores, len(scores))
		ds = *dScores
	}
	l, _, err := nn.SoftmaxCrossEntropy(ds, scores, TB, K, *targets, nn.LossOptions{Valid: *valid})
	return l, n, err
}

func (t *task) Evaluate(ctx context.Context) (*train.Eval, error) {
	if t.devData == nil {
		return nil, nil
	}
	pred, err := t.m.Predict(ctx, t.devData, t.cfg.EvalBatch)
	if err != nil {
		return nil, err
	}
	r, err := t.m.scoreSentences(t.dev, t.devRows.merge(pred))
	if err != nil {
		return nil, err
	}
	return &train.Eval{Score: r.F1, Metrics: map[string]float64{"f1": r.F1, "precision": r.Precision, "recall": r.Recall,
		"accuracy": r.Accuracy, "tokens": float64(r.Tokens)}}, nil
}

func (t *task) Files() ([]checkpoint.File, error) {
	cfg := *t.cfg
	return t.m.files(&cfg), nil
}

// NewTrainer prepares training of m on train, scoring on the dev sentences
// (may be nil) as conlleval scores them: -DOCSTART- rows kept by
// ReadOptions.KeepDocStart count as tokens (tagged as TagSentences tags
// them), and the sentences between them as sentences.
func NewTrainer(m *Model, train *Data, dev []Sentence, cfg TrainConfig) (*Trainer, error) {
	return newTrainer(m, train, dev, cfg, "")
}

// newTrainer builds a trainer and starts its loop: fresh with resume "",
// else from the checkpoint in the directory resume.
func newTrainer(m *Model, trainData *Data, dev []Sentence, cfg TrainConfig, resume string) (*Trainer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if trainData == nil || trainData.Len() == 0 || trainData.Tags == nil {
		return nil, errors.New("tag: train: no labelled training sentences")
	}
	if cfg.EvalBatch == 0 {
		cfg.EvalBatch = 128
	}
	opt, err := optim.New(cfg.Optimizer, m.Trainable(), cfg.OptimOptions())
	if err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	t := &Trainer{TaskTrainer: train.NewTaskTrainer(m, cfg, MetricsOf)}
	t.task = &task{m: m, cfg: &t.Config, train: trainData, dev: dev}
	if t.task.devRows = splitRows(dev); len(t.task.devRows.keep) > 0 {
		if t.task.devData, err = m.EncodeSentences(t.task.devRows.keep, "dev", false); err != nil {
			return nil, err
		}
	}
	t.task.data = t.task.fingerprints()
	m.drop.Seed = cfg.Seed
	if err := t.Start(t.task, opt, t.options, resume); err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	return t, nil
}

// options maps the configuration to the loop's options.
func (t *Trainer) options() (train.Options, error) {
	c := &t.Config
	if err := c.validate(); err != nil {
		return train.Options{}, err
	}
	o := c.Options()
	o.Better, o.ClipParams, o.Meta, o.Data = train.HigherScore, t.Model.Trainable(), modelMeta, t.task.data
	o.Schedule, o.ScheduleByEpoch = optim.InverseTimeDecay(c.LR, c.Decay), true
	return o, nil
}

// fingerprints fingerprints what the model reads of the training and dev
// sentences: the word ids, the tag ids and, with a character encoder, the
// character ids of every token (two tokens with one word id, such as
// "Paris" and "paris" when words are looked up lower-cased, or two unknown
// words, differ only there). The character fingerprints are optional:
// checkpoints written before they were taken resume without that check.
func (t *task) fingerprints() []train.Fingerprint {
	data := []train.Fingerprint{train.FingerprintSeqs("train", t.train.Words, nil), train.FingerprintSeqs("train_tags", t.train.Tags, nil)}
	chars := t.m.Chars != nil
	if chars {
		data = append(data, charsFingerprint("train_chars", t.train))
	}
	if t.devData != nil {
		data = append(data, train.FingerprintSeqs("dev", t.devData.Words, nil), train.FingerprintSeqs("dev_tags", tagIDs(t.devRows.keep), nil))
		if chars {
			data = append(data, charsFingerprint("dev_chars", t.devData))
		}
	}
	return data
}

// charsFingerprint fingerprints the character ids of d (an optional
// train.Fingerprint of one sequence per sentence: its tokens' character
// ids, a -2 between tokens).
func charsFingerprint(name string, d *Data) train.Fingerprint {
	seqs := make([][]int32, len(d.Chars))
	for i, toks := range d.Chars {
		var s []int32
		for j, c := range toks {
			if j > 0 {
				s = append(s, -2)
			}
			s = append(s, c...)
		}
		seqs[i] = s
	}
	f := train.FingerprintSeqs(name, seqs, nil)
	f.Optional = true
	return f
}

// tagIDs numbers the tags of sents in order of first appearance, for a
// fingerprint of the dev tags as written (any scheme, unknown tags too).
func tagIDs(sents []Sentence) [][]int32 {
	ids := map[string]int32{}
	out := make([][]int32, len(sents))
	for i, s := range sents {
		out[i] = make([]int32, len(s.Tags))
		for j, tg := range s.Tags {
			id, ok := ids[tg]
			if !ok {
				id = int32(len(ids))
				ids[tg] = id
			}
			out[i][j] = id
		}
	}
	return out
}

// Resume reopens a training checkpoint written by a Trainer on the same
// training data and dev sentences (checked by fingerprint: their word,
// tag and character ids; a checkpoint written before the character
// fingerprints were taken is not checked on characters) and returns a
// trainer that continues exactly where the saved one stopped. The caller
// may change the budget fields of Config (Epochs, MaxSteps, Patience,
// Clip, SaveEvery) before Run.
func Resume(dir string, trainData *Data, dev []Sentence) (*Trainer, error) {
	return train.ResumeTask("tag", dir, load, func(m *Model, _ *checkpoint.Checkpoint, tc TrainConfig) (*Trainer, error) {
		return newTrainer(m, trainData, dev, tc, dir)
	})
}
