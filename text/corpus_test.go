package text

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

type corpusWord struct {
	w   string
	eol bool
}

func readAll(t *testing.T, c *Corpus) []corpusWord {
	t.Helper()
	r := c.Words()
	defer r.Close()
	var out []corpusWord
	for {
		w, eol, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusWord{string(w), eol})
	}
}

func writeFile(t testing.TB, dir, name, content string, gz bool) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !gz {
		if _, err := f.WriteString(content); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Two gzip members, split in the middle, like the wiki17m parts.
	half := len(content) / 2
	for _, part := range []string{content[:half], content[half:]} {
		zw := gzip.NewWriter(f)
		if _, err := zw.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestCorpusWords(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		want    []corpusWord
	}{
		{"empty", "", nil},
		{"blank", " \n\t \r\n", nil},
		{"one", "hello", []corpusWord{{"hello", true}}},
		{"lines", "a b\nc  d \n\n e\t", []corpusWord{{"a", false}, {"b", true}, {"c", false}, {"d", true}, {"e", true}}},
		{"crlf", "x y\r\nz\r\n", []corpusWord{{"x", false}, {"y", true}, {"z", true}}},
	}
	for _, tt := range tests {
		for _, gz := range []bool{false, true} {
			p := writeFile(t, dir, tt.name, tt.content, gz)
			c, err := NewCorpus(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s (gz=%v): got %v, want %v", tt.name, gz, got, tt.want)
			}
		}
	}
}

// TestCorpusLongWordsAcrossBuffers checks words and line ends that straddle
// the reader's buffer boundary, and words longer than the buffer.
func TestCorpusLongWordsAcrossBuffers(t *testing.T) {
	var sb strings.Builder
	var want []corpusWord
	for i := 0; sb.Len() < 3*corpusBufSize; i++ {
		n := 1 + (i*7919)%13
		if i%50000 == 7 {
			n = corpusBufSize + 5 // longer than the buffer
		}
		w := strings.Repeat(string(rune('a'+i%26)), n)
		sb.WriteString(w)
		eol := i%9 == 0
		if eol {
			sb.WriteString(" \n")
		} else {
			sb.WriteString(strings.Repeat(" ", 1+i%3))
		}
		want = append(want, corpusWord{w, eol})
	}
	want[len(want)-1].eol = true
	dir := t.TempDir()
	for _, gz := range []bool{false, true} {
		p := writeFile(t, dir, "long", sb.String(), gz)
		c, _ := NewCorpus(p, p)
		got := readAll(t, c)
		all := append(append([]corpusWord(nil), want...), want...)
		if len(got) != len(all) {
			t.Fatalf("gz=%v: %d words, want %d", gz, len(got), len(all))
		}
		for i := range got {
			if got[i] != all[i] {
				t.Fatalf("gz=%v: word %d = %.20q/%v, want %.20q/%v", gz, i, got[i].w, got[i].eol, all[i].w, all[i].eol)
			}
		}
	}
}

func TestCountVocab(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "c.txt", "b a c a b a\nd b a\n", false)
	q := writeFile(t, dir, "d.txt.gz", "c c e\n", true)
	c, err := NewCorpus(p, q)
	if err != nil {
		t.Fatal(err)
	}
	v, err := CountVocab(context.Background(), c, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(v.Words, want) {
		t.Errorf("words %v, want %v", v.Words, want)
	}
	if want := []int64{4, 3, 3}; !reflect.DeepEqual(v.Counts, want) {
		t.Errorf("counts %v, want %v", v.Counts, want)
	}
	if v.Total != 10 || v.Tokens != 12 || v.Types != 5 {
		t.Errorf("total %d tokens %d types %d, want 10 12 5", v.Total, v.Tokens, v.Types)
	}
	if v.ID([]byte("c")) != 2 || v.ID([]byte("e")) != -1 {
		t.Errorf("ID lookups wrong")
	}
	var sens [][]int32
	err = c.Sentences(context.Background(), v, 2, func(ids []int32) error {
		sens = append(sens, append([]int32(nil), ids...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int32{{1, 0}, {2, 0}, {1, 0}, {1, 0}, {2, 2}}
	if !reflect.DeepEqual(sens, want) {
		t.Errorf("sentences %v, want %v", sens, want)
	}
}

func TestCountVocabErrors(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, dir, "empty.txt", "\n\n", false)
	rare := writeFile(t, dir, "rare.txt", "a b c\n", false)
	for _, p := range []string{empty, rare} {
		c, err := NewCorpus(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = CountVocab(context.Background(), c, 2, nil)
		if !errors.Is(err, ErrEmptyVocab) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want ErrEmptyVocab naming the file", p, err)
		}
	}
	if _, err := NewCorpus(filepath.Join(dir, "missing.txt")); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := NewCorpus(); err == nil {
		t.Error("no files: no error")
	}
	bad := writeFile(t, dir, "bad.gz", "\x1f\x8bnot really gzip", false)
	c, _ := NewCorpus(bad)
	if _, err := CountVocab(context.Background(), c, 1, nil); err == nil || !strings.Contains(err.Error(), "bad.gz") {
		t.Errorf("corrupt gzip: err = %v, want an error naming the file", err)
	}
}

func BenchmarkCorpusWords(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	for i := 0; sb.Len() < 4<<20; i++ {
		sb.WriteString("the quick brown fox jumps over the lazy dog\n")
	}
	p := writeFile(b, dir, "bench.txt", sb.String(), false)
	c, _ := NewCorpus(p)
	b.SetBytes(int64(sb.Len()))
	for b.Loop() {
		r := c.Words()
		for {
			if _, _, err := r.Next(); err != nil {
				break
			}
		}
		r.Close()
	}
}

// A corpus in another encoding (here Latin-1) is refused when its
// vocabulary is counted, naming the file and line: word vectors trained on
// it could not be written in a file that vectors.Read (or gensim) accepts.
func TestCountVocabInvalidUTF8(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	bad := filepath.Join(dir, "latin1.txt")
	if err := os.WriteFile(good, []byte("the café\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("the cat\nsat on\nthe caf\xe9 mat\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := NewCorpus(good, bad)
	if err != nil {
		t.Fatal(err)
	}
	v, err := CountVocab(context.Background(), c, 1, nil)
	if err == nil {
		t.Fatalf("counted %q from a Latin-1 file without an error", v.Words)
	}
	if !errors.Is(err, ErrInvalidUTF8) || !strings.Contains(err.Error(), bad+":3") {
		t.Errorf("error %q does not wrap ErrInvalidUTF8 and name %s:3", err, bad)
	}
	c, err = NewCorpus(good)
	if err != nil {
		t.Fatal(err)
	}
	if v, err = CountVocab(context.Background(), c, 1, nil); err != nil || v.Len() != 2 {
		t.Errorf("UTF-8 corpus: %v, %v", v, err)
	}
}

// A corpus file starting with a UTF-8 byte-order mark reads as the same
// file without one, as ReadLines (which counts vocabulary files) reads it:
// the mark made "\ufeffthe" a word of its own in word2vec's and GloVe's
// vocabulary, unlike in `recurrent vectors vocab`'s.
func TestWordReaderByteOrderMark(t *testing.T) {
	for _, in := range []string{"\xef\xbb\xbfthe cat\nsat", "\xef\xbb\xbf", "\xef\xbb\xbf\nthe cat\nsat"} {
		var words []string
		r := NewWordReader(strings.NewReader(in), "bom")
		for {
			w, _, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			words = append(words, string(w))
		}
		want := []string{"the", "cat", "sat"}
		if in == "\xef\xbb\xbf" {
			want = nil
		}
		if !reflect.DeepEqual(words, want) {
			t.Errorf("%q: words %q, want %q", in, words, want)
		}
	}
}

// TestCorpusWordsUnicodeSpace: the corpus reader must split where the
// whitespace tokenizer does (Unicode white space, as `vectors vocab`
// counts by default, and as Python's str.split in gensim's LineSentence).
// It split on ASCII white space only, so "café\u00a0noir" was one word
// that a vocabulary file counted as two: vectors train --vocab dropped it
// silently and left both words untrained.
func TestCorpusWordsUnicodeSpace(t *testing.T) {
	content := "café\u00a0noir good\u3000\nday\u00a0\u2003x\n\u202fy z\u00a0\n\u00a0\n«q»\u205f"
	want := tokenizerWords(content)
	dir := t.TempDir()
	for _, gz := range []bool{false, true} {
		c, err := NewCorpus(writeFile(t, dir, "u", content, gz))
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, c); !reflect.DeepEqual(got, want) {
			t.Errorf("gz=%v: got %+v, want %+v", gz, got, want)
		}
	}
}

// TestWordReaderUnicodeSpaceOneByte reads random text one byte per Read,
// so that white space characters arrive split, and compares the words and
// line ends with the whitespace Tokenizer's.
func TestWordReaderUnicodeSpaceOneByte(t *testing.T) {
	alphabet := []string{"a", "é", "\u00a0", "\u3000", "\u2003", " ", "\t", "\n", "\r\n", "«", "\u0085", "東", "\u202f"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var sb strings.Builder
		for range rng.IntN(40) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		content := sb.String()
		want := tokenizerWords(content)
		got, err := drainWords(NewWordReader(iotest.OneByteReader(strings.NewReader(content)), "r"))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %+v, want %+v", content, got, want)
		}
	}
}

// tokenizerWords returns the words of content as the whitespace Tokenizer
// splits its lines, each marked when it ends its line.
func tokenizerWords(content string) []corpusWord {
	var want []corpusWord
	tok := Tokenizer{Mode: Whitespace}
	for _, line := range strings.Split(content, "\n") {
		ws := tok.Tokenize(line)
		for i, w := range ws {
			want = append(want, corpusWord{w, i == len(ws)-1})
		}
	}
	return want
}

// drainWords reads r to its end.
func drainWords(r *WordReader) (got []corpusWord, err error) {
	for {
		w, eol, err := r.Next()
		if err == io.EOF {
			return got, nil
		} else if err != nil {
			return got, err
		}
		got = append(got, corpusWord{string(w), eol})
	}
}
