package seq2seq

import (
	"fmt"
	"strings"
	"testing"
)

// translate run's input is read like every other text input: bytes that
// are not UTF-8 are an error naming the line (not silently <unk>, shown
// as U+FFFD), and a byte-order mark is not part of the first source.
func TestReadSourcesChecksInput(t *testing.T) {
	for in, want := range map[string]string{
		"\xef\xbb\xbfJanuary 3, 2001\r\n3/1/01\tx\n": `["January 3, 2001" "3/1/01"] <nil>`,
		"January 3, 2001\nJanuar\xff 3\n":            "[] in:2: byte offset 22: invalid UTF-8: byte 0xff at column 7",
		"a\n \nb\t\n":                                `["a" "" "b"] <nil>`,
	} {
		got, err := ReadSources(strings.NewReader(in), "in")
		if s := fmt.Sprintf("%q %v", got, err); s != want {
			t.Errorf("%q: read %s, want %s", in, s, want)
		}
	}
}
