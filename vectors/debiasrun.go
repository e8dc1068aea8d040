package vectors

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/text"
)

// DebiasJob says what DebiasFiles does.
type DebiasJob struct {
	// Lists is the directory of the word lists (see LoadDebiasLists; "":
	// the built-in ones); Seed reads gender_specific_seed.json instead of
	// gender_specific_full.json.
	Lists string
	Seed  bool
	// Restrict is DebiasOptions.Restrict.
	Restrict int
	// Analogies is the analogy file of the accuracy before and after ("":
	// the built-in Google set), answered on the first EvalRestrict words;
	// NoAnalogies skips it.
	Analogies    string
	NoAnalogies  bool
	EvalRestrict int
	// Out is the file the debiased vectors are written to ("-": standard
	// output), in OutFormat.
	Out       string
	OutFormat Format
	// Progress, if not nil, is told how far the analogy tests are.
	Progress func(EvalProgress)
}

// AnalogyChange is an analogy test before and after a change.
type AnalogyChange struct {
	Before *AnalogySummary `json:"before"`
	After  *AnalogySummary `json:"after"`
}

// DebiasSummary is the report of DebiasFiles.
type DebiasSummary struct {
	Vectors          string  `json:"vectors"`
	Out              string  `json:"out"`
	DirectBiasBefore Float   `json:"direct_bias_before"`
	DirectBiasAfter  Float   `json:"direct_bias_after"`
	Professions      int     `json:"professions_found"`
	Definitional     int     `json:"definitional_pairs_used"`
	Neutralized      int     `json:"neutralized"`
	Equalized        int     `json:"equalized"`
	Explained        []Float `json:"explained_variance"`
	// Analogy is nil when the analogy test was skipped.
	Analogy *AnalogyChange `json:"analogy,omitempty"`
	format  Format
}

// DebiasFiles reads the vectors of src and the files of job through in
// ("-" is its standard input; errors name the file), debiases the vectors
// (see Debias), measures the analogy accuracy before and after, and writes
// the debiased vectors to job.Out. Every file is read before the work
// starts.
func DebiasFiles(ctx context.Context, in text.Stdio, src Source, job DebiasJob) (*DebiasSummary, error) {
	lists, err := BuiltinDebiasLists(job.Seed)
	if job.Lists != "" {
		lists, err = LoadDebiasLists(job.Lists, job.Seed)
	}
	if err != nil {
		return nil, err
	}
	v, err := src.Read(in)
	if err != nil {
		return nil, err
	}
	var set *AnalogySet
	var setName string
	if !job.NoAnalogies {
		if set, setName, err = ReadAnalogySet(in, job.Analogies); err != nil {
			return nil, err
		}
	}
	deb, rep, err := Debias(v, lists, DebiasOptions{Restrict: job.Restrict})
	if err != nil {
		return nil, err
	}
	s := &DebiasSummary{Vectors: src.Path, Out: job.Out, DirectBiasBefore: Float(rep.DirectBiasBefore), DirectBiasAfter: Float(rep.DirectBiasAfter),
		Professions: rep.ProfessionsFound, Definitional: rep.DefinitionalUsed, Neutralized: rep.Neutralized, Equalized: rep.Equalized, format: job.OutFormat}
	for _, e := range rep.Explained {
		s.Explained = append(s.Explained, Float(e))
	}
	if set != nil {
		s.Analogy = &AnalogyChange{}
		opt := AnalogyOptions{Restrict: job.EvalRestrict}
		if s.Analogy.Before, err = evaluateStage(ctx, NewIndex(v), set, setName, "analogies before", opt, job.Progress); err != nil {
			return nil, err
		}
		if s.Analogy.After, err = evaluateStage(ctx, NewIndex(deb), set, setName, "analogies after", opt, job.Progress); err != nil {
			return nil, err
		}
	}
	if err := in.WriteFile(job.Out, func(w io.Writer) error { return Write(w, deb, job.OutFormat) }); err != nil {
		return nil, err
	}
	return s, nil
}

// WriteText writes the bias direction, what was changed, the direct bias
// and analogy accuracy before and after, and where the vectors went.
func (s *DebiasSummary) WriteText(w io.Writer) error {
	var b bytes.Buffer
	explained := 0.0
	if len(s.Explained) > 0 {
		explained = float64(s.Explained[0])
	}
	fmt.Fprintf(&b, "bias direction from %d definitional pairs (first component explains %.1f%% of their variance)\n", s.Definitional, 100*explained)
	fmt.Fprintf(&b, "neutralized %d words, equalized %d pairs\n", s.Neutralized, s.Equalized)
	fmt.Fprintf(&b, "direct bias over %d professions: %.4f -> %.4f\n", s.Professions, s.DirectBiasBefore, s.DirectBiasAfter)
	if a := s.Analogy; a != nil {
		words := "all words"
		if a.Before.Restrict > 0 {
			words = fmt.Sprintf("first %d words", a.Before.Restrict)
		}
		fmt.Fprintf(&b, "analogy accuracy (%s, %s): total %.2f%% -> %.2f%%, semantic %.2f%% -> %.2f%%, syntactic %.2f%% -> %.2f%%\n",
			a.Before.File, words, 100*a.Before.Total, 100*a.After.Total, 100*a.Before.Semantic, 100*a.After.Semantic,
			100*a.Before.Syntactic, 100*a.After.Syntactic)
	}
	fmt.Fprintf(&b, "wrote %s (%v)\n", s.Out, s.format)
	_, err := w.Write(b.Bytes())
	return err
}
