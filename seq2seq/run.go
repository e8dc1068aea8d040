package seq2seq

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/recurrent-go/recurrent/text"
)

// ReadSources reads source lines to translate: one per line, the part
// before a TAB when there is one (a pair file's source), read as
// text.ReadLines does (UTF-8 checked, a byte-order mark dropped). A blank
// source is kept as "": TranslateLines answers it with an empty output, so
// that the outputs line up with the input.
func ReadSources(r io.Reader, name string) ([]string, error) {
	var lines []string
	err := text.ReadLines(r, name, func(n int, line string) error {
		line, _, _ = strings.Cut(line, "\t")
		if strings.TrimSpace(line) == "" {
			line = ""
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return lines, nil
}

// DateWarnings are the source lines whose years lie outside the dates a
// date model was trained on: a model cannot be trusted with them.
type DateWarnings struct {
	Range DateRange
	// Name is the input's name in messages.
	Name string
	// Lines are the 1-based numbers of the lines and Years the first
	// year outside Range on each.
	Lines, Years []int
}

// CheckDates returns the warnings for lines of the input name against r
// (none when r is zero).
func CheckDates(r DateRange, name string, lines []string) DateWarnings {
	w := DateWarnings{Range: r, Name: name}
	for i, l := range lines {
		if ys := YearsOutside(r, l); len(ys) > 0 {
			w.Lines, w.Years = append(w.Lines, i+1), append(w.Years, ys[0])
		}
	}
	return w
}

// WriteText writes a warning for each of the first five lines, then the
// count of all when there are more.
func (d DateWarnings) WriteText(w io.Writer) error {
	const shown = 5
	for i := range min(shown, len(d.Lines)) {
		if _, err := fmt.Fprintf(w, "warning: %s:%d: year %d is outside the dates the model was trained on (%s to %s); its translation is unreliable\n",
			d.Name, d.Lines[i], d.Years[i], d.Range.From, d.Range.To); err != nil {
			return err
		}
	}
	if len(d.Lines) > shown {
		_, err := fmt.Fprintf(w, "warning: %d lines in all have years outside %s to %s\n", len(d.Lines), d.Range.From, d.Range.To)
		return err
	}
	return nil
}

// RunOptions configure TranslateLines.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type RunOptions struct {
	DecodeOptions
	// HeatmapDir, when set, receives every line's attention (Heatmaps).
	HeatmapDir string
	// AttentionJSON and AttentionPNG, when set, receive the first line's
	// attention (AttentionMap.WriteFiles; blank lines are skipped, and
	// lines that are all blank are an error).
	AttentionJSON, AttentionPNG string
}

// Output is one translated line (translate run --json's object).
type Output struct {
	Finished bool    `json:"finished"`
	LogProb  float64 `json:"logprob"`
	Output   string  `json:"output"`
	Score    float64 `json:"score"`
	Source   string  `json:"source"`
}

// WriteText writes the output line.
func (o Output) WriteText(w io.Writer) error {
	_, err := fmt.Fprintln(w, o.Output)
	return err
}

// TranslateLines translates lines in chunks of 256 sources, passes each
// output to emit in order, and writes the attention files opt asks for
// (of the first line that is not blank). A blank line ("") is not
// translated: its output is empty, with no attention.
func (m *Model) TranslateLines(ctx context.Context, lines []string, opt RunOptions, emit func(Output) error) error {
	first := opt.AttentionJSON != "" || opt.AttentionPNG != ""
	opt.Attention = first || opt.HeatmapDir != ""
	if opt.Attention && m.AttentionKind() == AttentionNone {
		return ErrNoAttention
	}
	hm, err := NewHeatmaps(m, opt.HeatmapDir, len(lines))
	if err != nil {
		return err
	}
	const chunk = 256
	for lo := 0; lo < len(lines); lo += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(len(lines), lo+chunk)
		src := make([][]int32, 0, hi-lo)
		at := make([]int, 0, hi-lo) // the lines src holds
		for i, l := range lines[lo:hi] {
			if l != "" {
				src, at = append(src, m.EncodeSource(l)), append(at, lo+i)
			}
		}
		var hs []Hypothesis
		if len(src) > 0 {
			if hs, err = m.Translate(ctx, src, opt.DecodeOptions); err != nil {
				return err
			}
		}
		for i, k := lo, 0; i < hi; i++ {
			if lines[i] == "" {
				if err := emit(Output{Finished: true}); err != nil {
					return err
				}
				continue
			}
			h := hs[k]
			k++
			out := Output{Source: lines[i], Output: JoinTokens(m.Config.Tokens, m.DecodeTarget(h.IDs)),
				LogProb: h.LogProb, Score: h.Score, Finished: h.Finished}
			if err := emit(out); err != nil {
				return err
			}
			if err := hm.Write(m, i, lines[i], h); err != nil {
				return err
			}
		}
		if first && len(hs) > 0 {
			am, err := m.AttentionMapOf(lines[at[0]], hs[0])
			if err == nil {
				err = am.WriteFiles(opt.AttentionJSON, opt.AttentionPNG)
			}
			if err != nil {
				return err
			}
			first, opt.Attention = false, opt.HeatmapDir != ""
		}
	}
	if first { // asked for, but no line to take it from
		names := strings.TrimSpace(opt.AttentionJSON + " " + opt.AttentionPNG)
		return fmt.Errorf("seq2seq: no source line that is not blank, so no attention to write to %s", names)
	}
	return nil
}

// EvalReport is the result of EvaluatePairs (translate eval --json's
// object).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type EvalReport struct {
	Metrics
	Beam    int     `json:"beam"`
	Alpha   float64 `json:"alpha"`
	Seconds float64 `json:"seconds"`
}

// WriteText writes the report's line.
func (r EvalReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%d pairs, beam %d: exact match %.4f, token accuracy %.4f, BLEU %.2f, loss %.4f (%.1fs)\n",
		r.N, r.Beam, r.ExactMatch, r.TokenAccuracy, r.BLEU, r.Loss, r.Seconds)
	return err
}

// PairsEval configures EvaluatePairs.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type PairsEval struct {
	EvalOptions
	// Name names the pairs' input in errors.
	Name string
	// HeatmapDir, when set, receives each pair's attention as a heat map
	// (Heatmaps, numbered by pair).
	HeatmapDir string
}

// EvaluatePairs encodes pairs and evaluates them with opt (drawing the heat
// maps it asks for), timing the evaluation. No pairs is an error.
func (m *Model) EvaluatePairs(ctx context.Context, pairs []Pair, opt PairsEval) (EvalReport, error) {
	if len(pairs) == 0 {
		return EvalReport{}, fmt.Errorf("%s: no source<TAB>target pairs to evaluate", opt.Name)
	}
	data, err := m.Encode(pairs)
	if err != nil {
		return EvalReport{}, fmt.Errorf("%s: %w", opt.Name, err)
	}
	hm, err := NewHeatmaps(m, opt.HeatmapDir, len(pairs))
	if err != nil {
		return EvalReport{}, err
	}
	if hm.Dir != "" {
		each := opt.Hypothesis
		opt.Attention = true
		opt.Hypothesis = func(i int, h Hypothesis) error {
			if each != nil {
				if err := each(i, h); err != nil {
					return err
				}
			}
			return hm.Write(m, i, pairs[i].Source, h)
		}
	}
	start := time.Now()
	met, err := m.Evaluate(ctx, data, opt.EvalOptions)
	if err != nil {
		return EvalReport{}, err
	}
	return EvalReport{Metrics: met, Beam: max(1, opt.Beam), Alpha: opt.Alpha, Seconds: time.Since(start).Seconds()}, nil
}

// WriteOutputs writes the outputs hyps (target ids) as text, one per line.
func (m *Model) WriteOutputs(w io.Writer, hyps [][]int32) error {
	for _, h := range hyps {
		if _, err := fmt.Fprintln(w, JoinTokens(m.Config.Tokens, m.DecodeTarget(h))); err != nil {
			return err
		}
	}
	return nil
}
