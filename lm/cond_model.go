package lm

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/recurrent-go/recurrent/internal/stepdrop"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// Conditioning says how a CondModel sees its label.
const (
	// CondNone ignores the label: an ordinary sentence-level language
	// model, the baseline a conditional model is compared with.
	CondNone = "none"
	// CondInit sets the initial state of every layer from the label:
	// h0 = tanh(label_init.weight[label]) (an LSTM's c0 stays 0).
	CondInit = "init"
	// CondInput concatenates a label embedding to every step's input.
	CondInput = "input"
	// CondBoth does both.
	CondBoth = "both"
)

// CondConfig describes a label-conditioned language model (config.json).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type CondConfig struct {
	// Kind is always "conditional", telling this checkpoint from Model's.
	Kind string `json:"kind"`
	Arch
	Labels    []string `json:"labels"`
	Condition string   `json:"condition"`
	LabelDim  int      `json:"label_dim"` // label embedding size for CondInput/CondBoth
	// LabelBias adds a per-label output bias label_bias.weight[label] [V]
	// to every step's logits: a direct shift of p(w | label) by label.
	LabelBias bool           `json:"label_bias,omitempty"`
	Tokenizer text.Tokenizer `json:"tokenizer"`
}

// CondKind is CondConfig.Kind.
const CondKind = "conditional"

func (c *CondConfig) validate() error {
	if _, err := nn.ParseCell(c.Cell); err != nil {
		return fmt.Errorf("lm: conditional config: %w", err)
	}
	switch {
	case c.VocabSize < 2 || c.EmbedDim < 1 || c.Hidden < 1 || c.Layers < 1:
		return fmt.Errorf("lm: conditional config: sizes must be positive (vocab %d, embed %d, hidden %d, layers %d)", c.VocabSize, c.EmbedDim, c.Hidden, c.Layers)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("lm: conditional config: dropout %v outside [0, 1)", c.Dropout)
	case len(c.Labels) < 1:
		return fmt.Errorf("lm: conditional config: no labels")
	}
	switch c.Condition {
	case CondNone, CondInit:
	case CondInput, CondBoth:
		if c.LabelDim < 1 {
			return fmt.Errorf("lm: conditional config: condition %q needs label_dim > 0", c.Condition)
		}
	default:
		return fmt.Errorf("lm: conditional config: condition %q: want none, init, input or both", c.Condition)
	}
	return nil
}

func (c *CondConfig) useInit() bool  { return c.Condition == CondInit || c.Condition == CondBoth }
func (c *CondConfig) useInput() bool { return c.Condition == CondInput || c.Condition == CondBoth }

// CondModel is a sentence-level language model conditioned on a label:
// Embedding (+ label embedding) -> stacked RNN from a label-dependent
// initial state -> Linear (+ label output bias). Each sentence is read from
// the <eos> boundary and predicts its tokens and a final <eos>. Parameters:
// embedding.weight, label_embedding.weight [labels, LabelDim],
// label_init.weight [labels, Layers*Hidden], rnn.*, decoder.weight,
// decoder.bias and label_bias.weight [labels, V].
//
// A CondModel is not safe for concurrent use: scoring, sampling and training
// reuse working memory and random state held in the model; give each
// goroutine its own CondModel or guard it with a mutex.
type CondModel struct {
	Config CondConfig
	Vocab  *text.Vocab

	emb, lab, init *nn.Embedding
	labBias        *nn.Param // [labels, V] or nil
	rnn            *nn.RNN
	dec            *nn.Linear
	params         []*nn.Param
	eos            int32

	// Dropout masks (embeddings, between layers, outputs) are a function
	// of (seed, step) so that training resumes exactly: CondTrainer
	// reseeds drop before every batch.
	drop             stepdrop.Dropout
	embMask, embDrop []float32 // [T*B, E]
	outMask, outDrop []float32 // [T*B, H]
	dEmbDrop         []float32 // [T*B, E]

	// Working memory of the last forward.
	x, y             []int32   // [T*B]
	labRep           []int32   // [T*B] label of each row's column
	valid            []bool    // [T*B]
	lengths          []int     // [B]
	xin              []float32 // [T*B, In]
	h0, c0           []float32 // [L, B, H]
	dLogits, dh0rows []float32
	demb, dlab       []float32
	T, B             int

	// Sampling: one batch-1 generator per label, kept between calls
	// (conditional_step.go), and SampleGuided's views of them.
	gens       []*condGen
	stepGens   []*condGen
	stepLogits [][]float32

	// HybridLoss's working memory.
	hybSents  [][]int32
	hybLabels []int
	hybLL     []float64
	hybCoef   []float32
}

// NewCond builds a conditional model; v must contain text.EOS.
func NewCond(cfg CondConfig, v *text.Vocab, seed uint64) (*CondModel, error) {
	cfg.Kind = CondKind
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if v == nil || v.Len() != cfg.VocabSize {
		return nil, fmt.Errorf("lm: conditional: vocabulary size differs from vocab_size %d", cfg.VocabSize)
	}
	eos, ok := v.Lookup(text.EOS)
	if !ok {
		return nil, fmt.Errorf("lm: conditional: the vocabulary has no %s", text.EOS)
	}
	r := rand.New(rand.NewPCG(seed, 0x636f6e64)) // "cond"
	m := &CondModel{Config: cfg, Vocab: v, eos: eos}
	var err error
	if m.emb, err = cfg.newEmbedding(r); err != nil {
		return nil, err
	}
	m.params = append(m.params, m.emb.Weight)
	in := cfg.EmbedDim
	if cfg.useInput() {
		if m.lab, err = nn.NewEmbedding(len(cfg.Labels), cfg.LabelDim, -1, nil); err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		nn.InitUniform(r, m.lab.Weight.Data, 0.1)
		m.lab.Weight.Name = "label_embedding.weight"
		m.params = append(m.params, m.lab.Weight)
		in += cfg.LabelDim
	}
	if cfg.useInit() {
		if m.init, err = nn.NewEmbedding(len(cfg.Labels), cfg.Layers*cfg.Hidden, -1, nil); err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		nn.InitUniform(r, m.init.Weight.Data, 0.1)
		m.init.Weight.Name = "label_init.weight"
		m.params = append(m.params, m.init.Weight)
	}
	if m.rnn, err = nn.NewRNN(cfg.rnnConfig(in), r); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	m.params = append(m.params, nn.Prefix("rnn", m.rnn.Params()...)...)
	m.dec = cfg.newDecoder(r)
	m.params = append(m.params, m.dec.Weight, m.dec.Bias)
	if cfg.LabelBias {
		m.labBias = nn.NewParam("label_bias.weight", len(cfg.Labels), cfg.VocabSize) // zero: starts as the plain decoder
		m.params = append(m.params, m.labBias)
	}
	rnnPCG := rand.NewPCG(0, 0)
	m.rnn.SetRand(rand.New(rnnPCG))
	m.drop = stepdrop.New(seed)
	m.drop.SetRNN(m.rnn, rnnPCG)
	m.drop.Reseed(0)
	m.drop.SetTraining(true)
	return m, nil
}

// Params returns the parameters in a stable order.
func (m *CondModel) Params() []*nn.Param { return m.params }

// NumParams returns the number of scalar parameters.
func (m *CondModel) NumParams() int { return nn.CountParams(m.params) }

// LabelID returns the index of a label name, or -1.
func (m *CondModel) LabelID(name string) int {
	return slices.Index(m.Config.Labels, name)
}

// EncodeSentence tokenizes a sentence (unknown tokens map to <unk>).
func (m *CondModel) EncodeSentence(s string) []int32 {
	toks := m.Config.Tokenizer.Tokenize(s)
	ids := make([]int32, len(toks))
	for i, t := range toks {
		ids[i] = m.Vocab.ID(t)
	}
	return ids
}

// dropping reports whether the forward applies dropout.
func (m *CondModel) dropping() bool { return m.drop.Active(m.Config.Dropout) }

// DecodeSentence joins token ids with spaces (characters for a Chars
// tokenizer).
func (m *CondModel) DecodeSentence(ids []int32) string {
	toks := make([]string, len(ids))
	for i, id := range ids {
		toks[i] = m.Vocab.Token(id)
	}
	if m.Config.Tokenizer.Mode == text.Chars {
		return strings.Join(toks, "")
	}
	return strings.Join(toks, " ")
}
