package seq2seq

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
)

// TrainConfig holds the training hyper-parameters. Zero values take the
// defaults noted.
type TrainConfig struct {
	// Epochs is the number of passes over the training pairs (default 10).
	Epochs int `json:"epochs"`
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
	// DevDecode bounds the dev pairs decoded for exact match after each
	// epoch (default 2000; negative: all).
	DevDecode int `json:"dev_decode"`
	// Patience stops training after this many epochs without a better dev
	// score (0: never stop early). The best epoch's parameters are kept
	// either way; see Trainer.Save.
	Patience int `json:"patience,omitempty"`
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Epochs == 0 {
		c.Epochs = 10
	}
	if c.Batch == 0 {
		c.Batch = 64
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	if c.LR == 0 {
		c.LR = 2e-3
		if c.Optimizer == "sgd" {
			c.LR = 0.5
		}
	}
	if c.LRDecay == 0 {
		c.LRDecay = 1
	}
	if c.Clip == 0 {
		c.Clip = 5
	}
	if c.DevDecode == 0 {
		c.DevDecode = 2000
	}
	return c
}

// Encoded is a data set of pairs as ids.
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

func (e Encoded) hash() uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, side := range [][][]int32{e.Src, e.Tgt} {
		for _, s := range side {
			for _, id := range s {
				binary.LittleEndian.PutUint32(b[:], uint32(id))
				h.Write(b[:])
			}
			h.Write([]byte{0xff, 0xff, 0xff, 0xff})
		}
	}
	return h.Sum64()
}

// Position is where training stands: Epoch epochs done plus Batch batches
// of the next one; Step counts updates.
type Position struct {
	Epoch int `json:"epoch"`
	Batch int `json:"batch"`
	Step  int `json:"step"`
}

// Progress is reported after every update.
type Progress struct {
	Position
	Batches int     // batches per epoch
	Loss    float64 // mean token loss over the epoch so far
	LR      float64
}

// EpochMetrics is what Run reports after each epoch.
type EpochMetrics struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	DevLoss   float64 `json:"dev_loss"`
	// DevTokenAccTF is the teacher-forced next-token accuracy on dev.
	DevTokenAccTF float64 `json:"dev_token_acc_teacher_forced"`
	// DevExact is greedy exact match on (up to DevDecode) dev pairs.
	DevExact float64 `json:"dev_exact_match"`
	Seconds  float64 `json:"seconds"`
	LR       float64 `json:"lr"`
	// Best marks the best epoch so far on dev: the highest exact match,
	// ties broken by the lower dev loss (every epoch without dev data).
	Best bool `json:"best"`
}

// better reports whether e beats the best epoch so far (nil: none).
func (e *EpochMetrics) better(best *EpochMetrics) bool {
	return best == nil || e.DevExact > best.DevExact || (e.DevExact == best.DevExact && e.DevLoss < best.DevLoss)
}

// Trainer fits a Model to encoded pairs with teacher forcing.
type Trainer struct {
	Model  *Model
	Config TrainConfig

	train, dev Encoded
	opt        optim.Optimizer
	pos        Position
	history    []EpochMetrics
	best       *EpochMetrics // best epoch on dev so far (nil: none)
	early      nn.EarlyStopping
}

// NewTrainer prepares training on train, validating on dev (which may be
// empty).
func NewTrainer(m *Model, train, dev Encoded, cfg TrainConfig) (*Trainer, error) {
	cfg = cfg.withDefaults()
	if len(train.Src) == 0 {
		return nil, fmt.Errorf("seq2seq: no training pairs")
	}
	switch {
	case cfg.Batch < 1:
		return nil, fmt.Errorf("seq2seq: batch %d must be positive", cfg.Batch)
	case cfg.Epochs < 0:
		return nil, fmt.Errorf("seq2seq: epochs %d must not be negative", cfg.Epochs)
	case !(cfg.LR > 0) || math.IsInf(cfg.LR, 0):
		return nil, fmt.Errorf("seq2seq: lr %v must be a positive number", cfg.LR)
	}
	switch cfg.Optimizer {
	case "adam", "adamw", "sgd":
	default:
		return nil, fmt.Errorf("seq2seq: unknown optimizer %q (want adam, adamw or sgd)", cfg.Optimizer)
	}
	o, err := optim.New(cfg.Optimizer, m.Params(), optim.Options{LR: cfg.LR})
	if err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	targets := make([]string, len(train.Tgt))
	for i, ids := range train.Tgt {
		targets[i] = JoinTokens(m.Config.Tokens, m.DecodeTarget(ids))
	}
	m.Config.TrainedDates = TargetDateRange(targets)
	return &Trainer{Model: m, Config: cfg, train: train, dev: dev, opt: o}, nil
}

// Position returns the training position.
func (t *Trainer) Position() Position { return t.pos }

// History returns the metrics of the epochs completed so far.
func (t *Trainer) History() []EpochMetrics { return t.history }

// Best returns the metrics of the best epoch on dev so far, or nil (before
// the first epoch, or without dev data).
func (t *Trainer) Best() *EpochMetrics { return t.best }

// Stopped reports whether training stopped early (Config.Patience).
func (t *Trainer) Stopped() bool { return t.early.Stopped }

// batches returns the epoch's batches of pair indices: the pairs are
// shuffled, grouped in pools of 32 batches sorted by source length (so a
// batch pads little), cut into batches, and the batches shuffled.
func (t *Trainer) batches(epoch int) [][]int {
	r := rand.New(rand.NewPCG(t.Config.Seed, uint64(epoch)+1))
	n, bs := len(t.train.Src), t.Config.Batch
	idx := r.Perm(n)
	pool := 32 * bs
	var out [][]int
	for lo := 0; lo < n; lo += pool {
		p := idx[lo:min(n, lo+pool)]
		sort.SliceStable(p, func(a, b int) bool { return len(t.train.Src[p[a]]) < len(t.train.Src[p[b]]) })
		for i := 0; i < len(p); i += bs {
			out = append(out, p[i:min(len(p), i+bs)])
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Run trains until Config.Epochs epochs are done or, with
// Config.Patience, dev stops improving, calling progress (if non-nil)
// after every update and epochEnd (if non-nil) after every epoch, where a
// caller may save a checkpoint. With dev data the best epoch's parameters
// (highest greedy exact match, then lowest dev loss) are tracked, and the
// model holds them when Run returns without error. It stops early with
// ctx's error, between batches, leaving Position at the next batch so that
// Save and Resume continue the same batch order exactly (the resumed
// epoch's reported train loss then covers only its remaining batches).
func (t *Trainer) Run(ctx context.Context, progress func(Progress), epochEnd func(EpochMetrics) error) error {
	m := t.Model
	ps := m.Params()
	for t.pos.Epoch < t.Config.Epochs && !t.early.Stopped {
		start := time.Now()
		bs := t.batches(t.pos.Epoch)
		var sum Stats
		var src, tgt [][]int32
		for t.pos.Batch < len(bs) {
			if err := ctx.Err(); err != nil {
				return err
			}
			b := bs[t.pos.Batch]
			src, tgt = src[:0], tgt[:0]
			for _, i := range b {
				src, tgt = append(src, t.train.Src[i]), append(tgt, t.train.Tgt[i])
			}
			nn.ZeroGrads(ps)
			st, err := m.Forward(src, tgt, true)
			if err != nil {
				return fmt.Errorf("seq2seq: epoch %d batch %d: %w", t.pos.Epoch+1, t.pos.Batch+1, err)
			}
			if t.Config.Clip > 0 {
				optim.ClipGradNorm(ps, t.Config.Clip)
			}
			if err := t.opt.Step(); err != nil {
				return fmt.Errorf("seq2seq: epoch %d batch %d: %w", t.pos.Epoch+1, t.pos.Batch+1, err)
			}
			sum.Add(st)
			t.pos.Batch++
			t.pos.Step++
			if progress != nil {
				progress(Progress{Position: t.pos, Batches: len(bs), Loss: sum.Loss / float64(max(1, sum.Tokens)), LR: t.opt.LR()})
			}
		}
		em := EpochMetrics{Epoch: t.pos.Epoch + 1, TrainLoss: sum.Loss / float64(max(1, sum.Tokens)), LR: t.opt.LR()}
		if len(t.dev.Src) > 0 {
			ev, err := m.Evaluate(ctx, t.dev, EvalOptions{Batch: 256, Limit: t.Config.DevDecode, TeacherForced: true})
			if err != nil {
				return err
			}
			em.DevLoss, em.DevTokenAccTF, em.DevExact = ev.Loss, ev.TokenAccTF, ev.ExactMatch
			em.Best = em.better(t.best)
			if em.Best {
				b := em
				t.best = &b
			}
			t.early.Observe(em.Best, t.Config.Patience, ps)
		} else {
			em.Best = true
		}
		em.Seconds = time.Since(start).Seconds()
		t.pos.Epoch++
		t.pos.Batch = 0
		t.opt.SetLR(t.opt.LR() * t.Config.LRDecay)
		t.history = append(t.history, em)
		if epochEnd != nil {
			if err := epochEnd(em); err != nil {
				return err
			}
		}
	}
	t.early.RestoreBest(ps)
	return nil
}

// EvalOptions configure Evaluate.
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
}

// Metrics are the results of Evaluate.
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

// Evaluate decodes the sources of data and scores them against the targets.
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
	for lo := 0; lo < n; lo += opt.Batch {
		if err := ctx.Err(); err != nil {
			return met, err
		}
		hi := min(n, lo+opt.Batch)
		if opt.TeacherForced {
			st, err := m.Forward(data.Src[lo:hi], data.Tgt[lo:hi], false)
			if err != nil {
				return met, err
			}
			tf.Add(st)
		}
		hs, err := m.Translate(data.Src[lo:hi], opt.DecodeOptions)
		if err != nil {
			return met, err
		}
		for i, h := range hs {
			ref := data.Tgt[lo+i]
			met.Hyps = append(met.Hyps, h.IDs)
			same := len(h.IDs) == len(ref)
			for j := 0; j < min(len(h.IDs), len(ref)); j++ {
				if h.IDs[j] == ref[j] {
					agree++
				} else {
					same = false
				}
			}
			if same {
				exact++
			}
			total += max(len(h.IDs), len(ref))
			hypToks = append(hypToks, m.DecodeTarget(h.IDs))
			refToks = append(refToks, m.DecodeTarget(ref))
		}
		if opt.Progress != nil {
			opt.Progress(hi)
		}
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
