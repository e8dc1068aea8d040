package seq2seq

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SacreBLEUVersion is the sacreBLEU release whose BLEU preprocessing
// (lowercasing, tokenizers, signature) this package reproduces. Its
// tokenizers are unchanged since sacreBLEU 2.0.
const SacreBLEUVersion = "2.6.0"

// BLEUTokenizers are the names of sacreBLEU's BLEU tokenizers that
// BLEUOptions.Tokenize accepts; the first is the default.
var BLEUTokenizers = []string{"13a", "intl", "char", "none"}

// BLEUOptions say how CorpusBLEULines prepares each hypothesis and
// reference line before counting n-grams, with sacreBLEU's meanings.
// The zero value is sacreBLEU's default: tokenizer 13a, mixed case.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type BLEUOptions struct {
	// Tokenize names the tokenizer (one of BLEUTokenizers; "" is "13a"):
	// "13a" is mteval-v13a's, for detokenized text; "intl" is mteval-v14's
	// international one, splitting at every Unicode punctuation mark and
	// symbol; "char" makes each character a token; "none" only splits at
	// white space, for text that is already tokenized.
	Tokenize string
	// Lowercase lowercases every line first (sacreBLEU's -lc), as
	// Python's str.lower does.
	Lowercase bool
}

// tokenizer returns the name and function of o's tokenizer.
func (o BLEUOptions) tokenizer() (string, func(string) string, error) {
	switch o.Tokenize {
	case "", "13a":
		return "13a", Tokenize13a, nil
	case "intl":
		return "intl", TokenizeIntl, nil
	case "char":
		return "char", TokenizeChar, nil
	case "none":
		return "none", func(s string) string { return s }, nil
	}
	return "", nil, fmt.Errorf("seq2seq: unknown BLEU tokenizer %q (have %s)", o.Tokenize, strings.Join(BLEUTokenizers, ", "))
}

// Signature is sacreBLEU's signature of BLEU with o and one reference per
// segment, for example "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0".
func (o BLEUOptions) Signature() (string, error) {
	name, _, err := o.tokenizer()
	if err != nil {
		return "", err
	}
	c := "mixed"
	if o.Lowercase {
		c = "lc"
	}
	return fmt.Sprintf("nrefs:1|case:%s|eff:no|tok:%s|smooth:exp|version:%s", c, name, SacreBLEUVersion), nil
}

// Preprocess returns line as sacreBLEU hands it to n-gram counting:
// lowercased if o.Lowercase, trailing white space removed, tokenized.
func (o BLEUOptions) Preprocess(line string) (string, error) {
	prep, err := o.preprocessor()
	if err != nil {
		return "", err
	}
	return prep(line), nil
}

// preprocessor returns Preprocess for valid options.
func (o BLEUOptions) preprocessor() (func(string) string, error) {
	_, tok, err := o.tokenizer()
	if err != nil {
		return nil, err
	}
	return func(line string) string {
		if o.Lowercase {
			line = PyLower(line)
		}
		return tok(strings.TrimRightFunc(line, isPySpace))
	}, nil
}

// joinFields rejoins the white-space separated fields of s (Python's
// str.split) with single spaces.
func joinFields(s string) string { return strings.Join(Tokenize(s), " ") }

// mteval-v13a's HTML entities, undone one after another in this order (so
// "&amp;lt;" becomes "<").
var entities13a = [][2]string{{"&quot;", `"`}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}}

// The pair rules of 13a, applied in this order, each left to right without
// overlapping matches: a period or comma gets spaces around it unless a
// digit is before it, then unless a digit follows it; a hyphen after a
// digit gets spaces around it.
var (
	reNonDigitPeriod = regexp.MustCompile(`([^0-9])([.,])`)
	rePeriodNonDigit = regexp.MustCompile(`([.,])([^0-9])`)
	reDigitHyphen    = regexp.MustCompile(`([0-9])(-)`)
)

// Tokenize13a tokenizes line as sacreBLEU's default tokenizer "13a"
// (mteval-v13a) does and joins the tokens with single spaces. In order:
// "<skipped>" is deleted; a hyphen before a newline is deleted with it and
// the remaining newlines become spaces; the entities &quot; &amp; &lt; &gt;
// are undone, in that order; the line gets a space at each end; every
// ASCII punctuation mark except ' , - . becomes a token of its own; then
// the pair rules for periods, commas and hyphens apply; finally white space
// (as Python's str.split sees it) collapses to single spaces.
func Tokenize13a(line string) string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	for _, e := range entities13a {
		line = strings.ReplaceAll(line, e[0], e[1])
	}
	var b strings.Builder
	b.Grow(len(line) + 8)
	b.WriteByte(' ')
	for _, r := range line {
		if isSymbol13a(r) {
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		} else {
			b.WriteRune(r)
		}
	}
	b.WriteByte(' ')
	s := reNonDigitPeriod.ReplaceAllString(b.String(), "${1} ${2} ")
	s = rePeriodNonDigit.ReplaceAllString(s, " ${1} ${2}")
	s = reDigitHyphen.ReplaceAllString(s, "${1} ${2} ")
	return joinFields(s)
}

// isSymbol13a reports whether 13a always makes r a token: the space and
// the ASCII punctuation from ! to / except ' , - . (0x20-0x26, 0x28-0x2B,
// 0x2F), : to @ (0x3A-0x40), [ to ` (0x5B-0x60) and { to ~ (0x7B-0x7E).
func isSymbol13a(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0x26, r >= 0x28 && r <= 0x2b, r == 0x2f:
		return true
	case r >= 0x3a && r <= 0x40, r >= 0x5b && r <= 0x60, r >= 0x7b && r <= 0x7e:
		return true
	}
	return false
}

// The rules of intl, applied in this order, each left to right without
// overlapping matches: punctuation (Unicode category P) gets spaces around
// it when a non-number (anything outside category N) is before it, then
// when a non-number follows it; every symbol (category S) gets spaces
// around it.
var (
	reNonNumberPunct = regexp.MustCompile(`(\P{N})(\p{P})`)
	rePunctNonNumber = regexp.MustCompile(`(\p{P})(\P{N})`)
	reSymbol         = regexp.MustCompile(`(\p{S})`)
)

// TokenizeIntl tokenizes line as sacreBLEU's "intl" tokenizer
// (mteval-v14's international tokenization) does and joins the tokens
// with single spaces. Unlike 13a the line gets no spaces at its ends, so a
// period right after a number at the end of a line stays attached
// ("1999." is one token), as in mteval-v14; and entities are not undone.
// Categories are those of Go's unicode tables (unicode.Version).
func TokenizeIntl(line string) string {
	line = reNonNumberPunct.ReplaceAllString(line, "${1} ${2} ")
	line = rePunctNonNumber.ReplaceAllString(line, " ${1} ${2}")
	line = reSymbol.ReplaceAllString(line, " ${1} ")
	return joinFields(line)
}

// TokenizeChar tokenizes line as sacreBLEU's "char" tokenizer does: every
// character (code point) that is not white space is a token.
func TokenizeChar(line string) string {
	var b strings.Builder
	b.Grow(2 * len(line))
	for _, r := range line {
		if isPySpace(r) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// PyLower lowercases s as Python's str.lower does: each character's
// Unicode lowercase mapping, except that İ (U+0130) becomes "i̇" (i and
// U+0307) and Σ (U+03A3) becomes final ς (U+03C2) where it ends a word
// (a cased letter before it and none after it, case-ignorable characters
// skipped both ways), σ elsewhere.
func PyLower(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3a3:
			if finalSigma(s, i) {
				b.WriteRune(0x3c2)
			} else {
				b.WriteRune(0x3c3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma reports whether the Σ at byte i of s is in Unicode's
// Final_Sigma context.
func finalSigma(s string, i int) bool {
	j := i
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if !isCaseIgnorable(r) {
			if !isCased(r) {
				return false
			}
			break
		}
		j -= n
	}
	if j == 0 {
		return false
	}
	for _, r := range s[i+utf8.RuneLen(0x3a3):] {
		if !isCaseIgnorable(r) {
			return !isCased(r)
		}
	}
	return true
}

// isCased is Unicode's Cased property: Lu, Ll, Lt, Other_Uppercase or
// Other_Lowercase.
func isCased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Uppercase, unicode.Other_Lowercase)
}

// wordBreakIgnorable are the characters of Word_Break MidLetter, MidNumLet
// and Single_Quote, which are case-ignorable whatever their category.
var wordBreakIgnorable = &unicode.RangeTable{R16: []unicode.Range16{
	{0x27, 0x27, 1}, {0x2e, 0x2e, 1}, {0x3a, 0x3a, 1}, {0xb7, 0xb7, 1},
	{0x387, 0x387, 1}, {0x55f, 0x55f, 1}, {0x5f4, 0x5f4, 1},
	{0x2018, 0x2019, 1}, {0x2024, 0x2024, 1}, {0x2027, 0x2027, 1},
	{0xfe13, 0xfe13, 1}, {0xfe52, 0xfe52, 1}, {0xfe55, 0xfe55, 1},
	{0xff07, 0xff07, 1}, {0xff0e, 0xff0e, 1}, {0xff1a, 0xff1a, 1},
}}

// isCaseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm,
// Sk, or the word-break characters above.
func isCaseIgnorable(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk, wordBreakIgnorable)
}
