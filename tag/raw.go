package tag

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one token of a line of raw text with its byte offsets in the
// line: line[Start:End] == Text.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Token struct {
	Text       string
	Start, End int
}

// clitics are the endings split off a word as tokens of their own, as in
// the Penn Treebank tokenization of the CoNLL-2003 English data ("Germany's"
// -> "Germany" "'s", "don't" -> "do" "n't").
var clitics = []string{"n't", "'s", "'re", "'ve", "'ll", "'d", "'m", "'"}

// Tokenize splits a line of raw text into tokens the way the CoNLL-2003
// English data (Reuters text, Penn Treebank conventions) is tokenized, so
// that a tagger trained on it sees text as it was trained: the line is split
// at white space; punctuation at either end of a word becomes tokens of its
// own, one per character, except the final period of an abbreviation ("U.S.",
// a single letter "J.", or a common one such as "Mr." or "Inc."); the
// clitics 's, n't, 're, 've, 'll, 'd and 'm are split off. Hyphenated words,
// numbers such as "3.5" or "1,000" and inner apostrophes ("O'Neill") stay
// whole.
func Tokenize(line string) []Token {
	var out []Token
	for i := 0; i < len(line); {
		r, n := utf8.DecodeRuneInString(line[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		j := i
		for j < len(line) {
			r, n := utf8.DecodeRuneInString(line[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		out = appendWord(out, line[i:j], i)
		i = j
	}
	return out
}

// appendWord splits one white-space delimited word starting at byte off.
func appendWord(out []Token, w string, off int) []Token {
	lo, hi := 0, len(w)
	// Leading punctuation, one token per character.
	for lo < hi {
		r, n := utf8.DecodeRuneInString(w[lo:hi])
		if !isPunct(r) {
			break
		}
		out = append(out, Token{w[lo : lo+n], off + lo, off + lo + n})
		lo += n
	}
	// Trailing punctuation, collected from the end.
	var tail []Token
	for lo < hi {
		r, n := utf8.DecodeLastRuneInString(w[lo:hi])
		if !isPunct(r) || (r == '.' && isAbbrev(w[lo:hi])) {
			break
		}
		tail = append(tail, Token{w[hi-n : hi], off + hi - n, off + hi})
		hi -= n
	}
	if lo < hi {
		core := w[lo:hi]
		cut := len(core)
		for _, c := range clitics {
			if len(core) > len(c) && strings.HasSuffix(strings.ToLower(core), c) && (c != "'" || strings.HasSuffix(strings.ToLower(core), "s'")) {
				cut = len(core) - len(c)
				break
			}
		}
		out = append(out, Token{core[:cut], off + lo, off + lo + cut})
		if cut < len(core) {
			out = append(out, Token{core[cut:], off + lo + cut, off + hi})
		}
	}
	for k := len(tail) - 1; k >= 0; k-- {
		out = append(out, tail[k])
	}
	return out
}

// isPunct reports whether r is split off the end of a word.
func isPunct(r rune) bool {
	return unicode.IsPunct(r) && r != '-' && r != '&' || unicode.IsSymbol(r)
}

// abbrevs are the common abbreviations of English news text whose period
// belongs to them, as in the Penn Treebank ("Mr.", "Inc.", "Jan.").
var abbrevs = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "jr": true, "sr": true,
	"gen": true, "gov": true, "sen": true, "rep": true, "lt": true, "col": true, "sgt": true, "capt": true,
	"inc": true, "corp": true, "ltd": true, "co": true, "bros": true, "vs": true, "no": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
}

// isAbbrev reports whether w, ending in a period, is an abbreviation whose
// period belongs to it: letters with inner periods ("U.S.", "e.g."), a
// single letter ("J.") or a common abbreviation ("Mr.", "Inc."); "3.5." is
// not.
func isAbbrev(w string) bool {
	body := strings.TrimSuffix(w, ".")
	if abbrevs[strings.ToLower(body)] {
		return true
	}
	letters, periods := 0, 0
	for _, r := range body {
		switch {
		case r == '.':
			periods++
		case unicode.IsLetter(r):
			letters++
		default:
			return false
		}
	}
	return letters == 1 && periods == 0 || letters > 0 && periods > 0
}

// Entity is a chunk of a tagged sentence: its type, token range
// [Start, End) and text.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Entity struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Tagged is a sentence with its predicted tags and the entities they mark.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Tagged struct {
	Tokens   []string `json:"tokens"`
	Tags     []string `json:"tags"`
	Entities []Entity `json:"entities"`
}

// Entities returns the chunks of tags (conlleval's rules, any scheme) with
// the tokens they cover joined by single spaces, in order. A plain tag
// (neither O nor a chunk tag: a part-of-speech tag, a bare type) marks a
// one-token entity of its own type, as conlleval -r reads it.
func Entities(tokens, tags []string) []Entity {
	out := []Entity{}
	for _, c := range Chunks(tags) {
		out = append(out, Entity{c.Type, c.Start, c.End, strings.Join(tokens[c.Start:c.End], " ")})
	}
	n := len(out)
	for k, t := range tags {
		if t != "O" && !isChunkTag(t) {
			out = append(out, Entity{t, k, k + 1, tokens[k]})
		}
	}
	if n > 0 && len(out) > n {
		slices.SortFunc(out, func(a, b Entity) int { return a.Start - b.Start })
	}
	return out
}

// TagLines tokenizes each line of raw text with Tokenize and tags it; an
// entity's Text is the stretch of the line it covers. Blank lines give
// sentences without tokens.
func (m *Model) TagLines(ctx context.Context, lines []string, batch int) ([]Tagged, error) {
	sents := make([]Sentence, len(lines))
	toks := make([][]Token, len(lines))
	for i, l := range lines {
		toks[i] = Tokenize(l)
		for _, t := range toks[i] {
			sents[i].Tokens = append(sents[i].Tokens, t.Text)
		}
		sents[i].Line = i + 1
	}
	pred, err := m.TagSentences(ctx, sents, "text", batch)
	if err != nil {
		return nil, err
	}
	out := make([]Tagged, len(sents))
	for i, s := range sents {
		out[i] = Tagged{Tokens: append([]string{}, s.Tokens...), Tags: pred[i], Entities: Entities(s.Tokens, pred[i])}
		for k := range out[i].Entities { // the text as written, spaces included
			e := &out[i].Entities[k]
			e.Text = lines[i][toks[i][e.Start].Start:toks[i][e.End-1].End]
		}
	}
	return out, nil
}

// TagSentences predicts the tags of sentences read from a column file
// (name is used in errors). A sentence without tokens gets no tags, and a
// -DOCSTART- line kept by ReadOptions.KeepDocStart, a document marker and
// not a token, keeps the tag it was read with ("O" in CoNLL-2003's NER
// column, "-X-" in its part-of-speech column; "O" without a tag column).
func (m *Model) TagSentences(ctx context.Context, sents []Sentence, name string, batch int) ([][]string, error) {
	r := splitRows(sents)
	if len(r.keep) == 0 {
		return r.preset, nil
	}
	d, err := m.EncodeSentences(r.keep, name, false)
	if err != nil {
		return nil, err
	}
	pred, err := m.Predict(ctx, d, batch)
	if err != nil {
		return nil, err
	}
	return r.merge(pred), nil
}

// taggedRows is a list of sentences split for tagging: the answers given
// without the model (preset: an empty row for an empty sentence; for a
// kept -DOCSTART- row the tag it was read with, or "O"; nil for the
// others) and the sentences the model tags (keep, at their indexes at).
type taggedRows struct {
	preset [][]string
	keep   []Sentence
	at     []int
}

// splitRows splits sents for tagging.
func splitRows(sents []Sentence) taggedRows {
	r := taggedRows{preset: make([][]string, len(sents))}
	for i, s := range sents {
		switch {
		case len(s.Tokens) == 0:
			r.preset[i] = []string{}
		case isDocStart(&s):
			r.preset[i] = []string{"O"}
			if len(s.Tags) == 1 {
				r.preset[i][0] = s.Tags[0]
			}
		default:
			r.keep, r.at = append(r.keep, s), append(r.at, i)
		}
	}
	return r
}

// merge returns the tags of every sentence: the preset ones, and pred[k]
// for the sentence keep[k].
func (r *taggedRows) merge(pred [][]string) [][]string {
	out := slices.Clone(r.preset)
	for k, i := range r.at {
		out[i] = pred[k]
	}
	return out
}

// WritePredicted writes sentences as they were read (every column of every
// row) with the predicted tag appended to each row and a blank line after
// each sentence: a labelled file becomes conlleval's input, an unlabelled
// one "token tag" rows. pred[i] holds the tags of sents[i].
func WritePredicted(w io.Writer, sents []Sentence, pred [][]string) error {
	return writeRows(w, sents, pred, func(s *Sentence, k int) string {
		if k < len(s.Fields) {
			return strings.Join(s.Fields[k], " ")
		}
		return s.Tokens[k]
	})
}

// writeRows writes each token's row (as row gives it) followed by its
// predicted tag, and a blank line after each sentence.
func writeRows(w io.Writer, sents []Sentence, pred [][]string, row func(s *Sentence, k int) string) error {
	if len(sents) != len(pred) {
		return fmt.Errorf("tag: %d sentences but %d predictions", len(sents), len(pred))
	}
	for i, s := range sents {
		if len(pred[i]) != len(s.Tokens) {
			return fmt.Errorf("tag: sentence %d (line %d): %d tokens but %d predicted tags", i, s.Line, len(s.Tokens), len(pred[i]))
		}
	}
	return writeLines(w, sents, func(bw *bufio.Writer, i, k int) {
		bw.WriteString(row(&sents[i], k))
		bw.WriteByte(' ')
		bw.WriteString(pred[i][k])
	})
}
