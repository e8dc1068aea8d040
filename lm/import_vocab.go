package lm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/text"
)

// VocabList is the vocabulary of a model to import: its tokens in
// embedding-row order and which of them are special.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type VocabList struct {
	Tokens, Specials []string
}

// ReadVocabList reads tokens in id order from recurrent's vocab.json (its
// specials too), a JSON array of strings, or one token per line; path
// "-" is standard input (text.ReadAll).
func ReadVocabList(path string) (*VocabList, error) {
	b, err := text.ReadAll(path)
	if err != nil {
		return nil, err
	}
	path = text.DisplayName(path)
	b = bytes.TrimPrefix(b, []byte(text.BOM))
	t := bytes.TrimSpace(b)
	switch {
	case len(t) > 0 && t[0] == '{':
		v := new(text.Vocab)
		if err := json.Unmarshal(t, v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &VocabList{Tokens: v.Tokens(), Specials: v.Specials()}, nil
	case len(t) > 0 && t[0] == '[':
		var toks []string
		if err := json.Unmarshal(t, &toks); err != nil {
			return nil, fmt.Errorf("%s: not a JSON array of strings: %w", path, err)
		}
		return &VocabList{Tokens: toks}, nil
	}
	// Line ends are made "\n" before the last one is dropped, so that a
	// file with Windows line ends does not end its last token in "\r".
	s := strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	if s == "" {
		return nil, fmt.Errorf("%s: empty vocabulary", path)
	}
	return &VocabList{Tokens: strings.Split(s, "\n")}, nil
}

// SetSpecials makes the tokens of the comma-separated list that the
// vocabulary holds its specials.
func (l *VocabList) SetSpecials(list string) {
	l.Specials = nil
	for _, s := range strings.Split(list, ",") {
		if s != "" && slices.Contains(l.Tokens, s) {
			l.Specials = append(l.Specials, s)
		}
	}
}

// Chars reports whether every token but the specials is one character
// (and there is at least one such token): a character-level vocabulary.
func (l *VocabList) Chars() bool {
	n := 0
	for _, t := range l.Tokens {
		if slices.Contains(l.Specials, t) {
			continue
		}
		if utf8.RuneCountInString(t) != 1 {
			return false
		}
		n++
	}
	return n > 0
}

// ImportVocab reads the vocabulary of a model to import from path
// (ReadVocabList): its specials are those of vocab.json or, for a plain
// list or when setSpecials, the tokens of the comma-separated specials
// that it holds. Without a tokenizer name or level in tok, the tokenizer
// is "char" for a vocabulary of single characters (Chars) and "word"
// otherwise, and inferred is true.
func ImportVocab(path, specials string, setSpecials bool, tok TokenizerOptions) (v *text.Vocab, t text.Tokenizer, inferred bool, err error) {
	l, err := ReadVocabList(path)
	if err != nil {
		return nil, t, false, fmt.Errorf("vocabulary: %w", err)
	}
	if l.Specials == nil || setSpecials {
		l.SetSpecials(specials)
	}
	if inferred = !tok.NameSet && tok.Level == ""; inferred {
		tok.Name = "word"
		if l.Chars() {
			tok.Name = "char"
		}
	}
	if t, err = tok.Tokenizer(); err != nil {
		return nil, t, false, err
	}
	if v, err = text.NewVocab(l.Tokens, nil, l.Specials); err != nil {
		return nil, t, false, fmt.Errorf("%s: %w", path, err)
	}
	return v, t, inferred, nil
}

// ParseRenames parses "FROM=TO" mappings; TO may be empty to drop a
// prefix ending in ".".
func ParseRenames(list []string) ([]Rename, error) {
	var out []Rename
	for _, s := range list {
		from, to, ok := strings.Cut(s, "=")
		if !ok || from == "" || to == "" && !strings.HasSuffix(from, ".") {
			return nil, fmt.Errorf("%q: want FROM=TO (TO may be empty to drop a prefix ending in \".\")", s)
		}
		out = append(out, Rename{From: from, To: to})
	}
	return out, nil
}

// ImportReport describes an imported model (lm import --json). The fields
// are in the order of their JSON names.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type ImportReport struct {
	Cell          string `json:"cell"`
	Embed         int    `json:"embed"`
	Hidden        int    `json:"hidden"`
	Layers        int    `json:"layers"`
	Level         string `json:"level"`
	LevelInferred bool   `json:"level_inferred"`
	Out           string `json:"out"`
	Params        int    `json:"params"`
	Tied          bool   `json:"tied"`
	Vocab         int    `json:"vocab"`
}

// NewImportReport describes m, written to out; inferred says the level
// was inferred from the vocabulary.
func NewImportReport(m *Model, out string, inferred bool) ImportReport {
	c := m.Config
	return ImportReport{Cell: c.Cell, Embed: c.EmbedDim, Hidden: c.Hidden, Layers: c.Layers, Level: c.Tokenizer.Mode.String(),
		LevelInferred: inferred, Out: out, Params: m.NumParams(), Tied: c.Tied, Vocab: c.VocabSize}
}

// WriteText writes the report as lm import prints it.
func (r *ImportReport) WriteText(w io.Writer) error {
	inferred := ""
	if r.LevelInferred {
		inferred = " (from the vocabulary)"
	}
	_, err := fmt.Fprintf(w, "imported %s %d layers x %d, embed %d, vocab %d, tied %v, %d parameters into %s; %s level%s\n",
		r.Cell, r.Layers, r.Hidden, r.Embed, r.Vocab, r.Tied, r.Params, r.Out, r.Level, inferred)
	return err
}
