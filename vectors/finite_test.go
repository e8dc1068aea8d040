package vectors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadRefusesNonFinite: NaN and infinite values and words that are not
// UTF-8 are refused when a vector file is read, naming the line (or the
// record of a binary file) and the word; Load adds the file name.
func TestReadRefusesNonFinite(t *testing.T) {
	bin := func(word string, vals ...float32) string {
		var b bytes.Buffer
		b.WriteString("2 2\nok ")
		binary.Write(&b, binary.LittleEndian, []float32{1, 2})
		b.WriteString("\n" + word + " ")
		binary.Write(&b, binary.LittleEndian, vals)
		b.WriteString("\n")
		return b.String()
	}
	cases := []struct {
		name, in string
		want     []string
	}{
		{"glove nan", "a 1 2\nb nan 3\n", []string{"line 2", `"b"`, "finite"}},
		{"glove NaN", "a 1 2\nb 3 NaN\n", []string{"line 2", "value 2", "finite"}},
		{"glove inf", "a 1 2\nc +Inf 3\n", []string{"line 2", `"c"`, "finite"}},
		{"word2vec -inf", "2 2\na 1 2\nb -inf 1\n", []string{"line 3", `"b"`, "finite"}},
		{"glove first line nan", "a nan 2\nb 1 2\n", []string{"line 1", `"a"`}},
		{"glove latin-1", "a 1 2\ncaf\xe9 1 2\n", []string{"line 2", "UTF-8"}},
		{"binary nan", bin("bad", float32(math.NaN()), 1), []string{"vector 2", `"bad"`, "finite"}},
		{"binary inf", bin("bad", 1, float32(math.Inf(1))), []string{"vector 2", "value 2", "finite"}},
		{"binary latin-1", bin("caf\xe9", 1, 1), []string{"vector 2", "UTF-8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			path := filepath.Join(t.TempDir(), "v.txt")
			os.WriteFile(path, []byte(c.in), 0o644)
			if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("Load: %v should name %s", err, path)
			}
		})
	}
	// Large finite values and UTF-8 words are fine.
	v, err := Read(strings.NewReader("é 3e38 -3e38\n"))
	if err != nil || v.Len() != 1 {
		t.Fatalf("%v %v", v, err)
	}
}
