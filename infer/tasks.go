package infer

import (
	"context"
	"fmt"
	"strings"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/tag"
	"github.com/recurrent-go/recurrent/text"
)

// Classifier is a text classifier written by classify train: M, of type
// *classify.Model, is the model; it must not be modified after
// NewClassifier. Its methods may be called concurrently; predictions run
// one call at a time (a mutex around the model's working memory).
type Classifier struct{ task[*classify.Model] }

// NewClassifier wraps m.
func NewClassifier(m *classify.Model) *Classifier {
	m.SetTraining(false)
	return &Classifier{newTask(m, KindClassify, m.Config)}
}

// Prediction is the label of one text and the probability of every label
// (classify predict --json, POST /v1/classify).
type Prediction struct {
	Text  string             `json:"text"`
	Label string             `json:"label"`
	Probs map[string]float32 `json:"probs"`
}

// ClassifyResult is the answer of POST /v1/classify.
type ClassifyResult struct {
	Predictions []Prediction `json:"predictions"`
}

// Predict classifies each text (leading and trailing space trimmed, as
// classify predict reads lines), batch texts at a time.
func (c *Classifier) Predict(ctx context.Context, texts []string, batch int) (*ClassifyResult, error) {
	m := c.M
	ids := make([][]int32, len(texts))
	trimmed := make([]string, len(texts))
	for i, t := range texts {
		trimmed[i] = strings.TrimSpace(t)
		if trimmed[i] == "" {
			return nil, inputErr("texts[%d]: empty text", i)
		}
		ids[i] = m.Encode(trimmed[i])
	}
	if err := c.mu.lock(ctx); err != nil {
		return nil, err
	}
	pred, probs, err := m.Predict(ctx, ids, batch)
	c.mu.unlock()
	if err != nil {
		return nil, err
	}
	res := &ClassifyResult{Predictions: make([]Prediction, len(texts))}
	for i := range texts {
		ps := make(map[string]float32, len(m.Labels))
		for k, l := range m.Labels {
			ps[l] = probs[i][k]
		}
		res.Predictions[i] = Prediction{Text: trimmed[i], Label: m.Labels[pred[i]], Probs: ps}
	}
	return res, nil
}

// Tagger is a sequence tagger written by tag train: M, of type
// *tag.Model, is the model; it must not be modified after NewTagger. Its
// methods may be called concurrently; tagging runs one call at a time (a
// mutex).
type Tagger struct{ task[*tag.Model] }

// NewTagger wraps m.
func NewTagger(m *tag.Model) *Tagger {
	m.SetTraining(false)
	return &Tagger{newTask(m, KindTag, m.Config)}
}

// RawTokenizer splits raw text as CoNLL files are split, the data every
// tagger is trained on: runs of letters and digits, and every punctuation
// mark or symbol a token of its own ("U.S." becomes "U", ".", "S", ".",
// where CoNLL-2003 keeps one token; case is kept, the model's own
// lowercasing and digit folding apply afterwards).
//
// Deprecated: TagTexts splits with tag.Tokenize, as tag predict does.
var RawTokenizer = text.Tokenizer{Mode: text.Words, SplitPunct: true}

// Entity is one chunk of a tagged sentence: its type, its tokens
// [Start, End) and their text (tag.Entity).
type Entity = tag.Entity

// TaggedSentence is one sentence of POST /v1/tag (and tag predict --json):
// its tokens, tags and entities (tag.Tagged).
type TaggedSentence = tag.Tagged

// TagResult is the answer of POST /v1/tag.
type TagResult struct {
	Sentences []TaggedSentence `json:"sentences"`
}

// TagTexts tags raw texts exactly as tag predict --file does
// (tag.Model.TagLines: Penn Treebank tokenization, entity text as written).
func (t *Tagger) TagTexts(ctx context.Context, texts []string, batch int) (*TagResult, error) {
	for i, s := range texts {
		if len(tag.Tokenize(s)) == 0 {
			return nil, inputErr("texts[%d]: no tokens", i)
		}
	}
	tagged, err := locked(ctx, &t.mu, func() ([]tag.Tagged, error) { return t.M.TagLines(ctx, texts, batch) })
	if err != nil {
		return nil, err
	}
	return &TagResult{Sentences: tagged}, nil
}

// Tag tags sentences given as tokens, batch sentences at a time, and
// returns the tags in the model's scheme with the entities they mark
// (conlleval's chunk rules).
func (t *Tagger) Tag(ctx context.Context, tokens [][]string, batch int) (*TagResult, error) {
	sents := make([]tag.Sentence, len(tokens))
	for i, ts := range tokens {
		if len(ts) == 0 {
			return nil, inputErr("tokens[%d]: empty sentence", i)
		}
		for j, tok := range ts {
			if tok == "" || strings.ContainsFunc(tok, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
				return nil, inputErr("tokens[%d][%d]: %q is not a token (empty or with white space)", i, j, tok)
			}
		}
		sents[i] = tag.Sentence{Tokens: ts, Line: i + 1}
	}
	d, err := t.M.EncodeSentences(sents, "request", false)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	pred, err := locked(ctx, &t.mu, func() ([][]string, error) { return t.M.Predict(ctx, d, batch) })
	if err != nil {
		return nil, err
	}
	res := &TagResult{Sentences: make([]TaggedSentence, len(tokens))}
	for i, ts := range tokens {
		res.Sentences[i] = TaggedSentence{Tokens: ts, Tags: pred[i], Entities: tag.Entities(ts, pred[i])}
	}
	return res, nil
}

// Translator is an encoder-decoder written by translate train: M, of type
// *seq2seq.Model, is the model; it must not be modified after
// NewTranslator. Its methods may be called concurrently; decoding runs one
// call at a time (a mutex around the model's working memory).
type Translator struct{ task[*seq2seq.Model] }

// NewTranslator wraps m.
func NewTranslator(m *seq2seq.Model) *Translator {
	return &Translator{newTask(m, KindTranslate, m.Config)}
}

// Translation is one output of POST /v1/translate (and of translate run
// --json): the text, its log-probability and, when asked for, the
// attention weights [output token (then <eos>)][source token] with the
// tokens on both axes.
type Translation struct {
	Source       string      `json:"source"`
	Text         string      `json:"text"`
	LogProb      float64     `json:"logprob"`
	Score        float64     `json:"score"`
	Finished     bool        `json:"finished"`
	Attention    [][]float32 `json:"attention,omitempty"`
	SourceTokens []string    `json:"source_tokens,omitempty"`
	OutputTokens []string    `json:"output_tokens,omitempty"`
}

// TranslateResult is the answer of POST /v1/translate.
type TranslateResult struct {
	Translations []Translation `json:"translations"`
}

// TranslateOptions are the decoding options of POST /v1/translate.
type TranslateOptions struct {
	Beam      int     `json:"beam"`      // beam width (0 or 1: greedy)
	Alpha     float64 `json:"alpha"`     // length-normalization exponent
	MaxLen    int     `json:"max_len"`   // output tokens (0: 2*source+10)
	Attention bool    `json:"attention"` // return the attention weights

	// Limits a server sets (zero: none; not part of the API's JSON):
	// MaxOutput caps each text's output length (max_len, or its default
	// 2*source+10 tokens), MaxAttention the attention weights of one call
	// (each text's output length times the longest source), MaxSource the
	// floats the sources take at once: the texts encoded together or the
	// rows of a decoding step (every text, greedy; one text's beam),
	// whichever are more, times the longest source, times a source
	// position's floats (its encoding and, with Bahdanau attention, its
	// scorer's activations for each row).
	MaxOutput    int `json:"-"`
	MaxAttention int `json:"-"`
	MaxSource    int `json:"-"`
}

// checkSizes checks the output length, attention size and source floats
// of src against o's limits before any decoding allocates them; perPos is
// the floats of one source position for one row (see MaxSource).
func (o *TranslateOptions) checkSizes(src [][]int32, perPos int) error {
	longest, cells := 0, 0
	for _, s := range src {
		longest = max(longest, len(s))
	}
	rows := max(len(src), o.Beam)
	if n := int64(rows) * int64(longest) * int64(perPos); o.MaxSource > 0 && n > int64(o.MaxSource) {
		return inputErr("texts: %d rows (texts, or the beam) over the longest source of %d tokens take %d floats at once, over the cap of %d per request (send fewer or shorter texts, or a smaller beam)", rows, longest, n, o.MaxSource)
	}
	for i, s := range src {
		out := o.MaxLen
		if out == 0 {
			out = 2*len(s) + 10 // seq2seq's default
			if o.MaxOutput > 0 && out > o.MaxOutput {
				return inputErr("texts[%d]: %d source tokens; their default output length %d is over the cap of %d tokens (set max_len, or send a shorter text)", i, len(s), out, o.MaxOutput)
			}
		}
		cells += (out + 1) * longest
		if o.Attention && o.MaxAttention > 0 && cells > o.MaxAttention {
			return inputErr("attention: the weights of %d texts (up to %d output by %d source tokens each) are over the cap of %d per request (send fewer or shorter texts, or a smaller max_len)", len(src), out+1, longest, o.MaxAttention)
		}
	}
	return nil
}

// Translate decodes each source line as translate run does (a TAB ends
// the source, as in a source<TAB>target file).
func (t *Translator) Translate(ctx context.Context, texts []string, o TranslateOptions) (*TranslateResult, error) {
	m := t.M
	switch {
	case o.Beam < 0 || o.Beam > seq2seq.MaxBeam:
		return nil, inputErr("beam: %d must be in [1, %d]", o.Beam, seq2seq.MaxBeam)
	case o.MaxLen < 0 || o.MaxLen > seq2seq.MaxDecodeLen:
		return nil, inputErr("max_len: %d must be in [0, %d]", o.MaxLen, seq2seq.MaxDecodeLen)
	case !(o.Alpha >= 0):
		return nil, inputErr("alpha: %v must be >= 0", o.Alpha)
	case o.Attention && m.AttentionKind() == seq2seq.AttentionNone:
		return nil, inputErr("attention: the model has no attention")
	}
	lines := make([]string, len(texts))
	src := make([][]int32, len(texts))
	for i, l := range texts {
		if j := strings.IndexByte(l, '\t'); j >= 0 {
			l = l[:j]
		}
		if strings.TrimSpace(l) == "" || strings.ContainsAny(l, "\r\n") {
			return nil, inputErr("texts[%d]: a source is one non-empty line", i)
		}
		lines[i], src[i] = l, m.EncodeSource(l)
	}
	c := m.Config
	perPos := 2*c.Hidden + 1 // the encoder's output, its attention score
	if m.AttentionKind() == seq2seq.AttentionBahdanau {
		perPos += c.AttentionSize
	}
	if err := o.checkSizes(src, perPos); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opt := seq2seq.DecodeOptions{Beam: o.Beam, Alpha: o.Alpha, MaxLen: o.MaxLen, Attention: o.Attention}
	hs, err := locked(ctx, &t.mu, func() ([]seq2seq.Hypothesis, error) { return m.Translate(ctx, src, opt) })
	if err != nil {
		return nil, err
	}
	res := &TranslateResult{Translations: make([]Translation, len(hs))}
	for i, h := range hs {
		tr := Translation{Source: lines[i], Text: seq2seq.JoinTokens(m.Config.Tokens, m.DecodeTarget(h.IDs)),
			LogProb: h.LogProb, Score: h.Score, Finished: h.Finished}
		if o.Attention {
			am, err := m.AttentionMapOf(lines[i], h)
			if err != nil {
				return nil, err
			}
			tr.Attention, tr.SourceTokens, tr.OutputTokens = am.Weights, am.Source, am.Output
		}
		res.Translations[i] = tr
	}
	return res, nil
}
