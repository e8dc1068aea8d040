// Package tag reads CoNLL-style column files, converts between the IOB1,
// IOB2 (BIO) and IOBES tag schemes, extracts chunks (entities) from tag
// sequences, and scores predicted tags exactly as the conlleval script of the
// CoNLL-2000/2003 shared tasks does. It also holds a neural tagger
// (model.go, train.go): word embedding plus a character-level BiLSTM per word
// -> BiLSTM stack -> per-token softmax, trained in IOBES with decoding
// constrained to valid tag sequences, and resumable checkpoints.
package tag

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/recurrent-go/recurrent/text"
)

// DocStart is the first token of the document separator lines of CoNLL-2003
// files ("-DOCSTART- -X- -X- O").
const DocStart = "-DOCSTART-"

// Sentence is one sentence of a column file.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Sentence struct {
	// Tokens holds the token column, one entry per token.
	Tokens []string
	// Tags holds the tag column, one entry per token.
	Tags []string
	// Fields holds every column of every row: Fields[i] is the i-th token's
	// row split on whitespace (Fields[i][TokenColumn] == Tokens[i]).
	Fields [][]string
	// Line is the 1-based line number of the sentence's first row.
	Line int
}

// ReadOptions selects the columns of a CoNLL column file. The zero value
// reads the token from the first column and the tag from the last.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type ReadOptions struct {
	// TokenColumn is the 0-based index of the token column; negative values
	// count from the end (-1 is the last column). Default 0.
	TokenColumn int
	// TagColumn is the 0-based index of the tag column; negative values
	// count from the end. The zero value means the last column (-1); to read
	// the tag from the first column set it to TagFirstColumn.
	TagColumn int
	// KeepDocStart keeps "-DOCSTART-" rows as ordinary one-token sentences
	// instead of dropping them.
	KeepDocStart bool
	// Untagged accepts a file of a single column, tokens without tags
	// (text to tag); its sentences have no Tags.
	Untagged bool
}

// TagFirstColumn selects column 0 as the tag column in ReadOptions (whose
// zero TagColumn means "last").
const TagFirstColumn = -1 << 30

// ReadCoNLLFile reads the column file at path ("-": standard input, see
// text.OpenFile); see ReadCoNLL.
func ReadCoNLLFile(path string, opts ReadOptions) ([]Sentence, error) {
	f, err := text.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	defer f.Close()
	return ReadCoNLL(f, text.DisplayName(path), opts)
}

// ReadCoNLL reads a CoNLL column file: one token per line with
// whitespace-separated columns (token first, tag last by default), blank
// lines between sentences, and "-DOCSTART-" lines (document separators),
// which are dropped unless opts.KeepDocStart. Every non-blank row other
// than -DOCSTART- lines must have the same number of columns as the first
// one. name is used in error
// messages ("name:line: ...").
func ReadCoNLL(r io.Reader, name string, opts ReadOptions) ([]Sentence, error) {
	var (
		out   []Sentence
		cur   Sentence
		ncols = -1
	)
	flush := func() {
		if len(cur.Tokens) > 0 {
			out = append(out, cur)
		}
		cur = Sentence{}
	}
	err := text.ReadLines(r, name, func(lineNo int, line string) error {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			flush()
			return nil
		}
		if fields[0] == DocStart {
			// A separator, whatever its width: it neither sets nor must
			// match the width of the token rows.
			flush()
			if opts.KeepDocStart {
				tag := "O"
				if c, err := column(opts.TagColumn, len(fields), true); err == nil && len(fields) > 1 {
					tag = fields[c]
				}
				out = append(out, Sentence{Tokens: []string{DocStart}, Tags: []string{tag}, Fields: [][]string{fields}, Line: lineNo})
			}
			return nil
		}
		if ncols < 0 {
			ncols = len(fields)
			if ncols < 2 && !(ncols == 1 && opts.Untagged) {
				return fmt.Errorf("%s:%d: expected at least 2 columns (token ... tag), got %d", name, lineNo, ncols)
			}
		} else if len(fields) != ncols {
			return fmt.Errorf("%s:%d: expected %d columns like the first row, got %d", name, lineNo, ncols, len(fields))
		}
		tokCol, err := column(opts.TokenColumn, ncols, false)
		if err != nil {
			return fmt.Errorf("%s:%d: token column: %w", name, lineNo, err)
		}
		tagCol, err := column(opts.TagColumn, ncols, true)
		if err != nil {
			return fmt.Errorf("%s:%d: tag column: %w", name, lineNo, err)
		}
		tag := fields[tagCol]
		if ncols == 1 { // Untagged
			tag = "O"
		}
		if len(cur.Tokens) == 0 {
			cur.Line = lineNo
		}
		cur.Tokens = append(cur.Tokens, fields[tokCol])
		if ncols > 1 {
			cur.Tags = append(cur.Tags, tag)
		}
		cur.Fields = append(cur.Fields, fields)
		return nil
	})
	if err != nil {
		return nil, err
	}
	flush()
	return out, nil
}

// column resolves a possibly negative column index against n columns.
func column(c, n int, zeroIsLast bool) (int, error) {
	switch {
	case c == TagFirstColumn:
		c = 0
	case c == 0 && zeroIsLast:
		c = n - 1
	case c < 0:
		c += n
	}
	if c < 0 || c >= n {
		return 0, errors.New("index out of range for " + fmt.Sprint(n) + " columns")
	}
	return c, nil
}

// WriteCoNLL writes sentences as "token tag" rows (or the full Fields rows
// when the sentence has them and withFields is true), a blank line after
// each sentence.
func WriteCoNLL(w io.Writer, sents []Sentence, withFields bool) error {
	return writeLines(w, sents, func(bw *bufio.Writer, i, k int) {
		s := &sents[i]
		if withFields && k < len(s.Fields) {
			bw.WriteString(strings.Join(s.Fields[k], " "))
			return
		}
		bw.WriteString(s.Tokens[k])
		bw.WriteByte(' ')
		bw.WriteString(s.Tags[k])
	})
}

// writeLines writes the row of token k of sentence i with line(bw, i, k)
// and a line break, sentences separated as they were in the file they were
// read from (see separator) and a blank line after the last, so that each
// output row lines up with its input row (paste in.conll out.conll).
func writeLines(w io.Writer, sents []Sentence, line func(bw *bufio.Writer, i, k int)) error {
	bw := bufio.NewWriter(w)
	for i, s := range sents {
		for range separator(sents, i) {
			bw.WriteByte('\n')
		}
		for k := range s.Tokens {
			line(bw, i, k)
			bw.WriteByte('\n')
		}
	}
	if len(sents) > 0 {
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tag: write: %w", err)
	}
	return nil
}

// separator returns how many blank lines go before sentence i: as many as
// the file held there when the sentences' line numbers (Line) tell it
// (those before the first sentence included; none after a -DOCSTART- row
// directly followed by a sentence), otherwise one between sentences.
func separator(sents []Sentence, i int) int {
	s := &sents[i]
	if i == 0 {
		return max(s.Line-1, 0)
	}
	p := &sents[i-1]
	if gap := s.Line - (p.Line + len(p.Tokens)); p.Line > 0 && gap >= 0 && (gap > 0 || isDocStart(p)) {
		return gap
	}
	return 1
}

// isDocStart reports whether s is a -DOCSTART- row kept as a sentence.
func isDocStart(s *Sentence) bool { return len(s.Tokens) == 1 && s.Tokens[0] == DocStart }
