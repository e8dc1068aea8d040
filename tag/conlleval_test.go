package tag

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// sents splits "B-PER I-PER | O B-LOC" into sentences of tags.
func sents(s string) [][]string {
	var out [][]string
	for _, part := range strings.Split(s, "|") {
		out = append(out, strings.Fields(part))
	}
	return out
}

func TestScoreSentencesCounts(t *testing.T) {
	cases := []struct {
		name, gold, pred                     string
		goldN, found, correct, tokens, right int
	}{
		{"perfect IOB2", "B-PER I-PER O B-LOC", "B-PER I-PER O B-LOC", 2, 2, 2, 4, 4},
		// IOB1: B-PER after I-PER splits the gold chunk; the prediction
		// merges both into one chunk [0,3) which matches neither.
		{"IOB1 B splits", "I-PER I-PER B-PER O", "I-PER I-PER I-PER O", 2, 1, 0, 4, 3},
		// IOB1 and IOB2 spellings of the same chunk match (chunk-level)
		// but the tag B-PER != I-PER costs token accuracy.
		{"IOB1 vs IOB2 spelling", "I-PER I-PER", "B-PER I-PER", 1, 1, 1, 2, 1},
		// I- at sentence start opens a chunk; the boundary closes the
		// chunk of the previous sentence.
		{"I at sentence start", "B-PER | I-PER", "B-PER | I-PER", 2, 2, 2, 2, 2},
		{"no boundary merges", "B-PER I-PER", "B-PER I-PER", 1, 1, 1, 2, 2},
		// Type change inside a chunk ends it: pred has PER [0,1) and LOC [1,2).
		{"type change", "B-PER I-PER", "B-PER I-LOC", 1, 2, 0, 2, 1},
		// Same type, I- after another type's chunk starts a new chunk.
		{"I after other type", "I-LOC I-PER", "I-LOC I-PER", 2, 2, 2, 2, 2},
		// Partial overlap: gold ORG [0,3), pred ORG [1,3).
		{"partial overlap", "B-ORG I-ORG I-ORG O", "O B-ORG I-ORG O", 1, 1, 0, 4, 2},
		// Predicted chunk too long: gold LOC [0,1), pred LOC [0,2).
		{"too long", "B-LOC O", "B-LOC I-LOC", 1, 1, 0, 2, 1},
		// Predicted chunk too short at the end of input.
		{"too short at end", "B-LOC I-LOC", "B-LOC O", 1, 1, 0, 2, 1},
		// Correct chunk ending at end of input (closed after the loop).
		{"chunk at end", "O B-MISC", "O B-MISC", 1, 1, 1, 2, 2},
		{"missed", "B-PER", "O", 1, 0, 0, 1, 0},
		{"spurious", "O", "B-PER", 0, 1, 0, 1, 0},
		// IOBES: S-LOC S-LOC are two chunks; gold has one LOC.
		{"IOBES singles", "B-PER E-PER S-LOC O", "B-PER E-PER S-LOC S-LOC", 2, 3, 2, 4, 3},
		{"IOBES E then B", "B-PER E-PER B-PER E-PER", "B-PER E-PER B-PER E-PER", 2, 2, 2, 4, 4},
		// E then B in the prediction splits what gold has as one chunk.
		{"IOBES split", "B-PER I-PER I-PER E-PER", "B-PER E-PER B-PER E-PER", 1, 2, 0, 4, 2},
		{"IOBES S vs B-E", "S-PER S-PER", "B-PER E-PER", 2, 1, 0, 2, 0},
		// Hyphenated types split at the first hyphen only.
		{"hyphen type", "B-A-B I-A-B", "B-A-B I-A-B", 1, 1, 1, 2, 2},
		{"empty", "", "", 0, 0, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ScoreSentences(sents(c.gold), sents(c.pred))
			if err != nil {
				t.Fatal(err)
			}
			got := [5]int{r.Gold, r.Found, r.Correct, r.Tokens, r.CorrectTags}
			want := [5]int{c.goldN, c.found, c.correct, c.tokens, c.right}
			if got != want {
				t.Errorf("gold,found,correct,tokens,correctTags = %v, want %v", got, want)
			}
			p, rc := 0.0, 0.0
			if c.found > 0 {
				p = 100 * float64(c.correct) / float64(c.found)
			}
			if c.goldN > 0 {
				rc = 100 * float64(c.correct) / float64(c.goldN)
			}
			if r.Precision != p || r.Recall != rc {
				t.Errorf("P,R = %v,%v want %v,%v", r.Precision, r.Recall, p, rc)
			}
		})
	}
}

func TestScoreSentencesMismatch(t *testing.T) {
	if _, err := ScoreSentences(sents("O O"), sents("O")); err == nil {
		t.Error("want error for different sentence lengths")
	}
	if _, err := ScoreSentences(sents("O|O"), sents("O")); err == nil {
		t.Error("want error for different sentence counts")
	}
}

func TestWriteConlleval(t *testing.T) {
	r, err := ScoreSentences(sents("B-PER I-PER O B-LOC"), sents("B-PER I-PER O B-ORG"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteConlleval(&b); err != nil {
		t.Fatal(err)
	}
	want := "processed 4 tokens with 2 phrases; found: 2 phrases; correct: 1.\n" +
		"accuracy:  75.00%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n" +
		"              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n" +
		"              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
		"              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// P = 1/3, R = 1/2: F1 = 2*(100/3)*50/(100/3+50) = 40.
	r, _ = ScoreSentences(sents("B-X|B-X|O|O"), sents("B-X|O|B-X|B-X"))
	if r.Precision != 100.0/3 || fmt.Sprintf("%.2f", r.F1) != "40.00" {
		t.Errorf("P=%v F1=%v", r.Precision, r.F1)
	}
}

func TestEvaluate(t *testing.T) {
	cases := []struct {
		name, in string
		opts     EvalOptions
		want     [5]int // gold, found, correct, tokens, correctTags
		wantErr  string
	}{
		{name: "basic", in: "John NNP B-PER B-PER\nSmith NNP I-PER I-PER\nruns VBZ O O\n\nParis NNP B-LOC O\n",
			want: [5]int{2, 1, 1, 4, 3}},
		// -DOCSTART- is an ordinary O token for conlleval.
		{name: "docstart counted", in: "-DOCSTART- -X- O O\n\nJohn NNP I-PER I-PER\n",
			want: [5]int{1, 1, 1, 2, 2}},
		// A line whose first field is -X- is a boundary, not a token.
		{name: "-X- boundary", in: "a X I-PER I-PER\n-X- -X- O O\nb X I-PER I-PER\n",
			want: [5]int{2, 2, 2, 2, 2}},
		{name: "CRLF", in: "a B-PER B-PER\r\n\r\nb O O\r\n", want: [5]int{1, 1, 1, 2, 2}},
		{name: "tab delimiter", in: "New York\tB-LOC\tB-LOC\n", opts: EvalOptions{Delimiter: "\t"},
			want: [5]int{1, 1, 1, 1, 1}},
		// Raw: each non-O tag is a one-token chunk of that type.
		{name: "raw", in: "a PER PER\nb PER PER\nc O LOC\n", opts: EvalOptions{Raw: true},
			want: [5]int{2, 3, 2, 3, 2}},
		{name: "raw otag", in: "a NONE NONE\nb PER NONE\n", opts: EvalOptions{Raw: true, OTag: "NONE"},
			want: [5]int{1, 0, 0, 2, 1}},
		{name: "columns", in: "a B-PER B-PER\nb NN B-PER B-PER\n", wantErr: "x.txt:2: expected 3 fields"},
		{name: "one field", in: "a\nb\n", wantErr: "x.txt:1: expected at least 2 fields"},
		// Two spaces make an empty field, as with Perl's split / /.
		{name: "double space", in: "a B-PER B-PER\nb  B-PER B-PER\n", wantErr: "x.txt:2:"},
		{name: "trailing spaces ok", in: "a B-PER B-PER  \n", want: [5]int{1, 1, 1, 1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Evaluate(strings.NewReader(c.in), "x.txt", c.opts)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := [5]int{r.Gold, r.Found, r.Correct, r.Tokens, r.CorrectTags}
			if got != c.want {
				t.Errorf("got %v want %v", got, c.want)
			}
		})
	}
}

// TestEvaluateEmptyType covers conlleval's quirks with untyped tags: the
// type "0" reads as empty, and the empty type is listed twice when both
// gold and predictions have it.
func TestEvaluateEmptyType(t *testing.T) {
	r, err := Evaluate(strings.NewReader("a B B\nb I-0 I\nc O B\n"), "x", EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Gold != 1 || r.Found != 2 || r.Correct != 1 {
		t.Errorf("gold,found,correct = %d,%d,%d", r.Gold, r.Found, r.Correct)
	}
	if strings.Join(r.Types, ",") != "," {
		t.Errorf("types %q, want the empty type twice", r.Types)
	}
}

func BenchmarkEvaluator(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	tags := []string{"O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"}
	gold := make([]string, 10000)
	pred := make([]string, 10000)
	for i := range gold {
		gold[i] = tags[rng.IntN(len(tags))]
		pred[i] = tags[rng.IntN(len(tags))]
	}
	b.ResetTimer()
	for range b.N {
		e := NewEvaluator()
		for i := range gold {
			e.Add(gold[i], pred[i])
		}
		_ = e.Metrics()
	}
}

// TestConllevalDifferential compares the text output with the original
// conlleval perl script on random inputs when CONLLEVAL_PL names it (the
// script is not part of this repository):
//
//	CONLLEVAL_PL=/path/to/conlleval.pl go test ./tag -run Differential
func TestConllevalDifferential(t *testing.T) {
	script := os.Getenv("CONLLEVAL_PL")
	if script == "" {
		t.Skip("CONLLEVAL_PL not set")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	// No S- tags and no E-X directly before B-X: there the original lacks
	// the IOBES rules this package adds.
	vocab := []string{"O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-A-B", "B-A-B", "E-PER", "I-0", "B", "I", "[", "]", ".", "X-PER"}
	for iter := range 300 {
		var in strings.Builder
		n := 1 + rng.IntN(60)
		raw := iter%10 == 9
		prev := [2]string{"O", "O"}
		for i := 0; i < n; i++ {
			if rng.IntN(8) == 0 {
				in.WriteString("\n")
				prev = [2]string{"O", "O"}
				continue
			}
			var cols [2]string
			for k := range cols {
				for {
					cols[k] = vocab[rng.IntN(len(vocab))]
					if raw {
						cols[k] = []string{"O", "PER", "LOC"}[rng.IntN(3)]
					}
					pp, pt := Split(prev[k])
					cp, ct := Split(cols[k])
					if !(pp == "E" && cp == "B" && pt == ct) {
						break
					}
				}
			}
			prev = cols
			fmt.Fprintf(&in, "w%d POS %s %s\n", i, cols[0], cols[1])
		}
		args := []string{script}
		if raw {
			args = append(args, "-r")
		}
		cmd := exec.Command("perl", args...)
		cmd.Stdin = strings.NewReader(in.String())
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("perl: %v", err)
		}
		r, err := Evaluate(strings.NewReader(in.String()), "rand", EvalOptions{Raw: raw})
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := r.WriteConlleval(&got); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Fatalf("input:\n%s\ngot:\n%s\nwant:\n%s", in.String(), got.String(), want)
		}
	}
}

func TestWriteEvalInput(t *testing.T) {
	ss, err := ReadCoNLL(strings.NewReader("a X I-PER\nb X I-PER\n\nc X O\n"), "x", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pred := [][]string{{"I-PER", "I-LOC"}, {"O"}}
	var b bytes.Buffer
	if err := WriteEvalInput(&b, ss, pred); err != nil {
		t.Fatal(err)
	}
	if want := "a I-PER I-PER\nb I-PER I-LOC\n\nc O O\n\n"; b.String() != want {
		t.Errorf("got %q want %q", b.String(), want)
	}
	r, err := Evaluate(&b, "buf", EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	direct, _ := ScoreSentences([][]string{ss[0].Tags, ss[1].Tags}, pred)
	if r.Score != direct.Score || r.Tokens != direct.Tokens {
		t.Errorf("file round trip %+v != direct %+v", r.Score, direct.Score)
	}
	if err := WriteEvalInput(&b, ss, pred[:1]); err == nil {
		t.Error("want error for missing predictions")
	}
	if err := WriteEvalInput(&b, ss, [][]string{{"O"}, {"O"}}); err == nil {
		t.Error("want error for short prediction")
	}
}

// TestEvaluateDelimiterIsRegexp: conlleval splits lines with
// split(/$delimiter/), so "-d '\t'" (backslash, t) means a TAB and "\s+"
// any run of white space; taken literally they split nothing.
func TestEvaluateDelimiterIsRegexp(t *testing.T) {
	cases := []struct{ delim, in string }{
		{`\t`, "New York\tB-LOC\tB-LOC\nis\tO\tB-LOC\n"},
		{`\s+`, "New  B-LOC\tB-LOC\nis O B-LOC\n"},
		{"[ \t]", "New B-LOC\tB-LOC\nis\tO B-LOC\n"},
	}
	for _, c := range cases {
		r, err := Evaluate(strings.NewReader(c.in), "x.txt", EvalOptions{Delimiter: c.delim})
		if err != nil {
			t.Errorf("delimiter %q: %v", c.delim, err)
			continue
		}
		if got := [5]int{r.Gold, r.Found, r.Correct, r.Tokens, r.CorrectTags}; got != [5]int{1, 2, 1, 2, 1} {
			t.Errorf("delimiter %q: got %v, want [1 2 1 2 1]", c.delim, got)
		}
	}
	if _, err := Evaluate(strings.NewReader("a O O\n"), "x.txt", EvalOptions{Delimiter: "("}); err == nil || !strings.Contains(err.Error(), "delimiter") {
		t.Errorf("bad pattern: err = %v, want a delimiter error", err)
	}
}

// TestScoreRowsDocStart: conlleval's only boundaries are blank lines and
// rows whose first field is "-X-"; a "-DOCSTART- -X- O O" row is an
// ordinary token. By the script's main loop, on docStartRows:
//
//	row                     counted  correctTags  chunks
//	-DOCSTART- .. O O       yes      +1 (O = O)   none
//	(blank)                 no                    boundary
//	EU B-ORG B-ORG          yes      +1           gold ORG starts; guess ORG starts, same type: inCorrect
//	rejects O O             yes      +1           both end, same type: correctChunk = 1
//	German B-MISC O         yes      +0           gold MISC starts (guess none)
//	(blank)                 no                    boundary closes MISC
//	-DOCSTART- .. O O       yes      +1           none (no blank after it: no boundary)
//	Peter B-PER B-PER       yes      +1           both PER start: inCorrect
//	Blackburn I-PER O       yes      +0           gold goes on, guess ends: inCorrect false
//
// so 7 tokens, 5 correct tags (71.43%), 3 gold and 2 found phrases, 1
// correct (precision 50, recall 33.33, F1 40): the figures conlleval.pl
// (2004-01-26) prints for this file. Dropping the -DOCSTART- rows, as tag
// eval did, gives 5 tokens and 60% accuracy with the same chunk scores.
func TestScoreRowsDocStart(t *testing.T) {
	const docStartRows = "-DOCSTART- -X- O O\n\nEU NNP B-ORG B-ORG\nrejects VBZ O O\nGerman JJ B-MISC O\n\n" +
		"-DOCSTART- -X- O O\nPeter NNP B-PER B-PER\nBlackburn NNP I-PER O\n"
	check := func(what string, r Metrics) {
		t.Helper()
		if r.Tokens != 7 || r.CorrectTags != 5 || r.Gold != 3 || r.Found != 2 || r.Correct != 1 ||
			fmt.Sprintf("%.2f %.2f %.2f %.2f", r.Accuracy, r.Precision, r.Recall, r.F1) != "71.43 50.00 33.33 40.00" {
			t.Errorf("%s: %+v", what, r)
		}
	}
	r, err := Evaluate(strings.NewReader(docStartRows), "x", EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("Evaluate", r)
	// The gold column read as a tag eval reads its --data, the last column
	// as the predictions.
	ss, err := ReadCoNLL(strings.NewReader(docStartRows), "x", ReadOptions{TagColumn: -2, KeepDocStart: true})
	if err != nil {
		t.Fatal(err)
	}
	var pred [][]string
	for _, s := range ss {
		var p []string
		for _, f := range s.Fields {
			p = append(p, f[len(f)-1])
		}
		pred = append(pred, p)
	}
	if r, err = ScoreRows(ss, pred); err != nil {
		t.Fatal(err)
	}
	check("ScoreRows", r)
	if _, err := ScoreRows(ss, pred[1:]); err == nil {
		t.Error("ScoreRows: want an error for missing predictions")
	}
}
