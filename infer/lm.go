package infer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
)

// DefaultLength is the number of tokens a sample has when GenerateOptions
// leaves Length unset (lm sample --length); DefaultCondLength the same for
// a conditional model.
const (
	DefaultLength     = 500
	DefaultCondLength = 60
)

// GenerateOptions are the options of lm sample and of POST /v1/generate
// (the JSON names are the API's). Unset pointer fields take the command
// line's defaults.
type GenerateOptions struct {
	// Prompt is the text the samples continue (empty: a line boundary).
	Prompt string `json:"prompt"`
	// N is the number of samples (0: 1), drawn with seeds Seed, Seed+1, ...
	N int `json:"n"`
	// Length is the number of tokens to generate per sample (nil:
	// DefaultLength, or DefaultCondLength for a conditional model).
	Length *int `json:"length"`
	// Temperature divides the logits (nil: 1; 0: greedy).
	Temperature *float64 `json:"temperature"`
	// TopK and TopP restrict sampling (0: off).
	TopK int     `json:"top_k"`
	TopP float64 `json:"top_p"`
	// Seed seeds the first sample (nil: 1).
	Seed *uint64 `json:"seed"`
	// StopAtEOS ends a sample at the end-of-line token (nil: the model's
	// default, see LM.DefaultStopAtEOS).
	StopAtEOS *bool `json:"stop_at_eos"`
	// NoUnk never generates <unk>.
	NoUnk bool `json:"no_unk"`
	// Label is the label a conditional model generates for (required
	// there, refused elsewhere).
	Label string `json:"label"`
}

// length returns the options' length or def.
func (o *GenerateOptions) length(def int) int {
	if o.Length != nil {
		return *o.Length
	}
	return def
}

// zeroIsGreedy applies the convention of lm sample and the API, temperature
// 0 asks for greedy decoding, to opt (lm.SampleOptions itself reads
// temperature 0 as 1).
func zeroIsGreedy(opt *lm.SampleOptions) {
	opt.Greedy = opt.Greedy || opt.Temperature == 0
}

// sampleOptions converts the options shared by both kinds of model.
func (o *GenerateOptions) sampleOptions(def int) (lm.SampleOptions, int, error) {
	opt := lm.SampleOptions{MaxTokens: o.length(def), TopK: o.TopK, TopP: o.TopP, Temperature: 1, Seed: 1}
	if o.Temperature != nil {
		opt.Temperature = *o.Temperature
		zeroIsGreedy(&opt)
	}
	if o.Seed != nil {
		opt.Seed = *o.Seed
	}
	n := o.N
	switch {
	case n < 0 || n > MaxSamples:
		return opt, 0, inputErr("n: %d must be in [1, %d]", n, MaxSamples)
	case opt.MaxTokens < 0:
		return opt, 0, inputErr("length: %d must be >= 0", opt.MaxTokens)
	case opt.TopK < 0:
		return opt, 0, inputErr("top_k: %d must be >= 0", opt.TopK)
	}
	if !(opt.TopP >= 0 && opt.TopP <= 1) {
		return opt, 0, inputErr("top_p: %v must be in [0, 1]", opt.TopP)
	}
	if !(opt.Temperature >= 0) || math.IsInf(opt.Temperature, 0) {
		return opt, 0, inputErr("temperature: %v must be a finite number >= 0", opt.Temperature)
	}
	return opt, max(n, 1), nil
}

// GenerateResult is the answer of lm sample --json and POST /v1/generate:
// each sample is the prompt followed by the generated text (without a
// final line break).
type GenerateResult struct {
	Samples []string `json:"samples"`
}

// LM is a language model written by lm train or lm import. Its methods
// may be called concurrently: Generate and Score share the model's working
// memory and so run one at a time (a mutex); Plan, SampleText and
// NewDetokenizer only read. For concurrent generation at full speed, step
// many requests together with an lm.Batch over M (package serve does).
// M, of type *lm.Model, is the model; it must not be modified after NewLM.
type LM struct{ task[*lm.Model] }

// NewLM wraps m, which needs a vocabulary.
func NewLM(m *lm.Model) (*LM, error) {
	if m.Vocab == nil {
		return nil, errors.New("infer: the language model has no vocabulary")
	}
	m.SetTraining(false)
	return &LM{newTask(m, KindLM, m.Config)}, nil
}

// DefaultStopAtEOS says whether samples end at the end-of-line token by
// default, as lm sample decides (lm.Config.StopAtEOS).
func (l *LM) DefaultStopAtEOS() bool { return l.M.Config.StopAtEOS() }

// Plan returns the options of each of n samples continuing prompt: opt
// with the prompt's ids, the stop token when stopAtEOS, <unk> banned when
// noUnk, and seeds opt.Seed, opt.Seed+1, ... (lm.Model.Sample prepends the
// start token itself).
func (l *LM) Plan(prompt string, opt lm.SampleOptions, n int, stopAtEOS, noUnk bool) ([]lm.SampleOptions, error) {
	if n < 0 || n > MaxSamples {
		return nil, inputErr("%d samples asked for; at most %d a call", n, MaxSamples)
	}
	m := l.M
	ids, err := m.EncodePrompt(prompt)
	if err != nil {
		return nil, fmt.Errorf("%w: prompt: %w", ErrInput, err)
	}
	if err := opt.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if len(ids) == 0 && m.StartID() < 0 {
		return nil, inputErr("prompt: empty, and the model has no start token to begin from")
	}
	opt.Prompt, opt.Stop, opt.Ban = ids, nil, nil
	if eos := m.EOSID(); stopAtEOS && eos >= 0 {
		opt.Stop = []int32{eos}
	}
	if id := m.Vocab.SpecialID(text.UNK); noUnk && id >= 0 {
		opt.Ban = []int32{id}
	}
	return seeded(opt, n), nil
}

// seeded returns n copies of opt with the seeds Seed, Seed+1, ...: the
// samples of one request or command.
func seeded(opt lm.SampleOptions, n int) []lm.SampleOptions {
	out := make([]lm.SampleOptions, n)
	for i := range out {
		out[i] = opt
		out[i].Seed = opt.Seed + uint64(i)
	}
	return out
}

// MaxSamples bounds the samples of one Plan: each holds its options (lm
// sample --num 100000000 asked for 12 GB of them at once).
const MaxSamples = 1 << 20

// PlanOptions is Plan for GenerateOptions (which must not set Label).
func (l *LM) PlanOptions(o GenerateOptions) ([]lm.SampleOptions, error) {
	if o.Label != "" {
		return nil, inputErr("label: %q given, but the model is not conditional", o.Label)
	}
	opt, n, err := o.sampleOptions(DefaultLength)
	if err != nil {
		return nil, err
	}
	stop := l.DefaultStopAtEOS()
	if o.StopAtEOS != nil {
		stop = *o.StopAtEOS
	}
	return l.Plan(o.Prompt, opt, n, stop, o.NoUnk)
}

// SampleText returns what lm sample prints for a sample: the prompt, a
// space where a word model needs one, and the decoded ids.
func (l *LM) SampleText(prompt string, ids []int32) (string, error) {
	s, err := l.M.Decode(ids)
	if err != nil {
		return "", err
	}
	if l.needsSep(prompt) && s != "" && !strings.HasPrefix(s, "\n") {
		return prompt + " " + s, nil
	}
	return prompt + s, nil
}

// JSONSample is a sample as the JSON answers give it: without the final
// end-of-line token.
func JSONSample(s string) string { return strings.TrimSuffix(s, "\n") }

func (l *LM) needsSep(prompt string) bool {
	return l.M.Config.Tokenizer.Mode != text.Chars && prompt != "" && !strings.HasSuffix(prompt, "\n")
}

// Generate draws the samples of o one after another with lm.Model.Sample
// (the path of lm sample) and returns them as lm sample --json does.
func (l *LM) Generate(ctx context.Context, o GenerateOptions) (*GenerateResult, error) {
	opts, err := l.PlanOptions(o)
	if err != nil {
		return nil, err
	}
	res := &GenerateResult{Samples: []string{}}
	if err := l.EachSample(ctx, o.Prompt, opts, res.Add); err != nil {
		return nil, err
	}
	return res, nil
}

// EachSample samples with each of opts (from Plan) in turn and passes
// SampleText of each to emit.
func (l *LM) EachSample(ctx context.Context, prompt string, opts []lm.SampleOptions, emit func(string) error) error {
	for _, opt := range opts {
		ids, err := locked(ctx, &l.mu, func() ([]int32, error) { return l.M.Sample(ctx, opt) })
		if err != nil {
			return err
		}
		s, err := l.SampleText(prompt, ids)
		if err != nil {
			return err
		}
		if err := emit(s); err != nil {
			return err
		}
	}
	return nil
}

// Detokenizer turns a sample's ids, one at a time, into the pieces of
// text that, appended to the prompt, spell SampleText(prompt, ids). It is
// used by one goroutine (it keeps the position in the line).
type Detokenizer struct {
	l           *LM
	sepPending  bool
	atLineStart bool
}

// NewDetokenizer starts the pieces of a sample continuing prompt.
func (l *LM) NewDetokenizer(prompt string) *Detokenizer {
	return &Detokenizer{l: l, sepPending: l.needsSep(prompt), atLineStart: true}
}

// Piece returns the text of the next token id.
func (d *Detokenizer) Piece(id int32) string {
	m := d.l.M
	tok := m.Config.Tokenizer
	if id < 0 || int(id) >= m.Vocab.Len() {
		return ""
	}
	t := m.Vocab.Token(id)
	var p string
	switch {
	case t == tok.BOS && t != "":
	case tok.Mode == text.Chars:
		p = t
		if t == tok.EOS && tok.EOS != "\n" {
			p = "\n"
		}
	case t == tok.EOS && t != "":
		p = "\n"
		d.atLineStart = true
	default:
		if !d.atLineStart {
			p = " "
		}
		p += t
		d.atLineStart = false
	}
	if d.sepPending && p != "" {
		d.sepPending = false
		if !strings.HasPrefix(p, "\n") {
			p = " " + p
		}
	}
	return p
}

// ScoreLine is one line of lm score --json; TokenScores (only when asked
// for) gives each token's text and natural log-probability.
type ScoreLine struct {
	Text        string       `json:"text"`
	LogProb     float64      `json:"logprob"`
	Tokens      int          `json:"tokens"`
	TokenScores []TokenScore `json:"token_scores,omitempty"`
}

// TokenScore is the log-probability of one token given those before it.
type TokenScore struct {
	Token   string  `json:"token"`
	LogProb float64 `json:"logprob"`
}

// ScoreResult is the output of lm score --json and of POST /v1/score.
type ScoreResult struct {
	Lines        []ScoreLine `json:"lines"`
	TotalLogProb float64     `json:"total_logprob"`
	Tokens       int         `json:"tokens"`
	Perplexity   float64     `json:"perplexity"`
	BitsPerChar  *float64    `json:"bits_per_char,omitempty"`
	BitsPerToken float64     `json:"bits_per_token"`
}

// start returns the start token lines are scored from.
func (l *LM) start() (int32, error) {
	start := l.M.StartID()
	if start < 0 {
		return -1, errors.New("the model's tokenizer has no line marker (EOS or BOS) to start a line from")
	}
	return start, nil
}

// ScoreLines scores each line independently, batch lines at a time, as
// lm score does: the log-probability of its tokens and end-of-line token
// given a line boundary. With perToken each line also gets its tokens'
// scores.
func (l *LM) ScoreLines(ctx context.Context, lines []string, batch int, perToken bool) ([]ScoreLine, error) {
	start, err := l.start()
	if err != nil {
		return nil, err
	}
	seqs := make([][]int32, len(lines))
	for i, line := range lines {
		if strings.ContainsAny(line, "\r\n") {
			return nil, inputErr("texts[%d]: a text is one line (no line breaks)", i)
		}
		if seqs[i], err = l.M.EncodeLine(line); err != nil {
			return nil, fmt.Errorf("%w: texts[%d]: %w", ErrInput, i, err)
		}
	}
	if err := l.mu.lock(ctx); err != nil {
		return nil, err
	}
	defer l.mu.unlock()
	scores, err := l.M.Score(ctx, seqs, start, batch)
	if err != nil {
		return nil, err
	}
	out := make([]ScoreLine, len(lines))
	for i, s := range scores {
		out[i] = ScoreLine{Text: lines[i], LogProb: s.LogProb, Tokens: s.Tokens}
		if perToken && len(seqs[i]) > 0 {
			if out[i].TokenScores, err = l.tokenScores(ctx, start, seqs[i]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// tokenScores runs one line (l.mu held) and returns each token's score
// (lm.Model.TokenLogProbs: windows of time steps, ctx checked between
// them).
func (l *LM) tokenScores(ctx context.Context, start int32, seq []int32) ([]TokenScore, error) {
	lps, err := l.M.TokenLogProbs(ctx, seq, start)
	if err != nil {
		return nil, err
	}
	out := make([]TokenScore, len(seq))
	d := l.NewDetokenizer("")
	for t, id := range seq {
		out[t] = TokenScore{Token: d.Piece(id), LogProb: float64(lps[t])}
	}
	return out, nil
}

// Summarize totals scored lines as lm score --json does; it fails when
// there is no token at all.
func (l *LM) Summarize(lines []ScoreLine) (*ScoreResult, error) {
	res := &ScoreResult{Lines: lines}
	if res.Lines == nil {
		res.Lines = []ScoreLine{}
	}
	for _, s := range lines {
		res.Tokens += s.Tokens
		res.TotalLogProb += s.LogProb
	}
	if res.Tokens == 0 {
		return nil, inputErr("no tokens to score")
	}
	l.total(res)
	return res, nil
}

// Score is ScoreLines followed by Summarize.
func (l *LM) Score(ctx context.Context, lines []string, batch int, perToken bool) (*ScoreResult, error) {
	sl, err := l.ScoreLines(ctx, lines, batch, perToken)
	if err != nil {
		return nil, err
	}
	return l.Summarize(sl)
}

// CondLM is a label-conditioned language model written by lm
// train-labels: M, of type *lm.CondModel, is the model; it must not be
// modified after NewCondLM. Its methods may be called concurrently;
// sampling runs one sample at a time (a mutex around the model's
// steppers).
type CondLM struct{ task[*lm.CondModel] }

// NewCondLM wraps m.
func NewCondLM(m *lm.CondModel) *CondLM {
	return &CondLM{newTask(m, KindConditional, m.Config)}
}

// Labels returns the labels the model generates for.
func (c *CondLM) Labels() []string { return c.M.Config.Labels }

// CondSample is one generated sentence: its text (prompt included) and
// the text of each generated token.
type CondSample struct {
	Text   string
	Pieces []string
}

// Plan returns the label id and the options of each of o.N samples
// (seeds Seed, Seed+1, ...), as lm sample --label draws them without
// --rerank or --guidance. Conditional sampling always stops at <eos> and
// never draws <unk>, so StopAtEOS and NoUnk do not change it.
func (c *CondLM) Plan(o GenerateOptions) (int, []lm.SampleOptions, error) {
	m := c.M
	li := m.LabelID(o.Label)
	if li < 0 {
		return -1, nil, inputErr("label: %q is not one of the model's labels %q", o.Label, m.Config.Labels)
	}
	opt, n, err := o.sampleOptions(DefaultCondLength)
	if err != nil {
		return -1, nil, err
	}
	if o.Prompt != "" {
		opt.Prompt = m.EncodeSentence(o.Prompt)
	}
	if err := opt.Validate(); err != nil {
		return -1, nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return li, seeded(opt, n), nil
}

// SampleText returns what lm sample --label prints for a sample: the
// prompt's tokens and the sampled ones, joined.
func (c *CondLM) SampleText(prompt, ids []int32) string {
	return c.M.DecodeSentence(append(append([]int32(nil), prompt...), ids...))
}

// Piece returns the text that token id, the k-th sampled after a prompt
// of promptLen tokens, adds to SampleText.
func (c *CondLM) Piece(promptLen, k int, id int32) string {
	m := c.M
	if id < 0 || int(id) >= m.Vocab.Len() {
		return ""
	}
	t := m.Vocab.Token(id)
	if m.Config.Tokenizer.Mode == text.Chars || promptLen+k == 0 {
		return t
	}
	return " " + t
}

// Generate draws the samples of o one after another with
// lm.CondModel.Sample (the path of lm sample --label) and passes each to
// emit.
func (c *CondLM) Generate(ctx context.Context, o GenerateOptions, emit func(CondSample) error) error {
	li, opts, err := c.Plan(o)
	if err != nil {
		return err
	}
	for _, opt := range opts {
		ids, err := locked(ctx, &c.mu, func() ([]int32, error) { return c.M.Sample(ctx, li, opt) })
		if err != nil {
			return err
		}
		s := CondSample{Text: c.SampleText(opt.Prompt, ids)}
		for k, id := range ids {
			s.Pieces = append(s.Pieces, c.Piece(len(opt.Prompt), k, id))
		}
		if err := emit(s); err != nil {
			return err
		}
	}
	return nil
}
