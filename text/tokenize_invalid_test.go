package text

import (
	"slices"
	"testing"
)

// Append takes lines that were not UTF-8 checked (a --prompt, a line of
// translate run's input): an invalid byte is a token of its own (mapped to
// <unk> or refused by Vocab.Encode), never a panic, in every mode.
func TestAppendInvalidUTF8(t *testing.T) {
	line := "ab\xffc\xe2\x82 d"
	for _, c := range []struct {
		tok  Tokenizer
		want []string
	}{
		{Tokenizer{Mode: Chars}, []string{"a", "b", "\xff", "c", "\xe2", "\x82", " ", "d"}},
		{Tokenizer{Mode: Chars, Lower: true, EOS: "\n"}, []string{"a", "b", "\ufffd", "c", "\ufffd", "\ufffd", " ", "d", "\n"}},
		{Tokenizer{Mode: Whitespace}, []string{"ab\xffc\xe2\x82", "d"}},
		{Tokenizer{Mode: Words, SplitPunct: true}, []string{"ab", "\xff", "c", "\xe2", "\x82", "d"}},
	} {
		got := c.tok.Append(nil, line)
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.tok, got, c.want)
		}
	}
}
