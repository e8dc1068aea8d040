package lm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/internal/stepdrop"
	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
)

// Arch is the network that Model and CondModel share, Embedding ->
// stacked RNN -> decoder: its recurrence, sizes and dropout (embedded in
// Config and CondConfig, whose JSON it joins field by field).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Arch struct {
	// Cell is the recurrence, as nn.ParseCell accepts ("lstm", "gru", ...).
	Cell string `json:"cell"`
	// VocabSize is V, the number of tokens.
	VocabSize int `json:"vocab_size"`
	// EmbedDim is E, the embedding size.
	EmbedDim int `json:"embed_dim"`
	// Hidden is H, the state size of each layer.
	Hidden int `json:"hidden_size"`
	// Layers is the number of stacked recurrent layers.
	Layers int `json:"num_layers"`
	// Dropout is applied to the embeddings, between recurrent layers and
	// to the last layer's output, in training only (0 disables it).
	Dropout float64 `json:"dropout"`
}

// Config is everything needed to rebuild a Model (stored as config.json).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Config struct {
	Arch
	// Tied shares the decoder weight with the embedding (needs E == H).
	Tied bool `json:"tie_weights"`
	// Tokenizer is how text was split into tokens for this model.
	Tokenizer text.Tokenizer `json:"tokenizer"`
	// InitRange, when positive, draws every parameter (weights and
	// biases of the embedding, the RNN and the decoder) from
	// uniform(-InitRange, InitRange), as Zaremba et al. (2014) do with 0.1.
	// Zero keeps the default initialisation described at New.
	InitRange float64 `json:"init_range,omitempty"`
	// Quantized is "int8" for a model quantized for int8 inference (see
	// Model.Quantize; its checkpoint stores int8 weights), empty for
	// float32.
	Quantized string `json:"quantized,omitempty"`
	// AdaptiveCutoffs, when set, replaces the decoder and its full softmax
	// by an adaptive softmax (nn.AdaptiveSoftmax, PyTorch's
	// AdaptiveLogSoftmaxWithLoss) with these cutoffs: ascending token ids
	// in (0, VocabSize), the first being the shortlist size. Token ids are
	// assigned by frequency, so the shortlist holds the frequent words.
	AdaptiveCutoffs []int `json:"adaptive_cutoffs,omitempty"`
	// DivValue shrinks each further adaptive cluster's projection
	// (0: PyTorch's default, 4).
	DivValue float64 `json:"div_value,omitempty"`
	// Lines records that the training text holds one item per line (a
	// name, a sentence), so that a sample is one line; see StopAtEOS.
	Lines bool `json:"lines,omitempty"`
}

// newEmbedding returns the embedding table, embedding.weight [V, E], drawn
// from uniform(-0.1, 0.1) with r as PyTorch's word_language_model example
// draws it.
func (a *Arch) newEmbedding(r *rand.Rand) (*nn.Embedding, error) {
	emb, err := nn.NewEmbedding(a.VocabSize, a.EmbedDim, -1, nil)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	nn.InitUniform(r, emb.Weight.Data, 0.1)
	emb.Weight.Name = "embedding.weight"
	return emb, nil
}

// rnnConfig configures the stacked RNN over inputs of size in.
func (a *Arch) rnnConfig(in int) nn.RNNConfig {
	return nn.RNNConfig{Cell: a.Cell, InputSize: in, HiddenSize: a.Hidden, NumLayers: a.Layers, Dropout: float32(a.Dropout)}
}

// newDecoder returns the untied decoder, decoder.weight [V, H] drawn from
// uniform(-0.1, 0.1) with r and decoder.bias [V] zero, as PyTorch's
// word_language_model example initialises it.
func (a *Arch) newDecoder(r *rand.Rand) *nn.Linear {
	dec := nn.NewLinear(a.Hidden, a.VocabSize, true, nil)
	nn.InitUniform(r, dec.Weight.Data, 0.1)
	nn.Prefix("decoder", dec.Weight, dec.Bias)
	return dec
}

// divValue returns DivValue with its default applied.
func (c *Config) divValue() float64 {
	if c.DivValue == 0 {
		return 4
	}
	return c.DivValue
}

// StopAtEOS reports whether sampling stops at the end-of-line token unless
// told otherwise: yes for a model of line-structured text (Lines) and for
// word models, whose end-of-line token is a special <eos>; no for a
// character model of running text, whose end-of-line token is the line
// break "\n" and whose samples span lines.
func (c *Config) StopAtEOS() bool {
	return c.Lines || c.Tokenizer.EOS != "\n"
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if _, err := nn.ParseCell(c.Cell); err != nil {
		return fmt.Errorf("lm: config: %w", err)
	}
	switch {
	case c.VocabSize < 1:
		return fmt.Errorf("lm: config: vocab_size %d must be positive", c.VocabSize)
	case c.EmbedDim < 1 || c.Hidden < 1 || c.Layers < 1:
		return fmt.Errorf("lm: config: embed_dim %d, hidden_size %d and num_layers %d must be positive", c.EmbedDim, c.Hidden, c.Layers)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("lm: config: dropout %v outside [0, 1)", c.Dropout)
	case !(c.InitRange >= 0) || math.IsInf(c.InitRange, 0):
		return fmt.Errorf("lm: config: init_range %v must be a finite non-negative number", c.InitRange)
	case c.Quantized != "" && c.Quantized != QuantInt8:
		return fmt.Errorf("lm: config: quantized %q: want %q or none", c.Quantized, QuantInt8)
	case c.Quantized != "" && len(c.AdaptiveCutoffs) > 0:
		return fmt.Errorf("lm: config: int8 quantization needs a full decoder, not an adaptive softmax")
	case c.Tied && len(c.AdaptiveCutoffs) > 0:
		return fmt.Errorf("lm: config: tied weights need a full decoder, not an adaptive softmax")
	case c.DivValue < 0 || math.IsInf(c.DivValue, 0) || math.IsNaN(c.DivValue):
		return fmt.Errorf("lm: config: div_value %v must be a finite non-negative number", c.DivValue)
	case c.Tied && c.EmbedDim != c.Hidden:
		return fmt.Errorf("lm: config: tied weights need embed_dim (%d) == hidden_size (%d)", c.EmbedDim, c.Hidden)
	}
	return nil
}

// Model is Embedding -> stacked RNN -> Linear decoder, or with
// Config.AdaptiveCutoffs an adaptive softmax in place of the decoder. It is
// not safe for concurrent use.
type Model struct {
	Config    Config
	Vocab     *text.Vocab
	Embedding *nn.Embedding
	RNN       *nn.RNN
	Decoder   *nn.Linear          // nil with an adaptive softmax
	Adaptive  *nn.AdaptiveSoftmax // nil with a decoder

	params []*nn.Param

	// drop is the training mode and the dropout randomness: masks are a
	// function of (seed, step) so that training resumes exactly; the RNN
	// draws its inter-layer masks from a generator reseeded the same way.
	drop stepdrop.Dropout

	// Working memory, [T*B, *], reused across chunks.
	embMask, embDrop []float32 // [T*B, E]
	outMask, outDrop []float32 // [T*B, H]
	dLogits          []float32 // [T*B, V]
	dEmb             []float32 // [T*B, E]
	logProb          []float32 // [T*B, V] adaptive log-probabilities
	adaptScratch     nn.AdaptiveScratch

	gen *generator // Sample's batch-1 stepper, kept between calls (step.go)

	// fromTable records that the last hidden ran the first layer on the
	// embedding table (nn.RNN.ForwardTable, see tableInput); perToken
	// turns that off (tests compare the two).
	fromTable, perToken bool
}

// tableInput reports whether a chunk of n tokens over a vocabulary of V
// should feed the RNN the embedding table and the ids (nn.RNN.ForwardTable)
// rather than the n embedded rows: projecting V table rows instead of n
// token rows through layer 0's input weights saves that product's work in
// forward and both of its gradient products in backward, at the cost of
// gathering and scattering n gate rows, so it pays when V is at most half
// of n (a character model: V = 65, n = T*B = 3200).
func tableInput(V, n int) bool { return 2*V <= n }

// New builds a model with fresh weights drawn from a generator seeded with
// seed: the embedding and decoder weights uniform(-0.1, 0.1) and the decoder
// bias zero, as PyTorch's word_language_model example, and the RNN with
// PyTorch's default initialisation; with Config.InitRange > 0 every
// parameter is redrawn from uniform(-InitRange, InitRange). v may be nil (then Config.VocabSize
// alone sizes the model) but is kept for encoding and decoding text.
func New(cfg Config, v *text.Vocab, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if v != nil && v.Len() != cfg.VocabSize {
		return nil, fmt.Errorf("lm: vocabulary has %d tokens but config says %d", v.Len(), cfg.VocabSize)
	}
	initRand := rand.New(rand.NewPCG(seed, 0x6c6d2d696e6974)) // "lm-init"
	emb, err := cfg.newEmbedding(initRand)
	if err != nil {
		return nil, err
	}

	rnnPCG := rand.NewPCG(seed, 0x6c6d2d726e6e) // "lm-rnn"
	rnn, err := nn.NewRNN(cfg.rnnConfig(cfg.EmbedDim), rand.New(rnnPCG))
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	nn.Prefix("rnn", rnn.Params()...)

	m := &Model{Config: cfg, Vocab: v, Embedding: emb, RNN: rnn, drop: stepdrop.New(seed)}
	m.drop.SetRNN(rnn, rnnPCG)
	m.params = append(m.params, emb.Weight)
	m.params = append(m.params, rnn.Params()...)
	switch {
	case len(cfg.AdaptiveCutoffs) > 0:
		a, err := nn.NewAdaptiveSoftmax(cfg.Hidden, cfg.VocabSize, cfg.AdaptiveCutoffs, cfg.divValue(), false, initRand)
		if err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		m.Adaptive = a
		m.params = append(m.params, nn.Prefix("decoder", a.Params()...)...)
	case cfg.Tied:
		// Built by hand so that no [V, H] weight is allocated only to be
		// replaced; Linear's working buffers are allocated on first use.
		m.Decoder = &nn.Linear{In: cfg.Hidden, Out: cfg.VocabSize, Weight: emb.Weight, Bias: nn.NewParam("decoder.bias", cfg.VocabSize)}
		m.params = append(m.params, m.Decoder.Bias)
	default:
		m.Decoder = cfg.newDecoder(initRand)
		m.params = append(m.params, m.Decoder.Weight, m.Decoder.Bias)
	}
	if cfg.InitRange > 0 {
		for _, p := range m.params {
			nn.InitUniform(initRand, p.Data, cfg.InitRange)
		}
	}
	return m, nil
}

// Params returns each trainable parameter once, in state_dict order
// (embedding, rnn, decoder); with tied weights decoder.weight is omitted
// because it is embedding.weight.
func (m *Model) Params() []*nn.Param { return m.params }

// NumParams returns the number of trainable scalars.
func (m *Model) NumParams() int { return nn.CountParams(m.params) }

// SetTraining switches dropout on or off.
func (m *Model) SetTraining(on bool) {
	m.drop.SetTraining(on)
}

// State is the recurrent state carried between chunks: H (and C for an
// LSTM), each [Layers, B, Hidden].
//
// A State is not safe for concurrent use: the model's steps overwrite it.
type State struct {
	B    int
	H, C []float32
}

// NewState returns a zero state for batch size B.
func (m *Model) NewState(B int) *State {
	n := m.Config.Layers * B * m.Config.Hidden
	s := &State{B: B, H: make([]float32, n)}
	if m.RNN.Cell() == nn.CellLSTM {
		s.C = make([]float32, n)
	}
	return s
}

// Reset zeroes the state.
func (s *State) Reset() {
	clear(s.H)
	clear(s.C)
}

// reseed makes this step's dropout masks a function of (seed, step).
func (m *Model) reseed(step uint64) {
	m.drop.Reseed(step)
}

// forward runs chunk x [T*B] (rows of the given lengths, nil: all T) from
// state st (updated to the final state) and returns the logits [T*B, V];
// with an adaptive softmax they are its log-probabilities, which
// log-softmax leaves unchanged.
func (m *Model) forward(x []int32, T, B int, lengths []int, st *State) ([]float32, error) {
	out, err := m.hidden(x, T, B, lengths, st)
	if err != nil {
		return nil, err
	}
	if m.Adaptive != nil {
		m.logProb = xslices.Resize(m.logProb, T*B*m.Config.VocabSize)
		if err := m.Adaptive.LogProb(m.logProb, out, T*B, &m.adaptScratch); err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		return m.logProb, nil
	}
	logits, err := m.Decoder.Forward(out, T*B)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	return logits, nil
}

// hidden runs chunk x [T*B] (rows of the given lengths, nil: all T) from
// state st (updated to the final state) and returns the last layer's
// output [T*B, H], after dropout in training.
func (m *Model) hidden(x []int32, T, B int, lengths []int, st *State) ([]float32, error) {
	if len(x) != T*B {
		return nil, fmt.Errorf("lm: chunk has %d ids, want T*B = %d*%d", len(x), T, B)
	}
	if st.B != B {
		return nil, fmt.Errorf("lm: state is for batch %d, chunk has batch %d", st.B, B)
	}
	drop := m.drop.Active(m.Config.Dropout)
	// Dropout on the embeddings makes each token's row depend on its
	// position, so then the rows are embedded one by one.
	V := m.Config.VocabSize
	m.fromTable = !drop && !m.perToken && tableInput(V, T*B)
	var out, hN, cN []float32
	var err error
	if m.fromTable {
		out, hN, cN, err = m.RNN.ForwardTable(m.Embedding.Weight.Data, V, x, T, B, lengths, st.H, st.C)
	} else {
		out, hN, cN, err = m.embedForward(x, T, B, lengths, st, drop)
	}
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	copy(st.H, hN)
	if st.C != nil {
		copy(st.C, cN)
	}
	if drop {
		m.outMask = xslices.Resize(m.outMask, len(out))
		m.outDrop = xslices.Resize(m.outDrop, len(out))
		nn.DropoutPCG(m.drop.PCG(), m.Config.Dropout, m.outMask, m.outDrop, out)
		out = m.outDrop
	}
	return out, nil
}

// embedForward embeds x row by row (with dropout when drop) and runs the
// RNN on the rows.
func (m *Model) embedForward(x []int32, T, B int, lengths []int, st *State, drop bool) (out, hN, cN []float32, err error) {
	emb, err := m.Embedding.Forward(x)
	if err != nil {
		return nil, nil, nil, err
	}
	if drop {
		m.embMask = xslices.Resize(m.embMask, len(emb))
		m.embDrop = xslices.Resize(m.embDrop, len(emb))
		nn.DropoutPCG(m.drop.PCG(), m.Config.Dropout, m.embMask, m.embDrop, emb)
		emb = m.embDrop
	}
	return m.RNN.Forward(emb, T, B, lengths, st.H, st.C)
}

// backward propagates dLogits [T*B, V] of the last forward into the
// parameter gradients (accumulating).
func (m *Model) backward(dLogits []float32) error {
	dOut, err := m.Decoder.Backward(dLogits)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	return m.backwardHidden(dOut)
}

// backwardHidden propagates dOut [T*B, H], the gradient of the last
// hidden's output, into the parameter gradients (accumulating); dOut is
// overwritten.
func (m *Model) backwardHidden(dOut []float32) error {
	if m.drop.Active(m.Config.Dropout) {
		tensor.Mul(dOut, dOut, m.outMask)
	}
	dx, _, _, err := m.RNN.Backward(dOut, nil, nil)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	if m.fromTable {
		// dx is the gradient of the whole table [V, E].
		m.addTableGrad(dx)
		return nil
	}
	if m.drop.Active(m.Config.Dropout) {
		m.dEmb = xslices.Resize(m.dEmb, len(dx))
		tensor.Mul(m.dEmb, dx, m.embMask)
		dx = m.dEmb
	}
	if err := m.Embedding.Backward(dx); err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	return nil
}

// TrainChunk runs one truncated-BPTT chunk in training mode: forward from
// st (which receives the final state, detached), mean cross-entropy against
// y, and backward, adding to the parameter gradients (the caller zeroes them
// and steps the optimizer). step selects the dropout masks. It returns the
// mean loss over the T*B targets, NaN or infinite as it is (train.Loop's
// divergence rule stops on it before the optimizer step).
func (m *Model) TrainChunk(x, y []int32, T, B int, st *State, step uint64) (float64, error) {
	m.SetTraining(true)
	m.reseed(step)
	if m.Adaptive != nil {
		return m.trainAdaptive(x, y, T, B, st)
	}
	logits, err := m.forward(x, T, B, nil, st)
	if err != nil {
		return 0, err
	}
	V := m.Config.VocabSize
	m.dLogits = xslices.Resize(m.dLogits, T*B*V)
	loss, _, err := nn.SoftmaxCrossEntropy(m.dLogits, logits, T*B, V, y[:T*B], nn.LossOptions{})
	if err != nil {
		return 0, fmt.Errorf("lm: %w", err)
	}
	if err := m.backward(m.dLogits); err != nil {
		return 0, err
	}
	return loss, nil
}

// trainAdaptive is TrainChunk's forward, loss and backward through the
// adaptive softmax, which scores each target's cluster only.
func (m *Model) trainAdaptive(x, y []int32, T, B int, st *State) (float64, error) {
	out, err := m.hidden(x, T, B, nil, st)
	if err != nil {
		return 0, err
	}
	_, loss, _, err := m.Adaptive.Forward(out, T*B, y[:T*B], nn.LossOptions{})
	if err != nil {
		return 0, fmt.Errorf("lm: %w", err)
	}
	if err := nn.CheckLoss(loss); err != nil {
		return 0, fmt.Errorf("lm: training diverged: %w", err)
	}
	dOut, err := m.Adaptive.Backward()
	if err != nil {
		return 0, fmt.Errorf("lm: %w", err)
	}
	return loss, m.backwardHidden(dOut)
}

// EvalChunk runs one chunk without dropout or gradients and returns the
// summed cross-entropy (nats) of its T*B targets; st is carried.
func (m *Model) EvalChunk(x, y []int32, T, B int, st *State) (float64, error) {
	m.SetTraining(false)
	if m.Adaptive != nil {
		out, err := m.hidden(x, T, B, nil, st)
		if err != nil {
			return 0, err
		}
		_, loss, _, err := m.Adaptive.Forward(out, T*B, y[:T*B], nn.LossOptions{Reduction: nn.ReduceSum})
		if err != nil {
			return 0, fmt.Errorf("lm: %w", err)
		}
		return loss, nil
	}
	logits, err := m.forward(x, T, B, nil, st)
	if err != nil {
		return 0, err
	}
	loss, _, err := nn.SoftmaxCrossEntropy(nil, logits, T*B, m.Config.VocabSize, y[:T*B], nn.LossOptions{Reduction: nn.ReduceSum})
	if err != nil {
		return 0, fmt.Errorf("lm: %w", err)
	}
	return loss, nil
}

// Metrics summarizes a cross-entropy evaluation.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Metrics struct {
	Loss       float64 `json:"loss"`       // mean cross-entropy, nats per token
	Perplexity float64 `json:"perplexity"` // exp(Loss)
	Bits       float64 `json:"bits"`       // bits per token (per character for char models)
	Tokens     int64   `json:"tokens"`     // targets evaluated
}

// NewMetrics derives the metrics from a summed loss over n tokens.
func NewMetrics(sum float64, n int64) Metrics {
	if n == 0 {
		return Metrics{}
	}
	l := sum / float64(n)
	return Metrics{Loss: l, Perplexity: math.Exp(l), Bits: l / math.Ln2, Tokens: n}
}

// addTableGrad adds dTable [V, E], the gradient of the embedding table
// from RNN.Backward after ForwardTable, to the embedding's gradient,
// leaving its padding row (if any) without gradient as
// nn.Embedding.Backward does.
func (m *Model) addTableGrad(dTable []float32) {
	e := m.Embedding
	g := e.Weight.Grad
	if e.PaddingIdx < 0 {
		tensor.Add(g, g, dTable)
		return
	}
	p0, p1 := e.PaddingIdx*e.Dim, (e.PaddingIdx+1)*e.Dim
	tensor.Add(g[:p0], g[:p0], dTable[:p0])
	tensor.Add(g[p1:], g[p1:], dTable[p1:])
}
