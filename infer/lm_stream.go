package infer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
)

// Samples draws n samples continuing prompt (Plan, then EachSample), as
// lm sample does, and passes each, prompt included, to emit; temperature 0
// is greedy.
func (l *LM) Samples(ctx context.Context, prompt string, opt lm.SampleOptions, n int, stopAtEOS, noUnk bool, emit func(string) error) error {
	zeroIsGreedy(&opt)
	opts, err := l.Plan(prompt, opt, n, stopAtEOS, noUnk)
	if err != nil {
		return err
	}
	return l.EachSample(ctx, prompt, opts, emit)
}

// Add appends a sample, as the JSON answers give it (JSONSample).
func (r *GenerateResult) Add(s string) error {
	r.Samples = append(r.Samples, JSONSample(s))
	return nil
}

// WriteSamples draws n samples continuing prompt, as Samples does, and
// writes each to w as lm sample prints them, while it is generated: one
// per line when they stop at the end of a line (stopAtEOS, the sample's
// own final line break not doubled), otherwise each followed by a line
// break and separated by "----" lines. Text reaches w at every line break
// and at the end of each sample, and no sample is held whole, so a sample
// of any length streams in constant memory. The model is busy (see LM)
// until the last sample is written.
func (l *LM) WriteSamples(ctx context.Context, w io.Writer, prompt string, opt lm.SampleOptions, n int, stopAtEOS, noUnk bool) error {
	zeroIsGreedy(&opt)
	opts, err := l.Plan(prompt, opt, n, stopAtEOS, noUnk)
	if err != nil {
		return err
	}
	if err := l.mu.lock(ctx); err != nil {
		return err
	}
	defer l.mu.unlock()
	b := bufio.NewWriter(w)
	for i, o := range opts {
		if i > 0 && !stopAtEOS {
			b.WriteString("----\n")
		}
		// A line break is written only once more text follows it, so that
		// the one ending a sample can be dropped when it stops there.
		held := false
		put := func(p string) error {
			if p == "" {
				return nil
			}
			if held {
				b.WriteByte('\n')
			}
			p, held = strings.CutSuffix(p, "\n")
			if _, err := b.WriteString(p); err != nil || !held && !strings.Contains(p, "\n") {
				return err
			}
			return b.Flush()
		}
		d := l.NewDetokenizer(prompt)
		err := put(prompt)
		if err == nil {
			err = l.M.SampleEach(ctx, o, func(id int32) error { return put(d.Piece(id)) })
		}
		if err != nil {
			b.Flush() // what was generated before a cancellation
			return err
		}
		if held && !stopAtEOS {
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
		if err := b.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// ScoreLineWriter returns the emit function of NewScorer that prints each
// line as lm score does: log-probability, tokens, perplexity and the text,
// tab-separated.
func ScoreLineWriter(w io.Writer) func(ScoreLine) error {
	return func(s ScoreLine) error {
		_, err := fmt.Fprintf(w, "%.4f\t%d\t%.3f\t%s\n", s.LogProb, s.Tokens, s.Perplexity(), s.Text)
		return err
	}
}

// EvaluateInputs reads the texts and files in as one token stream, in
// order (text.Stdio.EachInput; errors name the file and line), and returns
// its metrics as training evaluates: batch parallel streams, chunks of
// bptt tokens, the state carried.
func (l *LM) EvaluateInputs(ctx context.Context, in text.Stdio, texts, files []string, batch, bptt int) (lm.Metrics, error) {
	m := l.M
	var ids []int32
	err := in.EachInput(texts, files, func(r io.Reader, name string) error {
		got, err := text.EncodeReader(m.Vocab, &m.Config.Tokenizer, r, name)
		ids = append(ids, got...)
		return err
	})
	if err != nil {
		return lm.Metrics{}, err
	}
	return locked(ctx, &l.mu, func() (lm.Metrics, error) { return m.Evaluate(ctx, ids, batch, bptt) })
}

// Perplexity returns exp(-LogProb/Tokens) (NaN without tokens).
func (s ScoreLine) Perplexity() float64 {
	return lm.LineScore{Tokens: s.Tokens, LogProb: s.LogProb}.Perplexity()
}

// Scorer scores lines as lm score reads them: each line independently
// from a line boundary, batch lines at a time, at most 16 batches held
// between flushes. It is used by one goroutine.
type Scorer struct {
	l     *LM
	batch int
	keep  bool
	emit  func(ScoreLine) error
	start int32
	lines []string
	seqs  [][]int32
	res   ScoreResult
}

// NewScorer returns a Scorer passing each scored line, in order, to emit
// (if not nil) and, with keep, keeping it for Total.
func (l *LM) NewScorer(batch int, keep bool, emit func(ScoreLine) error) (*Scorer, error) {
	start, err := l.start()
	if err != nil {
		return nil, err
	}
	return &Scorer{l: l, batch: batch, keep: keep, emit: emit, start: start, res: ScoreResult{Lines: []ScoreLine{}}}, nil
}

// Read scores the lines of r (named name in errors: the file and line of a
// line that cannot be encoded).
func (s *Scorer) Read(ctx context.Context, r io.Reader, name string) error {
	return text.ReadLines(r, name, func(n int, line string) error {
		ids, err := s.l.M.EncodeLine(line)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
		s.lines, s.seqs = append(s.lines, line), append(s.seqs, ids)
		if len(s.seqs) >= 16*s.batch {
			return s.flush(ctx)
		}
		return nil
	})
}

func (s *Scorer) flush(ctx context.Context) error {
	scores, err := locked(ctx, &s.l.mu, func() ([]lm.LineScore, error) { return s.l.M.Score(ctx, s.seqs, s.start, s.batch) })
	if err != nil {
		return err
	}
	for i, sc := range scores {
		s.res.Tokens += sc.Tokens
		s.res.TotalLogProb += sc.LogProb
		line := ScoreLine{Text: s.lines[i], LogProb: sc.LogProb, Tokens: sc.Tokens}
		if s.keep {
			s.res.Lines = append(s.res.Lines, line)
		}
		if s.emit == nil {
			continue
		}
		if err := s.emit(line); err != nil {
			return err
		}
	}
	s.lines, s.seqs = s.lines[:0], s.seqs[:0]
	return nil
}

// Total scores the lines still held and returns the totals of every line
// scored (perplexity and bits only when Tokens > 0) and the lines kept.
func (s *Scorer) Total(ctx context.Context) (*ScoreResult, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	res := s.res
	if res.Tokens > 0 {
		s.l.total(&res)
	}
	return &res, nil
}

// total fills in the perplexity and bits of the totals in r (Tokens > 0).
func (l *LM) total(r *ScoreResult) {
	loss := -r.TotalLogProb / float64(r.Tokens)
	r.Perplexity, r.BitsPerToken = math.Exp(loss), loss/math.Ln2
	if l.M.Config.Tokenizer.Mode == text.Chars {
		b := r.BitsPerToken
		r.BitsPerChar = &b
	}
}

// WriteTotal writes the totals as lm score prints them (on standard
// error), with the bits in unit (lm.Config.BitsUnit).
func (r *ScoreResult) WriteTotal(w io.Writer, unit string) error {
	loss := -r.TotalLogProb / float64(r.Tokens)
	_, err := fmt.Fprintf(w, "total: %d tokens, log-prob %.2f, loss %.4f, perplexity %.3f, %.4f %s\n",
		r.Tokens, r.TotalLogProb, loss, math.Exp(loss), loss/math.Ln2, unit)
	return err
}

// Label returns the id of label: a label of the model or, for SST's 0
// and 1, their names (lm.CondModel.FindLabel).
func (c *CondLM) Label(label string) (int, error) {
	li := c.M.FindLabel(label, false)
	if li < 0 {
		return -1, fmt.Errorf("label %q is not one of the model's %v", label, c.M.Config.Labels)
	}
	return li, nil
}

// SampleSentences draws n sentences continuing prompt for label (see
// Label) as lm sample --label does and passes each, prompt included, to
// emit: with guidance g > 0 guided (lm.CondModel.SampleGuided), with
// rerank > 1 the most label-like of rerank samples (SampleReranked),
// otherwise plain; g < 0 or infinite, or both g > 0 and rerank > 1, is an
// error. Sample i is seeded with opt.Seed + i*rerank; temperature 0 is
// greedy.
func (c *CondLM) SampleSentences(ctx context.Context, label, prompt string, opt lm.SampleOptions, n, rerank int, g float64, emit func(string) error) error {
	li, err := c.Label(label)
	switch {
	case err != nil:
		return err
	case !(g >= 0 && g <= math.MaxFloat32):
		return fmt.Errorf("--guidance %v must be >= 0 and finite", g)
	case g > 0 && rerank > 1:
		return errors.New("--guidance and --rerank are separate decoding options; use one")
	}
	zeroIsGreedy(&opt)
	if prompt != "" {
		opt.Prompt = c.M.EncodeSentence(prompt)
	}
	rerank = max(1, rerank)
	seed := opt.Seed
	for i := range max(1, n) {
		opt.Seed = seed + uint64(i*rerank)
		var ids []int32
		var err error
		if err := c.mu.lock(ctx); err != nil {
			return err
		}
		switch {
		case g > 0:
			ids, err = c.M.SampleGuided(ctx, li, opt, g)
		case rerank > 1:
			ids, _, err = c.M.SampleReranked(ctx, li, opt, rerank)
		default: // the same sample without scoring it
			ids, err = c.M.Sample(ctx, li, opt)
		}
		c.mu.unlock()
		if err != nil {
			return err
		}
		if err := emit(c.SampleText(opt.Prompt, ids)); err != nil {
			return err
		}
	}
	return nil
}
