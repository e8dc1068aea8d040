package text

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

func TestTokenizerAppend(t *testing.T) {
	tests := []struct {
		name string
		tok  Tokenizer
		line string
		want []string
	}{
		{"words drop punct", Tokenizer{}, "Hello, world! It's 2024.", []string{"Hello", "world", "It", "s", "2024"}},
		{"words split punct", Tokenizer{SplitPunct: true}, "Hello, world!", []string{"Hello", ",", "world", "!"}},
		{"words lower", Tokenizer{Lower: true}, "ÉCOLE Straße ÀÖ", []string{"école", "straße", "àö"}},
		{"accents precomposed and combining", Tokenizer{}, "café cafe\u0301 naïve", []string{"café", "cafe\u0301", "naïve"}},
		{"CJK runs", Tokenizer{SplitPunct: true}, "東京は、晴れ。", []string{"東京は", "、", "晴れ", "。"}},
		{"emoji dropped without split", Tokenizer{}, "I ❤️ Go 👍🏽", []string{"I", "Go"}},
		{"emoji clusters", Tokenizer{SplitPunct: true}, "I ❤️ Go 👍🏽!👨\u200d👩\u200d👧 🇫🇷🇩🇪", []string{"I", "❤️", "Go", "👍🏽", "!", "👨\u200d👩\u200d👧", "🇫🇷", "🇩🇪"}},
		{"digits and letters", Tokenizer{}, "abc123 x-y", []string{"abc123", "x", "y"}},
		{"unicode spaces", Tokenizer{}, "a\u00a0b\u3000c\td", []string{"a", "b", "c", "d"}},
		{"eos and bos", Tokenizer{BOS: BOS, EOS: EOS}, "a b", []string{BOS, "a", "b", EOS}},
		{"empty line eos", Tokenizer{EOS: EOS}, "", []string{EOS}},
		{"chars", Tokenizer{Mode: Chars}, "Aé 東😀", []string{"A", "é", " ", "東", "😀"}},
		{"chars lower newline eos", Tokenizer{Mode: Chars, Lower: true, EOS: "\n"}, "ÀB", []string{"à", "b", "\n"}},
		{"chars combining stays separate", Tokenizer{Mode: Chars}, "e\u0301", []string{"e", "\u0301"}},
		{"whitespace keeps punct", Tokenizer{Mode: Whitespace, EOS: EOS}, "  the <unk> N's , ok\t", []string{"the", "<unk>", "N's", ",", "ok", EOS}},
		{"whitespace lower", Tokenizer{Mode: Whitespace, Lower: true}, "The CAT", []string{"the", "cat"}},
		{"whitespace only blanks", Tokenizer{Mode: Whitespace}, " \t ", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.tok.Tokenize(tc.line)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Tokenize(%q) = %q, want %q", tc.line, got, tc.want)
			}
			// Append must extend, not overwrite.
			pre := []string{"x"}
			got2 := tc.tok.Append(pre, tc.line)
			if got2[0] != "x" || !slices.Equal(got2[1:], tc.want) {
				t.Errorf("Append kept prefix wrong: %q", got2)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	testutil.CheckParse(t, ParseMode, []Mode{Words, Chars, Whitespace}, "bpe")
}

func TestReadLines(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		lines []string
	}{
		{"plain", "a\nb\n", []string{"a", "b"}},
		{"no final newline", "a\nb", []string{"a", "b"}},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}},
		{"bom", "\xef\xbb\xbfhé\n", []string{"hé"}},
		{"blank lines", "\n\nx\n", []string{"", "", "x"}},
		{"empty", "", nil},
		{"long line", strings.Repeat("ab", 100_000) + "\nz", []string{strings.Repeat("ab", 100_000), "z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var nums []int
			err := ReadLines(strings.NewReader(tc.in), "in", func(n int, s string) error {
				got = append(got, s)
				nums = append(nums, n)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.lines) {
				t.Errorf("lines = %q, want %q", got, tc.lines)
			}
			for i, n := range nums {
				if n != i+1 {
					t.Errorf("line number %d at index %d", n, i)
				}
			}
		})
	}
}

func TestReadLinesInvalidUTF8(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		line   int
		offset int64
	}{
		{"first byte", "\xffabc\n", 1, 0},
		{"after accents", "héllo\nwörld \xc3\x28\n", 2, 7 + 7},
		{"truncated sequence at end", "ok\n東\xe4\xba", 2, 3 + 3},
		{"surrogate encoding", "a\n\n\xed\xa0\x80\n", 3, 3},
		{"overlong", "ab\xc0\xafc", 1, 2},
		{"after bom", "\xef\xbb\xbfa\x80", 1, 4},
		{"emoji then bad", "😀\xfe", 1, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ReadLines(strings.NewReader(tc.in), "corpus.txt", func(int, string) error { return nil })
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidUTF8) {
				t.Fatalf("err = %v, want *InputError wrapping ErrInvalidUTF8", err)
			}
			if ie.Line != tc.line || ie.Offset != tc.offset || ie.File != "corpus.txt" {
				t.Errorf("got %s:%d offset %d, want line %d offset %d", ie.File, ie.Line, ie.Offset, tc.line, tc.offset)
			}
			if int(ie.Offset) >= len(tc.in) || tc.in[ie.Offset] < 0x80 {
				t.Errorf("offset %d does not point at a non-ASCII byte", ie.Offset)
			}
			if !strings.Contains(err.Error(), "corpus.txt:") {
				t.Errorf("message %q does not name the file", err)
			}
		})
	}
}

func TestReadTokens(t *testing.T) {
	tok := Tokenizer{Mode: Whitespace, EOS: EOS, SkipEmpty: true}
	var got [][]string
	err := tok.ReadTokens(strings.NewReader("a b\n\n  \nc\n"), "x", func(line int, toks []string) error {
		got = append(got, slices.Clone(toks))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a", "b", EOS}, {"c", EOS}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("got %q, want %q", got, want)
	}

	for _, in := range []string{"", "\n\n", "   \n\t\n", ",,,"} {
		err := (&Tokenizer{EOS: EOS}).ReadTokens(strings.NewReader(in), "empty.txt", func(int, []string) error { return nil })
		if !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), "empty.txt") {
			t.Errorf("input %q: err = %v, want ErrEmpty naming the file", in, err)
		}
	}
}

func BenchmarkTokenizeWords(b *testing.B) {
	line := strings.Repeat("The quick brown fox, jumps over the lazy dog! ", 10)
	tok := Tokenizer{SplitPunct: true, Lower: true, EOS: EOS}
	var dst []string
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		dst = tok.Append(dst[:0], line)
	}
}

func BenchmarkTokenizeChars(b *testing.B) {
	line := strings.Repeat("The quick brown fox, jumps over the lazy dog! ", 10)
	tok := Tokenizer{Mode: Chars, EOS: "\n"}
	var dst []string
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		dst = tok.Append(dst[:0], line)
	}
}

func TestTokenizerJSON(t *testing.T) {
	in := Tokenizer{Mode: Chars, Lower: true, EOS: "\n", SkipEmpty: true}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"mode":"char"`) {
		t.Errorf("mode not encoded by name: %s", b)
	}
	var out Tokenizer
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip: %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"mode":"bpe"}`), &out); err == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := json.Marshal(Tokenizer{Mode: 7}); err == nil {
		t.Error("invalid mode marshalled")
	}
}

// FuzzTokenizer checks, on arbitrary valid UTF-8, that characters and
// split-punctuation words lose nothing but white space, and that
// whitespace tokens hold no space.
func FuzzTokenizer(f *testing.F) {
	for _, s := range []string{"", "Hello, world!", "café e\u0301 東京 👨\u200d👩\u200d👧 🇫🇷", "!\u200d x", "a\u00a0b\t\u3000c", "\u0301\u0301x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		chars := (&Tokenizer{Mode: Chars}).Tokenize(s)
		if strings.Join(chars, "") != s || len(chars) != utf8.RuneCountInString(s) {
			t.Errorf("chars of %q: %q", s, chars)
		}
		noSpace := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
		words := (&Tokenizer{SplitPunct: true}).Tokenize(s)
		if strings.Join(words, "") != noSpace {
			t.Errorf("split-punct words of %q: %q", s, words)
		}
		for _, w := range append(words, (&Tokenizer{Mode: Whitespace}).Tokenize(s)...) {
			if w == "" || strings.IndexFunc(w, unicode.IsSpace) >= 0 {
				t.Errorf("token %q of %q is empty or holds white space", w, s)
			}
		}
		if ws := (&Tokenizer{Mode: Whitespace}).Tokenize(s); strings.Join(ws, "") != noSpace {
			t.Errorf("whitespace tokens of %q: %q", s, ws)
		}
	})
}

// FuzzReadLines checks that arbitrary bytes either read as valid lines or
// fail with an offset that points at the first invalid byte.
func FuzzReadLines(f *testing.F) {
	for _, s := range []string{"", "a\nb", "\xef\xbb\xbfx\r\n", "ok\n\xff", "é\xc3", "\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// Long inputs add no coverage (the 16-byte read buffer below
		// reaches the long-line paths), but the fuzzer stalled for minutes
		// minimizing them (quadratic in their length).
		if len(b) > 256 {
			return
		}
		var small []string
		serr := scanLines(bytes.NewReader(b), "fuzz", 16, 0, func(_ int, p []byte, _, _ bool) error {
			small = append(small, string(p))
			return nil
		})
		var lines []string
		err := ReadLines(bytes.NewReader(b), "fuzz", func(_ int, s string) error {
			if !utf8.ValidString(s) || strings.ContainsRune(s, '\n') {
				t.Errorf("line %q is invalid or holds a newline", s)
			}
			lines = append(lines, s)
			return nil
		})
		if fmt.Sprint(err) != fmt.Sprint(serr) || !slices.Equal(lines, small) {
			t.Errorf("a 16-byte buffer reads %q (%v), a 64 KiB one %q (%v)", small, serr, lines, err)
		}
		var ie *InputError
		switch {
		case err == nil:
			if !utf8.Valid(b) {
				t.Errorf("invalid input %q accepted", b)
			}
		case errors.As(err, &ie):
			if ie.Offset < 0 || ie.Offset >= int64(len(b)) || !utf8.Valid(b[:ie.Offset]) || b[ie.Offset] < utf8.RuneSelf {
				t.Errorf("offset %d in %q", ie.Offset, b)
			}
			if ie.Line != strings.Count(string(b[:ie.Offset]), "\n")+1 {
				t.Errorf("line %d for offset %d in %q", ie.Line, ie.Offset, b)
			}
		default:
			t.Errorf("unexpected error %v", err)
		}
	})
}
