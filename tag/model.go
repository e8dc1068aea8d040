package tag

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/internal/stepdrop"
	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// Config holds a tagger's hyper-parameters (stored in config.json).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Config struct {
	// VocabSize and WordEmbed size the word embedding.
	VocabSize int `json:"vocab_size"`
	WordEmbed int `json:"word_embed"`
	// CharVocab, CharEmbed and CharHidden size the character BiLSTM whose
	// final forward and backward states (2*CharHidden) are appended to each
	// word's embedding; CharHidden 0 disables it.
	CharVocab  int `json:"char_vocab"`
	CharEmbed  int `json:"char_embed"`
	CharHidden int `json:"char_hidden"`
	// MaxWordLen truncates words to this many characters for the character
	// encoder (0: 30).
	MaxWordLen int `json:"max_word_len"`
	// Cell, Hidden and Layers describe the bidirectional sentence encoder.
	Cell   string `json:"cell"`
	Hidden int    `json:"hidden"`
	Layers int    `json:"layers"`
	// Dropout is applied to the token features and to the encoder outputs.
	Dropout float64 `json:"dropout"`
	// Freeze keeps the word embedding fixed during training.
	Freeze bool `json:"freeze,omitempty"`
	// Lower looks words up lower-cased, NormDigits with every digit
	// replaced by 0 (the character encoder sees the word as written).
	Lower      bool `json:"lower"`
	NormDigits bool `json:"norm_digits"`
	// Tags lists the output tags in id order, in scheme TrainScheme;
	// Scheme is the scheme of the training data (predictions are converted
	// back to it).
	Tags        []string `json:"tags"`
	TrainScheme string   `json:"train_scheme"`
	Scheme      string   `json:"scheme"`
}

func (c *Config) maxWordLen() int {
	if c.MaxWordLen > 0 {
		return c.MaxWordLen
	}
	return 30
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.VocabSize < 1 || c.WordEmbed < 1:
		return fmt.Errorf("tag: config: vocab_size %d and word_embed %d must be positive", c.VocabSize, c.WordEmbed)
	case c.CharHidden < 0 || (c.CharHidden > 0 && (c.CharVocab < 1 || c.CharEmbed < 1)):
		return fmt.Errorf("tag: config: char_vocab %d, char_embed %d, char_hidden %d", c.CharVocab, c.CharEmbed, c.CharHidden)
	case c.Hidden < 1 || c.Layers < 1:
		return fmt.Errorf("tag: config: hidden %d and layers %d must be positive", c.Hidden, c.Layers)
	case len(c.Tags) < 1:
		return fmt.Errorf("tag: config: no tags")
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("tag: config: dropout %v outside [0, 1)", c.Dropout)
	}
	if _, err := nn.ParseCell(c.Cell); err != nil {
		return fmt.Errorf("tag: config: %w", err)
	}
	ts, err := ParseScheme(c.TrainScheme)
	if err != nil {
		return fmt.Errorf("tag: config: %w", err)
	}
	s, err := ParseScheme(c.Scheme)
	if err != nil {
		return fmt.Errorf("tag: config: %w", err)
	}
	if (s == Plain) != (ts == Plain) {
		return fmt.Errorf("tag: config: scheme %s with train_scheme %s (plain goes with plain)", s, ts)
	}
	return nil
}

// Model is a neural sequence tagger after Lample et al. (2016) without the
// CRF: each token is its word embedding concatenated with the final states
// of a character-level BiLSTM over its characters; a bidirectional
// recurrent stack reads the sentence and a linear layer gives per-token tag
// scores (softmax). Parameters are named "word_embedding.weight",
// "char_embedding.weight", "char_rnn.*", "rnn.*" and "head.*".
//
// A Model is not safe for concurrent use: Forward, Predict and training reuse
// working memory held in the model; give each goroutine its own Model or
// guard it with a mutex.
type Model struct {
	Config  Config
	Vocab   *text.Vocab // words (as normalised by WordKey)
	Chars   *text.Vocab // characters
	WordEmb *nn.Embedding
	CharEmb *nn.Embedding // nil without character encoder
	CharRNN *nn.RNN
	RNN     *nn.RNN
	Head    *nn.Linear

	params []*nn.Param

	drop stepdrop.Dropout // training mode and dropout masks by (seed, step)

	// Shapes of the last forward.
	t, b, n, tc int
	lengths     []int
	wordPos     []int // [N] position t*B+b of each valid token

	// Working memory.
	charIDs   []int32   // [Tc, N]
	charLens  []int     // [N]
	feat      []float32 // [T*B, F]
	featMask  []float32
	featDrop  []float32
	outMask   []float32
	outDrop   []float32
	dFeat     []float32
	dCharHN   []float32 // [2, N, Hc]
	dWordEmb  []float32 // [T*B, Ew]
	charWords [][]int32
}

const padID = 0

// WordKey normalises a word for the word vocabulary as the configuration
// says (lower-casing, digits to 0).
func (c *Config) WordKey(w string) string {
	if c.Lower {
		w = strings.ToLower(w)
	}
	if c.NormDigits {
		w = strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) {
				return '0'
			}
			return r
		}, w)
	}
	return w
}

// New builds a tagger with fresh weights drawn from a generator seeded with
// seed: embeddings uniform(-sqrt(3/dim), sqrt(3/dim)) (Lample et al.'s
// range; padding rows zero), recurrent layers and head with PyTorch's
// default initialisation, and a forget-gate bias of 1 in an LSTM encoder.
func New(cfg Config, words, chars *text.Vocab, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if words == nil || words.Len() != cfg.VocabSize {
		return nil, fmt.Errorf("tag: word vocabulary does not have the configured %d tokens", cfg.VocabSize)
	}
	if cfg.CharHidden > 0 && (chars == nil || chars.Len() != cfg.CharVocab) {
		return nil, fmt.Errorf("tag: character vocabulary does not have the configured %d tokens", cfg.CharVocab)
	}
	initRand := rand.New(rand.NewPCG(seed, 0x7461672d696e6974))
	m := &Model{Config: cfg, Vocab: words, Chars: chars, drop: stepdrop.New(seed)}
	var err error
	if m.WordEmb, err = nn.NewEmbedding(cfg.VocabSize, cfg.WordEmbed, padID, nil); err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	nn.InitUniform(initRand, m.WordEmb.Weight.Data[cfg.WordEmbed:], sqrt3(cfg.WordEmbed))
	m.WordEmb.Weight.Name = "word_embedding.weight"
	m.params = append(m.params, m.WordEmb.Weight)
	in := cfg.WordEmbed
	if cfg.CharHidden > 0 {
		if m.CharEmb, err = nn.NewEmbedding(cfg.CharVocab, cfg.CharEmbed, padID, nil); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
		nn.InitUniform(initRand, m.CharEmb.Weight.Data[cfg.CharEmbed:], sqrt3(cfg.CharEmbed))
		m.CharEmb.Weight.Name = "char_embedding.weight"
		if m.CharRNN, err = nn.NewRNN(nn.RNNConfig{Cell: "lstm", InputSize: cfg.CharEmbed, HiddenSize: cfg.CharHidden,
			NumLayers: 1, Bidirectional: true}, rand.New(rand.NewPCG(seed, 0x63686172))); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
		m.params = append(m.params, m.CharEmb.Weight)
		m.params = append(m.params, nn.Prefix("char_rnn", m.CharRNN.Params()...)...)
		in += 2 * cfg.CharHidden
	}
	rnnPCG := rand.NewPCG(seed, 0x726e6e)
	if m.RNN, err = nn.NewRNN(nn.RNNConfig{Cell: cfg.Cell, InputSize: in, HiddenSize: cfg.Hidden, NumLayers: cfg.Layers,
		Bidirectional: true, Dropout: float32(cfg.Dropout)}, rand.New(rnnPCG)); err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	m.drop.SetRNN(m.RNN, rnnPCG)
	if m.RNN.Cell() == nn.CellLSTM {
		for _, p := range m.RNN.Params() {
			if strings.HasPrefix(p.Name, "bias_ih") {
				_ = nn.SetForgetBias(p.Data, cfg.Hidden, 1)
			}
		}
	}
	m.params = append(m.params, nn.Prefix("rnn", m.RNN.Params()...)...)
	m.Head = nn.NewLinear(m.RNN.OutputSize(), len(cfg.Tags), true, initRand)
	m.params = append(m.params, nn.Prefix("head", m.Head.Params()...)...)
	return m, nil
}

func sqrt3(dim int) float64 { return math.Sqrt(3 / float64(dim)) }

// Params returns every parameter in state_dict order.
func (m *Model) Params() []*nn.Param { return m.params }

// Trainable returns the parameters updated in training (without the word
// embedding when frozen).
func (m *Model) Trainable() []*nn.Param {
	if m.Config.Freeze {
		return m.params[1:]
	}
	return m.params
}

// SetTraining switches dropout on or off.
func (m *Model) SetTraining(on bool) { m.drop.SetTraining(on) }

// EncodeWord returns the word id of a token.
func (m *Model) EncodeWord(w string) int32 { return m.Vocab.ID(m.Config.WordKey(w)) }

// EncodeChars returns the character ids of a token (truncated to
// MaxWordLen characters; unknown characters map to <unk>); nil without a
// character encoder.
func (m *Model) EncodeChars(w string) []int32 {
	if m.Chars == nil {
		return nil
	}
	n := min(utf8.RuneCountInString(w), m.Config.maxWordLen())
	ids := make([]int32, 0, max(n, 1))
	for _, r := range w {
		if len(ids) == n {
			break
		}
		ids = append(ids, m.Chars.ID(string(r)))
	}
	if len(ids) == 0 {
		ids = append(ids, m.Chars.UnkID())
	}
	return ids
}

// Forward computes the tag scores [T*B, K] of a padded batch: words [T, B]
// time-major word ids (padding 0), chars[b][t] the character ids of token
// t of sentence b, lengths [B] in 1..T.
func (m *Model) Forward(words []int32, chars [][][]int32, T, B int, lengths []int) ([]float32, error) {
	if len(words) != T*B || len(lengths) != B {
		return nil, fmt.Errorf("tag: batch has %d word ids and %d lengths, want %d*%d and %d", len(words), len(lengths), T, B, B)
	}
	m.t, m.b, m.lengths = T, B, lengths
	m.wordPos = m.wordPos[:0]
	for t := range T {
		for b := range B {
			if l := lengths[b]; l < 1 || l > T {
				return nil, fmt.Errorf("tag: length %d of row %d outside 1..%d", l, b, T)
			}
			if t < lengths[b] {
				m.wordPos = append(m.wordPos, t*B+b)
			}
		}
	}
	we, err := m.WordEmb.Forward(words)
	if err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	Ew := m.Config.WordEmbed
	F := m.RNN.Config().InputSize
	m.feat = xslices.Resize(m.feat, T*B*F)
	for i := range T * B {
		copy(m.feat[i*F:i*F+Ew], we[i*Ew:(i+1)*Ew])
	}
	if m.CharRNN != nil {
		if len(chars) != B {
			return nil, fmt.Errorf("tag: %d character sequences for %d sentences", len(chars), B)
		}
		if err := m.charForward(chars, F, Ew); err != nil {
			return nil, err
		}
	}
	feat := m.feat
	drop := m.drop.Active(m.Config.Dropout)
	if drop {
		m.featMask = xslices.Resize(m.featMask, len(feat))
		m.featDrop = xslices.Resize(m.featDrop, len(feat))
		nn.DropoutPCG(m.drop.PCG(), m.Config.Dropout, m.featMask, m.featDrop, feat)
		feat = m.featDrop
	}
	out, _, _, err := m.RNN.Forward(feat, T, B, lengths, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	if drop {
		m.outMask = xslices.Resize(m.outMask, len(out))
		m.outDrop = xslices.Resize(m.outDrop, len(out))
		nn.DropoutPCG(m.drop.PCG(), m.Config.Dropout, m.outMask, m.outDrop, out)
		out = m.outDrop
	}
	scores, err := m.Head.Forward(out, T*B)
	if err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	return scores, nil
}

// charForward runs the character BiLSTM over every valid token of the
// batch and writes its final states into columns [Ew, F) of m.feat (zero
// at padded positions).
func (m *Model) charForward(chars [][][]int32, F, Ew int) error {
	B := m.b
	N := len(m.wordPos)
	m.charWords = m.charWords[:0]
	Tc := 1
	for _, pos := range m.wordPos {
		t, b := pos/B, pos%B
		if t >= len(chars[b]) || len(chars[b][t]) == 0 {
			return fmt.Errorf("tag: sentence %d token %d has no characters", b, t)
		}
		w := chars[b][t]
		m.charWords = append(m.charWords, w)
		Tc = max(Tc, len(w))
	}
	m.n, m.tc = N, Tc
	m.charIDs = xslices.Resize(m.charIDs, Tc*N)
	m.charLens = xslices.Resize(m.charLens, N)
	for j, w := range m.charWords {
		m.charLens[j] = len(w)
		for t := range Tc {
			id := int32(padID)
			if t < len(w) {
				id = w[t]
			}
			m.charIDs[t*N+j] = id
		}
	}
	ce, err := m.CharEmb.Forward(m.charIDs)
	if err != nil {
		return fmt.Errorf("tag: characters: %w", err)
	}
	_, hN, _, err := m.CharRNN.Forward(ce, Tc, N, m.charLens, nil, nil)
	if err != nil {
		return fmt.Errorf("tag: characters: %w", err)
	}
	Hc := m.Config.CharHidden
	for i := range m.t * B {
		clear(m.feat[i*F+Ew : (i+1)*F])
	}
	for j, pos := range m.wordPos {
		row := m.feat[pos*F+Ew : (pos+1)*F]
		copy(row[:Hc], hN[j*Hc:(j+1)*Hc])
		copy(row[Hc:], hN[(N+j)*Hc:(N+j+1)*Hc])
	}
	return nil
}

// Backward propagates dScores [T*B, K] of the last Forward into the
// parameter gradients (accumulating).
func (m *Model) Backward(dScores []float32) error {
	dOut, err := m.Head.Backward(dScores)
	if err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	drop := m.drop.Active(m.Config.Dropout)
	if drop {
		for i, k := range m.outMask {
			dOut[i] *= k
		}
	}
	dx, _, _, err := m.RNN.Backward(dOut, nil, nil)
	if err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	if drop {
		for i, k := range m.featMask {
			dx[i] *= k
		}
	}
	T, B := m.t, m.b
	F, Ew := m.RNN.Config().InputSize, m.Config.WordEmbed
	if !m.Config.Freeze {
		m.dWordEmb = xslices.Resize(m.dWordEmb, T*B*Ew)
		for i := range T * B {
			copy(m.dWordEmb[i*Ew:(i+1)*Ew], dx[i*F:i*F+Ew])
		}
		if err := m.WordEmb.Backward(m.dWordEmb); err != nil {
			return fmt.Errorf("tag: %w", err)
		}
	}
	if m.CharRNN == nil {
		return nil
	}
	N, Hc := m.n, m.Config.CharHidden
	m.dCharHN = xslices.Resize(m.dCharHN, 2*N*Hc)
	for j, pos := range m.wordPos {
		row := dx[pos*F+Ew : (pos+1)*F]
		copy(m.dCharHN[j*Hc:(j+1)*Hc], row[:Hc])
		copy(m.dCharHN[(N+j)*Hc:(N+j+1)*Hc], row[Hc:])
	}
	dce, _, _, err := m.CharRNN.Backward(nil, m.dCharHN, nil)
	if err != nil {
		return fmt.Errorf("tag: characters: %w", err)
	}
	if err := m.CharEmb.Backward(dce); err != nil {
		return fmt.Errorf("tag: characters: %w", err)
	}
	return nil
}
