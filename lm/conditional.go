package lm

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/tensor"
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
type CondConfig struct {
	// Kind is always "conditional", telling this checkpoint from Model's.
	Kind      string   `json:"kind"`
	Cell      string   `json:"cell"`
	VocabSize int      `json:"vocab_size"`
	EmbedDim  int      `json:"embed_dim"`
	Hidden    int      `json:"hidden_size"`
	Layers    int      `json:"num_layers"`
	Dropout   float64  `json:"dropout"`
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
	// of (dropSeed, step) so that training resumes exactly: CondTrainer
	// reseeds both generators before every batch (reseed); the RNN draws
	// its inter-layer masks from rnnPCG.
	rnnPCG, dropPCG  *rand.PCG
	dropRand         *rand.Rand
	dropSeed         uint64
	training         bool
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
	if m.emb, err = nn.NewEmbedding(cfg.VocabSize, cfg.EmbedDim, -1, nil); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	nn.InitUniform(r, m.emb.Weight.Data, 0.1)
	m.emb.Weight.Name = "embedding.weight"
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
	if m.rnn, err = nn.NewRNN(nn.RNNConfig{Cell: cfg.Cell, InputSize: in, HiddenSize: cfg.Hidden,
		NumLayers: cfg.Layers, Dropout: float32(cfg.Dropout)}, r); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	for _, p := range m.rnn.Params() {
		p.Name = "rnn." + p.Name
	}
	m.params = append(m.params, m.rnn.Params()...)
	m.dec = nn.NewLinear(cfg.Hidden, cfg.VocabSize, true, nil)
	nn.InitUniform(r, m.dec.Weight.Data, 0.1)
	m.dec.Weight.Name, m.dec.Bias.Name = "decoder.weight", "decoder.bias"
	m.params = append(m.params, m.dec.Weight, m.dec.Bias)
	if cfg.LabelBias {
		m.labBias = nn.NewParam("label_bias.weight", len(cfg.Labels), cfg.VocabSize) // zero: starts as the plain decoder
		m.params = append(m.params, m.labBias)
	}
	m.rnnPCG, m.dropPCG, m.dropSeed = rand.NewPCG(0, 0), rand.NewPCG(0, 0), seed
	m.dropRand = rand.New(m.dropPCG)
	m.rnn.SetRand(rand.New(m.rnnPCG))
	m.reseed(0)
	m.setTraining(true)
	return m, nil
}

// Params returns the parameters in a stable order.
func (m *CondModel) Params() []*nn.Param { return m.params }

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

func (m *CondModel) setTraining(on bool) {
	m.training = on
	m.rnn.SetTraining(on)
}

// dropping reports whether the forward applies dropout.
func (m *CondModel) dropping() bool { return m.training && m.Config.Dropout > 0 }

// reseed makes the dropout masks of the next forward a function of
// (dropSeed, step); without it a forward continues the generators' streams.
func (m *CondModel) reseed(step uint64) {
	m.rnnPCG.Seed(m.dropSeed^0x9e3779b97f4a7c15, step)
	m.dropPCG.Seed(m.dropSeed^0xc2b2ae3d27d4eb4f, step)
}

// forward runs the sentences with their labels and returns the logits
// [T*B, V] for the targets m.y (tokens then <eos>, valid where m.valid).
func (m *CondModel) forward(sents [][]int32, labels []int) ([]float32, error) {
	B := len(sents)
	if B == 0 || len(labels) != B {
		return nil, fmt.Errorf("lm: conditional: %d sentences, %d labels", B, len(labels))
	}
	T := 0
	for _, s := range sents {
		T = max(T, len(s)+1)
	}
	V, H, L := m.Config.VocabSize, m.Config.Hidden, m.Config.Layers
	m.T, m.B = T, B
	m.x, m.y = growI32(m.x, T*B), growI32(m.y, T*B)
	m.labRep, m.valid = growI32(m.labRep, T*B), growBool(m.valid, T*B)
	m.lengths = slices.Grow(m.lengths[:0], B)[:B]
	for b, s := range sents {
		if labels[b] < 0 || labels[b] >= len(m.Config.Labels) {
			return nil, fmt.Errorf("lm: conditional: label %d outside [0, %d)", labels[b], len(m.Config.Labels))
		}
		m.lengths[b] = len(s) + 1
		for t := 0; t < T; t++ {
			i := t*B + b
			m.labRep[i] = int32(labels[b])
			m.x[i], m.y[i], m.valid[i] = m.eos, m.eos, t <= len(s)
			if t > 0 && t <= len(s) {
				m.x[i] = s[t-1]
			}
			if t < len(s) {
				m.y[i] = s[t]
			}
			if m.x[i] < 0 || int(m.x[i]) >= V || m.y[i] < 0 || int(m.y[i]) >= V {
				return nil, fmt.Errorf("lm: conditional: sentence %d: token id outside [0, %d)", b, V)
			}
		}
	}
	e, err := m.emb.Forward(m.x)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if m.dropping() {
		m.embMask, m.embDrop = growF32(m.embMask, len(e)), growF32(m.embDrop, len(e))
		nn.DropoutWith(m.dropRand, m.Config.Dropout, m.embMask, m.embDrop, e)
		e = m.embDrop
	}
	x := e
	if m.lab != nil {
		E, D := m.Config.EmbedDim, m.Config.LabelDim
		le, err := m.lab.Forward(m.labRep)
		if err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		m.xin = growF32(m.xin, T*B*(E+D))
		for i := 0; i < T*B; i++ {
			copy(m.xin[i*(E+D):], e[i*E:(i+1)*E])
			copy(m.xin[i*(E+D)+E:(i+1)*(E+D)], le[i*D:(i+1)*D])
		}
		x = m.xin
	}
	var h0, c0 []float32
	if m.init != nil {
		lab32 := make([]int32, B)
		for b, l := range labels {
			lab32[b] = int32(l)
		}
		rows, err := m.init.Forward(lab32) // [B, L*H]
		if err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		m.h0 = growF32(m.h0, L*B*H)
		for b := 0; b < B; b++ {
			for l := 0; l < L; l++ {
				tensor.Tanh(m.h0[(l*B+b)*H:(l*B+b+1)*H], rows[b*L*H+l*H:b*L*H+(l+1)*H])
			}
		}
		h0 = m.h0
		if m.rnn.Cell() == nn.CellLSTM {
			m.c0 = growF32(m.c0, L*B*H)
			clear(m.c0)
			c0 = m.c0
		}
	}
	out, _, _, err := m.rnn.Forward(x, T, B, m.lengths, h0, c0)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if m.dropping() {
		m.outMask, m.outDrop = growF32(m.outMask, len(out)), growF32(m.outDrop, len(out))
		nn.DropoutWith(m.dropRand, m.Config.Dropout, m.outMask, m.outDrop, out)
		out = m.outDrop
	}
	logits, err := m.dec.Forward(out, T*B)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if m.labBias != nil {
		for i := 0; i < T*B; i++ {
			l := int(m.labRep[i])
			tensor.Axpy(1, m.labBias.Data[l*V:(l+1)*V], logits[i*V:(i+1)*V])
		}
	}
	return logits, nil
}

// Loss returns the summed token cross-entropy of the sentences given
// their labels and the number of tokens (each sentence's tokens and its
// <eos>); with backward set it adds the gradient of the mean into the
// parameters' Grad (training mode, dropout on).
func (m *CondModel) Loss(sents [][]int32, labels []int, backward bool) (float64, int, error) {
	m.setTraining(backward)
	logits, err := m.forward(sents, labels)
	if err != nil {
		return 0, 0, err
	}
	n := m.T * m.B
	V := m.Config.VocabSize
	var dl []float32
	if backward {
		m.dLogits = growF32(m.dLogits, n*V)
		dl = m.dLogits
	}
	sum, cnt, err := nn.SoftmaxCrossEntropy(dl, logits, n, V, m.y, nn.LossOptions{Reduction: nn.ReduceSum, Valid: m.valid})
	if err != nil {
		return 0, 0, fmt.Errorf("lm: %w", err)
	}
	if err := nn.CheckLoss(sum); err != nil {
		return 0, 0, fmt.Errorf("lm: conditional: %w", err)
	}
	if !backward {
		return sum, cnt, nil
	}
	tensor.Scale(1/float32(cnt), dl)
	return sum, cnt, m.backward()
}

// LabelLogLikelihoods returns log p(sentence, <eos> | label) for every
// sentence (rows) and label (columns), running the batch once per label
// in evaluation mode.
func (m *CondModel) LabelLogLikelihoods(sents [][]int32) ([][]float64, error) {
	K, B, V := len(m.Config.Labels), len(sents), m.Config.VocabSize
	if B == 0 {
		return nil, nil
	}
	m.setTraining(false)
	logits, err := m.forward(m.everyLabel(sents))
	if err != nil {
		return nil, err
	}
	out := make([][]float64, B)
	for b := range out {
		out[b] = make([]float64, K)
	}
	scratch := make([]float32, V)
	for i := 0; i < m.T*m.B; i++ {
		if !m.valid[i] {
			continue
		}
		x := logits[i*V : (i+1)*V]
		c := i % m.B
		out[c%B][c/B] -= float64(tensor.LogSoftmax(scratch, x)) - float64(x[m.y[i]])
	}
	return out, nil
}

// LabelAccuracy classifies the sentences of d by the model's own Bayes
// posterior (the label under which the sentence is most likely, a uniform
// prior) and returns the share equal to d's labels: how much of the label
// the model carries.
func (m *CondModel) LabelAccuracy(ctx context.Context, d CondData, batch int) (float64, error) {
	if len(d.Sents) == 0 {
		return 0, nil
	}
	right := 0
	for lo := 0; lo < len(d.Sents); lo += batch {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		hi := min(len(d.Sents), lo+batch)
		ll, err := m.LabelLogLikelihoods(d.Sents[lo:hi])
		if err != nil {
			return 0, err
		}
		for i, row := range ll {
			if best := slices.Index(row, slices.Max(row)); best == d.Labels[lo+i] {
				right++
			}
		}
	}
	return float64(right) / float64(len(d.Sents)), nil
}

// everyLabel returns the batch of every sentence under every label: copy
// k*B+b is sentence b with label k (buffers kept between calls).
func (m *CondModel) everyLabel(sents [][]int32) ([][]int32, []int) {
	all, labs := m.hybSents[:0], m.hybLabels[:0]
	for k := range m.Config.Labels {
		all = append(all, sents...)
		for range sents {
			labs = append(labs, k)
		}
	}
	m.hybSents, m.hybLabels = all, labs
	return all, labs
}

// HybridLoss is the training loss of a class-conditional language model
// with a discriminative term (as GeDi, Krause et al. 2020, trains one):
//
//	L = mean token NLL(x | y) + disc * mean over sentences of -log p(y | x),
//
// where p(y | x) is the model's own Bayes posterior with a uniform prior,
// p(x | y) / sum_k p(x | k) (LabelPosterior). The second term rewards text
// whose likelihood depends on its label, so the label is carried more
// strongly than maximum likelihood alone needs. Every sentence is run once
// per label (a batch K times as large). It returns the summed token NLL
// under the true labels and its token count, and the summed -log p(y | x);
// with backward set it adds the gradient of L into the parameters' Grad.
// disc = 0 is Loss (at K times its cost).
func (m *CondModel) HybridLoss(sents [][]int32, labels []int, disc float64, backward bool) (float64, int, float64, error) {
	K, B, V := len(m.Config.Labels), len(sents), m.Config.VocabSize
	if B == 0 || len(labels) != B {
		return 0, 0, 0, fmt.Errorf("lm: conditional: %d sentences, %d labels", B, len(labels))
	}
	m.setTraining(backward)
	logits, err := m.forward(m.everyLabel(sents))
	if err != nil {
		return 0, 0, 0, err
	}
	n, B2 := m.T*m.B, m.B
	m.dLogits = growF32(m.dLogits, n*V)
	m.hybLL = slices.Grow(m.hybLL[:0], K*B)[:K*B] // log p(sentence kB+b | label k)
	ll := m.hybLL
	clear(ll)
	tokens := 0
	for i := 0; i < n; i++ {
		d := m.dLogits[i*V : (i+1)*V]
		if !m.valid[i] {
			clear(d)
			continue
		}
		x := logits[i*V : (i+1)*V]
		tg := m.y[i]
		xt := x[tg]
		lse := tensor.LogSoftmax(d, x) // d = x - lse
		ll[i%B2] -= float64(lse) - float64(xt)
		tensor.Exp(d, d)
		d[tg]--
	}
	var gen, dsum float64
	m.hybCoef = growF32(m.hybCoef, K*B) // dL/d(logits) of copy kB+b = coef * (softmax - onehot)
	coef := m.hybCoef
	for b, y := range labels {
		tokens += len(sents[b]) + 1
		gen -= ll[y*B+b]
		mx := math.Inf(-1)
		for k := 0; k < K; k++ {
			mx = max(mx, ll[k*B+b])
		}
		var z float64
		for k := 0; k < K; k++ {
			z += math.Exp(ll[k*B+b] - mx)
		}
		lse := mx + math.Log(z)
		dsum += lse - ll[y*B+b]
		for k := 0; k < K; k++ {
			q := math.Exp(ll[k*B+b] - lse)
			c := disc * (-q) / float64(B)
			if k == y {
				c += disc / float64(B)
			}
			coef[k*B+b] = float32(c)
		}
	}
	if err := nn.CheckLoss(gen + dsum); err != nil {
		return 0, 0, 0, fmt.Errorf("lm: conditional: %w", err)
	}
	if !backward {
		return gen, tokens, dsum, nil
	}
	for b, y := range labels {
		coef[y*B+b] += float32(1 / float64(tokens))
	}
	for i := 0; i < n; i++ {
		if m.valid[i] {
			tensor.Scale(coef[i%B2], m.dLogits[i*V:(i+1)*V])
		}
	}
	return gen, tokens, dsum, m.backward()
}

func (m *CondModel) backward() error {
	if m.labBias != nil {
		V := m.Config.VocabSize
		for i := 0; i < m.T*m.B; i++ {
			if m.valid[i] { // other rows have zero gradient
				l := int(m.labRep[i])
				tensor.Axpy(1, m.dLogits[i*V:(i+1)*V], m.labBias.Grad[l*V:(l+1)*V])
			}
		}
	}
	dOut, err := m.dec.Backward(m.dLogits)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	if m.dropping() {
		tensor.Mul(dOut, dOut, m.outMask) // dOut is the decoder's buffer
	}
	dx, dh0, _, err := m.rnn.Backward(dOut, nil, nil)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	T, B, E := m.T, m.B, m.Config.EmbedDim
	if m.lab != nil {
		D := m.Config.LabelDim
		m.demb, m.dlab = growF32(m.demb, T*B*E), growF32(m.dlab, T*B*D)
		for i := 0; i < T*B; i++ {
			copy(m.demb[i*E:(i+1)*E], dx[i*(E+D):i*(E+D)+E])
			copy(m.dlab[i*D:(i+1)*D], dx[i*(E+D)+E:(i+1)*(E+D)])
		}
		if err := m.lab.Backward(m.dlab); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
		dx = m.demb
	}
	if m.dropping() {
		m.dEmbDrop = growF32(m.dEmbDrop, len(dx))
		tensor.Mul(m.dEmbDrop, dx, m.embMask)
		dx = m.dEmbDrop
	}
	if err := m.emb.Backward(dx); err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	if m.init != nil {
		H, L := m.Config.Hidden, m.Config.Layers
		m.dh0rows = growF32(m.dh0rows, B*L*H)
		for b := 0; b < B; b++ {
			for l := 0; l < L; l++ {
				for j := 0; j < H; j++ {
					h := m.h0[(l*B+b)*H+j]
					m.dh0rows[b*L*H+l*H+j] = dh0[(l*B+b)*H+j] * (1 - h*h)
				}
			}
		}
		if err := m.init.Backward(m.dh0rows); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
	}
	return nil
}

func growI32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	return s[:n]
}

func growF32(s []float32, n int) []float32 { return grow(s, n) }

// Sample draws a sentence for label with the language model's sampler
// (temperature, top-k, top-p), stopping at <eos> or after opt.MaxTokens.
// It never produces <unk>.
// opt.Prompt, if set, is fed after the boundary and not returned.
func (m *CondModel) Sample(ctx context.Context, label int, opt SampleOptions) ([]int32, error) {
	return m.SampleGuided(ctx, label, opt, 0)
}

// SampleGuided is Sample with contrastive (classifier-free style) guidance
// g: each step samples from the logits
//
//	log p(w | label) + g * (log p(w | label) - log mean_{k != label} p(w | k)),
//
// which for g > 0 favours the tokens the label makes more likely than the
// other labels do. g = 0 is plain sampling; g > 0 costs one recurrent step
// per label a token.
//
// Sampling carries the recurrent state (one batch-1 stepper per label,
// kept between calls), so a token costs the same at any position; the
// logits equal those of re-running the whole prefix up to float32
// rounding.
func (m *CondModel) SampleGuided(ctx context.Context, label int, opt SampleOptions, g float64) ([]int32, error) {
	K := len(m.Config.Labels)
	if label < 0 || label >= K {
		return nil, fmt.Errorf("lm: sample: label %d outside [0, %d)", label, K)
	}
	if !(g >= 0) || (g > 0 && K < 2) {
		return nil, fmt.Errorf("lm: sample: guidance %v needs g >= 0 and at least two labels", g)
	}
	V := m.Config.VocabSize
	for i, id := range opt.Prompt {
		if id < 0 || int(id) >= V {
			return nil, fmt.Errorf("lm: sample: prompt id %d at position %d outside vocabulary [0, %d)", id, i, V)
		}
	}
	for _, id := range opt.Ban {
		if id < 0 || int(id) >= V {
			return nil, fmt.Errorf("lm: sample: banned id %d outside vocabulary [0, %d)", id, V)
		}
	}
	m.setTraining(false)
	// One generator per label the step needs (the label alone without
	// guidance), each fed the boundary, the prompt and every sampled token:
	// the state is carried, so a step costs the same at any position.
	steps := 1 + len(opt.Prompt) + opt.MaxTokens
	gens := m.stepGens[:0]
	for k := 0; k < K; k++ {
		if k != label && g == 0 {
			continue
		}
		gk, err := m.condGen(k, steps)
		if err != nil {
			return nil, err
		}
		gens = append(gens, gk)
	}
	m.stepGens = gens
	// logits[i]: the next token's logits under gens[i]'s label (with
	// guidance gens[k] is label k's generator; without, gens[0] is label's).
	logits := m.stepLogits[:0]
	for range gens {
		logits = append(logits, nil)
	}
	m.stepLogits = logits
	feed := func(id int32) error {
		for i, gk := range gens {
			l, err := gk.step(id)
			if err != nil {
				return err
			}
			logits[i] = l
		}
		return nil
	}
	if err := feed(m.eos); err != nil {
		return nil, err
	}
	for _, id := range opt.Prompt {
		if err := feed(id); err != nil {
			return nil, err
		}
	}
	s := newSampler(V, opt)
	unk := m.Vocab.UnkID()
	var out []int32
	var cur, other, acc []float32 // [V] log-probabilities
	if g > 0 {
		cur, other, acc = make([]float32, V), make([]float32, V), make([]float32, V)
	}
	for len(out) < opt.MaxTokens {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var last []float32
		if g > 0 {
			guide(cur, other, acc, logits, label, g)
			last = cur
		} else {
			last = logits[0]
		}
		if unk >= 0 {
			last[unk] = float32(math.Inf(-1))
		}
		id := s.pick(last)
		if id == m.eos {
			break
		}
		out = append(out, id)
		if len(out) < opt.MaxTokens {
			if err := feed(id); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// guide writes into cur the guided log-scores of the next token for label:
// log p(w|label) + g * (log p(w|label) - log q(w)), where q is the mean of
// p(w|k) over the other labels k, from logits[k] [V], each label's raw
// next-token logits. other and acc are [V] scratch.
func guide(cur, other, acc []float32, logits [][]float32, label int, g float64) {
	tensor.LogSoftmax(cur, logits[label])
	// acc = log sum_{k != label} p(w | k), accumulated stably.
	first := true
	for k, lk := range logits {
		if k == label {
			continue
		}
		tensor.LogSoftmax(other, lk)
		if first {
			copy(acc, other)
			first = false
			continue
		}
		for i, v := range other {
			hi, lo := max(acc[i], v), min(acc[i], v)
			acc[i] = hi + float32(math.Log1p(math.Exp(float64(lo-hi))))
		}
	}
	shift := float32(math.Log(float64(len(logits) - 1)))
	for i := range cur {
		cur[i] += float32(g) * (cur[i] - (acc[i] - shift))
	}
}

// LabelPosterior returns log p(label | sentence) for every label under the
// model itself with a uniform prior: log p(sentence, <eos> | label)
// normalised over the labels (Bayes' rule with the generative model).
func (m *CondModel) LabelPosterior(sent []int32) ([]float64, error) {
	lp := make([]float64, len(m.Config.Labels))
	for l := range lp {
		nll, _, err := m.Loss([][]int32{sent}, []int{l}, false)
		if err != nil {
			return nil, err
		}
		lp[l] = -nll
	}
	mx := slices.Max(lp)
	var z float64
	for _, v := range lp {
		z += math.Exp(v - mx)
	}
	for l := range lp {
		lp[l] -= mx + math.Log(z)
	}
	return lp, nil
}

// SampleReranked draws n samples for label (seeds opt.Seed, opt.Seed+1,
// ...) and returns the one the model itself assigns the highest posterior
// log p(label | sample), with that posterior. n <= 1 is Sample.
func (m *CondModel) SampleReranked(ctx context.Context, label int, opt SampleOptions, n int) ([]int32, float64, error) {
	var best []int32
	bestScore := math.Inf(-1)
	seed := opt.Seed
	for i := 0; i < max(1, n); i++ {
		opt.Seed = seed + uint64(i)
		ids, err := m.Sample(ctx, label, opt)
		if err != nil {
			return nil, 0, err
		}
		post, err := m.LabelPosterior(append(slices.Clone(opt.Prompt), ids...))
		if err != nil {
			return nil, 0, err
		}
		if post[label] > bestScore || best == nil {
			best, bestScore = ids, post[label]
		}
	}
	return best, bestScore, nil
}

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

// CondData is labelled sentences as ids.
type CondData struct {
	Sents  [][]int32
	Labels []int
}

// CondTrainConfig configures TrainCond.
type CondTrainConfig struct {
	Epochs    int     `json:"epochs"`
	Batch     int     `json:"batch"`
	LR        float64 `json:"lr"`
	Clip      float64 `json:"clip"`
	Seed      uint64  `json:"seed"`
	Optimizer string  `json:"optimizer"`
	// Discriminative weighs the discriminative term of HybridLoss (0:
	// plain maximum likelihood).
	Discriminative float64 `json:"discriminative,omitempty"`
	// Bucket batches sentences of similar length (shuffled within windows
	// of 50 batches, batch order shuffled), which cuts padding.
	Bucket bool `json:"bucket,omitempty"`
}

// CondEpoch reports one epoch of TrainCond.
type CondEpoch struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	// TrainDisc is the mean -log p(label | sentence) under the model, with
	// CondTrainConfig.Discriminative > 0.
	TrainDisc float64 `json:"train_disc_loss,omitempty"`
	ValidLoss float64 `json:"valid_loss"`
	ValidPPL  float64 `json:"valid_perplexity"`
	Seconds   float64 `json:"seconds"`
	BestSoFar bool    `json:"best"`
	// ValidLabelAcc is LabelAccuracy on the validation data (two or more
	// labels).
	ValidLabelAcc float64 `json:"valid_label_accuracy,omitempty"`
	ValidToken    int     `json:"valid_tokens"`
}

// Evaluate returns the metrics of the data (per-token cross-entropy with
// each sentence's <eos>).
func (m *CondModel) Evaluate(ctx context.Context, d CondData, batch int) (Metrics, error) {
	var sum float64
	var n int64
	for lo := 0; lo < len(d.Sents); lo += batch {
		if err := ctx.Err(); err != nil {
			return Metrics{}, err
		}
		hi := min(len(d.Sents), lo+batch)
		s, c, err := m.Loss(d.Sents[lo:hi], d.Labels[lo:hi], false)
		if err != nil {
			return Metrics{}, err
		}
		sum += s
		n += int64(c)
	}
	return NewMetrics(sum, n), nil
}

// TrainCond trains m on train, evaluating on valid after each epoch and
// calling epochEnd (which may save the model, for example when BestSoFar).
// progress gets (batch, batches) within the epoch.
func TrainCond(ctx context.Context, m *CondModel, train, valid CondData, cfg CondTrainConfig,
	progress func(epoch, batch, batches int, loss float64), epochEnd func(CondEpoch) error) error {
	t, err := NewCondTrainer(m, train, valid, cfg)
	if err != nil {
		return err
	}
	return t.Run(ctx, progress, epochEnd)
}

// CondTrainer trains a CondModel epoch by epoch, keeping the parameters
// of the best validation loss; Save and ResumeCond checkpoint it.
type CondTrainer struct {
	Model  *CondModel
	Config CondTrainConfig

	train, valid CondData
	opt          optim.Optimizer
	epoch        int     // epochs done
	best         float64 // best validation loss (-1: none)
	early        nn.EarlyStopping
	history      []CondEpoch
}

// NewCondTrainer prepares training m on train, validating on valid (which
// may be empty). The dropout masks of batch b (counted over all epochs) are
// a function of (cfg.Seed, b).
func NewCondTrainer(m *CondModel, train, valid CondData, cfg CondTrainConfig) (*CondTrainer, error) {
	if cfg.Batch < 1 || cfg.Epochs < 1 || cfg.LR <= 0 || len(train.Sents) == 0 || len(train.Labels) != len(train.Sents) {
		return nil, fmt.Errorf("lm: conditional training: invalid configuration %+v with %d sentences", cfg, len(train.Sents))
	}
	if cfg.Optimizer == "" {
		cfg.Optimizer = "adam"
	}
	o, err := optim.New(cfg.Optimizer, m.Params(), optim.Options{LR: cfg.LR})
	if err != nil {
		return nil, err
	}
	m.dropSeed = cfg.Seed
	return &CondTrainer{Model: m, Config: cfg, train: train, valid: valid, opt: o, best: -1}, nil
}

// Epoch returns the number of epochs done.
func (t *CondTrainer) Epoch() int { return t.epoch }

// History returns the reports of the epochs done.
func (t *CondTrainer) History() []CondEpoch { return t.history }

// Run trains until Config.Epochs epochs are done, calling progress after
// every batch and epochEnd after every epoch (where a caller may Save).
// Cancelled through ctx it returns ctx's error mid-epoch; the last Save
// then resumes from the start of that epoch. When Run returns without
// error the model holds the best validation epoch's parameters.
func (t *CondTrainer) Run(ctx context.Context, progress func(epoch, batch, batches int, loss float64), epochEnd func(CondEpoch) error) error {
	m, cfg := t.Model, t.Config
	for t.epoch < cfg.Epochs {
		ep := t.epoch
		start := time.Now()
		r := rand.New(rand.NewPCG(cfg.Seed, uint64(ep)+1))
		batches := condBatches(r, t.train.Sents, cfg.Batch, cfg.Bucket)
		var sum, dsum float64
		var cnt, ns int
		nb := len(batches)
		var sents [][]int32
		var labels []int
		for bi, batch := range batches {
			if err := ctx.Err(); err != nil {
				return err
			}
			sents, labels = sents[:0], labels[:0]
			for _, i := range batch {
				sents, labels = append(sents, t.train.Sents[i]), append(labels, t.train.Labels[i])
			}
			nn.ZeroGrads(m.Params())
			m.reseed(uint64(ep)*uint64(nb) + uint64(bi)) // every epoch has nb batches
			var s, d float64
			var c int
			var err error
			if cfg.Discriminative > 0 {
				s, c, d, err = m.HybridLoss(sents, labels, cfg.Discriminative, true)
			} else {
				s, c, err = m.Loss(sents, labels, true)
			}
			if err != nil {
				return fmt.Errorf("lm: conditional: epoch %d batch %d: %w", ep+1, bi+1, err)
			}
			if cfg.Clip > 0 {
				optim.ClipGradNorm(m.Params(), cfg.Clip)
			}
			if err := t.opt.Step(); err != nil {
				return fmt.Errorf("lm: conditional: epoch %d batch %d: %w", ep+1, bi+1, err)
			}
			sum, dsum = sum+s, dsum+d
			cnt, ns = cnt+c, ns+len(sents)
			if progress != nil {
				progress(ep+1, bi+1, nb, sum/float64(cnt))
			}
		}
		e := CondEpoch{Epoch: ep + 1, TrainLoss: sum / float64(max(1, cnt))}
		if cfg.Discriminative > 0 {
			e.TrainDisc = dsum / float64(max(1, ns))
		}
		if len(t.valid.Sents) > 0 {
			met, err := m.Evaluate(ctx, t.valid, 128)
			if err != nil {
				return err
			}
			e.ValidLoss, e.ValidPPL, e.ValidToken = met.Loss, met.Perplexity, int(met.Tokens)
			if len(m.Config.Labels) > 1 {
				if e.ValidLabelAcc, err = m.LabelAccuracy(ctx, t.valid, 64); err != nil {
					return err
				}
			}
			if t.best < 0 || met.Loss < t.best {
				t.best, e.BestSoFar = met.Loss, true
			}
			t.early.Observe(e.BestSoFar, 0, m.Params())
		} else {
			e.BestSoFar = true
		}
		e.Seconds = time.Since(start).Seconds()
		t.history = append(t.history, e)
		t.epoch++
		if epochEnd != nil {
			if err := epochEnd(e); err != nil {
				return err
			}
		}
	}
	t.early.RestoreBest(m.Params())
	return nil
}

// condLastFile holds the parameters training reached (model.safetensors
// holds the best validation epoch's), for ResumeCond.
const condLastFile = "last.safetensors"

const condStateFormat = "recurrent-lm-conditional-train-state"

// condTrainState is state.json of a CondTrainer checkpoint.
type condTrainState struct {
	Format    string          `json:"format"`
	Train     CondTrainConfig `json:"train"`
	Epoch     int             `json:"epoch"`
	LR        float64         `json:"lr"`
	Best      float64         `json:"best_valid_loss"`
	History   []CondEpoch     `json:"history"`
	TrainHash uint64          `json:"train_hash"`
	ValidHash uint64          `json:"valid_hash"`
	Counts    [2]int          `json:"sentences"`
}

func (d CondData) hash() uint64 {
	h := fnv.New64a()
	var b [4]byte
	for i, s := range d.Sents {
		for _, id := range s {
			binary.LittleEndian.PutUint32(b[:], uint32(id))
			h.Write(b[:])
		}
		binary.LittleEndian.PutUint32(b[:], uint32(0xff000000)|uint32(d.Labels[i]))
		h.Write(b[:])
	}
	return h.Sum64()
}

// Save writes a training checkpoint to dir atomically: the model files
// (LoadCond reads them) with the best validation epoch's parameters, the
// parameters reached (last.safetensors), the optimizer state and the
// progress (state.json), from which ResumeCond continues with the next
// epoch exactly as an uninterrupted run would (dropout masks are a function
// of the seed and the batch number).
func (t *CondTrainer) Save(dir string) error {
	m := t.Model
	ot, om, err := checkpoint.OptimizerTensors(t.opt)
	if err != nil {
		return fmt.Errorf("lm: save %s: %w", dir, err)
	}
	st := condTrainState{Format: condStateFormat, Train: t.Config, Epoch: t.epoch, LR: t.opt.LR(), Best: t.best,
		History: t.history, TrainHash: t.train.hash(), ValidHash: t.valid.hash(), Counts: [2]int{len(t.train.Sents), len(t.valid.Sents)}}
	err = checkpoint.Save(dir,
		checkpoint.JSONFile(checkpoint.ConfigFile, m.Config),
		checkpoint.JSONFile(checkpoint.VocabFile, m.Vocab),
		checkpoint.ParamsFile(checkpoint.ModelFile, t.early.BestParams(m.params), map[string]string{"format": "pt", "model": "recurrent-lm-conditional"}),
		checkpoint.ParamsFile(condLastFile, m.params, nil),
		checkpoint.TensorsFile(checkpoint.OptimizerFile, ot, om),
		checkpoint.JSONFile(checkpoint.StateFile, st))
	if err != nil {
		return fmt.Errorf("lm: save %s: %w", dir, err)
	}
	return nil
}

// ResumeCond reopens a checkpoint written by CondTrainer.Save for the same
// training and validation data (checked by fingerprint). The caller may
// raise Config.Epochs before Run.
func ResumeCond(dir string, train, valid CondData) (*CondTrainer, error) {
	m, err := LoadCond(dir)
	if err != nil {
		return nil, err
	}
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if !ck.Has(checkpoint.StateFile) || !ck.Has(condLastFile) {
		return nil, fmt.Errorf("lm: %s is a conditional model without training state (trained before resuming existed?)", dir)
	}
	var st condTrainState
	if err := ck.ReadJSON(checkpoint.StateFile, &st); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if st.Format != condStateFormat {
		return nil, fmt.Errorf("lm: %s: format %q, want %q", ck.Path(checkpoint.StateFile), st.Format, condStateFormat)
	}
	if st.Counts != [2]int{len(train.Sents), len(valid.Sents)} || st.TrainHash != train.hash() || st.ValidHash != valid.hash() {
		return nil, fmt.Errorf("lm: resume %s: the training or validation data differ from the checkpoint's (%d/%d sentences then, %d/%d now)",
			dir, st.Counts[0], st.Counts[1], len(train.Sents), len(valid.Sents))
	}
	var best [][]float32
	if st.Best >= 0 {
		best = nn.Snapshot(m.params, nil) // model.safetensors: the best epoch's
	}
	if _, err := ck.ReadParams(condLastFile, m.params); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	t, err := NewCondTrainer(m, train, valid, st.Train)
	if err != nil {
		return nil, err
	}
	if err := ck.ReadOptimizer(t.opt); err != nil {
		return nil, fmt.Errorf("lm: resume %s: %w", dir, err)
	}
	t.opt.SetLR(st.LR)
	t.epoch, t.best, t.history = st.Epoch, st.Best, st.History
	t.early = nn.EarlyStopping{Best: best}
	return t, nil
}

// condBatches returns one epoch's batches of sentence indices: a random
// permutation cut into batches, or with bucket, windows of 50 batches of
// the permutation sorted by length, cut, and the batches shuffled.
func condBatches(r *rand.Rand, sents [][]int32, batch int, bucket bool) [][]int {
	idx := r.Perm(len(sents))
	if bucket {
		w := 50 * batch
		for lo := 0; lo < len(idx); lo += w {
			win := idx[lo:min(len(idx), lo+w)]
			slices.SortStableFunc(win, func(a, b int) int { return len(sents[a]) - len(sents[b]) })
		}
	}
	var out [][]int
	for lo := 0; lo < len(idx); lo += batch {
		out = append(out, idx[lo:min(len(idx), lo+batch)])
	}
	if bucket {
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return out
}

// Save writes the model (config.json, vocab.json, model.safetensors)
// atomically as the checkpoint directory dir.
func (m *CondModel) Save(dir string) error {
	err := checkpoint.Save(dir,
		checkpoint.JSONFile(checkpoint.ConfigFile, m.Config),
		checkpoint.JSONFile(checkpoint.VocabFile, m.Vocab),
		checkpoint.ParamsFile(checkpoint.ModelFile, m.params, map[string]string{"format": "pt", "model": "recurrent-lm-conditional"}))
	if err != nil {
		return fmt.Errorf("lm: save %s: %w", dir, err)
	}
	return nil
}

// IsConditional reports whether dir holds a CondModel checkpoint.
func IsConditional(dir string) bool {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return false
	}
	b, err := ck.ReadFile(checkpoint.ConfigFile)
	if err != nil {
		return false
	}
	var probe struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Kind == CondKind
}

// dims ties the sizes of config.json to the tensors of model.safetensors,
// so that LoadCond checks them before building the model.
func (c *CondConfig) dims() []checkpoint.Dim {
	d := []checkpoint.Dim{
		{Field: "vocab_size", Value: c.VocabSize, Tensor: "embedding.weight", Axis: 0},
		{Field: "embed_dim", Value: c.EmbedDim, Tensor: "embedding.weight", Axis: 1},
		{Field: "hidden_size", Value: c.Hidden, Tensor: "rnn.weight_hh_l0", Axis: 1},
		{Field: "num_layers", Value: c.Layers, Tensor: "rnn.weight_hh_l%d"},
	}
	if c.useInput() {
		d = append(d, checkpoint.Dim{Field: "labels", Value: len(c.Labels), Tensor: "label_embedding.weight", Axis: 0},
			checkpoint.Dim{Field: "label_dim", Value: c.LabelDim, Tensor: "label_embedding.weight", Axis: 1})
	}
	if c.useInit() {
		d = append(d, checkpoint.Dim{Field: "labels", Value: len(c.Labels), Tensor: "label_init.weight", Axis: 0})
	}
	if c.LabelBias {
		d = append(d, checkpoint.Dim{Field: "labels", Value: len(c.Labels), Tensor: "label_bias.weight", Axis: 0})
	}
	return d
}

// LoadCond reads a CondModel written by CondModel.Save.
func LoadCond(dir string) (*CondModel, error) {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	var cfg CondConfig
	if err := ck.ReadJSON(checkpoint.ConfigFile, &cfg); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if cfg.Kind != CondKind {
		return nil, fmt.Errorf("lm: %s: not a conditional model (kind %q)", ck.Path(checkpoint.ConfigFile), cfg.Kind)
	}
	if err := ck.CheckDims(checkpoint.ModelFile, cfg.dims()...); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	b, err := ck.ReadFile(checkpoint.VocabFile)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	v := new(text.Vocab)
	if err := v.UnmarshalJSON(b); err != nil {
		return nil, fmt.Errorf("lm: %s: %w", ck.Path(checkpoint.VocabFile), err)
	}
	m, err := NewCond(cfg, v, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, ck.Path(checkpoint.ConfigFile))
	}
	if _, err := ck.ReadParams(checkpoint.ModelFile, m.params); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	return m, nil
}
