package seq2seq

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
)

// Special token ids shared by the source and target vocabularies.
const (
	PadID int32 = 0 // <pad>
	UnkID int32 = 1 // <unk>
	BosID int32 = 2 // <bos>
	EosID int32 = 3 // <eos>
)

// specials are the special tokens of both vocabularies, in id order.
var specials = []string{text.PAD, text.UNK, text.BOS, text.EOS}

// Config describes an encoder-decoder. Zero sizes take the defaults noted.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Config struct {
	// Tokens is "char" (each character a token, the default) or "word"
	// (whitespace-separated tokens).
	Tokens string `json:"tokens"`
	// Cell is the encoder's recurrence (any nn cell; default "gru").
	Cell string `json:"cell"`
	// DecoderCell is "gru" or "lstm" (default: Cell when it is one of
	// them, else "gru").
	DecoderCell string `json:"decoder_cell"`
	// Attention is "bahdanau" (default), "dot", "general" or "none".
	Attention string `json:"attention"`
	// Embed is the size of the source and target embeddings (default 32).
	Embed int `json:"embed"`
	// Hidden is the encoder's state size per direction (default 64).
	Hidden int `json:"hidden"`
	// Layers is the number of stacked bidirectional encoder layers (default 1).
	Layers int `json:"layers"`
	// DecoderHidden is the decoder's state size (default 2*Hidden, which
	// dot attention requires).
	DecoderHidden int `json:"decoder_hidden"`
	// AttentionSize is the hidden size of Bahdanau's scorer (default
	// DecoderHidden).
	AttentionSize int `json:"attention_size"`
	// TrainedDates is the span of the training targets when they are all
	// ISO dates (a date-normalization model), set by NewTrainer; inputs
	// with years outside it are beyond what the model learned (see
	// YearsOutside).
	TrainedDates DateRange `json:"trained_dates,omitzero"`
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	c.Tokens = cmp.Or(c.Tokens, "char")
	c.Cell = cmp.Or(c.Cell, "gru")
	if c.DecoderCell == "" && c.Cell == "lstm" {
		c.DecoderCell = "lstm"
	}
	c.DecoderCell = cmp.Or(c.DecoderCell, "gru")
	c.Attention = cmp.Or(c.Attention, "bahdanau")
	c.Embed = cmp.Or(c.Embed, 32)
	c.Hidden = cmp.Or(c.Hidden, 64)
	c.Layers = cmp.Or(c.Layers, 1)
	c.DecoderHidden = cmp.Or(c.DecoderHidden, 2*c.Hidden)
	c.AttentionSize = cmp.Or(c.AttentionSize, c.DecoderHidden)
	return c
}

// Model is a bidirectional recurrent encoder and a recurrent decoder with
// optional attention, trained with teacher forcing. Its parameters are
// named as a PyTorch module would name them: src_embed.weight,
// encoder.weight_ih_l0 (and _reverse), bridge.weight, tgt_embed.weight,
// decoder.weight_ih (GRUCell/LSTMCell layout), attention.W_q / W_k / v
// (Bahdanau) or attention.W (general), out.weight and out.bias.
//
// The decoder's initial state is s0 = tanh(bridge([h_fwd; h_bwd])) from the
// encoder's final states of its top layer (an LSTM decoder's c0 is 0). At
// step t, with previous state s_{t-1}, the context c_t = attend(s_{t-1}, H)
// is concatenated to the embedding of the previous target token to form the
// decoder input, and the output layer reads [s_t; c_t]. Without attention
// the input is the embedding alone and the output reads s_t.
//
// A Model is not safe for concurrent use.
type Model struct {
	Config   Config
	Src, Tgt *text.Vocab

	attn     Attention
	srcEmb   *nn.Embedding
	tgtEmb   *nn.Embedding
	enc      *nn.RNN
	bridge   *nn.Linear
	dec      *cell
	att      *attention // nil without attention
	out      *nn.Linear
	params   []*nn.Param
	de, in   int // encoder output size, decoder input size
	outIn    int // output layer input size
	work     trainWork
	keysBuf  []float32
	finalBuf []float32
}

// New builds a model for the vocabularies src and tgt (from
// BuildVocabs) with parameters drawn from a generator seeded with seed.
func New(cfg Config, src, tgt *text.Vocab, seed uint64) (*Model, error) {
	cfg = cfg.withDefaults()
	if cfg.Tokens != "char" && cfg.Tokens != "word" {
		return nil, fmt.Errorf("seq2seq: tokens %q: want char or word", cfg.Tokens)
	}
	for _, s := range []struct {
		name string
		v    int
	}{{"embed", cfg.Embed}, {"hidden", cfg.Hidden}, {"layers", cfg.Layers}, {"decoder_hidden", cfg.DecoderHidden}, {"attention_size", cfg.AttentionSize}} {
		if s.v < 1 {
			return nil, fmt.Errorf("seq2seq: %s %d must be positive", s.name, s.v)
		}
	}
	for name, v := range map[string]*text.Vocab{"source": src, "target": tgt} {
		if v == nil || v.Len() <= int(EosID) || v.Token(PadID) != text.PAD || v.Token(UnkID) != text.UNK ||
			v.Token(BosID) != text.BOS || v.Token(EosID) != text.EOS {
			return nil, fmt.Errorf("seq2seq: the %s vocabulary must start with %v", name, specials)
		}
	}
	at, err := ParseAttention(cfg.Attention)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	decKind, err := nn.ParseCell(cfg.DecoderCell)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: decoder: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5e92))
	m := &Model{Config: cfg, Src: src, Tgt: tgt, attn: at}
	if m.srcEmb, err = nn.NewEmbedding(src.Len(), cfg.Embed, int(PadID), rng); err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	if m.enc, err = nn.NewRNN(nn.RNNConfig{Cell: cfg.Cell, InputSize: cfg.Embed, HiddenSize: cfg.Hidden,
		NumLayers: cfg.Layers, Bidirectional: true}, rng); err != nil {
		return nil, fmt.Errorf("seq2seq: encoder: %w", err)
	}
	m.enc.SetParallel(false)
	m.de = 2 * cfg.Hidden
	m.bridge = nn.NewLinear(m.de, cfg.DecoderHidden, true, rng)
	if m.tgtEmb, err = nn.NewEmbedding(tgt.Len(), cfg.Embed, int(PadID), rng); err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	m.in, m.outIn = cfg.Embed, cfg.DecoderHidden
	if at != AttentionNone {
		m.in += m.de
		m.outIn += m.de
	}
	if m.dec, err = newCell("decoder", decKind, m.in, cfg.DecoderHidden, rng); err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	if at != AttentionNone {
		if m.att, err = newAttention(at, cfg.DecoderHidden, m.de, cfg.AttentionSize, rng); err != nil {
			return nil, fmt.Errorf("seq2seq: %w", err)
		}
	}
	m.out = nn.NewLinear(m.outIn, tgt.Len(), true, rng)

	m.params = append(m.params, nn.Prefix("src_embed", m.srcEmb.Params()...)...)
	m.params = append(m.params, nn.Prefix("encoder", m.enc.Params()...)...)
	m.params = append(m.params, nn.Prefix("bridge", m.bridge.Params()...)...)
	m.params = append(m.params, nn.Prefix("tgt_embed", m.tgtEmb.Params()...)...)
	m.params = append(m.params, m.dec.params()...)
	if m.att != nil {
		m.params = append(m.params, m.att.params()...)
	}
	m.params = append(m.params, nn.Prefix("out", m.out.Params()...)...)
	return m, nil
}

// Params returns every parameter in a stable order.
func (m *Model) Params() []*nn.Param { return m.params }

// AttentionKind returns the model's attention.
func (m *Model) AttentionKind() Attention { return m.attn }

// Tokenizer returns the text tokenizer of a token mode: every character
// for "char", whitespace-separated fields for "word".
func Tokenizer(mode string) text.Tokenizer {
	if mode == "word" {
		return text.Tokenizer{Mode: text.Whitespace}
	}
	return text.Tokenizer{Mode: text.Chars}
}

// SplitTokens splits a line into tokens with Tokenizer(mode).
func SplitTokens(mode, line string) []string {
	tok := Tokenizer(mode)
	return tok.Tokenize(line)
}

// JoinTokens joins tokens back into a line.
func JoinTokens(mode string, toks []string) string {
	if mode == "word" {
		return strings.Join(toks, " ")
	}
	return strings.Join(toks, "")
}

// BuildVocabs collects the source and target vocabularies of pairs (every
// token seen, in byte order, after the specials <pad>, <unk>, <bos>, <eos>).
func BuildVocabs(pairs []Pair, mode string) (src, tgt *text.Vocab, err error) {
	tok := Tokenizer(mode)
	build := func(side func(Pair) string) (*text.Vocab, error) {
		c := text.NewCounter()
		var buf []string
		for _, p := range pairs {
			buf = tok.Append(buf[:0], side(p))
			c.Add(buf)
		}
		return text.BuildVocab(c, text.VocabOptions{Specials: specials, Sorted: true})
	}
	if src, err = build(func(p Pair) string { return p.Source }); err != nil {
		return nil, nil, fmt.Errorf("seq2seq: source vocabulary: %w", err)
	}
	if tgt, err = build(func(p Pair) string { return p.Target }); err != nil {
		return nil, nil, fmt.Errorf("seq2seq: target vocabulary: %w", err)
	}
	return src, tgt, nil
}

// EncodeSource maps a source line to ids (unknown tokens to <unk>).
func (m *Model) EncodeSource(line string) []int32 {
	return encodeWith(m.Src, SplitTokens(m.Config.Tokens, line))
}

// EncodeTarget maps a target line to ids, without <bos> or <eos>.
func (m *Model) EncodeTarget(line string) []int32 {
	return encodeWith(m.Tgt, SplitTokens(m.Config.Tokens, line))
}

func encodeWith(v *text.Vocab, toks []string) []int32 {
	ids := make([]int32, len(toks))
	for i, t := range toks {
		ids[i] = v.ID(t)
	}
	return ids
}

// DecodeTarget turns target ids (stopping at <eos>, skipping specials)
// into tokens.
func (m *Model) DecodeTarget(ids []int32) []string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == EosID {
			break
		}
		if id <= EosID || int(id) >= m.Tgt.Len() {
			continue
		}
		toks = append(toks, m.Tgt.Token(id))
	}
	return toks
}

// trainWork holds the per-batch buffers of a teacher-forced forward and
// backward; they grow to the largest batch seen and are reused.
type trainWork struct {
	srcIDs  []int32     // [S*B]
	lengths []int       // [B]
	mem     memory      // encoder outputs (copied) and keys
	hbuf    []float32   // [S*B*De]
	yin     []int32     // [T*B] decoder inputs
	yout    []int32     // [T*B] targets
	valid   []bool      // [T*B]
	s0      []float32   // [B, Hd]
	c0      []float32   // [B, Hd] LSTM decoder's zero initial cell
	x       []float32   // [T, B, In] decoder inputs
	o       []float32   // [T, B, OutIn] output-layer inputs
	cells   []*cellStep // [T]
	atts    []*attnStep // [T]
	dlogits []float32   // [T*B, V]
	dh, dhp []float32   // [B, Hd]
	dc, dcp []float32   // [B, Hd]
	dx      []float32   // [B, In]
	dctx    []float32   // [B, De]
	dH      []float32   // [S, B, De]
	dKeys   []float32   // [S, B, Kd]
	demb    []float32   // [T*B, E]
	dhN     []float32   // [L*2, B, He]
}

// encode runs the encoder over src (each a non-empty id sequence) and
// fills mem (h, keys, lengths) and s0 [B, Hd], the decoder's initial state.
func (m *Model) encode(src [][]int32, mem *memory, hbuf, s0 []float32) ([]float32, error) {
	B := len(src)
	S := 0
	for i, s := range src {
		if len(s) == 0 {
			return nil, fmt.Errorf("seq2seq: source %d is empty", i)
		}
		S = max(S, len(s))
	}
	w := &m.work
	w.srcIDs = xslices.Resize(w.srcIDs, S*B)
	mem.lengths = xslices.Resize(mem.lengths, B)
	for b, s := range src {
		mem.lengths[b] = len(s)
		for t := 0; t < S; t++ {
			id := PadID
			if t < len(s) {
				id = s[t]
			}
			w.srcIDs[t*B+b] = id
		}
	}
	xe, err := m.srcEmb.Forward(w.srcIDs)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: source: %w", err)
	}
	out, hN, _, err := m.enc.Forward(xe, S, B, mem.lengths, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: encoder: %w", err)
	}
	hbuf = xslices.Resize(hbuf, S*B*m.de)
	copy(hbuf, out)
	mem.S, mem.B, mem.h = S, B, hbuf
	if m.att != nil {
		m.keysBuf = m.att.setKeys(mem, m.keysBuf)
	}
	// final [B, De] = [h_fwd; h_bwd] of the top layer; s0 = tanh(bridge(final)).
	He, L := m.Config.Hidden, m.Config.Layers
	m.finalBuf = xslices.Resize(m.finalBuf, B*m.de)
	for b := 0; b < B; b++ {
		copy(m.finalBuf[b*m.de:b*m.de+He], hN[((2*(L-1))*B+b)*He:])
		copy(m.finalBuf[b*m.de+He:(b+1)*m.de], hN[((2*(L-1)+1)*B+b)*He:((2*(L-1)+1)*B+b+1)*He])
	}
	y, err := m.bridge.Forward(m.finalBuf[:B*m.de], B)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: bridge: %w", err)
	}
	tensor.Tanh(s0, y)
	return hbuf, nil
}

// Stats are summed over a batch or a data set.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Stats struct {
	Loss    float64 // summed token cross-entropy (nats)
	Tokens  int     // target tokens counted, <eos> included
	Correct int     // tokens whose argmax under teacher forcing is right
}

// Add accumulates o.
func (s *Stats) Add(o Stats) {
	s.Loss += o.Loss
	s.Tokens += o.Tokens
	s.Correct += o.Correct
}

// Forward computes the teacher-forced loss of the batch (src[b] ->
// tgt[b] followed by <eos>) and, when backward is set, adds the gradient of
// the mean token loss into every parameter's Grad. Ids must lie in the
// vocabularies; sources must be non-empty.
func (m *Model) Forward(src, tgt [][]int32, backward bool) (Stats, error) {
	if len(src) != len(tgt) || len(src) == 0 {
		return Stats{}, fmt.Errorf("seq2seq: %d sources for %d targets", len(src), len(tgt))
	}
	B := len(src)
	Hd, V := m.Config.DecoderHidden, m.Tgt.Len()
	w := &m.work
	w.s0 = xslices.Resize(w.s0, B*Hd)
	var err error
	if w.hbuf, err = m.encode(src, &w.mem, w.hbuf, w.s0); err != nil {
		return Stats{}, err
	}
	S := w.mem.S
	T, err := m.targets(tgt)
	if err != nil {
		return Stats{}, err
	}
	if err := m.decode(B, S, T); err != nil {
		return Stats{}, err
	}
	logits, err := m.out.Forward(w.o, T*B)
	if err != nil {
		return Stats{}, fmt.Errorf("seq2seq: output: %w", err)
	}
	var st Stats
	for i, ok := range w.valid {
		if ok && int32(tensor.Argmax(logits[i*V:(i+1)*V])) == w.yout[i] {
			st.Correct++
		}
	}
	var dl []float32
	if backward {
		w.dlogits = xslices.Resize(w.dlogits, T*B*V)
		dl = w.dlogits
	}
	sum, n, err := nn.SoftmaxCrossEntropy(dl, logits, T*B, V, w.yout, nn.LossOptions{Reduction: nn.ReduceSum, Valid: w.valid})
	if err != nil {
		return Stats{}, fmt.Errorf("seq2seq: loss: %w", err)
	}
	st.Loss, st.Tokens = sum, n
	if err := nn.CheckLoss(sum); err != nil {
		return st, fmt.Errorf("seq2seq: %w", err)
	}
	if !backward {
		return st, nil
	}
	tensor.Scale(1/float32(n), dl)
	return st, m.backward(B, S, T)
}

// targets lays the targets out time-major [T, B]: decoder inputs w.yin
// (<bos> then the tokens), outputs w.yout (the tokens then <eos>) and the
// valid positions, and returns T, the longest target plus one.
func (m *Model) targets(tgt [][]int32) (int, error) {
	w, B, V := &m.work, len(tgt), m.Tgt.Len()
	T := 0
	for _, t := range tgt {
		T = max(T, len(t)+1)
	}
	w.yin, w.yout, w.valid = xslices.Resize(w.yin, T*B), xslices.Resize(w.yout, T*B), xslices.Resize(w.valid, T*B)
	for b, y := range tgt {
		for t := 0; t < T; t++ {
			in, out := PadID, PadID
			if t == 0 {
				in = BosID
			} else if t <= len(y) {
				in = y[t-1]
			}
			if t < len(y) {
				out = y[t]
			} else if t == len(y) {
				out = EosID
			}
			if out != PadID && (out < 0 || int(out) >= V) {
				return 0, fmt.Errorf("seq2seq: target id %d outside the vocabulary of %d", out, V)
			}
			w.yin[t*B+b], w.yout[t*B+b], w.valid[t*B+b] = in, out, t <= len(y)
		}
	}
	return T, nil
}

// decode runs the decoder with teacher forcing over the T steps of w.yin
// from the state w.s0, attending over the S encoder outputs in w.mem, and
// fills w.o [T, B, OutIn], the output layer's inputs, keeping every step's
// record for backward.
func (m *Model) decode(B, S, T int) error {
	w := &m.work
	Hd, E := m.Config.DecoderHidden, m.Config.Embed
	demb, err := m.tgtEmb.Forward(w.yin)
	if err != nil {
		return fmt.Errorf("seq2seq: target: %w", err)
	}
	// Each step's record grows to what a batch needs, field by field: not
	// the most rows of one batch times the longest source of another.
	for len(w.cells) < T {
		w.cells, w.atts = append(w.cells, nil), append(w.atts, nil)
	}
	for t := range T {
		w.cells[t] = m.dec.fitStep(w.cells[t], B)
		if m.att != nil {
			w.atts[t] = m.att.fitStep(w.atts[t], B, S)
		}
	}
	w.x, w.o = xslices.Resize(w.x, T*B*m.in), xslices.Resize(w.o, T*B*m.outIn)
	w.c0 = xslices.Resize(w.c0, B*Hd)
	clear(w.c0)
	hPrev, cPrev := w.s0, w.c0
	for t := 0; t < T; t++ {
		cs := w.cells[t]
		trimStep(cs, B, Hd, m.dec.g)
		x := w.x[t*B*m.in : (t+1)*B*m.in]
		var as *attnStep
		if m.att != nil {
			as = w.atts[t]
			trimAttn(as, B, S, m.de, m.att.a, m.att.kind)
			m.att.forward(B, hPrev, &w.mem, nil, as)
		}
		for b := 0; b < B; b++ {
			xr := x[b*m.in : (b+1)*m.in]
			copy(xr[:E], demb[(t*B+b)*E:(t*B+b+1)*E])
			if as != nil {
				copy(xr[E:], as.ctx[b*m.de:(b+1)*m.de])
			}
		}
		m.dec.forward(B, x, hPrev, cPrev, cs)
		for b := 0; b < B; b++ {
			or := w.o[(t*B+b)*m.outIn : (t*B+b+1)*m.outIn]
			copy(or[:Hd], cs.h[b*Hd:(b+1)*Hd])
			if as != nil {
				copy(or[Hd:], as.ctx[b*m.de:(b+1)*m.de])
			}
		}
		hPrev, cPrev = cs.h, cs.c
	}
	return nil
}

// trimStep re-slices a step record made for a larger batch to b rows.
func trimStep(s *cellStep, b, h, g int) {
	s.gates, s.h = s.gates[:b*g*h], s.h[:b*h]
	if s.ghn != nil {
		s.ghn = s.ghn[:b*h]
	}
	if s.c != nil {
		s.c, s.tanhC = s.c[:b*h], s.tanhC[:b*h]
	}
}

// trimAttn re-slices an attention step record to b rows over s positions.
func trimAttn(a *attnStep, b, s, de, A int, kind Attention) {
	a.w, a.ctx = a.w[:cap(a.w)][:b*s], a.ctx[:b*de]
	if kind == AttentionBahdanau {
		a.qp, a.u = a.qp[:b*A], a.u[:cap(a.u)][:b*s*A]
	}
}

// backward propagates m.work.dlogits through the decoder steps, the
// attention, the bridge and the encoder.
func (m *Model) backward(B, S, T int) error {
	w := &m.work
	Hd, E, He, L := m.Config.DecoderHidden, m.Config.Embed, m.Config.Hidden, m.Config.Layers
	dO, err := m.out.Backward(w.dlogits) // [T*B, OutIn]
	if err != nil {
		return fmt.Errorf("seq2seq: output backward: %w", err)
	}
	w.dh, w.dhp = xslices.Resize(w.dh, B*Hd), xslices.Resize(w.dhp, B*Hd)
	w.dc, w.dcp = xslices.Resize(w.dc, B*Hd), xslices.Resize(w.dcp, B*Hd)
	w.dx, w.dctx = xslices.Resize(w.dx, B*m.in), xslices.Resize(w.dctx, B*m.de)
	w.demb = xslices.Resize(w.demb, T*B*E)
	w.dH = xslices.Resize(w.dH, S*B*m.de)
	clear(w.dh)
	clear(w.dc)
	clear(w.dH)
	var dKeys []float32
	if m.att != nil {
		if m.att.kind == AttentionDot {
			dKeys = w.dH
		} else {
			w.dKeys = xslices.Resize(w.dKeys, S*B*m.att.keyDim())
			clear(w.dKeys)
			dKeys = w.dKeys
		}
	}
	for t := T - 1; t >= 0; t-- {
		clear(w.dhp)
		clear(w.dcp)
		for b := 0; b < B; b++ {
			or := dO[(t*B+b)*m.outIn : (t*B+b+1)*m.outIn]
			tensor.Add(w.dh[b*Hd:(b+1)*Hd], w.dh[b*Hd:(b+1)*Hd], or[:Hd])
			if m.att != nil {
				copy(w.dctx[b*m.de:(b+1)*m.de], or[Hd:])
			}
		}
		m.dec.backward(B, w.cells[t], w.dh, w.dc, w.dx, w.dhp, w.dcp)
		for b := 0; b < B; b++ {
			xr := w.dx[b*m.in : (b+1)*m.in]
			copy(w.demb[(t*B+b)*E:(t*B+b+1)*E], xr[:E])
			if m.att != nil {
				tensor.Add(w.dctx[b*m.de:(b+1)*m.de], w.dctx[b*m.de:(b+1)*m.de], xr[E:])
			}
		}
		if m.att != nil {
			m.att.backward(B, w.dctx, &w.mem, nil, w.atts[t], w.dhp, w.dH, dKeys)
		}
		w.dh, w.dhp = w.dhp, w.dh
		w.dc, w.dcp = w.dcp, w.dc
	}
	if err := m.tgtEmb.Backward(w.demb); err != nil {
		return fmt.Errorf("seq2seq: target embedding backward: %w", err)
	}
	if m.att != nil {
		m.att.keysBackward(&w.mem, dKeys, w.dH)
	}
	// s0 = tanh(y): dy = ds0 (1 - s0^2), held in w.dh.
	for i, s := range w.s0[:B*Hd] {
		w.dh[i] *= 1 - s*s
	}
	dfinal, err := m.bridge.Backward(w.dh)
	if err != nil {
		return fmt.Errorf("seq2seq: bridge backward: %w", err)
	}
	w.dhN = xslices.Resize(w.dhN, 2*L*B*He)
	clear(w.dhN)
	for b := 0; b < B; b++ {
		copy(w.dhN[((2*(L-1))*B+b)*He:((2*(L-1))*B+b+1)*He], dfinal[b*m.de:b*m.de+He])
		copy(w.dhN[((2*(L-1)+1)*B+b)*He:((2*(L-1)+1)*B+b+1)*He], dfinal[b*m.de+He:(b+1)*m.de])
	}
	dxe, _, _, err := m.enc.Backward(w.dH, w.dhN, nil)
	if err != nil {
		return fmt.Errorf("seq2seq: encoder backward: %w", err)
	}
	if err := m.srcEmb.Backward(dxe); err != nil {
		return fmt.Errorf("seq2seq: source embedding backward: %w", err)
	}
	return nil
}
