package classify

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/internal/stepdrop"
	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// Architectures of a classifier (Config.Arch).
const (
	// ArchRNN embeds the tokens, runs a (bidirectional, stacked) recurrent
	// layer and pools its outputs into one feature vector per text.
	ArchRNN = "rnn"
	// ArchAverage is the averaging baseline: the mean of the word vectors
	// of a text goes straight into the output layer.
	ArchAverage = "average"
)

// Pooling modes of the recurrent classifier (Config.Pool).
const (
	// PoolLast takes the final state of the last layer of each direction
	// (the forward one at the last valid step, the backward one at step 0).
	PoolLast = "last"
	// PoolMean averages the outputs over the valid steps.
	PoolMean = "mean"
	// PoolMax takes the element-wise maximum of the outputs over the valid
	// steps.
	PoolMax = "max"
	// PoolMeanMax concatenates the mean and the maximum ([mean; max], twice
	// the features).
	PoolMeanMax = "meanmax"
)

// Config holds a classifier's hyper-parameters (stored in config.json).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Config struct {
	// Arch is ArchRNN or ArchAverage.
	Arch string `json:"arch"`
	// VocabSize is the number of embedding rows; Embed their dimension.
	VocabSize int `json:"vocab_size"`
	Embed     int `json:"embed_dim"`
	// Cell, Hidden, Layers and Bidirectional describe the recurrent layer
	// (ArchRNN only).
	Cell          string `json:"cell,omitempty"`
	Hidden        int    `json:"hidden,omitempty"`
	Layers        int    `json:"layers,omitempty"`
	Bidirectional bool   `json:"bidirectional,omitempty"`
	// Pool is PoolLast, PoolMean, PoolMax or PoolMeanMax (ArchRNN only).
	Pool string `json:"pool,omitempty"`
	// Dropout is applied to the embeddings, between recurrent layers and
	// to the pooled features in training.
	Dropout float64 `json:"dropout"`
	// EmbedDropout, when set, replaces Dropout on the embeddings (nil:
	// Dropout).
	EmbedDropout *float64 `json:"embed_dropout,omitempty"`
	// Freeze keeps the embedding fixed during training.
	Freeze bool `json:"freeze,omitempty"`
	// Classes is the number of labels; with Binary and two classes the
	// head has one output (sigmoid, BCE), otherwise Classes (softmax, CE).
	Classes int  `json:"classes"`
	Binary  bool `json:"binary,omitempty"`
	// Tokenizer splits the texts.
	Tokenizer text.Tokenizer `json:"tokenizer"`
}

// EmbeddingDropout returns the dropout rate on the embeddings.
func (c *Config) EmbeddingDropout() float64 {
	if c.EmbedDropout != nil {
		return *c.EmbedDropout
	}
	return c.Dropout
}

// Outputs returns the width of the output layer: 1 for a binary model,
// Classes otherwise.
func (c *Config) Outputs() int {
	if c.Binary {
		return 1
	}
	return c.Classes
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.VocabSize < 1 || c.Embed < 1:
		return fmt.Errorf("classify: config: vocab_size %d and embed_dim %d must be positive", c.VocabSize, c.Embed)
	case c.Classes < 2:
		return fmt.Errorf("classify: config: %d classes, need at least 2", c.Classes)
	case c.Binary && c.Classes != 2:
		return fmt.Errorf("classify: config: binary model with %d classes", c.Classes)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("classify: config: dropout %v outside [0, 1)", c.Dropout)
	case c.EmbedDropout != nil && !(*c.EmbedDropout >= 0 && *c.EmbedDropout < 1):
		return fmt.Errorf("classify: config: embed_dropout %v outside [0, 1)", *c.EmbedDropout)
	}
	switch c.Arch {
	case ArchAverage:
		return nil
	case ArchRNN:
	default:
		return fmt.Errorf("classify: config: unknown arch %q (want %s or %s)", c.Arch, ArchRNN, ArchAverage)
	}
	if _, err := nn.ParseCell(c.Cell); err != nil {
		return fmt.Errorf("classify: config: %w", err)
	}
	if c.Hidden < 1 || c.Layers < 1 {
		return fmt.Errorf("classify: config: hidden %d and layers %d must be positive", c.Hidden, c.Layers)
	}
	switch c.Pool {
	case PoolLast, PoolMean, PoolMax, PoolMeanMax:
	default:
		return fmt.Errorf("classify: config: unknown pool %q (want last, mean, max or meanmax)", c.Pool)
	}
	return nil
}

// Model is a text classifier: embedding -> recurrent layer -> pooling ->
// linear head, or the averaging baseline embedding -> mean -> linear head.
// Parameters are named as a PyTorch module with submodules "embedding",
// "rnn" and "head" would name them.
//
// A Model is not safe for concurrent use: Forward, Predict and training reuse
// working memory held in the model; give each goroutine its own Model (Load
// it once per goroutine) or guard it with a mutex.
type Model struct {
	Config    Config
	Vocab     *text.Vocab
	Labels    []string
	Embedding *nn.Embedding
	RNN       *nn.RNN // nil for ArchAverage
	Head      *nn.Linear

	params []*nn.Param

	drop stepdrop.Dropout // training mode and dropout masks by (seed, step)

	// Shapes of the last forward.
	t, b    int
	lengths []int

	// Working memory.
	embMask, embDrop []float32 // [T*B, E]
	feat, featDrop   []float32 // [B, F]
	featMask         []float32 // [B, F]
	argmax           []int32   // [B, F] step of the maximum (PoolMax)
	poolA, poolB     []float32 // [B, D*H] halves of PoolMeanMax's features or gradients
	dOutB            []float32 // [T*B, D*H] PoolMeanMax's max-pool gradient
	dFeat            []float32 // [B, F]
	dOut             []float32 // [T*B, D*H] or [T*B, E]
	dhN              []float32 // [L*D, B, H]
	probs            []float32 // [B, K]
}

// padID is the embedding row used for padding (always 0).
const padID = 0

// New builds a model with fresh weights drawn from a generator seeded with
// seed: the embedding N(0, 1) (PyTorch's default; its padding row zero),
// the recurrent layer and the head with PyTorch's default initialisation.
// The vocabulary must have Config.VocabSize tokens with the padding token
// at id 0, and labels Config.Classes names.
func New(cfg Config, v *text.Vocab, labels []string, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if v != nil && v.Len() != cfg.VocabSize {
		return nil, fmt.Errorf("classify: vocabulary has %d tokens but config says %d", v.Len(), cfg.VocabSize)
	}
	if len(labels) != cfg.Classes {
		return nil, fmt.Errorf("classify: %d labels but config says %d classes", len(labels), cfg.Classes)
	}
	initRand := rand.New(rand.NewPCG(seed, 0x636c732d696e6974))
	emb, err := nn.NewEmbedding(cfg.VocabSize, cfg.Embed, padID, initRand)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	emb.Weight.Name = "embedding.weight"
	m := &Model{Config: cfg, Vocab: v, Labels: append([]string(nil), labels...), Embedding: emb, drop: stepdrop.New(seed)}
	m.params = append(m.params, emb.Weight)
	feat := cfg.Embed
	if cfg.Arch == ArchRNN {
		rnnPCG := rand.NewPCG(seed, 0x636c732d726e6e)
		m.RNN, err = nn.NewRNN(nn.RNNConfig{Cell: cfg.Cell, InputSize: cfg.Embed, HiddenSize: cfg.Hidden,
			NumLayers: cfg.Layers, Bidirectional: cfg.Bidirectional, Dropout: float32(cfg.Dropout)}, rand.New(rnnPCG))
		if err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
		m.drop.SetRNN(m.RNN, rnnPCG)
		m.params = append(m.params, nn.Prefix("rnn", m.RNN.Params()...)...)
		feat = m.RNN.OutputSize()
		if cfg.Pool == PoolMeanMax {
			feat *= 2
		}
	}
	m.Head = nn.NewLinear(feat, cfg.Outputs(), true, initRand)
	m.params = append(m.params, nn.Prefix("head", m.Head.Params()...)...)
	return m, nil
}

// Params returns every parameter in state_dict order (embedding, rnn, head).
func (m *Model) Params() []*nn.Param { return m.params }

// Trainable returns the parameters updated in training: Params without the
// embedding when it is frozen.
func (m *Model) Trainable() []*nn.Param {
	if m.Config.Freeze {
		return m.params[1:]
	}
	return m.params
}

// SetTraining switches dropout on or off.
func (m *Model) SetTraining(on bool) { m.drop.SetTraining(on) }

// Features returns the width F of the pooled feature vector.
func (m *Model) Features() int { return m.Head.In }

// Forward computes the logits [B, Outputs] of a padded batch: ids [T, B]
// time-major (padding id 0), lengths [B] each in 1..T.
func (m *Model) Forward(ids []int32, T, B int, lengths []int) ([]float32, error) {
	if len(ids) != T*B || len(lengths) != B {
		return nil, fmt.Errorf("classify: batch has %d ids and %d lengths, want %d*%d and %d", len(ids), len(lengths), T, B, B)
	}
	for b, l := range lengths {
		if l < 1 || l > T {
			return nil, fmt.Errorf("classify: length %d of row %d outside 1..%d", l, b, T)
		}
	}
	m.t, m.b, m.lengths = T, B, lengths
	emb, err := m.Embedding.Forward(ids)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	if m.drop.Active(m.Config.EmbeddingDropout()) {
		m.embMask = xslices.Resize(m.embMask, len(emb))
		m.embDrop = xslices.Resize(m.embDrop, len(emb))
		nn.DropoutPCG(m.drop.PCG(), m.Config.EmbeddingDropout(), m.embMask, m.embDrop, emb)
		emb = m.embDrop
	}
	F := m.Features()
	m.feat = xslices.Resize(m.feat, B*F)
	if m.RNN == nil {
		meanPool(m.feat, emb, T, B, F, lengths)
	} else {
		out, hN, _, err := m.RNN.Forward(emb, T, B, lengths, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
		switch m.Config.Pool {
		case PoolLast:
			m.lastPool(m.feat, hN, B)
		case PoolMean:
			meanPool(m.feat, out, T, B, F, lengths)
		case PoolMax:
			m.argmax = xslices.Resize(m.argmax, B*F)
			maxPool(m.feat, m.argmax, out, T, B, F, lengths)
		case PoolMeanMax:
			H := F / 2
			m.argmax = xslices.Resize(m.argmax, B*H)
			m.poolA, m.poolB = xslices.Resize(m.poolA, B*H), xslices.Resize(m.poolB, B*H)
			meanPool(m.poolA, out, T, B, H, lengths)
			maxPool(m.poolB, m.argmax, out, T, B, H, lengths)
			for b := range B {
				copy(m.feat[b*F:b*F+H], m.poolA[b*H:(b+1)*H])
				copy(m.feat[b*F+H:(b+1)*F], m.poolB[b*H:(b+1)*H])
			}
		}
	}
	feat := m.feat
	if m.drop.Active(m.Config.Dropout) {
		m.featMask = xslices.Resize(m.featMask, len(feat))
		m.featDrop = xslices.Resize(m.featDrop, len(feat))
		nn.DropoutPCG(m.drop.PCG(), m.Config.Dropout, m.featMask, m.featDrop, feat)
		feat = m.featDrop
	}
	logits, err := m.Head.Forward(feat, B)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	return logits, nil
}

// lastPool concatenates the final states of the top layer's directions:
// hN [L*D, B, H] -> feat [B, D*H].
func (m *Model) lastPool(feat, hN []float32, B int) {
	c := m.RNN.Config()
	D, H := 1, c.HiddenSize
	if c.Bidirectional {
		D = 2
	}
	top := (c.NumLayers - 1) * D
	for d := range D {
		for b := range B {
			copy(feat[b*D*H+d*H:b*D*H+(d+1)*H], hN[((top+d)*B+b)*H:((top+d)*B+b+1)*H])
		}
	}
}

// meanPool averages x [T, B, F] over each row's valid steps into feat [B, F].
func meanPool(feat, x []float32, T, B, F int, lengths []int) {
	clear(feat)
	for t := range T {
		for b := range B {
			if t >= lengths[b] {
				continue
			}
			f, row := feat[b*F:(b+1)*F], x[(t*B+b)*F:(t*B+b+1)*F]
			for j, v := range row {
				f[j] += v
			}
		}
	}
	for b := range B {
		s := 1 / float32(lengths[b])
		f := feat[b*F : (b+1)*F]
		for j := range f {
			f[j] *= s
		}
	}
}

// meanPoolBackward spreads dFeat [B, F] evenly over the valid steps of dx
// [T, B, F] (zero at padded steps).
func meanPoolBackward(dx, dFeat []float32, T, B, F int, lengths []int) {
	for t := range T {
		for b := range B {
			d := dx[(t*B+b)*F : (t*B+b+1)*F]
			if t >= lengths[b] {
				clear(d)
				continue
			}
			s := 1 / float32(lengths[b])
			for j, v := range dFeat[b*F : (b+1)*F] {
				d[j] = v * s
			}
		}
	}
}

// maxPool takes the maximum of x [T, B, F] over each row's valid steps into
// feat [B, F], recording the (first) step of each maximum in arg.
func maxPool(feat []float32, arg []int32, x []float32, T, B, F int, lengths []int) {
	for i := range feat {
		feat[i] = float32(math.Inf(-1))
	}
	for t := range T {
		for b := range B {
			if t >= lengths[b] {
				continue
			}
			f, a, row := feat[b*F:(b+1)*F], arg[b*F:(b+1)*F], x[(t*B+b)*F:(t*B+b+1)*F]
			for j, v := range row {
				if v > f[j] {
					f[j], a[j] = v, int32(t)
				}
			}
		}
	}
}

// maxPoolBackward routes dFeat [B, F] to the steps of the maxima in dx
// [T, B, F].
func maxPoolBackward(dx, dFeat []float32, arg []int32, B, F int) {
	clear(dx)
	for b := range B {
		for j, t := range arg[b*F : (b+1)*F] {
			dx[(int(t)*B+b)*F+j] = dFeat[b*F+j]
		}
	}
}

// Backward propagates dLogits [B, Outputs] of the last Forward into the
// parameter gradients (accumulating). A frozen embedding gets none.
func (m *Model) Backward(dLogits []float32) error {
	T, B, F := m.t, m.b, m.Features()
	dFeat, err := m.Head.Backward(dLogits)
	if err != nil {
		return fmt.Errorf("classify: %w", err)
	}
	drop := m.drop.Active(m.Config.Dropout)
	if drop {
		m.dFeat = xslices.Resize(m.dFeat, len(dFeat))
		for i, k := range m.featMask {
			m.dFeat[i] = dFeat[i] * k
		}
		dFeat = m.dFeat
	}
	var dEmb []float32
	if m.RNN == nil {
		m.dOut = xslices.Resize(m.dOut, T*B*F)
		meanPoolBackward(m.dOut, dFeat, T, B, F, m.lengths)
		dEmb = m.dOut
	} else {
		var dOut, dhN []float32
		switch m.Config.Pool {
		case PoolLast:
			c := m.RNN.Config()
			D, H := 1, c.HiddenSize
			if c.Bidirectional {
				D = 2
			}
			m.dhN = xslices.Resize(m.dhN, c.NumLayers*D*B*H)
			clear(m.dhN)
			top := (c.NumLayers - 1) * D
			for d := range D {
				for b := range B {
					copy(m.dhN[((top+d)*B+b)*H:((top+d)*B+b+1)*H], dFeat[b*D*H+d*H:b*D*H+(d+1)*H])
				}
			}
			dhN = m.dhN
		case PoolMean:
			m.dOut = xslices.Resize(m.dOut, T*B*F)
			meanPoolBackward(m.dOut, dFeat, T, B, F, m.lengths)
			dOut = m.dOut
		case PoolMax:
			m.dOut = xslices.Resize(m.dOut, T*B*F)
			maxPoolBackward(m.dOut, dFeat, m.argmax, B, F)
			dOut = m.dOut
		case PoolMeanMax:
			H := F / 2
			m.poolA, m.poolB = xslices.Resize(m.poolA, B*H), xslices.Resize(m.poolB, B*H)
			for b := range B {
				copy(m.poolA[b*H:(b+1)*H], dFeat[b*F:b*F+H])
				copy(m.poolB[b*H:(b+1)*H], dFeat[b*F+H:(b+1)*F])
			}
			m.dOut = xslices.Resize(m.dOut, T*B*H)
			m.dOutB = xslices.Resize(m.dOutB, T*B*H)
			meanPoolBackward(m.dOut, m.poolA, T, B, H, m.lengths)
			maxPoolBackward(m.dOutB, m.poolB, m.argmax, B, H)
			for i, v := range m.dOutB {
				m.dOut[i] += v
			}
			dOut = m.dOut
		}
		dx, _, _, err := m.RNN.Backward(dOut, dhN, nil)
		if err != nil {
			return fmt.Errorf("classify: %w", err)
		}
		dEmb = dx
	}
	if m.Config.Freeze {
		return nil
	}
	if m.drop.Active(m.Config.EmbeddingDropout()) {
		for i, k := range m.embMask {
			dEmb[i] *= k
		}
	}
	if err := m.Embedding.Backward(dEmb); err != nil {
		return fmt.Errorf("classify: %w", err)
	}
	return nil
}

// Probabilities converts logits [B, Outputs] into class probabilities
// [B, Classes] (the returned slice is reused by the next call).
func (m *Model) Probabilities(logits []float32, B int) []float32 {
	K := m.Config.Classes
	m.probs = xslices.Resize(m.probs, B*K)
	for b := range B {
		p := m.probs[b*K : (b+1)*K]
		if m.Config.Binary {
			p1 := float32(1 / (1 + math.Exp(-float64(logits[b]))))
			p[0], p[1] = 1-p1, p1
			continue
		}
		row := logits[b*K : (b+1)*K]
		mx := row[0]
		for _, v := range row {
			mx = max(mx, v)
		}
		var s float64
		for j, v := range row {
			e := math.Exp(float64(v - mx))
			p[j] = float32(e)
			s += e
		}
		for j := range p {
			p[j] = float32(float64(p[j]) / s)
		}
	}
	return m.probs
}

// Encode tokenizes a text into ids (unknown words map to <unk>); an empty
// text becomes the single <unk> token so that every example has a step.
func (m *Model) Encode(s string) []int32 {
	toks := m.Config.Tokenizer.Tokenize(s)
	ids := make([]int32, 0, max(len(toks), 1))
	for _, t := range toks {
		ids = append(ids, m.Vocab.ID(t))
	}
	if len(ids) == 0 {
		ids = append(ids, m.Vocab.UnkID())
	}
	return ids
}
