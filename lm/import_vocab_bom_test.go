package lm

import (
	"slices"
	"testing"
)

// A vocabulary file saved with a UTF-8 byte-order mark (Python's
// encoding="utf-8-sig", Windows editors) reads as the same file without
// one: a JSON array must not be taken for a one-token list, nor the mark
// be glued to the first token (which then is two characters and makes a
// character vocabulary look word-level).
func TestReadVocabListByteOrderMark(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, body string
		toks       []string
	}{
		{"array.json", `["a", "b", "c"]`, []string{"a", "b", "c"}},
		{"lines.txt", "a\nb\nc\n", []string{"a", "b", "c"}},
	} {
		l, err := ReadVocabList(writeFile(t, dir, c.name, "\xef\xbb\xbf"+c.body))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(l.Tokens, c.toks) || !l.Chars() {
			t.Errorf("%s: tokens %q (characters: %v), want %q", c.name, l.Tokens, l.Chars(), c.toks)
		}
	}
}
