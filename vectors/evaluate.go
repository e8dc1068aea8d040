package vectors

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/recurrent-go/recurrent/text"
)

// Evaluation says which tests Evaluate runs and how; the defaults of
// AnalogyOptions and PairsOptions (gensim 4's) apply.
type Evaluation struct {
	// Analogies is the analogy file ("" or "google": the built-in Google
	// set); NoAnalogies skips the analogy test.
	Analogies   string
	NoAnalogies bool
	// Method names the analogy method (see ParseMethod).
	Method string
	// Restrict is the analogy test's AnalogyOptions.Restrict.
	Restrict int
	// Similarity lists word-similarity files (see ReadWordPairs), tested
	// on the first SimilarityRestrict words (0: all).
	Similarity         []string
	SimilarityRestrict int
	// CaseSensitive and Dummy4Unknown apply to both tests.
	CaseSensitive, Dummy4Unknown bool
	// Progress, if not nil, is told how far the analogy test is.
	Progress func(EvalProgress)
}

// EvalProgress says how many questions of an analogy test are answered.
type EvalProgress struct {
	Stage       string // "analogies", or "analogies before"/"after" debiasing
	Done, Total int
}

// Evaluate reads the vectors of src and the test files through in ("-" is
// its standard input; errors name the file) and runs the tests of e.
// Every file is read before the first test starts.
func Evaluate(ctx context.Context, in text.Stdio, src Source, e Evaluation) (*EvalSummary, error) {
	method, err := ParseMethod(e.Method)
	if err != nil {
		return nil, err
	}
	v, err := src.Read(in)
	if err != nil {
		return nil, err
	}
	rep := &EvalSummary{Vectors: src.Path, Words: v.Len(), Dim: v.Dim}
	var set *AnalogySet
	var setName string
	if !e.NoAnalogies {
		if set, setName, err = ReadAnalogySet(in, e.Analogies); err != nil {
			return nil, err
		}
	}
	pairs := make([][]WordPair, len(e.Similarity))
	skipped := make([][]int, len(e.Similarity))
	for i, path := range e.Similarity {
		err := readNamed(in, path, func(r io.Reader) (err error) {
			pairs[i], skipped[i], err = ReadWordPairs(r)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	x := NewIndex(v)
	if set != nil {
		opt := AnalogyOptions{Restrict: e.Restrict, CaseSensitive: e.CaseSensitive, Dummy4Unknown: e.Dummy4Unknown, Method: method}
		if rep.Analogy, err = evaluateStage(ctx, x, set, setName, "analogies", opt, e.Progress); err != nil {
			return nil, err
		}
	}
	for i, path := range e.Similarity {
		opt := PairsOptions{Restrict: e.SimilarityRestrict, CaseSensitive: e.CaseSensitive, Dummy4Unknown: e.Dummy4Unknown}
		r, err := EvaluateWordPairs(x, pairs[i], opt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if rep.Similarity == nil {
			rep.Similarity = map[string]*PairsSummary{}
		}
		s := r.Summary(path, len(skipped[i]))
		rep.Similarity[filepath.Base(path)] = s
		rep.pairs = append(rep.pairs, s)
	}
	return rep, nil
}

// ReadAnalogySet reads the analogy file path through in ("-": its standard
// input), or returns the built-in Google set for "" and "google"; name is
// how reports call the set.
func ReadAnalogySet(in text.Stdio, path string) (set *AnalogySet, name string, err error) {
	if path == "" || path == "google" {
		set, err = GoogleAnalogies()
		return set, "google (built-in questions-words.txt)", err
	}
	err = readNamed(in, path, func(r io.Reader) (err error) {
		set, err = ReadAnalogies(r)
		return err
	})
	return set, text.DisplayName(path), err
}

// evaluateStage runs EvaluateAnalogies reporting progress as stage, and
// summarizes the result under name.
func evaluateStage(ctx context.Context, x *Index, set *AnalogySet, name, stage string, opt AnalogyOptions, progress func(EvalProgress)) (*AnalogySummary, error) {
	if progress != nil {
		opt.Progress = func(done, total int) { progress(EvalProgress{stage, done, total}) }
	}
	r, err := EvaluateAnalogies(ctx, x, set, opt)
	if err != nil {
		return nil, err
	}
	return r.Summary(name, opt), nil
}
