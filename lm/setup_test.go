package lm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

func TestTokenizerOptions(t *testing.T) {
	for _, c := range []struct {
		o       TokenizerOptions
		mode    text.Mode
		eos     string
		wantErr string
	}{
		{o: TokenizerOptions{Name: "char", EOS: "auto"}, mode: text.Chars, eos: "\n"},
		{o: TokenizerOptions{Name: "char", Level: "word", EOS: "auto"}, mode: text.Words, eos: text.EOS},
		{o: TokenizerOptions{Name: "whitespace", EOS: ""}, mode: text.Whitespace, eos: ""},
		{o: TokenizerOptions{Name: "word", EOS: "<s>", SplitPunct: true}, mode: text.Words, eos: "<s>"},
		{o: TokenizerOptions{Name: "word", NameSet: true, Level: "char"}, wantErr: "--level char contradicts --tokenizer word"},
		{o: TokenizerOptions{Name: "char", Level: "bpe"}, wantErr: `--level "bpe"`},
		{o: TokenizerOptions{Name: "char", SplitPunct: true}, wantErr: "--split-punct"},
		{o: TokenizerOptions{Name: "bytes"}, wantErr: "bytes"},
	} {
		tok, err := c.o.Tokenizer()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%+v: error %v, want %q", c.o, err, c.wantErr)
			}
			continue
		}
		if err != nil || tok.Mode != c.mode || tok.EOS != c.eos || tok.SplitPunct != c.o.SplitPunct {
			t.Errorf("%+v: %+v, %v; want mode %v, eos %q", c.o, tok, err, c.mode, c.eos)
		}
	}
}

func TestVocabOptionsSpecials(t *testing.T) {
	chars := text.Tokenizer{Mode: text.Chars, EOS: "\n", BOS: "<s>"}
	words := text.Tokenizer{Mode: text.Words, EOS: text.EOS}
	for _, c := range []struct {
		o    DataOptions
		tok  text.Tokenizer
		want []string
	}{
		{DataOptions{Specials: "auto"}, chars, []string{"<s>"}}, // closed character set, "\n" not special
		{DataOptions{Specials: "auto", Valid: "v.txt"}, chars, []string{text.UNK, "<s>"}},
		{DataOptions{Specials: "auto", Test: "t.txt"}, chars, []string{text.UNK, "<s>"}},
		{DataOptions{Specials: "auto"}, words, []string{text.UNK, text.EOS}},
		{DataOptions{Specials: "a,b"}, words, []string{"a", "b"}},
		{DataOptions{Specials: ""}, words, []string{}},
	} {
		got := c.o.VocabOptions(c.tok).Specials
		if got == nil || !slices.Equal(got, c.want) {
			t.Errorf("%+v with %v: specials %q, want %q", c.o, c.tok.Mode, got, c.want)
		}
	}
}

func writeFile(t *testing.T, dir, name, s string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDataOptionsRead(t *testing.T) {
	dir := t.TempDir()
	a, b := writeFile(t, dir, "a.txt", "abcabc\n"), writeFile(t, dir, "b.txt", "cab\n")
	tok := text.Tokenizer{Mode: text.Chars, EOS: "\n"}
	o := DataOptions{Train: []string{a, b}, ValidFraction: 0.25, Specials: "auto", MinCount: 1}
	d, err := o.Read(&tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 7 + 4 ids read as one stream; the last quarter (2 ids) held out.
	if d.Vocab.Len() != 4 || len(d.Train) != 9 || len(d.Valid) != 2 || d.Test != nil {
		t.Fatalf("vocab %d, train %d, valid %d, test %v", d.Vocab.Len(), len(d.Train), len(d.Valid), d.Test)
	}
	if got, _ := d.Vocab.Decode(nil, d.Valid); strings.Join(got, "") != "b\n" {
		t.Errorf("held-out tail %q, want the stream's last two tokens", got)
	}
	// A given vocabulary is used as is; a separate valid file is read whole.
	o.Valid, o.Test = b, a
	d2, err := o.Read(&tok, d.Vocab)
	if err != nil || d2.Vocab != d.Vocab || len(d2.Train) != 11 || len(d2.Valid) != 4 || len(d2.Test) != 7 {
		t.Fatalf("with vocabulary and files: %+v, %v", d2, err)
	}
	o.Valid = ""
	for _, f := range []float64{1, -0.5, math.NaN()} {
		o.ValidFraction = f
		if _, err := o.Read(&tok, nil); err == nil || !strings.Contains(err.Error(), "must be in [0, 1)") {
			t.Errorf("valid fraction %v: %v", f, err)
		}
	}
	o.ValidFraction, o.Train = 0, []string{filepath.Join(dir, "missing.txt")}
	if _, err := o.Read(&tok, nil); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file: %v", err)
	}
}

func TestNewRunDefaults(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "t.txt", strings.Repeat("the cat sat on the mat\n", 40))
	cfg := Config{Arch: Arch{Cell: "gru", EmbedDim: 4, Hidden: 6, Layers: 1}, DivValue: 4}
	tc := TrainConfig{Batch: 2, BPTT: 4, Optimizer: "sgd", LR: 0.1}
	tr, d, err := NewRun(cfg, TokenizerOptions{Name: "word", EOS: "auto"}, DataOptions{Train: []string{p}, ValidFraction: 0.1, Specials: "auto"}, tc)
	if err != nil {
		t.Fatal(err)
	}
	c := tr.Model.Config
	if tr.Config.Epochs != 1 || c.VocabSize != d.Vocab.Len() || c.DivValue != 0 || c.Tokenizer.Mode != text.Words || c.Tokenizer.EOS != text.EOS {
		t.Errorf("epochs %d, config %+v (vocab %d)", tr.Config.Epochs, c, d.Vocab.Len())
	}
	if _, _, err := NewRun(cfg, TokenizerOptions{Name: "word", Level: "x"}, DataOptions{Train: []string{p}}, tc); err == nil {
		t.Error("a bad tokenizer was accepted")
	}
}

func TestResumeSettingsAndReconfigure(t *testing.T) {
	m, err := New(Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 4, Hidden: 5, Layers: 1}, Tokenizer: text.Tokenizer{Mode: text.Chars, EOS: "\n"}}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	saved := TrainConfig{Batch: 4, BPTT: 5, Epochs: 2, MaxSteps: 9, Optimizer: "adam", LR: 0.01, Clip: 1, Seed: 3}
	tr, err := NewTrainer(m, patternStream(400, 1), nil, saved)
	if err != nil {
		t.Fatal(err)
	}
	given := Config{Arch: Arch{Cell: "gru", EmbedDim: 4, Hidden: 8, Layers: 1}}
	find := func(s []train.Setting, flag string) *train.Setting {
		for i := range s {
			if s[i].Name == flag {
				return &s[i]
			}
		}
		return nil
	}
	s, err := ResumeSettings(m, nil, given, TokenizerOptions{Name: "word"}, false, TrainConfig{Batch: 8})
	if err != nil {
		t.Fatal(err)
	}
	if h := find(s, "hidden"); h == nil || h.Now != 8 || h.Saved != 5 {
		t.Errorf("hidden setting %+v", h)
	}
	// The settings are train's, checked by train.CheckResume itself.
	var conflict *train.ConflictError
	if err := train.CheckResume(func(f string) bool { return f == "hidden" }, s); !errors.As(err, &conflict) || conflict.Name != "hidden" {
		t.Errorf("--hidden 8 on a checkpoint of hidden 5: %v", err)
	}
	if find(s, "batch") != nil || find(s, "tokenizer") != nil {
		t.Errorf("training or tokenizer settings without tc or tokGiven: %+v", s)
	}
	s, err = ResumeSettings(m, &tr.Config, given, TokenizerOptions{Name: "word", EOS: "auto"}, true, TrainConfig{Batch: 8})
	if err != nil {
		t.Fatal(err)
	}
	if b, tk := find(s, "batch"), find(s, "tokenizer"); b == nil || b.Now != 8 || b.Saved != 4 || tk == nil || tk.Now != "word" || tk.Saved != "char" {
		t.Errorf("batch %+v, tokenizer %+v", b, tk)
	}
	if _, err := ResumeSettings(m, nil, given, TokenizerOptions{Name: "char", SplitPunct: true}, true, TrainConfig{}); err == nil {
		t.Error("a bad tokenizer given on resume was accepted")
	}

	// The starting rate given again (the original command line rerun)
	// keeps the rate a decay left.
	tr.SetLR(0.004)
	tr.Reconfigure(TrainConfig{LR: 0.01}, func(f string) bool { return f == "lr" })
	if tr.LR() != 0.004 || tr.Config.LR != 0.01 {
		t.Errorf("--lr equal to the starting rate: optimizer lr %v, config lr %v; want the decayed 0.004 kept", tr.LR(), tr.Config.LR)
	}
	// --steps alone: the saved epochs go too; lr reaches the optimizer;
	// flags not given keep the saved values.
	flags := map[string]bool{"steps": true, "lr": true, "patience": true}
	tr.Reconfigure(TrainConfig{MaxSteps: 20, LR: 0.5, Patience: 3, Clip: 7, Batch: 99}, func(f string) bool { return flags[f] })
	c := tr.Config
	if c.Epochs != 0 || c.MaxSteps != 20 || c.LR != 0.5 || tr.LR() != 0.5 || c.Patience != 3 || c.Clip != 1 || c.Batch != 4 {
		t.Errorf("reconfigured %+v (optimizer lr %v)", c, tr.LR())
	}
}

// --eval-batch given on resume applies from the next Run: 0 means --batch
// (it made every validation fail, "batch size 0"), and one too large for
// the validation stream is refused before any step (the run trained up to
// its first validation, then failed and saved nothing).
func TestReconfigureEvalBatch(t *testing.T) {
	m, err := New(Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 4, Hidden: 5, Layers: 1}, Tokenizer: text.Tokenizer{Mode: text.Chars}}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, patternStream(400, 1), patternStream(60, 2), TrainConfig{Batch: 4, BPTT: 5, MaxSteps: 2, Optimizer: "adam", LR: 0.01, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	given := func(f string) bool { return f == "eval-batch" || f == "steps" }
	tr.Reconfigure(TrainConfig{EvalBatch: 40, MaxSteps: 4}, given)
	if res, err := tr.Run(t.Context(), nil); err == nil || res.Steps != 0 || !strings.Contains(err.Error(), "validation data") {
		t.Errorf("eval batch 40 for 60 validation tokens: %d steps, err %v; want a refusal before any step", res.Steps, err)
	}
	tr.Reconfigure(TrainConfig{EvalBatch: 0, MaxSteps: 4}, given)
	res, err := tr.Run(t.Context(), nil)
	if err != nil || res.Valid == nil || res.Steps != 4 {
		t.Fatalf("eval batch 0: %+v, %v", res, err)
	}
	want, err := m.Evaluate(t.Context(), patternStream(60, 2), 4, 5)
	if err != nil || *res.Valid != want {
		t.Errorf("eval batch 0: validation %+v, want that of batch 4 %+v (%v)", *res.Valid, want, err)
	}
}

// Rate settings that did nothing are refused before any step: a warm-up
// without a schedule (a constant rate has none) and an anneal factor
// between 0 and 1 (the rate is divided by it; it was ignored). A resume
// may mend them.
func TestRunRefusesIdleRateSettings(t *testing.T) {
	m, err := New(Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 4, Hidden: 5, Layers: 1}, Tokenizer: text.Tokenizer{Mode: text.Chars}}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, patternStream(400, 1), patternStream(60, 2), TrainConfig{Batch: 4, BPTT: 5, MaxSteps: 3, Optimizer: "adam", LR: 0.01, Seed: 3, Warmup: 2, Anneal: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mend TrainConfig
		flag string
		want string // the refusal before the mend
	}{
		{TrainConfig{Schedule: "linear"}, "schedule", "warmup 2 needs a schedule"},
		{TrainConfig{Anneal: 1}, "anneal", "anneal 0.5: the rate is divided by it"},
	} {
		if res, err := tr.Run(t.Context(), nil); err == nil || res.Steps != 0 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("before --%s: %d steps, err %v; want %q before any step", c.flag, res.Steps, err, c.want)
		}
		tr.Reconfigure(c.mend, func(f string) bool { return f == c.flag })
	}
	if res, err := tr.Run(t.Context(), nil); err != nil || res.Steps != 3 {
		t.Errorf("mended: %d steps, %v", res.Steps, err)
	}
}

// ResumeRun checks the model's settings before reading any data, then
// the training settings, and continues where the run stopped.
func TestResumeRun(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "t.txt", strings.Repeat("abcab cba\n", 30))
	data := DataOptions{Train: []string{p}, ValidFraction: 0.2, Specials: "auto"}
	tr, _, err := NewRun(Config{Arch: Arch{Cell: "gru", EmbedDim: 4, Hidden: 5, Layers: 1}}, TokenizerOptions{Name: "char", EOS: "auto"}, data,
		TrainConfig{Batch: 2, BPTT: 4, MaxSteps: 5, Optimizer: "adam", LR: 0.01, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "ck")
	tr.Dir = ck
	if _, err := tr.Run(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	var calls []bool
	re, d, err := ResumeRun(ck, data, func(m *Model, tc *TrainConfig) error {
		calls = append(calls, tc != nil)
		if m.Config.Hidden != 5 || tc != nil && tc.Batch != 2 {
			t.Errorf("checked %+v, %+v", m.Config, tc)
		}
		return nil
	})
	if err != nil || !slices.Equal(calls, []bool{false, true}) || re.Pos() != tr.Pos() || re.Model.Vocab.Len() != d.Vocab.Len() {
		t.Fatalf("resumed at %+v (saved %+v), checks %v: %v", re.Pos(), tr.Pos(), calls, err)
	}
	data.Train = []string{filepath.Join(dir, "missing.txt")}
	refused := errors.New("refused")
	if _, _, err := ResumeRun(ck, data, func(*Model, *TrainConfig) error { return refused }); err != refused {
		t.Errorf("a refused model setting gives %v, want it before the data is read", err)
	}
}

// TestSetup sets lm train's run up from files, trains it, and resumes
// it: a conflicting architecture setting or a vocabulary flag given is
// refused, a budget given applies, and the test stream is evaluated.
func TestSetup(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "t.txt", strings.Repeat("abcab cba\n", 30))
	s := Setup{Data: DataOptions{Train: []string{p}, Test: p, ValidFraction: 0.2, Specials: "auto"},
		Tokenizer: TokenizerOptions{Name: "char", EOS: "auto"}, Model: Config{Arch: Arch{Cell: "gru", EmbedDim: 4, Hidden: 5, Layers: 1}},
		Training: TrainConfig{Batch: 2, BPTT: 4, MaxSteps: 5, Optimizer: "adam", LR: 0.01, Seed: 2}}
	ck := filepath.Join(dir, "ck")
	ses, err := s.Start(ck, false)
	if err != nil {
		t.Fatal(err)
	}
	var notes strings.Builder
	if ses.WriteNotes(&notes); notes.String() != ses.Trainer.Describe()+"\n" || ses.ProgressLabels()["bits"] != "bits/char" {
		t.Errorf("notes %q, labels %v", notes.String(), ses.ProgressLabels())
	}
	sum, err := ses.Train(t.Context(), nil)
	if err != nil || sum.Steps != 5 || sum.Checkpoint != ck || sum.Test == nil || sum.Warning() != nil {
		t.Fatalf("Train: %+v, %v", sum, err)
	}
	given := func(names ...string) func(string) bool {
		return func(n string) bool { return slices.Contains(names, n) }
	}
	r := s
	r.Model.Hidden, r.Training.MaxSteps = 9, 7
	for name, want := range map[string]string{"hidden": "lm train --resume: --hidden 9 conflicts", "min-count": "lm train --resume: --min-count cannot change"} {
		if _, err := r.Resume(ck, given(name)); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("resume with --%s: %v", name, err)
		}
	}
	res, err := r.Resume(ck, given("steps"))
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := res.Train(t.Context(), nil); err != nil || sum.Steps != 7 || res.Trainer.Model.Config.Hidden != 5 {
		t.Errorf("resumed Train: %+v, %v", sum, err)
	}
}

func summaryTrainer(t *testing.T, dir string, mode text.Mode) *Trainer {
	t.Helper()
	m, err := New(Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 4, Hidden: 6, Layers: 1}, Tokenizer: text.Tokenizer{Mode: mode}}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, patternStream(600, 1), patternStream(200, 2), TrainConfig{Batch: 4, BPTT: 8, MaxSteps: 12,
		EvalEvery: 5, Optimizer: "adam", LR: 0.02, Clip: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr.Dir = dir
	return tr
}

// RunSummary draws the loss curves into the checkpoint, gives the final
// and best validation and evaluates the test stream with the best
// weights, which the model then holds.
func TestRunSummary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	tr := summaryTrainer(t, dir, text.Chars)
	test := patternStream(300, 3)
	var events int
	sum, err := tr.RunSummary(context.Background(), func(train.Event) { events++ }, test)
	if err != nil {
		t.Fatal(err)
	}
	if events == 0 || sum.Steps != 12 || sum.Stop != string(train.StopSteps) || sum.Valid == nil || sum.Best == nil || sum.Test == nil {
		t.Fatalf("summary %+v after %d events", sum, events)
	}
	if sum.BitsPerChar == nil || *sum.ValLoss != sum.Valid.Loss || sum.Params != tr.Model.NumParams() || sum.Checkpoint != dir {
		t.Errorf("headline figures %+v", sum)
	}
	png, err := os.ReadFile(filepath.Join(dir, PlotFile))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) || sum.Plot != filepath.Join(dir, PlotFile) || sum.PlotErr != nil {
		t.Errorf("plot %q (%v), read: %v", sum.Plot, sum.PlotErr, err)
	}
	best, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := LoadPath(filepath.Join(dir, "model.safetensors"), true)
	if err != nil || !q.Quantized() || q.NumParams() != best.NumParams() {
		t.Errorf("DIR/model.safetensors with int8: %v", err)
	}
	want, err := best.Evaluate(context.Background(), test, 4, 8)
	if err != nil || want != *sum.Test {
		t.Errorf("test %+v, want that of the saved best weights %+v (%v)", *sum.Test, want, err)
	}
	var out bytes.Buffer
	if err := sum.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "trained 12 steps (epoch ") || !strings.HasPrefix(lines[1], "valid      loss ") ||
		!strings.HasPrefix(lines[2], "best valid loss ") || !strings.Contains(lines[3], " bits/char  (") || lines[4] != "checkpoint: "+dir {
		t.Errorf("text summary:\n%s", out.String())
	}
	js, err := json.Marshal(&sum)
	if err != nil || !strings.Contains(string(js), `"loss_plot"`) || strings.Contains(string(js), "unit") || strings.Contains(string(js), "PlotErr") {
		t.Errorf("JSON summary %s (%v)", js, err)
	}
}

// A test stream too short for the evaluation batch is refused before any
// step (lm train trained the whole budget, then failed on it, printing no
// summary, and --resume failed the same way).
func TestRunSummaryShortTest(t *testing.T) {
	tr := summaryTrainer(t, filepath.Join(t.TempDir(), "ck"), text.Chars)
	_, err := tr.RunSummary(context.Background(), nil, patternStream(5, 3))
	if err == nil || !strings.Contains(err.Error(), "test data") || tr.Pos().Step != 0 {
		t.Errorf("a 5-token test stream for batch 4: %v after %d steps; want a refusal before training", err, tr.Pos().Step)
	}
}

// A cancelled run is marked interrupted and evaluates no test stream.
func TestRunSummaryInterrupted(t *testing.T) {
	tr := summaryTrainer(t, filepath.Join(t.TempDir(), "ck"), text.Words)
	sum, err := traintest.CancelAt(func(ctx context.Context, progress func(train.Event)) (Summary, error) {
		return tr.RunSummary(ctx, progress, patternStream(300, 3))
	}, 3)
	if !errors.Is(err, context.Canceled) || !sum.Interrupted || sum.Test != nil || sum.BitsPerChar != nil {
		t.Errorf("interrupted run: %v, summary %+v", err, sum)
	}
	// Cancelled during the test evaluation, after the run's last
	// checkpoint: interrupted too (the summary said a complete run that
	// had no test figures, while lm train said "interrupted").
	tr = summaryTrainer(t, filepath.Join(t.TempDir(), "ck"), text.Words)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sum, err = tr.RunSummary(ctx, func(e train.Event) {
		if _, ok := e.(train.StopEvent); ok {
			cancel()
		}
	}, patternStream(300, 3))
	if !errors.Is(err, context.Canceled) || !sum.Interrupted || sum.Test != nil || sum.Stop != string(train.StopSteps) || sum.Steps != 12 {
		t.Errorf("cancelled during the test evaluation: %v, summary %+v", err, sum)
	}
}

func TestMetricsText(t *testing.T) {
	m := NewMetrics(2*200, 200)
	c := Config{Tokenizer: text.Tokenizer{Mode: text.Words}}
	if got, want := m.Text(c.BitsUnit()), "loss 2.0000  perplexity 7.389  2.8854 bits/token  (200 tokens)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	c.Tokenizer.Mode = text.Chars
	if c.BitsUnit() != "bits/char" {
		t.Errorf("character unit %q", c.BitsUnit())
	}
}

// TestCondSetup sets a conditional run up from a file, trains it, and
// resumes it: a conflicting setting given is a *train.ConflictError
// naming it, the notes then say where the run continues, and the budget
// given applies.
func TestCondSetup(t *testing.T) {
	dir := t.TempDir()
	s := CondSetup{TrainFile: filepath.Join(dir, "t.tsv"), Format: "auto", MinCount: 1, Lower: true,
		Model:    CondConfig{Arch: Arch{Cell: "lstm", EmbedDim: 3, Hidden: 4, Layers: 1}, Condition: CondInit},
		Training: CondTrainConfig{Epochs: 1, Batch: 2, LR: 0.01, Seed: 2, Optimizer: "adam"}}
	os.WriteFile(s.TrainFile, []byte("1\tGood fun\n0\tbad dull\n1\tgood good\n0\tdull bad bad\n"), 0o644)
	if _, err := (&CondSetup{TrainFile: s.TrainFile, Format: "xml"}).Start(dir, false); err == nil || !strings.HasPrefix(err.Error(), "lm train-labels: ") {
		t.Errorf("unknown format: %v", err)
	}
	ck := filepath.Join(dir, "ck")
	ses, err := s.Start(ck, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ses.Trainer.Model.Vocab.Lookup("Good"); ok || !ses.Trainer.Model.Config.Tokenizer.Lower {
		t.Errorf("the tokenizer does not lower-case: %+v", ses.Trainer.Model.Config.Tokenizer)
	}
	var notes strings.Builder
	if ses.WriteNotes(&notes); notes.String() != ses.Trainer.Describe()+"\n" {
		t.Errorf("notes %q", notes.String())
	}
	if l := ses.ProgressLabels(); l["label_accuracy"] == "" {
		t.Errorf("progress labels %v", l)
	}
	sum, err := ses.Train(context.Background(), nil)
	if err != nil || sum.Checkpoint != ck || sum.Steps != 2 || sum.Params != ses.Trainer.Model.NumParams() {
		t.Fatalf("Train: %+v, %v", sum, err)
	}
	given := func(names ...string) func(string) bool {
		return func(n string) bool { return strings.Contains(","+strings.Join(names, ",")+",", ","+n+",") }
	}
	r := s
	r.Model.Hidden, r.Training.MaxSteps = 9, 3
	var ce *train.ConflictError
	if _, err := r.Resume(ck, given("hidden")); !errors.As(err, &ce) || ce.Name != "hidden" || !strings.HasPrefix(err.Error(), "lm train-labels --resume: --hidden 9 ") {
		t.Errorf("resume with another --hidden: %v", err)
	}
	res, err := r.Resume(ck, given("steps"))
	if err != nil {
		t.Fatal(err)
	}
	notes.Reset()
	if res.WriteNotes(&notes); !strings.HasSuffix(notes.String(), "\nresuming at step 2 (epoch 1, batch 0)\n") {
		t.Errorf("resumed notes %q", notes.String())
	}
	if sum, err := res.Train(context.Background(), nil); err != nil || sum.Steps != 3 {
		t.Errorf("resumed Train: %+v, %v", sum, err)
	}
}

// TestTrainConfigNonFiniteAnneal: --anneal NaN or +Inf is refused up
// front; it trained and then failed at the first checkpoint ("config.json:
// json: unsupported value: NaN"), an infinite one never annealing.
func TestTrainConfigNonFiniteAnneal(t *testing.T) {
	for _, a := range []float64{math.NaN(), math.Inf(1), 4} {
		c := TrainConfig{Batch: 2, BPTT: 4, Epochs: 1, LR: 0.1, Anneal: a}
		err := c.validate()
		if ok := a == 4; (err == nil) != ok || (!ok && !strings.Contains(err.Error(), "anneal")) {
			t.Errorf("anneal %v: %v", a, err)
		}
	}
}
