package seq2seq

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
)

// Hypothesis is one decoded target sequence.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Hypothesis struct {
	// IDs are the target ids, without <bos> and <eos>.
	IDs []int32
	// LogProb is the summed log-probability of IDs and the final <eos>
	// (of IDs alone when Finished is false).
	LogProb float64
	// Score is LogProb / len^alpha with len counting <eos> (the length
	// normalization of beam search; LogProb when alpha is 0).
	Score float64
	// Finished says the decoder produced <eos> within the length limit.
	Finished bool
	// Attention holds, when requested, the attention weights of each
	// output step (one per id, then one for <eos>), each over the source
	// positions.
	Attention [][]float32
}

// Bounds of DecodeOptions, checked before decoding allocates anything:
// beam search keeps Beam x target-vocabulary candidates at each step, and
// every output token of every hypothesis is held (with its attention
// weights when asked for).
const (
	MaxBeam      = 256
	MaxDecodeLen = 1 << 16
)

// DecodeOptions configure greedy and beam-search decoding.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type DecodeOptions struct {
	// Beam is the beam width, at most MaxBeam; 0 or 1 decodes greedily.
	Beam int
	// MaxLen bounds the output length in tokens, <eos> excluded, at most
	// MaxDecodeLen (0: 2*source length + 10).
	MaxLen int
	// Alpha is the length-normalization exponent, finite and >= 0:
	// hypotheses are ranked by LogProb / len^Alpha (0: raw log-probability).
	Alpha float64
	// Attention keeps each hypothesis's attention weights.
	Attention bool
}

// stepper advances a set of decoder rows by one token: row i of the call
// continues row parents[i] of the previous call (of the initial state
// on the first call) with input tokens[i], and the call returns the
// log-probabilities of the next token [n, V], and (when available) the
// attention weights [n, S] that produced them.
type stepper interface {
	step(parents []int, tokens []int32) (logp []float32, attn []float32, err error)
	vocab() int
}

// modelStepper steps the model's decoder over an encoded memory. Row i
// attends over memory column cols[i].
type modelStepper struct {
	m          *Model
	mem        *memory
	s0         []float32 // [B, Hd] initial states of the memory's columns
	first      bool
	cols       []int
	h, c       []float32 // previous call's states [n, Hd]
	hIn, cIn   []float32 // gathered parents' states
	cs         *cellStep
	as         *attnStep
	x, o, logp []float32
}

func (m *Model) newStepper(mem *memory, s0 []float32) *modelStepper {
	return &modelStepper{m: m, mem: mem, s0: s0, first: true}
}

func (s *modelStepper) vocab() int { return s.m.Tgt.Len() }

func (s *modelStepper) step(parents []int, tokens []int32) ([]float32, []float32, error) {
	m := s.m
	n, Hd, E, V := len(parents), m.Config.DecoderHidden, m.Config.Embed, m.Tgt.Len()
	s.hIn, s.cIn = xslices.Resize(s.hIn, n*Hd), xslices.Resize(s.cIn, n*Hd)
	newCols := make([]int, n)
	for i, p := range parents {
		if s.first {
			// On the first call parents name memory columns.
			newCols[i] = p
			copy(s.hIn[i*Hd:(i+1)*Hd], s.s0[p*Hd:(p+1)*Hd])
			clear(s.cIn[i*Hd : (i+1)*Hd])
			continue
		}
		newCols[i] = s.cols[p]
		copy(s.hIn[i*Hd:(i+1)*Hd], s.h[p*Hd:(p+1)*Hd])
		if s.c != nil {
			copy(s.cIn[i*Hd:(i+1)*Hd], s.c[p*Hd:(p+1)*Hd])
		}
	}
	s.first = false
	s.cols = newCols
	if s.cs == nil || len(s.cs.h) < n*Hd {
		s.cs = m.dec.newStep(n)
		if m.att != nil {
			s.as = m.att.newStep(n, s.mem.S)
		}
	}
	trimStep(s.cs, n, Hd, m.dec.g)
	emb, err := m.tgtEmb.Forward(tokens)
	if err != nil {
		return nil, nil, fmt.Errorf("seq2seq: decoder input: %w", err)
	}
	s.x, s.o = xslices.Resize(s.x, n*m.in), xslices.Resize(s.o, n*m.outIn)
	var attn []float32
	if m.att != nil {
		trimAttn(s.as, n, s.mem.S, m.de, m.att.a, m.att.kind)
		m.att.forward(n, s.hIn, s.mem, s.cols, s.as)
		attn = s.as.w
	}
	for i := 0; i < n; i++ {
		xr := s.x[i*m.in : (i+1)*m.in]
		copy(xr[:E], emb[i*E:(i+1)*E])
		if attn != nil {
			copy(xr[E:], s.as.ctx[i*m.de:(i+1)*m.de])
		}
	}
	var cPrev []float32
	if m.dec.kind == nn.CellLSTM {
		cPrev = s.cIn
	}
	m.dec.forward(n, s.x, s.hIn, cPrev, s.cs)
	for i := 0; i < n; i++ {
		or := s.o[i*m.outIn : (i+1)*m.outIn]
		copy(or[:Hd], s.cs.h[i*Hd:(i+1)*Hd])
		if attn != nil {
			copy(or[Hd:], s.as.ctx[i*m.de:(i+1)*m.de])
		}
	}
	// Keep the new states: swap so the next gather reads them.
	s.h = append(s.h[:0], s.cs.h...)
	if s.cs.c != nil {
		s.c = append(s.c[:0], s.cs.c...)
	}
	logits, err := m.out.Forward(s.o, n)
	if err != nil {
		return nil, nil, fmt.Errorf("seq2seq: output: %w", err)
	}
	s.logp = xslices.Resize(s.logp, n*V)
	for i := 0; i < n; i++ {
		tensor.LogSoftmax(s.logp[i*V:(i+1)*V], logits[i*V:(i+1)*V])
	}
	return s.logp, attn, nil
}

// Translate decodes each source (token ids, non-empty) greedily or with
// beam search and returns the best hypothesis of each. The sources are
// encoded together, fewer at a time where padding them to the longest
// would pass text.MaxPaddedTokens. It stops with ctx's error, between two
// decoding steps, once ctx ends.
func (m *Model) Translate(ctx context.Context, src [][]int32, opt DecodeOptions) ([]Hypothesis, error) {
	if opt.Beam < 0 || opt.Beam > MaxBeam {
		return nil, fmt.Errorf("seq2seq: beam %d out of range [1, %d]", opt.Beam, MaxBeam)
	}
	if opt.MaxLen < 0 || opt.MaxLen > MaxDecodeLen {
		return nil, fmt.Errorf("seq2seq: maximum output length %d out of range [1, %d] (0: twice the source length + 10)", opt.MaxLen, MaxDecodeLen)
	}
	if !(opt.Alpha >= 0) || math.IsInf(opt.Alpha, 1) {
		return nil, fmt.Errorf("seq2seq: alpha %v must be finite and >= 0", opt.Alpha)
	}
	if len(src) == 0 {
		return nil, nil
	}
	lengths := make([]int, len(src))
	for i, s := range src {
		lengths[i] = len(s)
	}
	out := make([]Hypothesis, 0, len(src))
	lo := 0
	for _, hi := range text.PaddedRuns(lengths, len(src)) {
		hs, err := m.translate(ctx, src[lo:hi], opt)
		if err != nil {
			return nil, err
		}
		out, lo = append(out, hs...), hi
	}
	return out, nil
}

// translate is Translate on sources encoded together.
func (m *Model) translate(ctx context.Context, src [][]int32, opt DecodeOptions) ([]Hypothesis, error) {
	var mem memory
	s0 := make([]float32, len(src)*m.Config.DecoderHidden)
	var err error
	m.work.hbuf, err = m.encode(src, &mem, m.work.hbuf, s0)
	if err != nil {
		return nil, err
	}
	maxLen := func(b int) int {
		if opt.MaxLen > 0 {
			return opt.MaxLen
		}
		return min(2*len(src[b])+10, MaxDecodeLen)
	}
	out := make([]Hypothesis, len(src))
	if opt.Beam <= 1 {
		lens := make([]int, len(src))
		for b := range src {
			lens[b] = maxLen(b)
		}
		return greedy(ctx, m.newStepper(&mem, s0), lens, opt)
	}
	for b := range src {
		hs, err := beamSearch(ctx, m.newStepper(&mem, s0), b, opt.Beam, maxLen(b), opt)
		if err != nil {
			return nil, err
		}
		out[b] = hs[0]
	}
	return out, nil
}

// next checks ctx, then steps s from the given rows: the log-probabilities
// [rows, V] of each row's next token and, with attention, its weights over
// the S source positions ([rows, S]; S is 0 without attention).
func next(ctx context.Context, s stepper, parents []int, tokens []int32) (logp, attn []float32, S int, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, 0, err
	}
	if logp, attn, err = s.step(parents, tokens); err != nil {
		return nil, nil, 0, err
	}
	if attn != nil {
		S = len(attn) / len(parents)
	}
	return logp, attn, S, nil
}

// greedy decodes B rows (memory columns 0..B-1) by taking the most
// probable token at each step. Row b ends unfinished when it has produced
// maxLen[b] tokens without <eos>. It stops with ctx's error once ctx
// ends.
func greedy(ctx context.Context, s stepper, maxLens []int, opt DecodeOptions) ([]Hypothesis, error) {
	V, B := s.vocab(), len(maxLens)
	maxLen := 0
	for _, l := range maxLens {
		maxLen = max(maxLen, l)
	}
	hs := make([]Hypothesis, B)
	parents := make([]int, B)
	tokens := make([]int32, B)
	for b := range parents {
		parents[b] = b
		tokens[b] = BosID
	}
	done := 0
	for t := 0; t <= maxLen && done < B; t++ {
		logp, attn, S, err := next(ctx, s, parents, tokens)
		if err != nil {
			return nil, err
		}
		for b := range hs {
			if hs[b].Finished || len(hs[b].IDs) < t {
				continue // finished, or ended unfinished
			}
			row := logp[b*V : (b+1)*V]
			id := bestToken(row)
			if id != EosID && t == maxLens[b] {
				done++
				continue
			}
			hs[b].LogProb += float64(row[id])
			if opt.Attention && attn != nil {
				hs[b].Attention = append(hs[b].Attention, append([]float32(nil), attn[b*S:(b+1)*S]...))
			}
			tokens[b] = id
			if id == EosID {
				hs[b].Finished = true
				done++
				continue
			}
			hs[b].IDs = append(hs[b].IDs, id)
		}
	}
	for b := range hs {
		hs[b].Score = normScore(hs[b].LogProb, len(hs[b].IDs)+1, opt.Alpha)
	}
	return hs, nil
}

// bestToken is the argmax of a row of log-probabilities over the tokens
// that may be produced (not <pad> or <bos>); ties go to the lower id.
func bestToken(row []float32) int32 {
	best := UnkID
	for v := EosID; int(v) < len(row); v++ {
		if row[v] > row[best] {
			best = v
		}
	}
	return best
}

func normScore(logp float64, n int, alpha float64) float64 {
	if alpha == 0 {
		return logp
	}
	return logp / math.Pow(float64(n), alpha)
}

// beamHyp is a live beam entry.
type beamHyp struct {
	ids  []int32
	logp float64
	attn [][]float32
}

// beamSearch decodes memory column col with k beams: at each step every
// live hypothesis is extended by every token, and among the 2k best
// extensions by summed log-probability those ending in <eos> become
// finished (ranked by the length-normalized score) and up to k others stay
// live. It stops when k hypotheses have finished or none is live;
// hypotheses that reach maxLen tokens without <eos> end unfinished and rank
// after every finished one. The result is sorted best first. It stops
// with ctx's error once ctx ends.
func beamSearch(ctx context.Context, s stepper, col, k, maxLen int, opt DecodeOptions) ([]Hypothesis, error) {
	V := s.vocab()
	live := []beamHyp{{}}
	parents := []int{col}
	tokens := []int32{BosID}
	var finished, unfinished []Hypothesis
	type cand struct {
		beam int
		tok  int32
		logp float64
	}
	cands := make([]cand, 0, k*V)
	for t := 0; len(live) > 0 && len(finished) < k; t++ {
		logp, attn, S, err := next(ctx, s, parents, tokens)
		if err != nil {
			return nil, err
		}
		cands = cands[:0]
		for i, h := range live {
			row := logp[i*V : (i+1)*V]
			for v, lp := range row {
				if int32(v) == PadID || int32(v) == BosID {
					continue
				}
				cands = append(cands, cand{i, int32(v), h.logp + float64(lp)})
			}
		}
		// Best first; the stable sort keeps ties in beam, then token order.
		slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(b.logp, a.logp) })
		var next []beamHyp
		parents, tokens = parents[:0], tokens[:0]
		for i, c := range cands {
			if i >= 2*k || len(next) >= k {
				break
			}
			h := live[c.beam]
			var at [][]float32
			if opt.Attention && attn != nil {
				at = append(append([][]float32(nil), h.attn...), append([]float32(nil), attn[c.beam*S:(c.beam+1)*S]...))
			}
			if c.tok == EosID {
				finished = append(finished, Hypothesis{IDs: h.ids, LogProb: c.logp,
					Score: normScore(c.logp, len(h.ids)+1, opt.Alpha), Finished: true, Attention: at})
				continue
			}
			if t == maxLen {
				continue
			}
			ids := append(append([]int32(nil), h.ids...), c.tok)
			next = append(next, beamHyp{ids: ids, logp: c.logp, attn: at})
			parents = append(parents, c.beam)
			tokens = append(tokens, c.tok)
		}
		if t == maxLen {
			for _, h := range live {
				unfinished = append(unfinished, Hypothesis{IDs: h.ids, LogProb: h.logp,
					Score: normScore(h.logp, len(h.ids)+1, opt.Alpha), Attention: h.attn})
			}
		}
		live = next
	}
	byScore := func(hs []Hypothesis) {
		sort.SliceStable(hs, func(a, b int) bool { return hs[a].Score > hs[b].Score })
	}
	byScore(finished)
	byScore(unfinished)
	return append(finished, unfinished...), nil
}
