package lm

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

func TestCondLabelsAndLookup(t *testing.T) {
	ex := []text.Labelled{{Text: "a b", Label: "1", Line: 1}, {Text: "b c", Label: "0", Line: 2}, {Text: "d", Label: "x", Line: 3}, {Text: "a", Label: "1", Line: 4}}
	if got := CondLabels(ex, false); !slices.Equal(got, []string{"negative", "positive", "x"}) {
		t.Errorf("named labels %q", got)
	}
	if got := CondLabels(ex, true); !slices.Equal(got, []string{"0", "1", "x"}) {
		t.Errorf("raw labels %q", got)
	}
	v, err := CondVocab(text.Tokenizer{Mode: text.Whitespace}, ex, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Tokens(), []string{text.UNK, text.EOS, "a", "b"}) {
		t.Errorf("vocabulary (min count 2) %q", v.Tokens())
	}
	m, err := NewCond(CondConfig{Arch: Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 3, Hidden: 4, Layers: 1}, Labels: CondLabels(ex, false),
		Condition: CondBoth, LabelDim: 2, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}, v, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		label string
		raw   bool
		want  int
	}{{"negative", false, 0}, {"0", false, 0}, {"1", false, 1}, {"1", true, -1}, {"x", true, 2}, {"y", false, -1}} {
		if got := m.FindLabel(c.label, c.raw); got != c.want {
			t.Errorf("FindLabel(%q, raw %v) = %d, want %d", c.label, c.raw, got, c.want)
		}
	}
	d, err := m.EncodeLabelled(ex, "f.tsv", false)
	if err != nil || !slices.Equal(d.Labels, []int{1, 0, 2, 1}) || !slices.Equal(d.Sents[1], []int32{3, v.UnkID()}) {
		t.Errorf("encoded %+v, %v", d, err)
	}
	f, err := text.ParseLabelFormat("tsv")
	if err != nil {
		t.Fatal(err)
	}
	in := text.Stdio{In: strings.NewReader("positive\ta b\n0\tb c\n")}
	if got, err := m.ReadLabelled(in, "-", f, false); err != nil || !slices.Equal(got.Labels, []int{1, 0}) || !slices.Equal(got.Sents[0], []int32{2, 3}) {
		t.Errorf("ReadLabelled(standard input) = %+v, %v", got, err)
	}
	in.In = strings.NewReader("positive\ta\ny\tb\n")
	if _, err := m.ReadLabelled(in, "-", f, false); err == nil || !strings.Contains(err.Error(), ":2: label \"y\" is not one of the model's") {
		t.Errorf("ReadLabelled with an unknown label: %v", err)
	}
	files := &LabelledFiles{TrainPath: "train.tsv", ValidPath: "valid.tsv", Train: ex, Valid: []text.Labelled{{Text: "a", Label: "z", Line: 7}}}
	if _, _, err := files.Encode(m); err == nil || err.Error() != `valid.tsv:7: label "z" is not one of the model's [negative positive x] (from the training file train.tsv)` {
		t.Errorf("unknown label: %v", err)
	}
	r, err := m.Report(context.Background(), d)
	if err != nil || r.Sentences != 4 || r.Tokens != 10 || !(r.LabelAcc >= 0 && r.LabelAcc <= 1) || r.Perplexity <= 1 {
		t.Fatalf("report %+v, %v", r, err)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil || !strings.HasPrefix(b.String(), "4 sentences, 10 tokens: loss ") || !strings.Contains(b.String(), "label accuracy (Bayes) ") {
		t.Errorf("text report %q", b.String())
	}
}

// A conditional training configuration with a negative or NaN clip or
// discriminative weight is refused, naming the setting.
func TestCondTrainConfigNegative(t *testing.T) {
	ok := CondTrainConfig{Epochs: 1, Batch: 2, LR: 0.1}
	if err := ok.validate(); err != nil {
		t.Fatalf("valid configuration: %v", err)
	}
	for _, c := range []struct {
		clip, disc float64
		want       string
	}{{-1, 0, "clip -1 must be >= 0"}, {math.NaN(), 0, "clip NaN must be >= 0"}, {0, -0.5, "discriminative -0.5 must be >= 0"}, {1, math.NaN(), "discriminative NaN"}} {
		tc := ok
		tc.Clip, tc.Discriminative = c.clip, c.disc
		if err := tc.validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("clip %v, discriminative %v: %v, want %q", c.clip, c.disc, err, c.want)
		}
	}
}

// NewCondRun and ResumeCondRun build the trainer from the labelled files;
// its resume settings pair the given values with the checkpoint's.
func TestCondRunResume(t *testing.T) {
	ex := []text.Labelled{{Text: "good fun", Label: "1"}, {Text: "bad dull", Label: "0"}, {Text: "good good", Label: "1"}, {Text: "dull bad bad", Label: "0"}}
	d := &LabelledFiles{TrainPath: "t.tsv", Train: ex}
	tok := text.Tokenizer{Mode: text.Whitespace}
	v, err := CondVocab(tok, ex, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := CondConfig{Arch: Arch{Cell: "lstm", EmbedDim: 3, Hidden: 4, Layers: 1}, Condition: CondInit, Tokenizer: tok}
	tc := CondTrainConfig{Epochs: 1, Batch: 2, LR: 0.01, Seed: 2, Optimizer: "adam"}
	tr, err := NewCondRun(cfg, v, d, tc)
	if err != nil {
		t.Fatal(err)
	}
	if c := tr.Model.Config; !slices.Equal(c.Labels, []string{"negative", "positive"}) || c.VocabSize != v.Len() {
		t.Fatalf("config %+v", c)
	}
	if s := tr.Describe(); !strings.Contains(s, "4 train / 0 valid sentences, 2 batches/epoch") {
		t.Errorf("description %q", s)
	}
	dir := t.TempDir()
	tr.Dir = dir
	if _, err := tr.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	re, err := ResumeCondRun(dir, d)
	if err != nil {
		t.Fatal(err)
	}
	if re.Pos() != tr.Pos() {
		t.Errorf("resumed at %+v, saved at %+v", re.Pos(), tr.Pos())
	}
	cfg.Hidden = 9
	var hidden *train.Setting
	for _, s := range re.ResumeSettings(cfg, true, tc) {
		if s.Name == "hidden" {
			hidden = &s
		}
	}
	if hidden == nil || hidden.Now != 9 || hidden.Saved != 4 {
		t.Errorf("hidden setting %+v", hidden)
	}
	// The starting rate given again keeps the optimizer's current rate.
	re.Loop().Optimizer().SetLR(tc.LR / 4)
	re.Reconfigure(CondTrainConfig{LR: tc.LR}, func(f string) bool { return f == "lr" })
	if lr := re.Loop().Optimizer().LR(); lr != tc.LR/4 {
		t.Errorf("--lr equal to the starting rate %v: optimizer lr %v, want %v kept", tc.LR, lr, tc.LR/4)
	}
	// --steps alone: the saved epochs go; lr reaches the optimizer; clip
	// not given stays.
	flags := map[string]bool{"steps": true, "lr": true}
	re.Reconfigure(CondTrainConfig{Epochs: 10, MaxSteps: 7, LR: 0.5, Clip: 9}, func(f string) bool { return flags[f] })
	if c := re.Config; c.Epochs != 0 || c.MaxSteps != 7 || c.LR != 0.5 || re.Loop().Optimizer().LR() != 0.5 || c.Clip != tc.Clip {
		t.Errorf("reconfigured %+v", c)
	}
	d.Train = append(d.Train, text.Labelled{Text: "meh", Label: "neutral", Line: 5})
	if _, err := ResumeCondRun(dir, d); err == nil || !strings.Contains(err.Error(), `t.tsv:5: label "neutral"`) {
		t.Errorf("unknown label on resume: %v", err)
	}
}

// TestCondLabelsFineGrained: SST-5's labels 0..4 run from very negative
// to very positive; naming 0 "negative" and 1 "positive" (SST-2's names)
// called a negative class positive. Integer labels beyond 0 and 1 keep
// their names.
func TestCondLabelsFineGrained(t *testing.T) {
	var ex []text.Labelled
	for i, l := range []string{"3", "1", "0", "4", "2", "1"} {
		ex = append(ex, text.Labelled{Text: "w", Label: l, Line: i + 1})
	}
	if got := CondLabels(ex, false); !slices.Equal(got, []string{"0", "1", "2", "3", "4"}) {
		t.Errorf("CondLabels(SST-5 labels) = %q, want 0..4", got)
	}
}
