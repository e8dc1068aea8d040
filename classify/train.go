package classify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// Data is a set of encoded examples: token ids and label ids.
type Data struct {
	IDs    [][]int32
	Labels []int
}

// Len returns the number of examples.
func (d *Data) Len() int { return len(d.IDs) }

// EncodeExamples tokenizes the examples with the model's tokenizer and
// vocabulary and maps their labels; an unknown label is an error naming the
// file (name) and line.
func (m *Model) EncodeExamples(ex []Example, name string) (*Data, error) {
	lm := NewLabelMap(m.Labels, FirstSeen)
	labels, err := lm.IDs(ex, name)
	if err != nil {
		return nil, err
	}
	d := &Data{IDs: make([][]int32, len(ex)), Labels: labels}
	for i, e := range ex {
		d.IDs[i] = m.Encode(e.Text)
	}
	return d, nil
}

// VocabOptions says how BuildVocab builds a classifier's vocabulary.
type VocabOptions struct {
	// MinCount drops training words seen fewer times (0 or 1 keeps all).
	MinCount int64
	// Vectors, when not nil, adds every word of the vector file after the
	// training words, so that words unseen in training but known to the
	// vectors keep their pretrained embedding at test time.
	Vectors *vectors.Vectors
}

// BuildVocab builds a vocabulary from the training texts: <pad> (id 0),
// <unk> (id 1), then the words by descending count, then (optionally) the
// remaining words of a vector file.
func BuildVocab(ex []Example, tok text.Tokenizer, opt VocabOptions) (*text.Vocab, error) {
	c := text.NewCounter()
	var buf []string
	for _, e := range ex {
		buf = tok.Append(buf[:0], e.Text)
		c.Add(buf)
	}
	v, err := text.BuildVocab(c, text.VocabOptions{Specials: []string{text.PAD, text.UNK}, MinCount: opt.MinCount})
	if err != nil {
		return nil, fmt.Errorf("classify: vocabulary: %w", err)
	}
	if opt.Vectors == nil {
		return v, nil
	}
	toks := v.Tokens()
	counts := v.Counts()
	for _, w := range opt.Vectors.Words {
		if _, ok := v.Lookup(w); !ok {
			toks = append(toks, w)
			counts = append(counts, 0)
		}
	}
	v, err = text.NewVocab(toks, counts, []string{text.PAD, text.UNK})
	if err != nil {
		return nil, fmt.Errorf("classify: vocabulary: %w", err)
	}
	return v, nil
}

// LoadVectors initialises the embedding from a vector file (see
// vectors.EmbeddingMatrix: exact, then lower-cased lookup; the other rows
// random with the vectors' spread; the padding row zero) and returns the
// number of vocabulary words found, specials excluded.
func (m *Model) LoadVectors(v *vectors.Vectors, seed uint64) int {
	words := m.Vocab.Tokens()
	data, found := vectors.EmbeddingMatrix(words, v, m.Config.Embed, rand.New(rand.NewPCG(seed, 0x766563)))
	copy(m.Embedding.Weight.Data, data)
	for _, s := range m.Vocab.Specials() {
		if id, ok := m.Vocab.Lookup(s); ok {
			row := m.Embedding.Weight.Data[int(id)*m.Config.Embed : (int(id)+1)*m.Config.Embed]
			if _, inV := indexOf(v.Words, s); inV {
				found--
			}
			if id == padID {
				clear(row)
			}
		}
	}
	return found
}

func indexOf(words []string, w string) (int, bool) {
	for i, x := range words {
		if x == w {
			return i, true
		}
	}
	return -1, false
}

// TrainConfig holds the training hyper-parameters (stored in config.json).
type TrainConfig struct {
	// Epochs is the maximal number of passes over the training data.
	Epochs int `json:"epochs"`
	// Batch is the number of examples per step; EvalBatch per evaluation
	// batch (0: 256).
	Batch     int `json:"batch_size"`
	EvalBatch int `json:"eval_batch_size,omitempty"`
	// Optimizer is "adam", "adamw", "sgd", "rmsprop" or "adagrad".
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// EmbedLR is the learning rate of a fine-tuned embedding (0: LR); the
	// embedding and the other parameters then form two optimiser groups
	// (optim.Group), as PyTorch's parameter groups would.
	EmbedLR float64 `json:"embed_lr,omitempty"`
	// WordDropout replaces each training token by <unk> with this
	// probability (a fresh draw every step), so that the model learns to
	// classify with words missing, as it must for unseen words at test
	// time.
	WordDropout float64 `json:"word_dropout,omitempty"`
	// Clip is the maximal global gradient L2 norm (0: none).
	Clip float64 `json:"clip"`
	// Patience stops training after this many epochs without a better dev
	// accuracy (0: never stop early). The best model on dev is kept.
	Patience int `json:"patience,omitempty"`
	// SaveEvery writes the checkpoint (when the trainer has a directory)
	// after every SaveEvery-th epoch only (0 or 1: every epoch); the last
	// epoch, early stopping and cancellation always save.
	SaveEvery int `json:"save_every,omitempty"`
	// Bucket groups examples of similar length into batches (less padding);
	// batches are shuffled either way.
	Bucket bool `json:"bucket,omitempty"`
	// Seed seeds the batch order and dropout masks.
	Seed uint64 `json:"seed"`
}

func (c *TrainConfig) validate() error {
	switch {
	case c.Epochs < 1 || c.Batch < 1:
		return fmt.Errorf("classify: train: epochs %d and batch_size %d must be positive", c.Epochs, c.Batch)
	case !(c.LR > 0):
		return fmt.Errorf("classify: train: learning rate %v must be positive", c.LR)
	case c.Clip < 0 || c.WeightDecay < 0 || c.Patience < 0 || c.EvalBatch < 0 || c.SaveEvery < 0 || c.EmbedLR < 0:
		return errors.New("classify: train: negative clip, weight_decay, patience, save_every, eval_batch_size or embed_lr")
	case !(c.WordDropout >= 0 && c.WordDropout < 1):
		return fmt.Errorf("classify: train: word_dropout %v outside [0, 1)", c.WordDropout)
	}
	return nil
}

// Position is where training stands: the epoch in progress, the next batch
// of that epoch and the optimizer steps so far.
type Position struct {
	Epoch int   `json:"epoch"`
	Batch int   `json:"batch"`
	Step  int64 `json:"step"`
}

// EvalResult is a model's loss and accuracy on a data set.
type EvalResult struct {
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
	N        int     `json:"n"`
	Epoch    int     `json:"epoch"` // the epoch after which it was measured (1-based)
}

// Progress is reported after every step ("step"), every dev evaluation
// ("dev") and every checkpoint ("checkpoint").
type Progress struct {
	Event    string
	Pos      Position
	Batches  int   // batches per epoch
	MaxSteps int64 // Epochs * Batches
	Loss     float64
	AvgLoss  float64 // mean over the epoch so far
	GradNorm float64
	Dev      *EvalResult
	Best     *EvalResult
	Elapsed  time.Duration
	Dir      string
}

// Result summarizes a Run.
type Result struct {
	Pos       Position
	TrainLoss float64     // mean loss of the last epoch
	Dev       *EvalResult // last dev evaluation
	Best      *EvalResult // best dev evaluation (its parameters are in the model after Run)
	Stopped   bool        // stopped early by Patience
	Elapsed   time.Duration
}

// Trainer trains a Model with mini-batches, evaluating on dev data after
// each epoch, keeping the best parameters and stopping early.
type Trainer struct {
	Model  *Model
	Config TrainConfig
	// Dir, if not empty, is the checkpoint directory written after each
	// epoch, on cancellation and at the end.
	Dir string

	opt        optim.Optimizer
	params     []*nn.Param // what the optimiser updates (see trainParams)
	wordPCG    *rand.PCG
	wordRand   *rand.Rand
	train, dev *Data
	pos        Position
	best       *EvalResult
	last       *EvalResult
	early      nn.EarlyStopping
	targets    []float32
	targetsI   []int32
	dLogits    []float32
	seqs       [][]int32
	pad        text.Padded
}

// NewTrainer prepares training of m on train, evaluating on dev (may be nil).
func NewTrainer(m *Model, train, dev *Data, cfg TrainConfig) (*Trainer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if train == nil || train.Len() == 0 {
		return nil, errors.New("classify: train: no training examples")
	}
	if cfg.EvalBatch == 0 {
		cfg.EvalBatch = 256
	}
	if cfg.WordDropout > 0 && m.Vocab.UnkID() < 0 {
		return nil, errors.New("classify: train: word dropout needs an <unk> token in the vocabulary")
	}
	emb, rest := trainParams(m, train)
	var opt optim.Optimizer
	params := rest
	if emb != nil {
		params = append([]*nn.Param{emb}, rest...)
	}
	if emb != nil && cfg.EmbedLR > 0 && cfg.EmbedLR != cfg.LR {
		oe, err := optim.New(cfg.Optimizer, []*nn.Param{emb}, optim.Options{LR: cfg.EmbedLR, WeightDecay: cfg.WeightDecay})
		if err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
		or, err := optim.New(cfg.Optimizer, rest, optim.Options{LR: cfg.LR, WeightDecay: cfg.WeightDecay})
		if err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
		if opt, err = optim.NewGroup([]optim.Optimizer{or, oe}, []float64{1, cfg.EmbedLR / cfg.LR}); err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
	} else {
		var err error
		if opt, err = optim.New(cfg.Optimizer, params, optim.Options{LR: cfg.LR, WeightDecay: cfg.WeightDecay}); err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
	}
	m.dropSeed = cfg.Seed
	pcg := rand.NewPCG(cfg.Seed, 0)
	return &Trainer{Model: m, Config: cfg, opt: opt, params: params, wordPCG: pcg, wordRand: rand.New(pcg), train: train, dev: dev}, nil
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

// dropWords replaces each valid token of the padded batch by <unk> with
// probability Config.WordDropout, drawn from a generator seeded by
// (seed, step).
func (t *Trainer) dropWords() {
	p := t.Config.WordDropout
	if p <= 0 {
		return
	}
	t.wordPCG.Seed(t.Config.Seed^0x776f7264, uint64(t.pos.Step))
	unk := t.Model.Vocab.UnkID()
	T, B := t.pad.T, t.pad.B
	for s := range T {
		for b := range B {
			if s < t.pad.Lengths[b] && t.wordRand.Float64() < p {
				t.pad.IDs[s*B+b] = unk
			}
		}
	}
}

func (t *Trainer) batches(epoch int) ([][]int, error) {
	lengths := make([]int, t.train.Len())
	for i, s := range t.train.IDs {
		lengths[i] = len(s)
	}
	return text.Batches(lengths, text.BatchOptions{Size: t.Config.Batch, Bucket: t.Config.Bucket, Shuffle: true, Seed: t.Config.Seed}, epoch)
}

// Pos returns the current position.
func (t *Trainer) Pos() Position { return t.pos }

// Best returns the best dev evaluation so far (nil without dev data).
func (t *Trainer) Best() *EvalResult { return t.best }

// padBatch pads the sequences of the given example indices.
func (t *Trainer) padBatch(d *Data, idx []int) error {
	t.seqs = t.seqs[:0]
	for _, i := range idx {
		t.seqs = append(t.seqs, d.IDs[i])
	}
	return text.PadInto(&t.pad, t.seqs, padID)
}

// loss computes the loss of logits [B, Outputs] against the labels of the
// examples idx, writing the gradient of the mean loss into t.dLogits when
// grad is set.
func (t *Trainer) loss(logits []float32, d *Data, idx []int, grad bool) (float64, error) {
	return batchLoss(t.Model, logits, d, idx, grad, &t.dLogits, &t.targets, &t.targetsI)
}

func batchLoss(m *Model, logits []float32, d *Data, idx []int, grad bool, dLogits *[]float32, tf *[]float32, ti *[]int32) (float64, error) {
	B := len(idx)
	var dl []float32
	if grad {
		*dLogits = grow(*dLogits, len(logits))
		dl = *dLogits
	}
	if m.Config.Binary {
		*tf = grow(*tf, B)
		for j, i := range idx {
			(*tf)[j] = float32(d.Labels[i])
		}
		l, _, err := nn.BCEWithLogits(dl, logits, B, 1, *tf, nn.LossOptions{})
		return l, err
	}
	*ti = grow(*ti, B)
	for j, i := range idx {
		(*ti)[j] = int32(d.Labels[i])
	}
	l, _, err := nn.SoftmaxCrossEntropy(dl, logits, B, m.Config.Classes, *ti, nn.LossOptions{})
	return l, err
}

// Run trains until the epochs are done, early stopping triggers or ctx is
// cancelled. Cancellation saves a checkpoint (when Dir is set) at the
// exact position reached and returns ctx's error; Resume continues from
// there. At the end the model holds the best parameters on dev (the last
// ones without dev data). progress may be nil.
func (t *Trainer) Run(ctx context.Context, progress func(Progress)) (Result, error) {
	report := func(p Progress) {
		if progress != nil {
			progress(p)
		}
	}
	start := time.Now()
	m := t.Model
	var res Result
	first, err := t.batches(0)
	if err != nil {
		return res, fmt.Errorf("classify: %w", err)
	}
	nb := len(first)
	maxSteps := int64(t.Config.Epochs) * int64(nb)
	var epochLoss float64
	var epochN int
	for t.pos.Epoch < t.Config.Epochs && !t.early.Stopped {
		batches, err := t.batches(t.pos.Epoch)
		if err != nil {
			return res, fmt.Errorf("classify: %w", err)
		}
		m.SetTraining(true)
		for t.pos.Batch < nb {
			if err := ctx.Err(); err != nil {
				if t.Dir != "" {
					if serr := t.Save(t.Dir); serr != nil {
						return res, errors.Join(err, serr)
					}
				}
				res.Pos, res.Elapsed = t.pos, time.Since(start)
				return res, err
			}
			idx := batches[t.pos.Batch]
			if err := t.padBatch(t.train, idx); err != nil {
				return res, fmt.Errorf("classify: %w", err)
			}
			t.dropWords()
			m.reseed(uint64(t.pos.Step))
			nn.ZeroGrads(t.params)
			logits, err := m.Forward(t.pad.IDs, t.pad.T, t.pad.B, t.pad.Lengths)
			if err != nil {
				return res, err
			}
			l, err := t.loss(logits, t.train, idx, true)
			if err != nil {
				return res, fmt.Errorf("classify: %w", err)
			}
			if err := nn.CheckLoss(l); err != nil {
				return res, fmt.Errorf("classify: step %d: %w", t.pos.Step, err)
			}
			if err := m.Backward(t.dLogits); err != nil {
				return res, err
			}
			var norm float64
			if t.Config.Clip > 0 {
				norm = optim.ClipGradNorm(t.params, t.Config.Clip)
			} else {
				norm = optim.GradNorm(t.params)
			}
			if err := t.opt.Step(); err != nil {
				return res, fmt.Errorf("classify: %w", err)
			}
			t.pos.Batch++
			t.pos.Step++
			epochLoss += l
			epochN++
			report(Progress{Event: "step", Pos: t.pos, Batches: nb, MaxSteps: maxSteps, Loss: l,
				AvgLoss: epochLoss / float64(epochN), GradNorm: norm, Elapsed: time.Since(start)})
		}
		res.TrainLoss = epochLoss / float64(max(epochN, 1))
		epochLoss, epochN = 0, 0
		t.pos.Epoch++
		t.pos.Batch = 0
		if t.dev != nil && t.dev.Len() > 0 {
			ev, err := m.Evaluate(ctx, t.dev, t.Config.EvalBatch)
			if err != nil {
				return res, err
			}
			ev.Epoch = t.pos.Epoch
			t.last = &ev
			improved := t.best == nil || ev.Accuracy > t.best.Accuracy
			if improved {
				b := ev
				t.best = &b
			}
			t.early.Observe(improved, t.Config.Patience, m.params)
			report(Progress{Event: "dev", Pos: t.pos, Batches: nb, MaxSteps: maxSteps, Dev: t.last, Best: t.best, Elapsed: time.Since(start)})
		}
		if t.Dir != "" && checkpoint.EpochDue(t.pos.Epoch, t.Config.Epochs, t.Config.SaveEvery, t.early.Stopped) {
			if err := t.Save(t.Dir); err != nil {
				return res, err
			}
			report(Progress{Event: "checkpoint", Pos: t.pos, Batches: nb, MaxSteps: maxSteps, Dir: t.Dir, Elapsed: time.Since(start)})
		}
	}
	t.early.RestoreBest(m.params)
	m.SetTraining(false)
	res.Pos, res.Dev, res.Best, res.Stopped, res.Elapsed = t.pos, t.last, t.best, t.early.Stopped, time.Since(start)
	return res, nil
}

// Evaluate computes the mean loss and the accuracy of the model on d, in
// evaluation mode (the previous mode is restored).
func (m *Model) Evaluate(ctx context.Context, d *Data, batch int) (EvalResult, error) {
	pred, _, loss, err := m.predict(ctx, d, batch, true)
	if err != nil {
		return EvalResult{}, err
	}
	correct := 0
	for i, p := range pred {
		if p == d.Labels[i] {
			correct++
		}
	}
	return EvalResult{Loss: loss, Accuracy: float64(correct) / float64(max(d.Len(), 1)), N: d.Len()}, nil
}

// Predict returns the predicted label id and the class probabilities
// [N][Classes] of every sequence of ids, in evaluation mode.
func (m *Model) Predict(ctx context.Context, ids [][]int32, batch int) ([]int, [][]float32, error) {
	pred, probs, _, err := m.predict(ctx, &Data{IDs: ids}, batch, false)
	return pred, probs, err
}

func (m *Model) predict(ctx context.Context, d *Data, batch int, withLoss bool) ([]int, [][]float32, float64, error) {
	if batch < 1 {
		batch = 256
	}
	was := m.training
	m.SetTraining(false)
	defer m.SetTraining(was)
	n := d.Len()
	// Sorting by length keeps padding small; results go back in order.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(d.IDs[order[a]]) < len(d.IDs[order[b]]) })
	pred := make([]int, n)
	var probs [][]float32
	if !withLoss {
		probs = make([][]float32, n)
	}
	var (
		pad       text.Padded
		seqs      [][]int32
		tf        []float32
		ti        []int32
		total     float64
		dummy     []float32
		lossCount int
	)
	for s := 0; s < n; s += batch {
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
		idx := order[s:min(s+batch, n)]
		seqs = seqs[:0]
		for _, i := range idx {
			if len(d.IDs[i]) == 0 {
				return nil, nil, 0, fmt.Errorf("classify: example %d has no tokens", i)
			}
			seqs = append(seqs, d.IDs[i])
		}
		if err := text.PadInto(&pad, seqs, padID); err != nil {
			return nil, nil, 0, fmt.Errorf("classify: %w", err)
		}
		logits, err := m.Forward(pad.IDs, pad.T, pad.B, pad.Lengths)
		if err != nil {
			return nil, nil, 0, err
		}
		if withLoss {
			l, err := batchLoss(m, logits, d, idx, false, &dummy, &tf, &ti)
			if err != nil {
				return nil, nil, 0, fmt.Errorf("classify: %w", err)
			}
			total += l * float64(len(idx))
			lossCount += len(idx)
		}
		K := m.Config.Classes
		p := m.Probabilities(logits, len(idx))
		for j, i := range idx {
			row := p[j*K : (j+1)*K]
			best := 0
			for k, v := range row {
				if v > row[best] {
					best = k
				}
			}
			pred[i] = best
			if probs != nil {
				probs[i] = append([]float32(nil), row...)
			}
		}
	}
	if lossCount > 0 {
		total /= float64(lossCount)
	}
	return pred, probs, total, nil
}
