package vectors

import (
	"slices"
	"strings"
	"testing"
)

// A text vector file saved with a UTF-8 byte-order mark reads as the same
// file without one: the mark must not be glued to the first word (which
// then is "not in vocabulary") nor turn a word2vec header into a GloVe
// record of dimension 1.
func TestReadByteOrderMark(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	body := "the 0.1 0.2\ncat 0.3 0.4\ndog -0.5 1e-3\n"
	for _, c := range []struct {
		name, data string
		format     Format
	}{
		{"glove", body, GloVeText},
		{"word2vec", "3 2\n" + body, Word2VecText},
	} {
		for _, f := range []Format{FormatAuto, c.format} {
			v, err := ReadFormat(strings.NewReader(bom+c.data), f)
			if err != nil {
				t.Errorf("%s (%v) with a mark: %v", c.name, f, err)
				continue
			}
			if want := []string{"the", "cat", "dog"}; !slices.Equal(v.Words, want) || v.Dim != 2 {
				t.Errorf("%s (%v) with a mark: words %q of dimension %d, want %q of 2", c.name, f, v.Words, v.Dim, want)
			}
		}
	}
}
