package seq2seq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSources(t *testing.T) {
	got, err := ReadSources(strings.NewReader("abc\nde\tignored target\n  f\n"), "in.txt")
	if err != nil || fmt.Sprint(got) != "[abc de   f]" {
		t.Errorf("ReadSources = %q, %v", got, err)
	}
	// A blank source (also one blank before its TAB) is kept as "", so
	// that translate run's output lines up with its input.
	for _, in := range []string{"abc\n\nde\n", "abc\n \tx\nde\n"} {
		if got, err := ReadSources(strings.NewReader(in), "in.txt"); err != nil || fmt.Sprintf("%q", got) != `["abc" "" "de"]` {
			t.Errorf("ReadSources(%q) = %q, %v; want [abc, \"\", de]", in, got, err)
		}
	}
}

func TestCheckDates(t *testing.T) {
	r := DateRange{From: "1900-01-01", To: "1999-12-31"}
	lines := []string{"May 5 1950", "May 5 2001", "1850 or 1950", "x", "12/1/2050", "3000", "2100", "1700", "1990"}
	d := CheckDates(r, "in", lines)
	if fmt.Sprint(d.Lines, d.Years) != "[2 3 5 6 7 8] [2001 1850 2050 3000 2100 1700]" {
		t.Errorf("CheckDates: lines %v years %v", d.Lines, d.Years)
	}
	var b bytes.Buffer
	d.WriteText(&b)
	out := b.String()
	if strings.Count(out, "\n") != 6 || !strings.Contains(out, "warning: in:3: year 1850 is outside the dates the model was trained on (1900-01-01 to 1999-12-31)") ||
		strings.Contains(out, "in:8:") || !strings.HasSuffix(out, "warning: 6 lines in all have years outside 1900-01-01 to 1999-12-31\n") {
		t.Errorf("WriteText:\n%s", out)
	}
	b.Reset()
	CheckDates(DateRange{}, "in", lines).WriteText(&b)
	if b.Len() != 0 {
		t.Errorf("no range: %q, want nothing", b.String())
	}
}

// TestTranslateLinesAndEvaluatePairs translates with a small trained model
// and checks the outputs, the attention files and the heat maps, and that
// EvaluatePairs scores the same outputs.
func TestTranslateLinesAndEvaluatePairs(t *testing.T) {
	m, _, _ := trainReverse(t, "bahdanau", 2)
	lines := make([]string, 300) // more than one chunk of 256
	for i := range lines {
		lines[i] = []string{"abc", "fed", "cab"}[i%3]
	}
	lines[0], lines[7], lines[260] = "", "", "" // blank lines answered in place, not translated
	dir := t.TempDir()
	opt := RunOptions{HeatmapDir: filepath.Join(dir, "maps"), AttentionJSON: filepath.Join(dir, "a.json"), AttentionPNG: filepath.Join(dir, "a.png")}
	var outs []Output
	if err := m.TranslateLines(context.Background(), lines, opt, func(o Output) error { outs = append(outs, o); return nil }); err != nil {
		t.Fatal(err)
	}
	hs, err := m.Translate(context.Background(), [][]int32{m.EncodeSource("fed")}, DecodeOptions{})
	if err != nil || len(outs) != 300 {
		t.Fatalf("%d outputs, %v", len(outs), err)
	}
	want := JoinTokens("char", m.DecodeTarget(hs[0].IDs))
	if o := outs[298]; o.Source != "fed" || o.Output != want || max(o.LogProb-hs[0].LogProb, hs[0].LogProb-o.LogProb) > 1e-4 || o.Finished != hs[0].Finished {
		t.Errorf("output 299 = %+v, want %q from fed", o, want)
	}
	for _, i := range []int{0, 7, 260} {
		if o := outs[i]; o != (Output{Finished: true}) {
			t.Errorf("output %d of a blank line = %+v, want an empty one", i+1, o)
		}
	}
	if o := outs[1]; o.Source != "fed" || o.Output != want {
		t.Errorf("output 2 = %+v, want %q from fed", o, want)
	}
	var line strings.Builder
	outs[298].WriteText(&line)
	if line.String() != want+"\n" {
		t.Errorf("Output.WriteText = %q, want %q", line.String(), want+"\n")
	}
	b, _ := json.Marshal(outs[3])
	if !strings.HasPrefix(string(b), `{"finished":`) || !strings.Contains(string(b), `"source":"abc"}`) {
		t.Errorf("Output JSON %s", b)
	}
	var am AttentionMap
	if data, err := os.ReadFile(opt.AttentionJSON); err != nil || json.Unmarshal(data, &am) != nil || strings.Join(am.Source, "") != "fed" {
		t.Errorf("attention JSON (of the first line not blank): %v, source %q", err, am.Source)
	}
	for _, p := range []string{opt.AttentionPNG, filepath.Join(opt.HeatmapDir, "line-0002.png"), filepath.Join(opt.HeatmapDir, "line-0300.png")} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		f.Close()
	}
	if n, _ := filepath.Glob(filepath.Join(opt.HeatmapDir, "*.png")); len(n) != 297 {
		t.Errorf("%d heat maps, want 297 (none for the 3 blank lines)", len(n))
	}

	pairs := []Pair{{"abc", "cba"}, {"fed", "def"}, {"cab", "bac"}}
	called := 0
	maps := filepath.Join(dir, "eval-maps")
	rep, err := m.EvaluatePairs(context.Background(), pairs, PairsEval{Name: "p.tsv", HeatmapDir: maps, EvalOptions: EvalOptions{Hypothesis: func(i int, h Hypothesis) error {
		if i != called {
			t.Errorf("Hypothesis called with %d, want %d", i, called)
		}
		called++
		return nil
	}}})
	if n, _ := filepath.Glob(filepath.Join(maps, "line-000[123].png")); len(n) != 3 {
		t.Errorf("EvaluatePairs drew %d heat maps, want 3", len(n))
	}
	if err != nil || called != 3 || rep.N != 3 || rep.Beam != 1 {
		t.Fatalf("EvaluatePairs: %+v, %d calls, %v", rep, called, err)
	}
	var hyp bytes.Buffer
	m.WriteOutputs(&hyp, rep.Hyps)
	if got := strings.Split(hyp.String(), "\n")[1]; got != want {
		t.Errorf("WriteOutputs line 2 %q, want %q", got, want)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if !strings.HasPrefix(text.String(), "3 pairs, beam 1: exact match ") {
		t.Errorf("report %q", text.String())
	}
	if _, err := m.EvaluatePairs(context.Background(), []Pair{{"", "x"}}, PairsEval{Name: "p.tsv"}); err == nil || !strings.HasPrefix(err.Error(), "p.tsv: ") {
		t.Errorf("EvaluatePairs with an empty source: %v, want an error naming p.tsv", err)
	}
	stop := errors.New("stop")
	if _, err := m.EvaluatePairs(context.Background(), pairs, PairsEval{EvalOptions: EvalOptions{Hypothesis: func(int, Hypothesis) error { return stop }}}); !errors.Is(err, stop) {
		t.Errorf("a failing Hypothesis: %v, want its error", err)
	}
}

func TestNoAttentionToExport(t *testing.T) {
	m, _, _ := trainReverse(t, "none", 1)
	err := m.TranslateLines(context.Background(), []string{"abc"}, RunOptions{HeatmapDir: t.TempDir()}, func(Output) error { return nil })
	if !errors.Is(err, ErrNoAttention) {
		t.Errorf("TranslateLines --heatmap without attention: %v", err)
	}
	if _, err := m.EvaluatePairs(context.Background(), []Pair{{"abc", "cba"}}, PairsEval{HeatmapDir: t.TempDir()}); !errors.Is(err, ErrNoAttention) {
		t.Errorf("EvaluatePairs with heat maps without attention: %v", err)
	}
	if _, err := NewHeatmaps(m, t.TempDir(), 1); !errors.Is(err, ErrNoAttention) {
		t.Errorf("NewHeatmaps without attention: %v", err)
	}
	if hm, err := NewHeatmaps(m, "", 1); err != nil || hm.Write(m, 0, "abc", Hypothesis{}) != nil {
		t.Errorf("NewHeatmaps without a directory should draw nothing: %v", err)
	}
}

// stopAfter is a context whose Err reports cancellation from its n+1-th
// call on.
type stopAfter struct {
	context.Context
	n int
}

func (c *stopAfter) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

// TestTranslateStopsWhenContextEnds: decoding checks its context between
// steps, greedy and beam search alike, so that a request whose deadline
// passed stops instead of decoding every source to the end.
func TestTranslateStopsWhenContextEnds(t *testing.T) {
	m, _, _ := trainReverse(t, "bahdanau", 2)
	src := [][]int32{m.EncodeSource("abcabcabc"), m.EncodeSource("fed")}
	for _, beam := range []int{1, 3} {
		opt := DecodeOptions{Beam: beam, MaxLen: 40}
		hs, err := m.Translate(context.Background(), src, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(hs[0].IDs) < 4 {
			t.Fatalf("beam %d: %d tokens decoded without a deadline: the test cannot tell", beam, len(hs[0].IDs))
		}
		ctx := &stopAfter{context.Background(), 3}
		if _, err := m.Translate(ctx, src, opt); !errors.Is(err, context.Canceled) {
			t.Errorf("beam %d: Translate with a context ended after 3 steps: %v, want context.Canceled", beam, err)
		}
	}
}
