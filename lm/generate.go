package lm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
)

// Evaluate returns the cross-entropy metrics of the stream ids cut into
// batch streams and read in chunks of bptt tokens with the state carried,
// as in training (so the first token of each stream is context only).
func (m *Model) Evaluate(ctx context.Context, ids []int32, batch, bptt int) (Metrics, error) {
	sb, err := text.NewStreamBatcher(ids, batch, bptt)
	if err != nil {
		return Metrics{}, fmt.Errorf("lm: evaluate: %w", err)
	}
	if m.Quantized() {
		return m.evaluateSteps(ctx, sb, ids) // int8, one token at a time (quantize.go)
	}
	st := m.NewState(batch)
	x := make([]int32, sb.Steps()*batch) // bptt may be far longer than the streams
	y := make([]int32, sb.Steps()*batch)
	var sum float64
	for k := range sb.NumChunks() {
		if err := ctx.Err(); err != nil {
			return Metrics{}, err
		}
		T := sb.Chunk(k, x, y)
		l, err := m.EvalChunk(x[:T*batch], y[:T*batch], T, batch, st)
		if err != nil {
			return Metrics{}, err
		}
		sum += l
	}
	return NewMetrics(sum, int64(sb.NumTargets())), nil
}

// SampleOptions configures Sample. The zero value (with MaxTokens set)
// samples at temperature 1 from the whole distribution, starting at a line
// boundary.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type SampleOptions struct {
	// Prompt is the context the sample continues, after the start token
	// (Model.StartID: the <eos>/<bos> id, or "\n" for a character model),
	// which Sample prepends itself so that generation begins at a sentence
	// boundary as the model saw in training. It may be empty unless the
	// model has no start token.
	Prompt []int32
	// MaxTokens is the number of tokens to generate (at most).
	MaxTokens int
	// Stop lists ids that end generation once produced (nil: none).
	Stop []int32
	// Ban lists ids never to generate (for example <unk>).
	Ban []int32
	// Greedy picks the most likely token at every step (Temperature,
	// TopK, TopP and Seed are then ignored).
	Greedy bool
	// Temperature divides the logits; 0 means 1.
	Temperature float64
	// TopK keeps only the K most likely tokens (0: all).
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// reaches P (0 or 1: all), "nucleus" sampling.
	TopP float64
	// Seed seeds the sampler; equal seeds give equal samples.
	Seed uint64
}

// Validate checks the options' ranges (not the ids, which need a
// vocabulary size); the error names the first option out of range.
func (o *SampleOptions) Validate() error {
	switch {
	case o.MaxTokens < 0:
		return fmt.Errorf("lm: sample: length %d must not be negative", o.MaxTokens)
	case !(o.Temperature >= 0) || math.IsInf(o.Temperature, 0):
		return fmt.Errorf("lm: sample: temperature %v must be finite and not negative (0: greedy)", o.Temperature)
	case o.TopK < 0:
		return fmt.Errorf("lm: sample: top-k %d must not be negative (0: all tokens)", o.TopK)
	case !(o.TopP >= 0 && o.TopP <= 1):
		return fmt.Errorf("lm: sample: top-p %v must be in [0, 1] (0: off)", o.TopP)
	}
	return nil
}

// check validates opt for a model of V tokens that feeds the ids feed
// (the start token and the prompt) before sampling.
func (o *SampleOptions) check(feed []int32, V int) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if len(feed) == 0 {
		return errors.New("lm: sample: empty prompt and the model has no start token")
	}
	if err := o.checkIDs(feed, V); err != nil {
		return err
	}
	if len(o.Ban) >= V {
		return fmt.Errorf("lm: sample: all %d tokens are banned", V)
	}
	return nil
}

// checkIDs checks that the ids of prompt and of o.Ban are tokens of a
// model of V tokens.
func (o *SampleOptions) checkIDs(prompt []int32, V int) error {
	for i, id := range prompt {
		if id < 0 || int(id) >= V {
			return fmt.Errorf("lm: sample: prompt id %d at position %d outside vocabulary [0, %d)", id, i, V)
		}
	}
	for _, id := range o.Ban {
		if id < 0 || int(id) >= V {
			return fmt.Errorf("lm: sample: banned id %d outside vocabulary [0, %d)", id, V)
		}
	}
	return nil
}

// withStart returns the ids Sample feeds for opt: the start token (when
// the model has one) followed by opt.Prompt.
func (m *Model) withStart(prompt []int32) []int32 {
	if start := m.StartID(); start >= 0 {
		return append([]int32{start}, prompt...)
	}
	return prompt
}

// Sample generates tokens after the start token and opt.Prompt and returns
// them (without either). The model is put in evaluation mode. A Model is
// not safe for concurrent use; for concurrent generation over one model see
// Batch.
func (m *Model) Sample(ctx context.Context, opt SampleOptions) ([]int32, error) {
	var out []int32
	err := m.SampleEach(ctx, opt, func(id int32) error {
		out = append(out, id)
		return nil
	})
	return out, err
}

// SampleEach is Sample passing each generated id to emit as soon as it is
// drawn and keeping none, so that a sample of any length streams in
// constant memory. An error from emit, or the end of ctx, stops the
// sample and is returned.
func (m *Model) SampleEach(ctx context.Context, opt SampleOptions, emit func(id int32) error) error {
	V := m.Config.VocabSize
	ctxIDs := m.withStart(opt.Prompt)
	if err := opt.check(ctxIDs, V); err != nil {
		return err
	}
	m.SetTraining(false)
	g, err := m.generator(len(ctxIDs) + opt.MaxTokens)
	if err != nil {
		return err
	}
	var last []float32
	for _, id := range ctxIDs {
		if last, err = g.step(id); err != nil {
			return err
		}
	}
	s := newSampler(V, opt)
	for range opt.MaxTokens {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := s.pick(last)
		if err := emit(id); err != nil {
			return err
		}
		if slices.Contains(opt.Stop, id) {
			break
		}
		if last, err = g.step(id); err != nil {
			return err
		}
	}
	return nil
}

// sampler draws token ids from logits with temperature, top-k and top-p.
type sampler struct {
	opt   SampleOptions
	rng   *rand.Rand
	probs []float32 // [V]
	order []int32   // [V] ids by descending probability
}

func newSampler(V int, opt SampleOptions) *sampler {
	return &sampler{opt: opt, rng: rand.New(rand.NewPCG(opt.Seed, 0x73616d706c65)), probs: make([]float32, V), order: make([]int32, V)}
}

func (s *sampler) pick(logits []float32) int32 {
	for _, id := range s.opt.Ban {
		logits[id] = float32(math.Inf(-1))
	}
	if s.opt.Greedy {
		return int32(tensor.Argmax(logits))
	}
	inv := float32(1)
	if s.opt.Temperature != 0 {
		inv = float32(1 / s.opt.Temperature)
	}
	top := float32(math.Inf(-1))
	for i, v := range logits {
		p := v * inv
		if math.IsInf(float64(v), -1) {
			p = v // banned at any temperature (-Inf times a huge one's 0 is NaN)
		}
		s.probs[i] = p
		top = max(top, p)
	}
	if math.IsInf(float64(top), 1) || math.IsNaN(float64(top)) {
		// A temperature so small that the scaled logits overflow (1e-300,
		// 1e-40): the distribution is greedy's, where the softmax of
		// infinities was NaN everywhere.
		return int32(tensor.Argmax(logits))
	}
	tensor.Softmax(s.probs, s.probs)
	n := len(s.probs)
	if (s.opt.TopK > 0 && s.opt.TopK < n) || (s.opt.TopP > 0 && s.opt.TopP < 1) {
		for i := range s.order {
			s.order[i] = int32(i)
		}
		p := s.probs
		slices.SortFunc(s.order, func(a, b int32) int {
			if c := cmp.Compare(p[b], p[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		if s.opt.TopK > 0 {
			n = min(n, s.opt.TopK)
		}
		if s.opt.TopP > 0 && s.opt.TopP < 1 {
			// Nucleus over the distribution renormalized after top-k.
			var kept float64
			for _, id := range s.order[:n] {
				kept += float64(p[id])
			}
			var cum float64
			for i, id := range s.order[:n] {
				cum += float64(p[id])
				if cum >= s.opt.TopP*kept {
					n = i + 1
					break
				}
			}
		}
		var total float64
		for _, id := range s.order[:n] {
			total += float64(p[id])
		}
		u := s.rng.Float64() * total
		for _, id := range s.order[:n] {
			u -= float64(p[id])
			if u < 0 {
				return id
			}
		}
		return s.order[n-1]
	}
	u := s.rng.Float64()
	for i, v := range s.probs {
		u -= float64(v)
		if u < 0 {
			return int32(i)
		}
	}
	return int32(tensor.Argmax(s.probs)) // rounding left u >= 0
}

// LineScore is the log-probability the model gives one sequence.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type LineScore struct {
	Tokens  int     `json:"tokens"`   // tokens scored
	LogProb float64 `json:"log_prob"` // natural log of p(tokens | start)
}

// Perplexity returns exp(-LogProb/Tokens).
func (s LineScore) Perplexity() float64 {
	if s.Tokens == 0 {
		return math.NaN()
	}
	return math.Exp(-s.LogProb / float64(s.Tokens))
}

// Score returns, for each sequence, the log-probability of all its tokens,
// each given the ones before it and the start token (as in SampleOptions:
// the sentence boundary the model saw in training). Sequences are scored
// independently from a zero state, batch at a time, padded with lengths
// (fewer at a time where their padded rows would pass scoreRows; a longer
// sequence alone runs in windows of time steps). Empty sequences score 0
// over 0 tokens.
func (m *Model) Score(ctx context.Context, seqs [][]int32, start int32, batch int) ([]LineScore, error) {
	V := m.Config.VocabSize
	if batch < 1 {
		return nil, fmt.Errorf("lm: score: batch %d must be positive", batch)
	}
	if start < 0 || int(start) >= V {
		return nil, fmt.Errorf("lm: score: start id %d outside vocabulary [0, %d)", start, V)
	}
	m.SetTraining(false)
	if m.Quantized() {
		return m.scoreSteps(ctx, seqs, start) // int8, one token at a time (quantize.go)
	}
	scores := make([]LineScore, len(seqs))
	var (
		inputs [][]int32
		idx    []int
		pad    text.Padded
		row    = make([]float32, V)
		rows   = m.scoreRows()
	)
	flush := func() error {
		if len(inputs) == 0 {
			return nil
		}
		if len(inputs) == 1 && len(inputs[0]) > rows {
			i := idx[0]
			var lp float64
			err := m.scoreWindows(ctx, inputs[0], seqs[i], row, rows, func(_ int, p float32) { lp += float64(p) })
			if err != nil {
				return fmt.Errorf("lm: score: sequence %d: %w", i, err)
			}
			scores[i] = LineScore{LogProb: lp, Tokens: len(seqs[i])}
			inputs, idx = inputs[:0], idx[:0]
			return nil
		}
		if err := text.PadInto(&pad, inputs, 0); err != nil {
			return err
		}
		st := m.NewState(pad.B)
		logits, err := m.forward(pad.IDs, pad.T, pad.B, pad.Lengths, st)
		if err != nil {
			return err
		}
		for b, i := range idx {
			seq := seqs[i]
			for t, tok := range seq {
				if tok < 0 || int(tok) >= V {
					return fmt.Errorf("lm: score: sequence %d: id %d outside vocabulary [0, %d)", i, tok, V)
				}
				r := logits[(t*pad.B+b)*V : (t*pad.B+b+1)*V]
				tensor.LogSoftmax(row, r)
				scores[i].LogProb += float64(row[tok])
			}
			scores[i].Tokens = len(seq)
		}
		inputs, idx = inputs[:0], idx[:0]
		return nil
	}
	from := 0
	for _, end := range scoreRuns(seqs, batch, rows) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i, seq := range seqs[from:end] {
			if len(seq) == 0 {
				continue
			}
			// Input: start followed by all tokens but the last; targets: seq.
			in := make([]int32, len(seq))
			in[0] = start
			copy(in[1:], seq[:len(seq)-1])
			inputs = append(inputs, in)
			idx = append(idx, from+i)
		}
		if err := flush(); err != nil {
			return nil, err
		}
		from = end
	}
	return scores, nil
}

// scoreMaxLogits bounds the logits one Score pass holds (the longest
// sequence's tokens times the sequences padded together times the
// vocabulary): 64M floats, 256 MB. Without it one long line among 63 short
// ones made a word model allocate tens of GB; a sequence over it alone
// runs in windows of time steps, its state carried from one to the next,
// so that a line of any length can be scored.
var scoreMaxLogits = 1 << 26

// scoreMaxActivations bounds the recurrent layers' activations one Score
// pass holds (scoreRows): 64M floats, 256 MB. Without it a character
// model, whose few logits a row kept its passes long, ran a 1 MB line in
// one pass: 1.7 GB for 2 layers of 24, tens of GB for layers of 512.
var scoreMaxActivations = 1 << 26

// scoreRows returns the most rows (time steps times the sequences padded
// together) one Score pass runs: their logits within scoreMaxLogits and
// their activations, some (gates+3)*H floats a row and layer, within
// scoreMaxActivations.
func (m *Model) scoreRows() int {
	c := m.Config
	act := c.Layers * c.Hidden * (m.RNN.Cell().Gates() + 3)
	return max(1, min(scoreMaxLogits/c.VocabSize, scoreMaxActivations/max(1, act)))
}

// scoreRuns splits seqs into the runs Score pads together and returns
// their ends: batch non-empty sequences at most, fewer where their padded
// rows would pass rows (scoreRows; a sequence over it runs alone).
func scoreRuns(seqs [][]int32, batch, rows int) []int {
	var ends []int
	n, T := 0, 0 // non-empty sequences in the current run, and the longest
	for i, s := range seqs {
		if len(s) == 0 {
			continue
		}
		if n > 0 && (n == batch || (n+1)*max(T, len(s)) > rows) {
			ends = append(ends, i)
			n, T = 0, 0
		}
		n, T = n+1, max(T, len(s))
	}
	return append(ends, len(seqs))
}

// scoreWindows passes each token t of seq its log-probability given
// inputs in (the start token, then seq but its last token) to each, run
// from a zero state in windows of w steps (scoreRows), ctx checked
// between them; row is a [V] buffer.
func (m *Model) scoreWindows(ctx context.Context, in, seq []int32, row []float32, w int, each func(t int, lp float32)) error {
	V := m.Config.VocabSize
	st := m.NewState(1)
	for t0 := 0; t0 < len(in); t0 += w {
		if err := ctx.Err(); err != nil {
			return err
		}
		t1 := min(t0+w, len(in))
		logits, err := m.forward(in[t0:t1], t1-t0, 1, nil, st)
		if err != nil {
			return err
		}
		for t := t0; t < t1; t++ {
			if tok := seq[t]; tok < 0 || int(tok) >= V {
				return fmt.Errorf("id %d outside vocabulary [0, %d)", tok, V)
			}
			tensor.LogSoftmax(row, logits[(t-t0)*V:(t-t0+1)*V])
			each(t, row[seq[t]])
		}
	}
	return nil
}

// TokenLogProbs returns the log-probability of each token of seq given
// the start token and the tokens before it, as Score runs a sequence
// alone: from a zero state, in windows of time steps with the state
// carried (a line of any length), ctx checked between them.
func (m *Model) TokenLogProbs(ctx context.Context, seq []int32, start int32) ([]float32, error) {
	V := m.Config.VocabSize
	if start < 0 || int(start) >= V {
		return nil, fmt.Errorf("lm: score: start id %d outside vocabulary [0, %d)", start, V)
	}
	if len(seq) == 0 {
		return nil, nil
	}
	m.SetTraining(false)
	in := append([]int32{start}, seq[:len(seq)-1]...)
	out := make([]float32, len(seq))
	if err := m.scoreWindows(ctx, in, seq, make([]float32, V), m.scoreRows(), func(t int, lp float32) { out[t] = lp }); err != nil {
		return nil, fmt.Errorf("lm: score: %w", err)
	}
	return out, nil
}

var _ nn.Module = (*Model)(nil)
