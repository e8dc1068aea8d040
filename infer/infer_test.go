package infer_test

import (
	"context"
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/infer/infertest"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/seq2seq"
)

func build(t *testing.T) infertest.Paths {
	t.Helper()
	p, err := infertest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDetectsEveryKind(t *testing.T) {
	p := build(t)
	for path, want := range map[string]infer.Kind{
		p.LM: infer.KindLM, p.WordLM: infer.KindLM, p.Cond: infer.KindConditional, p.Classify: infer.KindClassify,
		p.Tag: infer.KindTag, p.Translate: infer.KindTranslate, p.Vectors: infer.KindVectors,
	} {
		m, err := infer.Load(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if m.Kind() != want {
			t.Errorf("%s: kind %s, want %s", path, m.Kind(), want)
		}
		// Config is the model's own (what GET /v1/models reports).
		var cfg any
		switch m := m.(type) {
		case *infer.LM:
			cfg = m.M.Config
		case *infer.CondLM:
			cfg = m.M.Config
		case *infer.Classifier:
			cfg = m.M.Config
		case *infer.Tagger:
			cfg = m.M.Config
		case *infer.Translator:
			cfg = m.M.Config
		case *infer.Vectors:
			cfg = infer.VectorsConfig{Words: m.X.V.Len(), Dim: m.X.V.Dim}
		}
		if got := m.Config(); cfg == nil || !reflect.DeepEqual(got, cfg) {
			t.Errorf("%s: config %+v, want the model's %+v", path, got, cfg)
		}
	}
	if _, err := infer.Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("empty directory: %v", err)
	}
}

// The pieces a stream sends, appended to the prompt, spell the sample.
func TestDetokenizerSpellsSampleText(t *testing.T) {
	p := build(t)
	for _, path := range []string{p.LM, p.WordLM} {
		m, err := infer.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		l := m.(*infer.LM)
		for _, prompt := range []string{"", "the", "ROMEO:", "the soup\n"} {
			opts, err := l.Plan(prompt, lm.SampleOptions{MaxTokens: 40, Seed: 3}, 3, false, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, opt := range opts {
				ids, err := l.M.Sample(context.Background(), opt)
				if err != nil {
					t.Fatal(err)
				}
				want, err := l.SampleText(prompt, ids)
				if err != nil {
					t.Fatal(err)
				}
				d := l.NewDetokenizer(prompt)
				got := prompt
				for _, id := range ids {
					got += d.Piece(id)
				}
				if got != want {
					t.Errorf("%s prompt %q: pieces spell %q, SampleText %q", path, prompt, got, want)
				}
			}
		}
	}
}

func TestGenerateDefaultsAndErrors(t *testing.T) {
	p := build(t)
	m, _ := infer.Load(p.LM)
	l := m.(*infer.LM)
	ctx := context.Background()
	res, err := l.Generate(ctx, infer.GenerateOptions{Prompt: "ROMEO:", N: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Samples) != 2 || res.Samples[0] == res.Samples[1] || !strings.HasPrefix(res.Samples[0], "ROMEO:") {
		t.Errorf("samples %q", res.Samples)
	}
	// A character model's default length is 500 characters after the prompt.
	if n := len([]rune(res.Samples[0])); n > 6+500 || n < 6+400 {
		t.Errorf("sample of %d characters", n)
	}
	bad := []infer.GenerateOptions{{N: -1}, {N: infer.MaxSamples + 1}, {TopK: -2}, {TopP: 2}, {Label: "positive"}, {Temperature: ptr(-1.0)}, {Length: ptr(-3)}}
	for _, o := range bad {
		if _, err := l.Generate(ctx, o); !errors.Is(err, infer.ErrInput) {
			t.Errorf("%+v: error %v, want ErrInput", o, err)
		}
	}
	if _, err := l.Generate(ctx, infer.GenerateOptions{Prompt: "\x00zz"}); err == nil {
		t.Error("a prompt outside the vocabulary was accepted")
	}
}

func ptr[T any](v T) *T { return &v }

func TestScorePerTokenSumsToLine(t *testing.T) {
	p := build(t)
	m, _ := infer.Load(p.WordLM)
	l := m.(*infer.LM)
	res, err := l.Score(context.Background(), []string{"the soup was warm", "a dull plot"}, 64, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range res.Lines {
		var sum float64
		for _, ts := range line.TokenScores {
			sum += ts.LogProb
		}
		if len(line.TokenScores) != line.Tokens || math.Abs(sum-line.LogProb) > 1e-4*math.Max(1, math.Abs(sum)) {
			t.Errorf("%q: %d token scores summing to %v, line %d tokens %v", line.Text, len(line.TokenScores), sum, line.Tokens, line.LogProb)
		}
	}
	if res.Tokens != 4+1+3+1 || res.BitsPerChar != nil {
		t.Errorf("totals %+v", res)
	}
}

func TestTasks(t *testing.T) {
	p := build(t)
	ctx := context.Background()
	c, _ := infer.Load(p.Classify)
	cr, err := c.(*infer.Classifier).Predict(ctx, []string{"the soup was lovely", "  a dull plot "}, 256)
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range cr.Predictions {
		if s := pr.Probs["pos"] + pr.Probs["neg"]; math.Abs(float64(s)-1) > 1e-5 || pr.Probs[pr.Label] < 0.5 {
			t.Errorf("%+v", pr)
		}
	}
	if cr.Predictions[1].Text != "a dull plot" {
		t.Errorf("text %q not trimmed", cr.Predictions[1].Text)
	}
	tg, _ := infer.Load(p.Tag)
	tr, err := tg.(*infer.Tagger).TagTexts(ctx, []string{"Marta went to Paris, with John."}, 128)
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Sentences[0]
	if strings.Join(s.Tokens, " ") != "Marta went to Paris , with John ." || len(s.Tags) != len(s.Tokens) {
		t.Errorf("%+v", s)
	}
	for _, e := range s.Entities {
		if e.Start < 0 || e.End > len(s.Tokens) || e.Start >= e.End || e.Text != strings.Join(s.Tokens[e.Start:e.End], " ") {
			t.Errorf("entity %+v of %q", e, s.Tokens)
		}
	}
	tl, _ := infer.Load(p.Translate)
	res, err := tl.(*infer.Translator).Translate(ctx, []string{"3 May 1979", "tuesday, june 5, 2001"}, infer.TranslateOptions{Beam: 3, Attention: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Translations {
		if len(tr.Attention) != len(tr.OutputTokens) || len(tr.Attention[0]) != len(tr.SourceTokens) {
			t.Errorf("attention %dx%d for %d outputs and %d sources", len(tr.Attention), len(tr.Attention[0]), len(tr.OutputTokens), len(tr.SourceTokens))
		}
	}
	// Beyond what decoding takes: an input error (400 from the server,
	// whose --max-length may exceed seq2seq's cap), not a decoding failure.
	for _, o := range []infer.TranslateOptions{{Beam: seq2seq.MaxBeam + 1}, {MaxLen: seq2seq.MaxDecodeLen + 1}} {
		if _, err := tl.(*infer.Translator).Translate(ctx, []string{"3 May 1979"}, o); !errors.Is(err, infer.ErrInput) {
			t.Errorf("%+v: %v, want an input error", o, err)
		}
	}
	v, _ := infer.Load(p.Vectors)
	vec := v.(*infer.Vectors)
	an, err := vec.Analogy("man", "king", "woman", "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if an.Results[0].Word != "queen" {
		t.Errorf("man:king::woman:? gave %+v", an.Results)
	}
	if _, err := vec.Similar([]string{"nosuchword"}, nil, 5); !errors.Is(err, infer.ErrInput) {
		t.Errorf("unknown word: %v", err)
	}
	pr, err := vec.Project([]string{"king", "queen", "man", "zzz"})
	if err != nil || len(pr.Points) != 3 || len(pr.Missing) != 1 {
		t.Errorf("project: %+v %v", pr, err)
	}
	cl, _ := infer.Load(p.Cond)
	var got []infer.CondSample
	err = cl.(*infer.CondLM).Generate(ctx, infer.GenerateOptions{Label: "positive", N: 2, Prompt: "the"}, func(s infer.CondSample) error {
		got = append(got, s)
		return nil
	})
	if err != nil || len(got) != 2 {
		t.Fatalf("%v %v", got, err)
	}
	for _, s := range got {
		if "the"+strings.Join(s.Pieces, "") != s.Text {
			t.Errorf("pieces %q do not spell %q", s.Pieces, s.Text)
		}
	}
}

// A checkpoint whose Save was interrupted between its two renames exists
// only as DIR.swap-old; Load reads it from there, as checkpoint.Load and the
// task loaders do (serve --model DIR failed: "infer: stat DIR: no such
// file or directory", while lm sample --model DIR loaded it).
func TestLoadInterruptedSave(t *testing.T) {
	p := build(t)
	for _, dir := range []string{p.LM, p.Classify, p.Tag} {
		if err := os.Rename(dir, dir+".swap-old"); err != nil { // the crash
			t.Fatal(err)
		}
		want, err := infer.DetectKind(dir + ".swap-old")
		if err != nil {
			t.Fatal(err)
		}
		m, err := infer.Load(dir)
		if err != nil {
			t.Errorf("%s: %v", dir, err)
		} else if m.Kind() != want {
			t.Errorf("%s: kind %s, want %s", dir, m.Kind(), want)
		}
	}
}
