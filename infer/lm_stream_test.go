package infer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
)

func loadLM(t *testing.T, path string) *infer.LM {
	t.Helper()
	m, err := infer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m.(*infer.LM)
}

// Samples gives what Generate gives for the same options.
func TestSamplesLikeGenerate(t *testing.T) {
	p := build(t)
	l := loadLM(t, p.LM)
	ctx := context.Background()
	opt := lm.SampleOptions{MaxTokens: 30, Temperature: 1, Seed: 4}
	res := infer.GenerateResult{}
	if err := l.Samples(ctx, "ROMEO:", opt, 3, false, false, res.Add); err != nil {
		t.Fatal(err)
	}
	n, length, temp, seed, stop := 3, 30, 1.0, uint64(4), false
	want, err := l.Generate(ctx, infer.GenerateOptions{Prompt: "ROMEO:", N: n, Length: &length, Temperature: &temp, Seed: &seed, StopAtEOS: &stop})
	if err != nil || !slices.Equal(res.Samples, want.Samples) {
		t.Fatalf("Samples %q, Generate %q (%v)", res.Samples, want.Samples, err)
	}
	greedy := infer.GenerateResult{}
	if err := l.Samples(ctx, "ROMEO:", lm.SampleOptions{MaxTokens: 30, Seed: 4}, 2, false, false, greedy.Add); err != nil {
		t.Fatal(err)
	}
	zero := 0.0
	want, err = l.Generate(ctx, infer.GenerateOptions{Prompt: "ROMEO:", N: 2, Length: &length, Temperature: &zero, Seed: &seed, StopAtEOS: &stop})
	if err != nil || !slices.Equal(greedy.Samples, want.Samples) || greedy.Samples[0] != greedy.Samples[1] {
		t.Errorf("temperature 0: Samples %q, Generate %q (%v); want the same greedy sample twice", greedy.Samples, want.Samples, err)
	}
}

// WriteSamples prints, for character and word models, with and without
// stopping at the end of a line and whatever the prompt, exactly what the
// samples of Samples give laid out as lm sample prints them: one per line
// (their own final line break not doubled), or each followed by a line
// break and separated by "----" lines.
func TestWriteSamplesLayout(t *testing.T) {
	p := build(t)
	ctx := context.Background()
	for _, path := range []string{p.LM, p.WordLM} {
		l := loadLM(t, path)
		for _, stop := range []bool{false, true} {
			for _, prompt := range []string{"", "the", "ROMEO:", "the soup\n", "a\n\n"} {
				for _, length := range []int{0, 1, 7, 120} {
					opt := lm.SampleOptions{MaxTokens: length, Temperature: 1, Seed: 5}
					var want strings.Builder
					i := 0
					err := l.Samples(ctx, prompt, opt, 3, stop, false, func(s string) error {
						if stop {
							s = strings.TrimSuffix(s, "\n")
						} else if i > 0 {
							want.WriteString("----\n")
						}
						i++
						want.WriteString(s + "\n")
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					var got bytes.Buffer
					if err := l.WriteSamples(ctx, &got, prompt, opt, 3, stop, false); err != nil {
						t.Fatal(err)
					}
					if got.String() != want.String() {
						t.Errorf("%s, prompt %q, length %d, stop %v:\n got %q\nwant %q", path, prompt, length, stop, got.String(), want.String())
					}
				}
			}
		}
	}
}

// cancelAfter is a writer that ends its context once it has received n
// bytes and counts what reaches it.
type cancelAfter struct {
	n      int
	got    int
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.got += len(p)
	if c.got >= c.n {
		c.cancel()
	}
	return len(p), nil
}

// WriteSamples streams: text reaches the writer while a sample far too
// long to hold is still being generated, and the sample stops when the
// context ends. A writer's error stops it too.
func TestWriteSamplesStreams(t *testing.T) {
	l := loadLM(t, build(t).LM)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelAfter{n: 10_000, cancel: cancel}
	err := l.WriteSamples(ctx, w, "", lm.SampleOptions{MaxTokens: 1 << 40, Temperature: 1, Seed: 1}, 1, false, false)
	if !errors.Is(err, context.Canceled) || w.got < w.n {
		t.Errorf("after %d bytes: %v, want the context's end", w.got, err)
	}
	full := errors.New("disk full")
	err = l.WriteSamples(context.Background(), failWriter{full}, "", lm.SampleOptions{MaxTokens: 1 << 40, Temperature: 1, Seed: 1}, 1, false, false)
	if !errors.Is(err, full) {
		t.Errorf("failing writer: %v", err)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// The Scorer gives each line what ScoreLines gives it, whatever the
// batches, and the totals of Summarize; an unencodable line is an error
// naming its input and line.
func TestScorerMatchesScoreLines(t *testing.T) {
	p := build(t)
	l := loadLM(t, p.WordLM)
	ctx := context.Background()
	lines := []string{"the cat", "a dog sat on the mat", "", "the the the", "on a cat"}
	want, err := l.Score(ctx, lines, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []infer.ScoreLine
	sc, err := l.NewScorer(1, true, func(s infer.ScoreLine) error {
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two inputs and more than 16 batches of 1: flushed in between.
	if err := sc.Read(ctx, strings.NewReader(strings.Join(lines[:2], "\n")), "a"); err != nil {
		t.Fatal(err)
	}
	more := strings.Repeat(strings.Join(lines[2:], "\n")+"\n", 6)
	if err := sc.Read(ctx, strings.NewReader(more), "b"); err != nil {
		t.Fatal(err)
	}
	total, err := sc.Total(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2+18 || len(total.Lines) != len(got) || total.Lines[19].Text != got[19].Text {
		t.Fatalf("%d lines emitted, %d kept", len(got), len(total.Lines))
	}
	for i, s := range got {
		w := want.Lines[min(i, 2+(i-2)%3)]
		if s.Text != w.Text || s.Tokens != w.Tokens || math.Abs(s.LogProb-w.LogProb) > 1e-4 {
			t.Errorf("line %d: %+v, want %+v", i, s, w)
		}
	}
	sum, err := l.Summarize(got)
	if err != nil || sum.Tokens != total.Tokens || math.Abs(sum.Perplexity-total.Perplexity) > 1e-9 || sum.BitsPerChar != nil {
		t.Errorf("totals %+v, Summarize %+v (%v)", total, sum, err)
	}
	var b bytes.Buffer
	if err := total.WriteTotal(&b, "bits/token"); err != nil || !strings.HasPrefix(b.String(), "total: ") || !strings.HasSuffix(b.String(), " bits/token\n") {
		t.Errorf("total line %q", b.String())
	}
	empty, err := l.NewScorer(4, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := empty.Total(ctx); err != nil || res.Tokens != 0 || res.Perplexity != 0 {
		t.Errorf("nothing scored: %+v, %v", res, err)
	}
	c := loadLM(t, p.LM)
	sc, err = c.NewScorer(4, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Read(ctx, strings.NewReader("ok\n\u00ff\u00fe\n"), "in.txt"); err == nil || !strings.HasPrefix(err.Error(), "in.txt:2: ") {
		t.Errorf("unknown characters: %v", err)
	}
}

// SampleSentences draws sample i with seed Seed+i*rerank, plainly, and
// finds labels by name.
func TestCondSampleSentences(t *testing.T) {
	p := build(t)
	m, err := infer.Load(p.Cond)
	if err != nil {
		t.Fatal(err)
	}
	c := m.(*infer.CondLM)
	li, err := c.Label("positive")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Label("neutral"); err == nil || !strings.Contains(err.Error(), `label "neutral" is not one of the model's`) {
		t.Errorf("unknown label: %v", err)
	}
	ctx := context.Background()
	opt := lm.SampleOptions{MaxTokens: 12, Temperature: 1, Seed: 7}
	var got []string
	if err := c.SampleSentences(ctx, "positive", "", opt, 2, 1, 0, func(s string) error { got = append(got, s); return nil }); err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		o := opt
		o.Seed += uint64(i)
		ids, err := c.M.Sample(ctx, li, o)
		if err != nil || s != c.SampleText(nil, ids) {
			t.Errorf("sample %d %q, want %q (%v)", i, s, c.SampleText(nil, ids), err)
		}
	}
	for _, bad := range []struct {
		rerank int
		g      float64
		want   string
	}{{1, -1, "--guidance -1 must be >= 0"}, {1, math.NaN(), "--guidance NaN must be >= 0"}, {1, math.Inf(1), "--guidance +Inf must be >= 0 and finite"}, {1, 1e300, "--guidance 1e+300 must be >= 0 and finite"}, {3, 0.5, "--guidance and --rerank are separate"}} {
		err := c.SampleSentences(ctx, "positive", "", opt, 1, bad.rerank, bad.g, func(string) error { t.Error("sampled with bad options"); return nil })
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("rerank %d, guidance %v: error %v, want %q", bad.rerank, bad.g, err, bad.want)
		}
	}
	if err := c.SampleSentences(ctx, "neutral", "", opt, 1, 1, 0, func(string) error { return nil }); err == nil || !strings.Contains(err.Error(), "neutral") {
		t.Errorf("unknown label: %v", err)
	}
	var reranked []string
	if err := c.SampleSentences(ctx, "positive", "happy", opt, 2, 3, 0, func(s string) error { reranked = append(reranked, s); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(reranked) != 2 || !strings.HasPrefix(reranked[0], "happy ") {
		t.Errorf("reranked with a prompt: %q", reranked)
	}
}

// EvaluateInputs reads its inputs as one stream, in order: a text cut in
// two at a line end gives the metrics of the whole evaluated at once (each
// input ends a line); ScoreLineWriter
// prints lm score's tab-separated line.
func TestEvaluateInputsAndScoreLineWriter(t *testing.T) {
	p := build(t)
	l := loadLM(t, p.LM)
	ctx := context.Background()
	whole := "ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east.\n"
	cut := strings.Index(whole, "It is")
	got, err := l.EvaluateInputs(ctx, text.Stdio{}, []string{whole[:cut], whole[cut:]}, nil, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := text.EncodeReader(l.M.Vocab, &l.M.Config.Tokenizer, strings.NewReader(whole), "whole")
	if err != nil {
		t.Fatal(err)
	}
	want, err := l.M.Evaluate(ctx, ids, 2, 8)
	if err != nil || got != want || !(got.Loss > 0) {
		t.Errorf("EvaluateInputs = %+v, Evaluate of the whole = %+v (%v)", got, want, err)
	}
	var b bytes.Buffer
	if err := infer.ScoreLineWriter(&b)(infer.ScoreLine{Text: "a b", LogProb: -2, Tokens: 2}); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("-2.0000\t2\t%.3f\ta b\n", math.E); b.String() != want {
		t.Errorf("ScoreLineWriter: %q, want %q", b.String(), want)
	}
}

// Samples refuses a negative number of samples with an input error (it
// panicked), and more than MaxSamples (out of memory); zero gives none.
func TestSamplesNegativeCount(t *testing.T) {
	l := loadLM(t, build(t).LM)
	if err := l.Samples(context.Background(), "ROMEO:", lm.SampleOptions{MaxTokens: 5, Seed: 1}, 0, false, false,
		func(string) error { t.Fatal("n=0: a sample was emitted"); return nil }); err != nil {
		t.Errorf("n=0: %v", err)
	}
	for _, n := range []int{-1, -5, infer.MaxSamples + 1, 100_000_000} { // the last asked for 12 GB of options
		err := l.Samples(context.Background(), "ROMEO:", lm.SampleOptions{MaxTokens: 5, Seed: 1}, n, false, false,
			func(string) error { t.Fatalf("n=%d: a sample was emitted", n); return nil })
		if !errors.Is(err, infer.ErrInput) || !strings.Contains(err.Error(), "samples asked for") {
			t.Errorf("n=%d: %v, want an input error", n, err)
		}
	}
}

// busyContext is the context of a call that holds its model: its first
// Err, made inside the model's lock, returns once release is closed.
type busyContext struct {
	context.Context
	once            sync.Once
	inside, release chan struct{}
}

func (c *busyContext) Err() error {
	c.once.Do(func() { close(c.inside); <-c.release })
	return nil
}

// TestWaitForBusyModelEndsWithContext: a call waiting for a model busy
// with another call's work returns its context's error once its context
// ends, instead of waiting (a server request past its deadline, holding
// its queue slot) until the model is free.
func TestWaitForBusyModelEndsWithContext(t *testing.T) {
	l := loadLM(t, build(t).LM)
	busy := &busyContext{Context: context.Background(), inside: make(chan struct{}), release: make(chan struct{})}
	first := make(chan error, 1)
	go func() { _, err := l.Score(busy, []string{"To be"}, 8, false); first <- err }()
	<-busy.inside
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	second := make(chan error, 1)
	go func() { _, err := l.Score(ctx, []string{"or not"}, 8, false); second <- err }()
	select {
	case err := <-second:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the waiting call: %v, want its deadline's error", err)
		}
	case <-time.After(10 * time.Second): // the test's own bound
		t.Error("a call waiting for a busy model outlived its context")
	}
	close(busy.release)
	if err := <-first; err != nil {
		t.Errorf("the first call: %v", err)
	}
}
