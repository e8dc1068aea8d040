package seq2seq

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// translate run's input is read like every other text input: bytes that
// are not UTF-8 are an error naming the line (not silently <unk>, shown
// as U+FFFD), and a byte-order mark is not part of the first source.
func TestReadSourcesChecksInput(t *testing.T) {
	got, err := ReadSources(strings.NewReader("\xef\xbb\xbfJanuary 3, 2001\r\n3/1/01\tx\n"), "in")
	if err != nil || !slices.Equal(got, []string{"January 3, 2001", "3/1/01"}) {
		t.Errorf("sources %q, %v", got, err)
	}
	_, err = ReadSources(strings.NewReader("January 3, 2001\nJanuar\xff 3\n"), "in")
	if !errors.Is(err, text.ErrInvalidUTF8) || !strings.Contains(err.Error(), "in:2:") {
		t.Errorf("invalid UTF-8 on line 2: error %v", err)
	}
	if _, err = ReadSources(strings.NewReader("a\n \n"), "in"); err == nil || !strings.Contains(err.Error(), "in:2: empty source line") {
		t.Errorf("blank line 2: error %v", err)
	}
}
