package seq2seq

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/text"
)

// TestEmptyPairFiles: a pair file holding no pairs (empty, or blank lines
// only) is an error naming it, for training, validation and evaluation.
// An empty --valid file used to train silently without validation, and
// translate eval of an empty file reported exact match 0 and BLEU 0 as
// success.
func TestEmptyPairFiles(t *testing.T) {
	dir := t.TempDir()
	good, empty, blank := filepath.Join(dir, "good.tsv"), filepath.Join(dir, "empty.tsv"), filepath.Join(dir, "blank.tsv")
	os.WriteFile(good, []byte("a b\tb a\n"), 0o644)
	os.WriteFile(empty, nil, 0o644)
	os.WriteFile(blank, []byte("\n \r\n\n"), 0o644)
	for _, c := range []struct{ train, dev, name string }{
		{good, empty, empty}, {good, blank, blank}, {empty, "", empty}, {blank, good, blank},
	} {
		if _, err := ReadData(c.train, c.dev); err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), "no ") {
			t.Errorf("ReadData(%s, %s): %v, want an error naming %s", filepath.Base(c.train), filepath.Base(c.dev), err, filepath.Base(c.name))
		}
	}
	if d, err := ReadData(good, good); err != nil || len(d.Train) != 1 || len(d.Dev) != 1 {
		t.Errorf("ReadData(good, good): %+v, %v", d, err)
	}
	m := tinyModel(t)
	if rep, err := m.EvaluatePairs(context.Background(), nil, PairsEval{Name: "p.tsv"}); err == nil || !strings.Contains(err.Error(), "p.tsv") {
		t.Errorf("EvaluatePairs of no pairs: %+v, %v; want an error naming p.tsv", rep, err)
	}
}

// TestDecodeBounds: decoding options beyond what decoding can hold are
// refused before anything is allocated. translate eval --beam 100000000
// was killed by the kernel (beam search reserved beam x vocabulary
// candidates), --max-len 1000000000 grew without end on a model that never
// ends its output, and a negative beam or length was taken as the default.
func TestDecodeBounds(t *testing.T) {
	m := tinyModel(t)
	x := [][]int32{m.EncodeSource("abc")}
	for _, c := range []struct {
		opt  DecodeOptions
		want string
	}{
		{DecodeOptions{Beam: MaxBeam + 1}, "beam"},
		{DecodeOptions{Beam: 1 << 50}, "beam"},
		{DecodeOptions{Beam: -1}, "beam"},
		{DecodeOptions{MaxLen: MaxDecodeLen + 1}, "output length"},
		{DecodeOptions{MaxLen: -1}, "output length"},
		// The length-normalization exponent: NaN, +Inf and negative
		// values were taken silently (the API refused them).
		{DecodeOptions{Beam: 2, Alpha: math.NaN()}, "alpha"},
		{DecodeOptions{Beam: 2, Alpha: math.Inf(1)}, "alpha"},
		{DecodeOptions{Beam: 2, Alpha: -1}, "alpha"},
	} {
		if hs, err := m.Translate(context.Background(), x, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %d hypotheses, %v; want an error about %s", c.opt, len(hs), err, c.want)
		}
	}
	if _, err := m.Translate(context.Background(), x, DecodeOptions{Beam: MaxBeam, MaxLen: 3}); err != nil {
		t.Errorf("beam %d: %v", MaxBeam, err)
	}
}

// TestTranslateLongAmongShort: a long source among short ones is not
// padded together with them (translate run of 255 dates and one line of
// 200,000 characters ran out of memory, where the long line alone needs
// little); each hypothesis is the one of its source alone.
func TestTranslateLongAmongShort(t *testing.T) {
	defer func(n int) { text.MaxPaddedTokens = n }(text.MaxPaddedTokens)
	text.MaxPaddedTokens = 1000
	m := tinyModel(t)
	var x [][]int32
	for i := range 63 {
		x = append(x, m.EncodeSource("abcabc"[i%3:]))
	}
	x = slices.Insert(x, 40, m.EncodeSource(strings.Repeat("cab", 1500)))
	opt := DecodeOptions{MaxLen: 3}
	// The reference, first: the short ones together, then the long one
	// alone. Together after that they need no more working memory; padded
	// together, the 64 rows needed about 64 times the long one's.
	short := slices.Delete(slices.Clone(x), 40, 41)
	var hs []Hypothesis
	testutil.AllocatesAsApart(t, "translating 63 short sources and one of 4500 tokens",
		func() { m.Translate(context.Background(), short, opt) },
		func() { m.Translate(context.Background(), x[40:41], opt) },
		func() (err error) { hs, err = m.Translate(context.Background(), x, opt); return err })
	for i, s := range x {
		alone, err := m.Translate(context.Background(), [][]int32{s}, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(alone[0].IDs, hs[i].IDs) || math.Abs(alone[0].LogProb-hs[i].LogProb) > 1e-4 {
			t.Errorf("source %d: %v %v together, %v %v alone", i, hs[i].IDs, hs[i].LogProb, alone[0].IDs, alone[0].LogProb)
		}
	}
}

// TestEvaluateLongAmongShort: translate eval pads a long pair together
// with no short ones (255 dates and one line of 100,000 characters ran
// out of memory in its teacher-forced pass); the metrics are those of one
// pair at a time.
func TestEvaluateLongAmongShort(t *testing.T) {
	defer func(n int) { text.MaxPaddedTokens = n }(text.MaxPaddedTokens)
	text.MaxPaddedTokens = 1000
	m := tinyModel(t)
	var pairs []Pair
	for i := range 127 {
		pairs = append(pairs, Pair{Source: "abcabc"[i%3:], Target: "cba"})
	}
	pairs = slices.Insert(pairs, 40, Pair{Source: strings.Repeat("cab", 500), Target: "abc"})
	data, err := m.Encode(pairs)
	if err != nil {
		t.Fatal(err)
	}
	opt := EvalOptions{DecodeOptions: DecodeOptions{MaxLen: 3}, Batch: 128, TeacherForced: true}
	// The reference, first: the short ones together, then the long one
	// alone. Together after that they need no more working memory; padded
	// together, the 128 rows needed about 128 times the long one's.
	shortData, err := m.Encode(slices.Delete(slices.Clone(pairs), 40, 41))
	if err != nil {
		t.Fatal(err)
	}
	longData, err := m.Encode(pairs[40:41])
	if err != nil {
		t.Fatal(err)
	}
	var met Metrics
	testutil.AllocatesAsApart(t, "evaluating 127 short pairs and one of 1500 source tokens",
		func() { m.Evaluate(context.Background(), shortData, opt) },
		func() { m.Evaluate(context.Background(), longData, opt) },
		func() (err error) { met, err = m.Evaluate(context.Background(), data, opt); return err })
	opt.Batch = 1
	one, err := m.Evaluate(context.Background(), data, opt)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(met.Loss-one.Loss) > 1e-5 || met.ExactMatch != one.ExactMatch || met.TokenAccTF != one.TokenAccTF {
		t.Errorf("batch of 128: %+v; one at a time: %+v", met, one)
	}
}

// TestForwardStepRecordsFitEachBatch: the decoder's step records of a
// teacher-forced pass hold what each batch needs, not the most rows of
// one batch times the longest source of another (a batch of 127 short
// pairs and then one of a long source made records of 127 rows over the
// long source: translate eval and training with a long source among
// batches of short ones ran out of memory).
func TestForwardStepRecordsFitEachBatch(t *testing.T) {
	m := tinyModel(t)
	var pairs []Pair
	for i := range 127 {
		pairs = append(pairs, Pair{Source: "abcabc"[i%3:], Target: "cbacba"})
	}
	short, err := m.Encode(pairs)
	if err != nil {
		t.Fatal(err)
	}
	long, err := m.Encode([]Pair{{Source: strings.Repeat("cab", 1000), Target: "abcabc"}})
	if err != nil {
		t.Fatal(err)
	}
	// The reference: the long pair's first pass on a model of its own.
	fresh := tinyModel(t)
	ref := testutil.Allocated(func() { fresh.Forward(long.Src, long.Tgt, false) })
	if _, err := m.Forward(short.Src, short.Tgt, false); err != nil {
		t.Fatal(err)
	}
	got := testutil.Allocated(func() { _, err = m.Forward(long.Src, long.Tgt, false) })
	if err != nil {
		t.Fatal(err)
	}
	if got > 4*ref+4<<20 {
		t.Errorf("a pair of 3000 source tokens after a batch of 127 short ones allocated %d MB, on a fresh model %d MB", got>>20, ref>>20)
	}
}

// TestAttentionFileOfBlankInput: translate run --attention-json F of an
// input with no line that is not blank succeeded without writing F; it
// is an error naming F.
func TestAttentionFileOfBlankInput(t *testing.T) {
	src, tgt := tinyVocabs(t)
	m, err := New(Config{Embed: 4, Hidden: 4, Attention: "dot"}, src, tgt, 1)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "a.json")
	for _, lines := range [][]string{nil, {"", ""}} {
		n := 0
		err := m.TranslateLines(context.Background(), lines, RunOptions{AttentionJSON: out}, func(Output) error { n++; return nil })
		if err == nil || !strings.Contains(err.Error(), out) || n != len(lines) {
			t.Errorf("%q: %d outputs, %v; want one per line and an error naming %s", lines, n, err, out)
		}
	}
	if err := m.TranslateLines(context.Background(), []string{"", "abc"}, RunOptions{AttentionJSON: out}, func(Output) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the attention of the second line: %v", err)
	}
}

// TestHeatmapTooLarge: a heat map over MaxHeatmapPixels is refused before
// its image is allocated (translate run --attention-png of a line of
// 1,000 characters that the model never ended asked for 4 GB and died
// out of memory); no file is left behind.
func TestHeatmapTooLarge(t *testing.T) {
	defer func(n int64) { MaxHeatmapPixels = n }(MaxHeatmapPixels)
	MaxHeatmapPixels = 400_000
	am := AttentionMap{Source: strings.Split(strings.Repeat("a", 30), ""), Output: strings.Split(strings.Repeat("b", 20), "")}
	for range am.Output {
		am.Weights = append(am.Weights, make([]float32, len(am.Source)))
	}
	if err := am.WritePNG(io.Discard); err != nil {
		t.Fatalf("20 by 30 tokens: %v", err)
	}
	am.Source = append(am.Source, am.Source...)
	for i := range am.Weights {
		am.Weights[i] = make([]float32, len(am.Source))
	}
	out := filepath.Join(t.TempDir(), "a.png")
	if err := am.WriteFiles("", out); err == nil || !strings.Contains(err.Error(), "20 output by 60 source tokens") {
		t.Errorf("20 by 60 tokens: %v, want an error giving the size", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s after the error: %v", out, err)
	}
}
