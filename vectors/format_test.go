package vectors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

func sampleVectors() *Vectors {
	return &Vectors{
		Words: []string{"the", "königin", "x_1", "3.5"},
		Dim:   3,
		Data: []float32{
			0.1, -0.2, 3e-8,
			1, 2, 3,
			float32(math.Pi), -1e20, 0,
			-0.333333, 7, 1.5,
		},
	}
}

func equalVectors(t *testing.T, got, want *Vectors) {
	t.Helper()
	if got.Dim != want.Dim || len(got.Words) != len(want.Words) || len(got.Data) != len(want.Data) {
		t.Fatalf("shape: got %d words dim %d (%d values), want %d words dim %d", len(got.Words), got.Dim, len(got.Data), len(want.Words), want.Dim)
	}
	for i := range want.Words {
		if got.Words[i] != want.Words[i] {
			t.Fatalf("word %d: got %q want %q", i, got.Words[i], want.Words[i])
		}
	}
	for i := range want.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Fatalf("value %d: got %v want %v", i, got.Data[i], want.Data[i])
		}
	}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		format Format
	}{
		{"v.txt", Word2VecText},
		{"v.bin", Word2VecBinary},
		{"glove.txt", GloVeText},
		{"v.txt.gz", Word2VecText},
		{"v.bin.gz", Word2VecBinary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			want := sampleVectors()
			if err := Save(path, want, tc.format); err != nil {
				t.Fatal(err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			equalVectors(t, got, want)
			forced, err := LoadFormat(path, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			equalVectors(t, forced, want)
			if FormatFromPath(path) != tc.format {
				t.Errorf("FormatFromPath(%s) = %v, want %v", tc.name, FormatFromPath(path), tc.format)
			}
		})
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestBinaryLayout(t *testing.T) {
	v := &Vectors{Words: []string{"a", "bc"}, Dim: 2, Data: []float32{1, 2, 3, 4}}
	var buf bytes.Buffer
	if err := Write(&buf, v, Word2VecBinary); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	want.WriteString("2 2\na ")
	for _, x := range []float32{1, 2} {
		binary.Write(&want, binary.LittleEndian, x)
	}
	want.WriteString("\nbc ")
	for _, x := range []float32{3, 4} {
		binary.Write(&want, binary.LittleEndian, x)
	}
	want.WriteString("\n")
	if !bytes.Equal(buf.Bytes(), want.Bytes()) {
		t.Fatalf("binary layout:\n got %q\nwant %q", buf.Bytes(), want.Bytes())
	}
	// Records without the trailing newline (some writers omit it) read too.
	noNL := bytes.ReplaceAll(want.Bytes(), []byte("\nbc"), []byte("bc"))
	noNL = noNL[:len(noNL)-1]
	got, err := Read(bytes.NewReader(noNL))
	if err != nil {
		t.Fatal(err)
	}
	equalVectors(t, got, v)
}

func TestReadText(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		words    []string
		dim      int
		data     []float32
	}{
		{"word2vec", "2 2\na 1 2\nb 3 4\n", []string{"a", "b"}, 2, []float32{1, 2, 3, 4}},
		{"crlf and trailing space", "2 2\r\na 1 2 \r\nb 3 4\r\n", []string{"a", "b"}, 2, []float32{1, 2, 3, 4}},
		{"no final newline", "1 3\nz 1e-3 -2 .5", []string{"z"}, 3, []float32{1e-3, -2, .5}},
		{"tabs", "a\t1\t2\nb\t3\t4\n", []string{"a", "b"}, 2, []float32{1, 2, 3, 4}},
		{"glove", "a 1 2\nb 3 4\n\n", []string{"a", "b"}, 2, []float32{1, 2, 3, 4}},
		{"glove single value", "a 1.5\nb 2\n", []string{"a", "b"}, 1, []float32{1.5, 2}},
		{"empty word2vec", "0 5\n", []string{}, 5, []float32{}},
		{"large values, UTF-8 word", "é 3e38 -3e38\n", []string{"é"}, 2, []float32{3e38, -3e38}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Read(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			equalVectors(t, v, &Vectors{Words: tc.words, Dim: tc.dim, Data: tc.data})
		})
	}
}

// TestReadMalformed: malformed vector files, NaN and infinite values and
// words that are not UTF-8 are refused when read, naming the line (or the
// record of a binary file) and the word; Load adds the file name.
func TestReadMalformed(t *testing.T) {
	bin := func(header string, recs ...any) string {
		var b bytes.Buffer
		b.WriteString(header)
		for _, r := range recs {
			switch r := r.(type) {
			case string:
				b.WriteString(r)
			case float32:
				binary.Write(&b, binary.LittleEndian, r)
			}
		}
		return b.String()
	}
	// second makes a 2-vector binary file whose second vector is word a b.
	second := func(word string, a, b float32) string {
		return bin("2 2\n", "ok ", float32(1), float32(2), "\n"+word+" ", a, b, "\n")
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"empty", "", []string{"empty vector file"}},
		{"dimension mismatch", "2 3\na 1 2 3\nb 1 2\n", []string{"line 3: word \"b\" has 2 values, expected 3"}},
		{"glove dimension mismatch", "a 1 2 3\nb 1 2 3 4\n", []string{"line 2: word \"b\" has 4 values, expected 3"}},
		{"bad number", "1 2\na 1 x2\n", []string{"line 2: value 2 of word \"a\": \"x2\" is not a number"}},
		{"header count too high", "3 2\na 1 2\nb 3 4\n", []string{"header announces 3 vectors, file ends after 2"}},
		{"header count too low", "1 2\na 1 2\nb 3 4\n", []string{"line 3: more vectors than the 1 the header announces"}},
		{"zero dimension", "1 0\na\n", []string{"line 1: dimension 0 out of range"}},
		{"huge dimension", "1 99999999999\n", []string{"out of range"}},
		{"negative count", "-1 2\n", []string{"negative word count"}},
		{"lone word", "hello\n", []string{"line 1: expected a word followed by its values"}},
		{"truncated binary", bin("2 2\n", "a ", float32(1), float32(2), "\nb ", float32(3)), []string{"vector 2 (\"b\"): truncated binary file, 4 of 8 bytes"}},
		{"binary count too high", bin("3 1\n", "a ", float32(1), "\nb ", float32(3), "\n"), []string{"header announces 3 vectors, binary data ends after 2"}},
		{"binary trailing data", bin("1 1\n", "a ", float32(1), "\nb ", float32(3), "\n"), []string{"data after the 1 vectors"}},
		{"binary word truncated", bin("2 1\n", "a ", float32(1), "\nbbb"), []string{"truncated binary file inside word"}},
		{"glove nan", "a 1 2\nb nan 3\n", []string{"line 2", `"b"`, "finite"}},
		{"glove NaN", "a 1 2\nb 3 NaN\n", []string{"line 2", "value 2", "finite"}},
		{"glove inf", "a 1 2\nc +Inf 3\n", []string{"line 2", `"c"`, "finite"}},
		{"word2vec -inf", "2 2\na 1 2\nb -inf 1\n", []string{"line 3", `"b"`, "finite"}},
		{"glove first line nan", "a nan 2\nb 1 2\n", []string{"line 1", `"a"`}},
		{"glove latin-1", "a 1 2\ncaf\xe9 1 2\n", []string{"line 2", "UTF-8"}},
		{"binary nan", second("bad", nan, 1), []string{"vector 2", `"bad"`, "finite"}},
		{"binary inf", second("bad", 1, inf), []string{"vector 2", "value 2", "finite"}},
		{"binary latin-1", second("caf\xe9", 1, 1), []string{"vector 2", "UTF-8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			path := filepath.Join(t.TempDir(), "v.txt")
			os.WriteFile(path, []byte(tc.in), 0o644)
			if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want[0]) {
				t.Errorf("Load: %v should name %s and contain %q", err, path, tc.want[0])
			}
		})
	}
	// A text file forced to binary must fail cleanly, not panic.
	if _, err := ReadFormat(strings.NewReader("2 2\na 1 2\nb 3 4\n"), Word2VecBinary); err == nil {
		t.Fatal("text read as word2vec binary: no error")
	}
}

func TestWriteRejects(t *testing.T) {
	for _, v := range []*Vectors{
		{Words: []string{"a b"}, Dim: 1, Data: []float32{1}},
		{Words: []string{""}, Dim: 1, Data: []float32{1}},
		{Words: []string{"a"}, Dim: 2, Data: []float32{1}},
	} {
		if err := Write(&bytes.Buffer{}, v, Word2VecText); err == nil {
			t.Errorf("Write(%q) accepted", v.Words)
		}
	}
	// No words: word2vec's header keeps the dimension and reads back; GloVe
	// text would be an empty file, which no reader takes, so it is refused.
	none := &Vectors{Dim: 2}
	for _, f := range []Format{Word2VecText, Word2VecBinary} {
		var buf bytes.Buffer
		if err := Write(&buf, none, f); err != nil {
			t.Fatalf("no words as %v: %v", f, err)
		}
		if got, err := ReadFormat(&buf, f); err != nil || got.Len() != 0 || got.Dim != 2 {
			t.Fatalf("no words as %v read back: %v, %v", f, got, err)
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, none, GloVeText); err == nil {
		t.Errorf("no words as GloVe accepted (%d bytes written)", buf.Len())
	}
}

func TestParseFormat(t *testing.T) {
	testutil.CheckParse(t, ParseFormat, []Format{FormatAuto, Word2VecText, Word2VecBinary, GloVeText}, "xml")
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("2 2\na 1 2\nb 3 4\n"))
	f.Add([]byte("a 1 2\nb 3 4\n"))
	f.Add([]byte("1 2\na \x00\x00\x80?\x00\x00\x00@\n"))
	f.Add([]byte("3 1\n"))
	f.Add([]byte("\x1f\x8b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{FormatAuto, Word2VecText, Word2VecBinary, GloVeText} {
			v, err := ReadFormat(bytes.NewReader(data), format)
			if err != nil {
				continue
			}
			if err := v.check(); err != nil {
				t.Fatalf("format %v: accepted inconsistent vectors: %v", format, err)
			}
		}
	})
}

func BenchmarkReadText(b *testing.B) { benchRead(b, Word2VecText) }

func BenchmarkReadBinary(b *testing.B) { benchRead(b, Word2VecBinary) }

// benchRead times Read of 5000 random 100-dimensional vectors written in
// format.
func benchRead(b *testing.B, format Format) {
	v := randomVectors(5000, 100, 1)
	var buf bytes.Buffer
	Write(&buf, v, format)
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
