package text

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/internal/enum"
)

// Special tokens used by default.
const (
	UNK = "<unk>" // out-of-vocabulary token
	EOS = "<eos>" // end of line or sentence
	BOS = "<bos>" // beginning of line or sentence
	PAD = "<pad>" // padding in batches of unequal lengths
)

// Mode selects how a Tokenizer splits a line.
type Mode int

const (
	// Words splits a line into runs of letters, digits and combining marks
	// (Unicode-aware: accents, CJK, ...). Other non-space characters are
	// dropped, or become tokens of their own with SplitPunct.
	Words Mode = iota
	// Chars makes every Unicode code point (spaces included) a token.
	Chars
	// Whitespace splits on Unicode white space only, for pre-tokenized
	// corpora such as PTB or wiki17m.
	Whitespace
)

// modeNames are the names of the modes; ParseMode is case-sensitive.
var modeNames = enum.Names[Mode]{Pkg: "text", What: "tokenizer mode", Type: "Mode",
	Names: []string{Words: "word", Chars: "char", Whitespace: "whitespace"}, Aliases: map[string]Mode{"words": Words, "chars": Chars, "ws": Whitespace, "space": Whitespace}}

// String returns the mode's name as accepted by ParseMode.
func (m Mode) String() string { return modeNames.String(m) }

// MarshalText encodes the mode as its name, so configurations are readable JSON.
func (m Mode) MarshalText() ([]byte, error) {
	switch m {
	case Words, Chars, Whitespace:
		return []byte(m.String()), nil
	}
	return nil, fmt.Errorf("text: invalid tokenizer mode %d", int(m))
}

// UnmarshalText decodes a mode name (see ParseMode).
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ParseMode parses "word" (or "words"), "char" (or "chars") or
// "whitespace" (or "ws", "space").
func ParseMode(s string) (Mode, error) { return modeNames.Parse(s) }

// Tokenizer splits lines into tokens. The zero value splits Unicode words,
// keeps case, drops punctuation and adds no markers.
type Tokenizer struct {
	Mode Mode `json:"mode"`
	// Lower lowercases the text first (Unicode simple case mapping).
	Lower bool `json:"lower"`
	// SplitPunct (Words mode) keeps every punctuation or symbol character,
	// with any combining marks, variation selectors, emoji modifiers or
	// zero-width-joined characters that follow it, as a token of its own.
	SplitPunct bool `json:"split_punct"`
	// BOS, if not empty, is prepended to the tokens of every line.
	BOS string `json:"bos,omitempty"`
	// EOS, if not empty, is appended to the tokens of every line (also a
	// last line without a terminating newline). For character models set
	// EOS to "\n" to keep line breaks as a character.
	EOS string `json:"eos,omitempty"`
	// SkipEmpty drops lines that yield no tokens (before BOS/EOS are added),
	// as ReadTokens sees them.
	SkipEmpty bool `json:"skip_empty"`
}

// Append appends the tokens of one line (without its terminator) to dst and
// returns the extended slice. Tokens are substrings of line (or of its
// lowercased copy); line should be valid UTF-8 (ReadTokens checks it): in
// Chars mode a byte that does not start a valid character is a token of
// its own (with Lower, strings.ToLower has made it U+FFFD).
func (t *Tokenizer) Append(dst []string, line string) []string {
	if t.Lower {
		line = strings.ToLower(line)
	}
	if t.BOS != "" {
		dst = append(dst, t.BOS)
	}
	switch t.Mode {
	case Chars:
		for i := 0; i < len(line); {
			_, n := decodeRune(line[i:]) // an invalid byte is a token of one byte
			dst = append(dst, line[i:i+n])
			i += n
		}
	case Whitespace:
		dst = appendFields(dst, line)
	default:
		dst = t.appendWords(dst, line)
	}
	if t.EOS != "" {
		dst = append(dst, t.EOS)
	}
	return dst
}

// Tokenize returns the tokens of one line.
func (t *Tokenizer) Tokenize(line string) []string { return t.Append(nil, line) }

func appendFields(dst []string, s string) []string {
	start := -1
	for i, r := range s {
		if isUnicodeSpace(r) {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// asciiWord and asciiSpace classify ASCII bytes without the Unicode tables.
var asciiWord, asciiSpace [utf8.RuneSelf]bool

func init() {
	for r := range rune(utf8.RuneSelf) {
		asciiWord[r] = unicode.IsLetter(r) || unicode.IsNumber(r)
		asciiSpace[r] = unicode.IsSpace(r)
	}
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

func isUnicodeSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiSpace[r]
	}
	return unicode.IsSpace(r)
}

// decodeRune is utf8.DecodeRuneInString with an inlined ASCII path.
func decodeRune(s string) (rune, int) {
	if len(s) > 0 && s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

// isExtender reports whether r attaches to the preceding symbol: combining
// marks (which include variation selectors), emoji skin-tone modifiers,
// and emoji tag characters.
func isExtender(r rune) bool {
	return unicode.IsMark(r) || (r >= 0x1F3FB && r <= 0x1F3FF) || (r >= 0xE0020 && r <= 0xE007F)
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

const zwj = '\u200D'

func (t *Tokenizer) appendWords(dst []string, s string) []string {
	i := 0
	for i < len(s) {
		r, size := decodeRune(s[i:])
		switch {
		case isWordRune(r):
			j := i + size
			for j < len(s) {
				r2, n := decodeRune(s[j:])
				if !isWordRune(r2) {
					break
				}
				j += n
			}
			dst = append(dst, s[i:j])
			i = j
		case isUnicodeSpace(r):
			i += size
		default:
			j := symbolEnd(s, i, r, size)
			if t.SplitPunct {
				dst = append(dst, s[i:j])
			}
			i = j
		}
	}
	return dst
}

// symbolEnd returns the end of the symbol cluster starting with r at s[i:].
func symbolEnd(s string, i int, r rune, size int) int {
	j := i + size
	if isRegional(r) {
		if r2, n := decodeRune(s[j:]); isRegional(r2) {
			j += n
		}
	}
	for j < len(s) {
		r2, n := decodeRune(s[j:])
		switch {
		case isExtender(r2):
			j += n
		case r2 == zwj:
			j += n
			if j < len(s) {
				if r3, n3 := decodeRune(s[j:]); !isUnicodeSpace(r3) {
					j += n3
				}
			}
		default:
			return j
		}
	}
	return j
}

// ReadTokens reads r line by line (see ReadLines for validation), tokenizes
// each line and calls fn with its 1-based number and tokens. The slice
// passed to fn is reused between calls; the strings are not. It returns an
// error wrapping ErrEmpty, naming the input, when the input yields no tokens
// other than the BOS/EOS markers.
//
// Memory does not grow with the length of a line: a line longer than
// MaxPiece bytes is tokenized in pieces cut at spaces or tabs, and fn is
// called once per piece with the same line number (BOS with the first
// tokens, EOS with the last). In Chars mode the pieces tokenize exactly as
// the whole line; in the other modes too, except that a single token of
// more than MaxPiece/2 bytes is split in two.
func (t *Tokenizer) ReadTokens(r io.Reader, name string, fn func(line int, tokens []string) error) error {
	return t.readTokens(r, name, 64<<10, MaxPiece, fn)
}

// MaxPiece is the size of the pieces ReadTokens cuts long lines into.
const MaxPiece = 1 << 20

func (t *Tokenizer) readTokens(r io.Reader, name string, bufSize, maxPiece int, fn func(line int, tokens []string) error) error {
	var (
		toks    []string
		content int64
		lineN   int  // content tokens so far in the current long line
		bosSent bool // the current long line's BOS was passed on
	)
	markers := 0
	if t.BOS != "" {
		markers++
	}
	if t.EOS != "" {
		markers++
	}
	inner := *t
	inner.BOS, inner.EOS = "", ""
	err := scanLines(r, name, bufSize, maxPiece, func(line int, piece []byte, first, last bool) error {
		if first && last { // the whole line at once
			toks = t.Append(toks[:0], string(piece))
			n := len(toks) - markers
			if n == 0 && t.SkipEmpty {
				return nil
			}
			content += int64(n)
			return fn(line, toks)
		}
		if first {
			lineN, bosSent = 0, false
		}
		if cap(toks) < len(piece)+2 { // a piece has at most one token per byte
			toks = make([]string, 0, len(piece)+2)
		}
		toks = inner.Append(toks[:0], string(piece))
		n := len(toks)
		lineN += n
		content += int64(n)
		if n > 0 && !bosSent && t.BOS != "" {
			toks = slices.Insert(toks, 0, t.BOS) // with the line's first tokens
			bosSent = true
		}
		if last {
			if lineN == 0 && t.SkipEmpty {
				return nil
			}
			if !bosSent && t.BOS != "" {
				toks = append(toks, t.BOS)
			}
			if t.EOS != "" {
				toks = append(toks, t.EOS)
			}
		}
		if len(toks) == 0 {
			return nil
		}
		return fn(line, toks)
	})
	if err != nil {
		return err
	}
	if content == 0 {
		return fmt.Errorf("text: %s: %w", name, ErrEmpty)
	}
	return nil
}
