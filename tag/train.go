package tag

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// Data is a set of encoded sentences.
type Data struct {
	// Words[i] holds the word ids of sentence i, Chars[i][j] the character
	// ids of its token j, Tags[i] its tag ids (in the training scheme; nil
	// for unlabelled data).
	Words [][]int32
	Chars [][][]int32
	Tags  [][]int32
}

// Len returns the number of sentences.
func (d *Data) Len() int { return len(d.Words) }

// VocabOptions says how BuildVocabs builds a tagger's vocabularies.
type VocabOptions struct {
	// MinCount drops training words seen fewer times (0 or 1 keeps all).
	MinCount int64
	// Vectors, when not nil, adds every word of the vector file (as
	// normalised by Config.WordKey) after the training words.
	Vectors *vectors.Vectors
	// Extra lists more sentences (e.g. dev and test) whose words are added
	// when found in Vectors, so they keep their pretrained embedding.
	Extra []Sentence
}

// BuildVocabs builds the word vocabulary (<pad>, <unk>, training words by
// count, then the words of the vector file) and the character vocabulary
// (<pad>, <unk>, training characters) of sents, normalising words with
// cfg.WordKey.
func BuildVocabs(sents []Sentence, cfg *Config, opt VocabOptions) (words, chars *text.Vocab, err error) {
	wc, cc := text.NewCounter(), text.NewCounter()
	for _, s := range sents {
		for _, w := range s.Tokens {
			wc.AddN(cfg.WordKey(w), 1)
			for _, r := range w {
				cc.AddN(string(r), 1)
			}
		}
	}
	specials := []string{text.PAD, text.UNK}
	if words, err = text.BuildVocab(wc, text.VocabOptions{Specials: specials, MinCount: opt.MinCount}); err != nil {
		return nil, nil, fmt.Errorf("tag: word vocabulary: %w", err)
	}
	if chars, err = text.BuildVocab(cc, text.VocabOptions{Specials: specials}); err != nil {
		return nil, nil, fmt.Errorf("tag: character vocabulary: %w", err)
	}
	if opt.Vectors == nil {
		return words, chars, nil
	}
	toks, counts := words.Tokens(), words.Counts()
	seen := make(map[string]bool, len(toks))
	for _, t := range toks {
		seen[t] = true
	}
	for _, w := range opt.Vectors.Words {
		if k := cfg.WordKey(w); !seen[k] {
			seen[k] = true
			toks = append(toks, k)
			counts = append(counts, 0)
		}
	}
	if words, err = text.NewVocab(toks, counts, specials); err != nil {
		return nil, nil, fmt.Errorf("tag: word vocabulary: %w", err)
	}
	return words, chars, nil
}

// LoadVectors initialises the word embedding from a vector file (see
// vectors.EmbeddingMatrix) and returns the number of vocabulary words
// found. Rows not found keep their random initialisation; the padding row
// stays zero.
func (m *Model) LoadVectors(v *vectors.Vectors, seed uint64) int {
	words := m.Vocab.Tokens()
	data, found := vectors.EmbeddingMatrix(words, v, m.Config.WordEmbed, rand.New(rand.NewPCG(seed, 0x766563)))
	E := m.Config.WordEmbed
	idx := make(map[string]bool, len(v.Words))
	for _, w := range v.Words {
		idx[w] = true
	}
	found = 0
	for i, w := range words {
		if i == padID {
			continue
		}
		if idx[w] {
			copy(m.WordEmb.Weight.Data[i*E:(i+1)*E], data[i*E:(i+1)*E])
			found++
		}
	}
	return found
}

// EncodeSentences encodes sentences for the model. With labelled set, tags
// are converted to the training scheme and mapped to ids; a tag the model
// does not know is an error naming the file (name) and line.
func (m *Model) EncodeSentences(sents []Sentence, name string, labelled bool) (*Data, error) {
	d := &Data{Words: make([][]int32, len(sents)), Chars: make([][][]int32, len(sents))}
	if labelled {
		d.Tags = make([][]int32, len(sents))
	}
	tagID := make(map[string]int32, len(m.Config.Tags))
	for i, t := range m.Config.Tags {
		tagID[t] = int32(i)
	}
	train, _ := ParseScheme(m.Config.TrainScheme)
	for i, s := range sents {
		if len(s.Tokens) == 0 {
			return nil, fmt.Errorf("tag: %s:%d: empty sentence", name, s.Line)
		}
		w := make([]int32, len(s.Tokens))
		c := make([][]int32, len(s.Tokens))
		for j, tok := range s.Tokens {
			w[j] = m.EncodeWord(tok)
			c[j] = m.EncodeChars(tok)
		}
		d.Words[i], d.Chars[i] = w, c
		if !labelled {
			continue
		}
		tags := Convert(s.Tags, train)
		ids := make([]int32, len(tags))
		for j, t := range tags {
			id, ok := tagID[t]
			if !ok {
				return nil, fmt.Errorf("tag: %s:%d: tag %q (as %s: %q) is not among the model's tags", name, s.Line+j, s.Tags[j], train, t)
			}
			ids[j] = id
		}
		d.Tags[i] = ids
	}
	return d, nil
}

// TagSet returns the tags of sents converted to scheme s, "O" first, then
// sorted by type and prefix.
func TagSet(sents []Sentence, s Scheme) []string {
	set := map[string]bool{"O": true}
	for _, st := range sents {
		for _, t := range Convert(st.Tags, s) {
			set[t] = true
		}
	}
	tags := make([]string, 0, len(set))
	for t := range set {
		if t != "O" {
			tags = append(tags, t)
		}
	}
	sort.Slice(tags, func(i, j int) bool {
		pi, ti := Split(tags[i])
		pj, tj := Split(tags[j])
		if ti != tj {
			return ti < tj
		}
		return pi < pj
	})
	return append([]string{"O"}, tags...)
}

// TrainConfig holds the training hyper-parameters (stored in config.json).
type TrainConfig struct {
	Epochs      int     `json:"epochs"`
	Batch       int     `json:"batch_size"`
	EvalBatch   int     `json:"eval_batch_size,omitempty"`
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// Clip is the maximal global gradient L2 norm (0: none).
	Clip float64 `json:"clip"`
	// Patience stops after this many epochs without a better dev F1
	// (0: never).
	Patience int `json:"patience,omitempty"`
	// Decay multiplies the learning rate by 1/(1+Decay*epoch) at the start
	// of every epoch (Lample et al.'s schedule style; 0: constant).
	Decay float64 `json:"decay,omitempty"`
	// SaveEvery writes the checkpoint (when the trainer has a directory)
	// after every SaveEvery-th epoch only (0 or 1: every epoch); the last
	// epoch, early stopping and cancellation always save.
	SaveEvery int    `json:"save_every,omitempty"`
	Seed      uint64 `json:"seed"`
}

func (c *TrainConfig) validate() error {
	switch {
	case c.Epochs < 1 || c.Batch < 1:
		return fmt.Errorf("tag: train: epochs %d and batch_size %d must be positive", c.Epochs, c.Batch)
	case !(c.LR > 0):
		return fmt.Errorf("tag: train: learning rate %v must be positive", c.LR)
	case c.Clip < 0 || c.WeightDecay < 0 || c.Patience < 0 || c.EvalBatch < 0 || c.Decay < 0 || c.SaveEvery < 0:
		return errors.New("tag: train: negative clip, weight_decay, patience, decay, save_every or eval_batch_size")
	}
	return nil
}

// Position is where training stands.
type Position struct {
	Epoch int   `json:"epoch"`
	Batch int   `json:"batch"`
	Step  int64 `json:"step"`
}

// DevResult is a dev evaluation after an epoch (1-based).
type DevResult struct {
	Result
	Epoch int `json:"epoch"`
}

// Progress is reported after every step ("step"), dev evaluation ("dev")
// and checkpoint ("checkpoint").
type Progress struct {
	Event    string
	Pos      Position
	Batches  int
	MaxSteps int64
	Loss     float64
	AvgLoss  float64
	GradNorm float64
	Dev      *DevResult
	Best     *DevResult
	Elapsed  time.Duration
	Dir      string
}

// TrainResult summarizes a Run.
type TrainResult struct {
	Pos       Position
	TrainLoss float64
	Dev       *DevResult
	Best      *DevResult
	Stopped   bool
	Elapsed   time.Duration
}

// Trainer trains a tagger with mini-batches of sentences, scoring dev F1
// (conlleval) after each epoch and keeping the best parameters.
type Trainer struct {
	Model  *Model
	Config TrainConfig
	// Dir, if not empty, is the checkpoint directory written after each
	// epoch, on cancellation and at the end.
	Dir string

	opt        optim.Optimizer
	train      *Data
	dev        []Sentence
	devData    *Data
	pos        Position
	best, last *DevResult
	early      nn.EarlyStopping

	words   [][]int32
	chars   [][][]int32
	pad     text.Padded
	targets []int32
	valid   []bool
	dScores []float32
}

// NewTrainer prepares training of m on train, scoring on the dev sentences
// (may be nil).
func NewTrainer(m *Model, train *Data, dev []Sentence, cfg TrainConfig) (*Trainer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if train == nil || train.Len() == 0 || train.Tags == nil {
		return nil, errors.New("tag: train: no labelled training sentences")
	}
	if cfg.EvalBatch == 0 {
		cfg.EvalBatch = 128
	}
	opt, err := optim.New(cfg.Optimizer, m.Trainable(), optim.Options{LR: cfg.LR, WeightDecay: cfg.WeightDecay})
	if err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	t := &Trainer{Model: m, Config: cfg, opt: opt, train: train, dev: dev}
	if len(dev) > 0 {
		if t.devData, err = m.EncodeSentences(dev, "dev", false); err != nil {
			return nil, err
		}
	}
	m.dropSeed = cfg.Seed
	return t, nil
}

// Pos returns the current position.
func (t *Trainer) Pos() Position { return t.pos }

func (t *Trainer) batches(epoch int) ([][]int, error) {
	lengths := make([]int, t.train.Len())
	for i, s := range t.train.Words {
		lengths[i] = len(s)
	}
	return text.Batches(lengths, text.BatchOptions{Size: t.Config.Batch, Bucket: true, Shuffle: true, Seed: t.Config.Seed}, epoch)
}

// step trains on one batch and returns its mean loss per token.
func (t *Trainer) step(idx []int) (float64, error) {
	m, d := t.Model, t.train
	t.words, t.chars = t.words[:0], t.chars[:0]
	for _, i := range idx {
		t.words = append(t.words, d.Words[i])
		t.chars = append(t.chars, d.Chars[i])
	}
	if err := text.PadInto(&t.pad, t.words, padID); err != nil {
		return 0, fmt.Errorf("tag: %w", err)
	}
	T, B := t.pad.T, t.pad.B
	t.targets = grow(t.targets, T*B)
	t.valid = grow(t.valid, T*B)
	for tt := range T {
		for b, i := range idx {
			ok := tt < len(d.Tags[i])
			t.valid[tt*B+b] = ok
			t.targets[tt*B+b] = 0
			if ok {
				t.targets[tt*B+b] = d.Tags[i][tt]
			}
		}
	}
	m.reseed(uint64(t.pos.Step))
	nn.ZeroGrads(m.params)
	scores, err := m.Forward(t.pad.IDs, t.chars, T, B, t.pad.Lengths)
	if err != nil {
		return 0, err
	}
	t.dScores = grow(t.dScores, len(scores))
	l, _, err := nn.SoftmaxCrossEntropy(t.dScores, scores, T*B, len(m.Config.Tags), t.targets, nn.LossOptions{Valid: t.valid})
	if err != nil {
		return 0, fmt.Errorf("tag: %w", err)
	}
	if err := nn.CheckLoss(l); err != nil {
		return 0, fmt.Errorf("tag: step %d: %w", t.pos.Step, err)
	}
	return l, m.Backward(t.dScores)
}

// Run trains until the epochs are done, early stopping triggers or ctx is
// cancelled (then a checkpoint is saved when Dir is set and ctx's error
// returned; Resume continues exactly). At the end the model holds the best
// parameters on dev (the last ones without dev data).
func (t *Trainer) Run(ctx context.Context, progress func(Progress)) (TrainResult, error) {
	report := func(p Progress) {
		if progress != nil {
			progress(p)
		}
	}
	start := time.Now()
	m := t.Model
	var res TrainResult
	first, err := t.batches(0)
	if err != nil {
		return res, fmt.Errorf("tag: %w", err)
	}
	nb := len(first)
	maxSteps := int64(t.Config.Epochs) * int64(nb)
	var epochLoss float64
	var epochN int
	for t.pos.Epoch < t.Config.Epochs && !t.early.Stopped {
		batches, err := t.batches(t.pos.Epoch)
		if err != nil {
			return res, fmt.Errorf("tag: %w", err)
		}
		t.opt.SetLR(t.Config.LR / (1 + t.Config.Decay*float64(t.pos.Epoch)))
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
			l, err := t.step(batches[t.pos.Batch])
			if err != nil {
				return res, err
			}
			var norm float64
			if t.Config.Clip > 0 {
				norm = optim.ClipGradNorm(m.Trainable(), t.Config.Clip)
			} else {
				norm = optim.GradNorm(m.Trainable())
			}
			if err := t.opt.Step(); err != nil {
				return res, fmt.Errorf("tag: %w", err)
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
		if t.devData != nil {
			r, err := m.score(ctx, t.dev, t.devData, t.Config.EvalBatch)
			if err != nil {
				return res, err
			}
			ev := &DevResult{Result: r, Epoch: t.pos.Epoch}
			t.last = ev
			improved := t.best == nil || ev.F1 > t.best.F1
			if improved {
				t.best = ev
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

// Predict tags encoded sentences and returns, for each, the tags in the
// scheme of the training data (Config.Scheme). Decoding picks the best
// tag sequence that is valid in the training scheme (Viterbi over the
// per-token log-probabilities with forbidden transitions removed).
func (m *Model) Predict(ctx context.Context, d *Data, batch int) ([][]string, error) {
	if batch < 1 {
		batch = 128
	}
	was := m.training
	m.SetTraining(false)
	defer m.SetTraining(was)
	n := d.Len()
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(d.Words[order[a]]) < len(d.Words[order[b]]) })
	out := make([][]string, n)
	K := len(m.Config.Tags)
	trainScheme, _ := ParseScheme(m.Config.TrainScheme)
	scheme, _ := ParseScheme(m.Config.Scheme)
	allowed, start := transitions(m.Config.Tags, trainScheme)
	var (
		pad   text.Padded
		words [][]int32
		chars [][][]int32
		lp    []float32
	)
	for s := 0; s < n; s += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		idx := order[s:min(s+batch, n)]
		words, chars = words[:0], chars[:0]
		for _, i := range idx {
			words = append(words, d.Words[i])
			chars = append(chars, d.Chars[i])
		}
		if err := text.PadInto(&pad, words, padID); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
		scores, err := m.Forward(pad.IDs, chars, pad.T, pad.B, pad.Lengths)
		if err != nil {
			return nil, err
		}
		B := pad.B
		for b, i := range idx {
			L := pad.Lengths[b]
			lp = grow(lp, L*K)
			for t := range L {
				logSoftmax(lp[t*K:(t+1)*K], scores[(t*B+b)*K:(t*B+b+1)*K])
			}
			path := viterbi(lp, L, K, allowed, start)
			tags := make([]string, L)
			for t, k := range path {
				tags[t] = m.Config.Tags[k]
			}
			out[i] = Convert(tags, scheme)
		}
	}
	return out, nil
}

func logSoftmax(dst, x []float32) {
	mx := x[0]
	for _, v := range x {
		mx = max(mx, v)
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v - mx))
	}
	ls := float32(math.Log(s)) + mx
	for i, v := range x {
		dst[i] = v - ls
	}
}

// transitions returns which tag may follow which ([from*K+to]) and which
// may start a sentence in scheme s. IOB1 allows everything (I- may start a
// chunk); the end of a sentence is not constrained.
func transitions(tags []string, s Scheme) (allowed, start []bool) {
	K := len(tags)
	allowed = make([]bool, K*K)
	start = make([]bool, K)
	for j, to := range tags {
		pt, tt := Split(to)
		start[j] = s == IOB1 || (pt != "I" && pt != "E")
		for i, from := range tags {
			pf, tf := Split(from)
			ok := true
			if s != IOB1 {
				inside := pt == "I" || pt == "E"
				open := (pf == "B" || pf == "I") && tf == tt // a chunk of type tt is open
				if inside {
					ok = open
				} else if s == IOBES && (pf == "B" || pf == "I") {
					ok = false // an open chunk must be closed by I- or E-
				}
			}
			allowed[i*K+j] = ok
		}
	}
	return allowed, start
}

// viterbi returns the tag sequence maximising the sum of log-probabilities
// lp [L, K] among the allowed ones (falling back to per-token argmax when
// none is allowed).
func viterbi(lp []float32, L, K int, allowed, start []bool) []int {
	neg := float32(math.Inf(-1))
	score := make([]float32, K)
	next := make([]float32, K)
	back := make([]int32, L*K)
	for k := range K {
		score[k] = neg
		if start[k] {
			score[k] = lp[k]
		}
	}
	for t := 1; t < L; t++ {
		for j := range K {
			best, arg := neg, int32(-1)
			for i := range K {
				if allowed[i*K+j] && score[i] > best {
					best, arg = score[i], int32(i)
				}
			}
			next[j] = best + lp[t*K+j]
			back[t*K+j] = arg
		}
		score, next = next, score
	}
	end := 0
	for k := range K {
		if score[k] > score[end] {
			end = k
		}
	}
	path := make([]int, L)
	// No allowed path has a finite score (or the scores are NaN, as from a
	// model with non-finite weights): fall back to the per-token argmax.
	if !(score[end] > neg) {
		return argmaxPath(lp, L, K)
	}
	path[L-1] = end
	for t := L - 1; t > 0; t-- {
		b := back[t*K+path[t]]
		if b < 0 {
			return argmaxPath(lp, L, K)
		}
		path[t-1] = int(b)
	}
	return path
}

// argmaxPath returns each token's most probable tag of lp [L, K] (the
// first when none compares greater, as with NaN scores).
func argmaxPath(lp []float32, L, K int) []int {
	path := make([]int, L)
	for t := range L {
		a := 0
		for k := range K {
			if lp[t*K+k] > lp[t*K+a] {
				a = k
			}
		}
		path[t] = a
	}
	return path
}

// Score tags the sentences and scores the predictions against their gold
// tags exactly as conlleval does (on the original scheme of the data).
func (m *Model) Score(ctx context.Context, sents []Sentence, name string, batch int) (Result, [][]string, error) {
	d, err := m.EncodeSentences(sents, name, false)
	if err != nil {
		return Result{}, nil, err
	}
	pred, err := m.Predict(ctx, d, batch)
	if err != nil {
		return Result{}, nil, err
	}
	gold := make([][]string, len(sents))
	for i, s := range sents {
		gold[i] = s.Tags
	}
	r, err := ScoreSentences(gold, pred)
	return r, pred, err
}

func (m *Model) score(ctx context.Context, sents []Sentence, d *Data, batch int) (Result, error) {
	pred, err := m.Predict(ctx, d, batch)
	if err != nil {
		return Result{}, err
	}
	gold := make([][]string, len(sents))
	for i, s := range sents {
		gold[i] = s.Tags
	}
	return ScoreSentences(gold, pred)
}
