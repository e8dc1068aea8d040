package vectors

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

func TestEvaluateAnalogiesTiny(t *testing.T) {
	x := loadTiny(t)
	set, err := LoadAnalogies("testdata/tiny_analogies.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Skipped) != 3 || set.Skipped[0] != 14 || set.Skipped[2] != 16 {
		t.Fatalf("skipped lines %v, want [14 15 16]", set.Skipped)
	}
	type sec struct{ correct, incorrect, oov int }
	// Expected counts agree with gensim 4.2 evaluate_word_analogies on the
	// same files (restrict_vocab 300000 and 10).
	for _, tc := range []struct {
		name     string
		opt      AnalogyOptions
		sections []sec
		sem, syn sec
		oov      int
	}{
		{"all", AnalogyOptions{}, []sec{{2, 0, 2}, {2, 1, 0}, {2, 0, 1}, {0, 0, 0}}, sec{4, 1, 2}, sec{2, 0, 1}, 3},
		{"restrict 10", AnalogyOptions{Restrict: 10}, []sec{{2, 0, 2}, {2, 0, 1}, {0, 0, 3}, {0, 0, 0}}, sec{4, 0, 3}, sec{0, 0, 3}, 6},
		{"dummy4unknown", AnalogyOptions{Dummy4Unknown: true}, []sec{{2, 2, 2}, {2, 1, 0}, {2, 1, 1}, {0, 0, 0}}, sec{4, 3, 2}, sec{2, 1, 1}, 3},
		// Case-sensitive: "Berlin Germany Paris France" is unknown, and King
		// is no longer a question word, so it is the (wrong) prediction.
		{"case sensitive", AnalogyOptions{CaseSensitive: true}, []sec{{1, 0, 3}, {1, 2, 0}, {2, 0, 1}, {0, 0, 0}}, sec{2, 2, 3}, sec{2, 0, 1}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			tc.opt.Progress = func(done, total int) { calls++ }
			rep, err := EvaluateAnalogies(context.Background(), x, set, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Sections) != len(tc.sections) {
				t.Fatalf("%d sections, want %d", len(rep.Sections), len(tc.sections))
			}
			for i, s := range rep.Sections {
				if got := (sec{s.Correct, s.Incorrect, s.OOV}); got != tc.sections[i] {
					t.Errorf("section %s: got %+v, want %+v", s.Name, got, tc.sections[i])
				}
			}
			if got := (sec{rep.Semantic.Correct, rep.Semantic.Incorrect, rep.Semantic.OOV}); got != tc.sem {
				t.Errorf("semantic %+v, want %+v", got, tc.sem)
			}
			if got := (sec{rep.Syntactic.Correct, rep.Syntactic.Incorrect, rep.Syntactic.OOV}); got != tc.syn {
				t.Errorf("syntactic %+v, want %+v", got, tc.syn)
			}
			if rep.Total.Correct != tc.sem.correct+tc.syn.correct || rep.Total.Incorrect != tc.sem.incorrect+tc.syn.incorrect {
				t.Errorf("total %+v", rep.Total)
			}
			if rep.Questions != 10 || rep.OOV != tc.oov || math.Abs(rep.OOVPercent()-10*float64(tc.oov)) > 1e-9 {
				t.Errorf("questions %d oov %d (%.1f%%), want 10 and %d", rep.Questions, rep.OOV, rep.OOVPercent(), tc.oov)
			}
			if calls == 0 {
				t.Error("progress never called")
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := EvaluateAnalogies(ctx, x, set, AnalogyOptions{}); err == nil {
		t.Error("cancelled evaluation succeeded")
	}
}

func TestReadAnalogiesErrors(t *testing.T) {
	_, err := ReadAnalogies(strings.NewReader("a b c d\n: sec\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("question before header: %v", err)
	}
	set, err := ReadAnalogies(strings.NewReader(":  spaced name \na b c d\n"))
	if err != nil || set.Sections[0].Name != "spaced name" || len(set.Sections[0].Questions) != 1 {
		t.Fatalf("%+v %v", set, err)
	}
}

func TestRanksAndCorrelations(t *testing.T) {
	got := Ranks([]float64{10, 20, 20, 5, 20})
	want := []float64{2, 4, 4, 1, 4}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ranks %v, want %v", got, want)
		}
	}
	for _, tc := range []struct {
		name              string
		x, y              []float64
		spearman, pearson float64
	}{
		// Ranks x = 1 2.5 2.5 4, y = 1 3 2 4: rho = 4.5 / sqrt(4.5 * 5) = 3/sqrt(10).
		{"ties", []float64{1, 2, 2, 3}, []float64{1, 3, 2, 4}, 3 / math.Sqrt(10), 3 / math.Sqrt(10)},
		{"monotone", []float64{1, 2, 3, 4}, []float64{1, 8, 27, 64}, 1, 0.9513698557924043},
		{"reversed", []float64{1, 2, 3}, []float64{3, 2, 1}, -1, -1},
		{"constant", []float64{1, 1, 1}, []float64{1, 2, 3}, math.NaN(), math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, p := Spearman(tc.x, tc.y), Pearson(tc.x, tc.y)
			if !(math.Abs(s-tc.spearman) < 1e-12 || math.IsNaN(s) && math.IsNaN(tc.spearman)) {
				t.Errorf("spearman %v, want %v", s, tc.spearman)
			}
			if !(math.Abs(p-tc.pearson) < 1e-12 || math.IsNaN(p) && math.IsNaN(tc.pearson)) {
				t.Errorf("pearson %v, want %v", p, tc.pearson)
			}
		})
	}
}

func TestEvaluateWordPairsTiny(t *testing.T) {
	x := loadTiny(t)
	pairs, skipped, err := LoadWordPairs("testdata/tiny_pairs.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 6 || len(skipped) != 2 {
		t.Fatalf("%d pairs, skipped %v; want 6 and 2", len(pairs), skipped)
	}
	// gensim 4.2 evaluate_word_pairs on the same files: pearson 0.957985299237504,
	// spearman 0.10814761408717502, oov 16.666666666666664.
	rep, err := EvaluateWordPairs(x, pairs, PairsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.Pearson-0.957985299237504) > 1e-6 || math.Abs(rep.Spearman-0.10814761408717502) > 1e-6 ||
		math.Abs(rep.OOVPercent-100.0/6) > 1e-9 || rep.Pairs != 5 || rep.OOV != 1 {
		t.Fatalf("report %+v", rep)
	}
	dummy, err := EvaluateWordPairs(x, pairs, PairsOptions{Dummy4Unknown: true})
	if err != nil {
		t.Fatal(err)
	}
	if dummy.Pairs != 6 || math.Abs(dummy.OOVPercent-100.0/6) > 1e-9 {
		t.Fatalf("dummy report %+v", dummy)
	}
	cs, err := EvaluateWordPairs(x, pairs, PairsOptions{CaseSensitive: true})
	if err != nil {
		t.Fatal(err)
	}
	if cs.OOV != 2 || math.Abs(cs.OOVPercent-100.0/3) > 1e-9 {
		t.Fatalf("case-sensitive report %+v", cs)
	}
	if _, err := EvaluateWordPairs(x, pairs[5:], PairsOptions{}); err == nil {
		t.Fatal("all-OOV pairs accepted")
	}
}

func TestReadWordPairsFormats(t *testing.T) {
	in := "# comment\nold new 2.5\r\na\tb\t 3 \nx y\nx y z\n"
	pairs, skipped, err := ReadWordPairs(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 2 || pairs[0] != (WordPair{"old", "new", 2.5, 2}) || pairs[1] != (WordPair{"a", "b", 3, 3}) {
		t.Fatalf("pairs %+v", pairs)
	}
	if len(skipped) != 2 || skipped[0] != 4 || skipped[1] != 5 {
		t.Fatalf("skipped %v", skipped)
	}
}

func TestEvaluateAnalogiesDuplicateWords(t *testing.T) {
	// tiny_dup.txt repeats "man" (with another vector) before the original
	// one: the first occurrence wins and the repeat does not take one of the
	// first 10 places. gensim 4.2 on the same file, restrict_vocab=10:
	// capital-common-countries 1/2, family 1/2, gram1 0/0.
	v, err := Load("testdata/tiny_dup.txt")
	if err != nil {
		t.Fatal(err)
	}
	set, err := LoadAnalogies("testdata/tiny_analogies.txt")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := EvaluateAnalogies(context.Background(), NewIndex(v), set, AnalogyOptions{Restrict: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]int{{1, 1, 2}, {1, 1, 1}, {0, 0, 3}, {0, 0, 0}}
	for i, s := range rep.Sections {
		if got := [3]int{s.Correct, s.Incorrect, s.OOV}; got != want[i] {
			t.Errorf("section %s: got %v, want %v", s.Name, got, want[i])
		}
	}
}

// TestEvaluationFilesByteOrderMark: an analogy or word-similarity file
// saved with a UTF-8 byte-order mark reads as the same file without one.
// The analogy file was refused (its first line, the mark and ": name", was
// no section header) and the similarity file's first word carried the mark
// and counted as out of vocabulary.
func TestEvaluationFilesByteOrderMark(t *testing.T) {
	const analogies = ": family\nman woman king queen\n"
	want, err := ReadAnalogies(strings.NewReader(analogies))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadAnalogies(strings.NewReader("\ufeff" + analogies))
	if err != nil || len(got.Sections) != 1 || got.Sections[0].Name != want.Sections[0].Name || len(got.Sections[0].Questions) != 1 {
		t.Errorf("analogies with a byte-order mark: %+v, %v", got, err)
	}
	const pairs = "man\twoman\t8.3\nking queen 8.6\n"
	for _, in := range []string{pairs, "\ufeff" + pairs} {
		ps, skipped, err := ReadWordPairs(strings.NewReader(in))
		if err != nil || len(skipped) != 0 || len(ps) != 2 || ps[0] != (WordPair{"man", "woman", 8.3, 1}) {
			t.Errorf("word pairs %q: %+v, skipped %v, %v", in, ps, skipped, err)
		}
	}
}

// TestEvaluationFilesInvalidUTF8: a Latin-1 word in an analogy or
// word-similarity file (gensim stops with a UnicodeDecodeError) was read
// as bytes, never matched any vector and was counted as out of vocabulary
// without a word; it must be an error naming the line, as every other
// text reader does.
func TestEvaluationFilesInvalidUTF8(t *testing.T) {
	_, err := ReadAnalogies(strings.NewReader(": capital\nparis france berlin germany\nparis france caf\xe9 germany\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") || !errors.Is(err, text.ErrInvalidUTF8) {
		t.Errorf("ReadAnalogies: err = %v, want invalid UTF-8 on line 3", err)
	}
	_, _, err = ReadWordPairs(strings.NewReader("tiger\tcat\t7.35\ncaf\xe9\tbar\t5\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") || !errors.Is(err, text.ErrInvalidUTF8) {
		t.Errorf("ReadWordPairs: err = %v, want invalid UTF-8 on line 2", err)
	}
}

// TestReadWordPairsNoPairs: a file none of whose lines is a word pair (a
// comma-separated WordSim353 combined.csv) was reported as "no word pair
// has both words in the vocabulary (0 pairs, 0 out of vocabulary)",
// blaming the vectors; the error must say the lines did not parse.
func TestReadWordPairsNoPairs(t *testing.T) {
	_, _, err := ReadWordPairs(strings.NewReader("Word 1,Word 2,Human (mean)\ntiger,cat,7.35\ntiger,tiger,10.00\n"))
	if err == nil || !strings.Contains(err.Error(), "3 lines") || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("err = %v, want an error saying none of the 3 lines is a word pair", err)
	}
	// Comments alone are no error of the format (nothing was skipped).
	if _, _, err := ReadWordPairs(strings.NewReader("# nothing yet\n")); err != nil {
		t.Errorf("comments only: %v", err)
	}
}

// TestEvaluationKeysUpperLikePython: gensim compares str.upper() keys,
// whose full case mapping makes "straße" "STRASSE"; strings.ToUpper keeps
// "STRAßE", so a pair written "STRASSE" or "strasse" was out of vocabulary
// here and not in gensim (checked with gensim 4: 3 pairs, 0% OOV).
func TestEvaluationKeysUpperLikePython(t *testing.T) {
	v := &Vectors{Dim: 2, Words: []string{"straße", "weg", "dog", "cat"}, Data: []float32{1, 0, 0.9, 0.1, 0.1, 1, 0.2, 0.9}}
	pairs := []WordPair{{"STRASSE", "weg", 5, 1}, {"strasse", "dog", 1, 2}, {"cat", "dog", 8, 3}}
	r, err := EvaluateWordPairs(NewIndex(v), pairs, PairsOptions{})
	if err != nil || r.Pairs != 3 || r.OOV != 0 {
		t.Fatalf("report %+v, %v; want 3 pairs, 0 OOV", r, err)
	}
	if math.Abs(r.Pearson-0.9037984984960556) > 1e-6 || math.Abs(r.Spearman-0.5) > 1e-12 {
		t.Errorf("pearson %v spearman %v, want gensim's 0.9037984984960556 and 0.5", r.Pearson, r.Spearman)
	}
	set := &AnalogySet{Sections: []AnalogySection{{Name: "x", Questions: []AnalogyQuestion{{A: "dog", B: "cat", C: "weg", D: "STRASSE", Line: 2}}}}}
	rep, err := EvaluateAnalogies(context.Background(), NewIndex(v), set, AnalogyOptions{})
	if err != nil || rep.OOV != 0 {
		t.Errorf("analogy report %+v, %v; want the question in vocabulary", rep, err)
	}
}
