package tag

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Evaluator accumulates conlleval statistics token by token. It reproduces
// the conlleval script (version 2004-01-26) of the CoNLL-2000/2003 shared
// tasks: a predicted chunk is correct when it starts and ends on the same
// tokens as a gold chunk and has the same type; chunk starts and ends are
// detected from (previous tag, tag) pairs, so IOB1, IOB2 and IOE input is
// read as conlleval reads it (an I- tag after O or after another type starts
// a chunk; B- only matters after a tag of the same type). S- and E- tags of
// IOBES are handled as single-token chunks and chunk ends, which the original
// script lacks; inputs without S- tags and without E- directly followed by
// B- score exactly as with the original.
//
// The zero value is not ready; use NewEvaluator.
//
// Not safe for concurrent use.
type Evaluator struct {
	lastCorrect, lastCorrectType string
	lastGuessed, lastGuessedType string
	inCorrect                    bool

	correctChunk, foundCorrect, foundGuessed int
	correctTags, tokens                      int
	perCorrect, perFoundCorrect, perGuessed  map[string]int
}

// NewEvaluator returns an empty Evaluator.
func NewEvaluator() *Evaluator {
	return &Evaluator{
		lastCorrect: "O", lastGuessed: "O",
		perCorrect: map[string]int{}, perFoundCorrect: map[string]int{}, perGuessed: map[string]int{},
	}
}

// Add feeds one token with its gold and predicted tags (e.g. "B-PER",
// "I-LOC", "O").
//
// As in conlleval (where the string "0" is false), a type "0" is read as
// the empty type.
func (e *Evaluator) Add(gold, pred string) {
	c, ct := Split(gold)
	g, gt := Split(pred)
	e.step(c, perlType(ct), g, perlType(gt), false)
}

// perlType maps the type "0" to "", as Perl's truth test in conlleval does.
func perlType(t string) string {
	if t == "0" {
		return ""
	}
	return t
}

// Boundary marks a sentence boundary (conlleval's empty line): it closes open
// chunks and is not counted as a token.
func (e *Evaluator) Boundary() {
	e.step("O", "", "O", "", true)
}

// AddSentence feeds one sentence of gold and predicted tags followed by a
// boundary. The slices must have equal length.
func (e *Evaluator) AddSentence(gold, pred []string) error {
	if len(gold) != len(pred) {
		return fmt.Errorf("tag: sentence has %d gold tags but %d predicted", len(gold), len(pred))
	}
	for i := range gold {
		e.Add(gold[i], pred[i])
	}
	e.Boundary()
	return nil
}

// step is the body of conlleval's main loop for one line.
func (e *Evaluator) step(correct, correctType, guessed, guessedType string, boundary bool) {
	endC := endOfChunk(e.lastCorrect, correct, e.lastCorrectType, correctType)
	endG := endOfChunk(e.lastGuessed, guessed, e.lastGuessedType, guessedType)
	if e.inCorrect {
		if endC && endG && e.lastGuessedType == e.lastCorrectType {
			e.inCorrect = false
			e.correctChunk++
			e.perCorrect[e.lastCorrectType]++
		} else if endC != endG || guessedType != correctType {
			e.inCorrect = false
		}
	}
	startC := startOfChunk(e.lastCorrect, correct, e.lastCorrectType, correctType)
	startG := startOfChunk(e.lastGuessed, guessed, e.lastGuessedType, guessedType)
	if startC && startG && guessedType == correctType {
		e.inCorrect = true
	}
	if startC {
		e.foundCorrect++
		e.perFoundCorrect[correctType]++
	}
	if startG {
		e.foundGuessed++
		e.perGuessed[guessedType]++
	}
	if !boundary {
		if correct == guessed && guessedType == correctType {
			e.correctTags++
		}
		e.tokens++
	}
	e.lastGuessed, e.lastCorrect = guessed, correct
	e.lastGuessedType, e.lastCorrectType = guessedType, correctType
}

// Score is a precision/recall/F1 triple in percent with the counts behind
// it.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Score struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// Gold is the number of gold chunks, Found the number of predicted
	// chunks, Correct the number of predicted chunks that match a gold one.
	Gold    int `json:"gold"`
	Found   int `json:"found"`
	Correct int `json:"correct"`
}

// Metrics hold conlleval's figures. All percentages are 0..100.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Metrics struct {
	Score
	// Accuracy is the percentage of tokens whose predicted tag equals the
	// gold tag (prefix and type).
	Accuracy float64 `json:"accuracy"`
	// Tokens counts tokens (boundaries excluded); CorrectTags those with
	// the right tag.
	Tokens      int `json:"tokens"`
	CorrectTags int `json:"correct_tags"`
	// PerType maps each chunk type found in gold or predictions to its
	// score; Types lists them sorted as conlleval prints them (which
	// repeats the empty type when both gold and predictions have it).
	PerType map[string]Score `json:"per_type"`
	Types   []string         `json:"-"`
}

func prf(correct, found, gold int) Score {
	s := Score{Gold: gold, Found: found, Correct: correct}
	if found > 0 {
		s.Precision = 100 * float64(correct) / float64(found)
	}
	if gold > 0 {
		s.Recall = 100 * float64(correct) / float64(gold)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}

// Metrics returns the figures accumulated so far. A chunk still open at the
// end of the input is closed as conlleval does at end of file.
func (e *Evaluator) Metrics() Metrics {
	correct := e.correctChunk
	perCorrect := e.perCorrect
	if e.inCorrect {
		correct++
		perCorrect = make(map[string]int, len(e.perCorrect)+1)
		for k, v := range e.perCorrect {
			perCorrect[k] = v
		}
		perCorrect[e.lastCorrectType]++
	}
	r := Metrics{
		Score:       prf(correct, e.foundGuessed, e.foundCorrect),
		Tokens:      e.tokens,
		CorrectTags: e.correctTags,
		PerType:     map[string]Score{},
	}
	if e.tokens > 0 {
		r.Accuracy = 100 * float64(e.correctTags) / float64(e.tokens)
	}
	var keys []string
	for t := range e.perFoundCorrect {
		keys = append(keys, t)
	}
	for t := range e.perGuessed {
		keys = append(keys, t)
	}
	sort.Strings(keys)
	// conlleval drops adjacent duplicates unless the previous key is false
	// in Perl (the empty type), which it then lists twice; Types keeps that.
	for i, t := range keys {
		if i == 0 || keys[i-1] == "" || keys[i-1] != t {
			r.Types = append(r.Types, t)
		}
		r.PerType[t] = prf(perCorrect[t], e.perGuessed[t], e.perFoundCorrect[t])
	}
	return r
}

// WriteConlleval prints r in conlleval's text format:
//
//	processed 6 tokens with 2 phrases; found: 2 phrases; correct: 1.
//	accuracy:  83.33%; precision:  50.00%; recall:  50.00%; FB1:  50.00
//	              LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  1
//	              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1
func (r Metrics) WriteConlleval(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "processed %d tokens with %d phrases; found: %d phrases; correct: %d.\n",
		r.Tokens, r.Gold, r.Found, r.Correct)
	if r.Tokens > 0 {
		fmt.Fprintf(&b, "accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n",
			r.Accuracy, r.Precision, r.Recall, r.F1)
	}
	for _, t := range r.Types {
		s := r.PerType[t]
		fmt.Fprintf(&b, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %d\n",
			t, s.Precision, s.Recall, s.F1, s.Found)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("tag: write: %w", err)
	}
	return nil
}

// EvalOptions mirror conlleval's command-line options.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type EvalOptions struct {
	// Delimiter separates the fields of a line (conlleval -d); default a
	// single space. As in conlleval (Perl's split), it is a regular
	// expression (Go syntax): `\t` is a TAB, `\s+` any run of white
	// space. Two delimiters in a row make an empty field, and trailing
	// empty fields are dropped.
	Delimiter string
	// Raw treats tags as bare types without B-/I- prefixes, every non-O
	// token being a one-token chunk (conlleval -r).
	Raw bool
	// OTag is the outside tag in raw mode (conlleval -o); default "O".
	OTag string
	// Boundary is the first field that marks a sentence boundary line;
	// default "-X-".
	Boundary string
}

// Evaluate reads conlleval's input format from r, one token per line:
// fields separated by the delimiter, the last two being the gold and the
// predicted tag; empty lines (or lines whose first field is "-X-") separate
// sentences. Every line must have as many fields as the first non-empty
// one. As in conlleval, a "-DOCSTART- -X- -X- O O" line is an ordinary
// token outside any chunk (it counts towards accuracy). A trailing "\r" is
// removed from each line. name is used in error messages.
func Evaluate(r io.Reader, name string, opts EvalOptions) (Metrics, error) {
	delim := opts.Delimiter
	if delim == "" {
		delim = " "
	}
	oTag := opts.OTag
	if oTag == "" {
		oTag = "O"
	}
	boundary := opts.Boundary
	if boundary == "" {
		boundary = "-X-"
	}
	split := func(line string) []string { return strings.Split(line, delim) }
	if regexp.QuoteMeta(delim) != delim {
		re, err := regexp.Compile(delim)
		if err != nil {
			return Metrics{}, fmt.Errorf("tag: delimiter %q: %w", delim, err)
		}
		split = func(line string) []string { return re.Split(line, -1) }
	}
	e := NewEvaluator()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	nfeat := -1
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		f := split(line)
		for len(f) > 0 && f[len(f)-1] == "" {
			f = f[:len(f)-1]
		}
		if nfeat < 0 {
			if len(f) > 0 {
				nfeat = len(f)
			}
		} else if len(f) != nfeat && len(f) != 0 {
			return Metrics{}, fmt.Errorf("%s:%d: expected %d fields like the first line, got %d", name, lineNo, nfeat, len(f))
		}
		if len(f) == 0 || f[0] == boundary {
			e.Boundary()
			continue
		}
		if len(f) < 2 {
			return Metrics{}, fmt.Errorf("%s:%d: expected at least 2 fields (... gold predicted), got %d", name, lineNo, len(f))
		}
		gold, pred := f[len(f)-2], f[len(f)-1]
		if opts.Raw {
			gold, pred = rawTag(gold, oTag), rawTag(pred, oTag)
		}
		e.Add(gold, pred)
	}
	if err := sc.Err(); err != nil {
		return Metrics{}, fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	return e.Metrics(), nil
}

func rawTag(t, oTag string) string {
	if t == oTag || t == "O" {
		return "O"
	}
	return "B-" + t
}

// EvaluateFile runs Evaluate on a file; path "-" reads standard input.
func EvaluateFile(path string, opts EvalOptions) (Metrics, error) {
	if path == "-" {
		return Evaluate(os.Stdin, "<stdin>", opts)
	}
	f, err := os.Open(path)
	if err != nil {
		return Metrics{}, fmt.Errorf("tag: %w", err)
	}
	defer f.Close()
	return Evaluate(f, path, opts)
}

// ScoreSentences scores predicted against gold tag sequences, one pair per
// sentence, with a sentence boundary after each.
func ScoreSentences(gold, pred [][]string) (Metrics, error) {
	if len(gold) != len(pred) {
		return Metrics{}, fmt.Errorf("tag: %d gold sentences but %d predicted", len(gold), len(pred))
	}
	e := NewEvaluator()
	for i := range gold {
		if err := e.AddSentence(gold[i], pred[i]); err != nil {
			return Metrics{}, fmt.Errorf("tag: sentence %d: %w", i, err)
		}
	}
	return e.Metrics(), nil
}

// ScoreRows scores pred[i], the predicted tags of sents[i], against the
// sentences' gold tags exactly as conlleval scores the file WritePredicted
// writes of them: sentence boundaries where that file has blank lines, and
// a -DOCSTART- row kept by ReadOptions.KeepDocStart counted as a token
// (conlleval's boundary is a row whose first field is "-X-"; a
// "-DOCSTART- -X- -X- O O" row is an ordinary token outside any chunk).
func ScoreRows(sents []Sentence, pred [][]string) (Metrics, error) {
	if len(sents) != len(pred) {
		return Metrics{}, fmt.Errorf("tag: %d sentences but %d predictions", len(sents), len(pred))
	}
	e := NewEvaluator()
	for i, s := range sents {
		if len(s.Tags) != len(pred[i]) {
			return Metrics{}, fmt.Errorf("tag: sentence %d (line %d): %d gold tags but %d predicted", i, s.Line, len(s.Tags), len(pred[i]))
		}
		if separator(sents, i) > 0 {
			e.Boundary()
		}
		for k, g := range s.Tags {
			e.Add(g, pred[i][k])
		}
	}
	e.Boundary()
	return e.Metrics(), nil
}

// WriteEvalInput writes sentences in conlleval's input format ("token gold
// predicted" per line, a blank line after each sentence), for scoring with
// Evaluate, the tag score command or the original script. pred[i] holds
// the predicted tags of sents[i].
func WriteEvalInput(w io.Writer, sents []Sentence, pred [][]string) error {
	return writeRows(w, sents, pred, func(s *Sentence, k int) string { return s.Tokens[k] + " " + s.Tags[k] })
}
