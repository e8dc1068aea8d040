package text

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// wholeLines tokenizes in with ReadLines and Append, one line at a time:
// the reference ReadTokens's pieces must reproduce.
func wholeLines(t *Tokenizer, in []byte) (map[int][]string, error) {
	got := map[int][]string{}
	var content int
	markers := 0
	if t.BOS != "" {
		markers++
	}
	if t.EOS != "" {
		markers++
	}
	err := ReadLines(bytes.NewReader(in), "in", func(line int, s string) error {
		toks := t.Tokenize(s)
		if len(toks) == markers && t.SkipEmpty {
			return nil
		}
		content += len(toks) - markers
		got[line] = toks
		return nil
	})
	if err == nil && content == 0 {
		err = ErrEmpty
	}
	return got, err
}

// pieces tokenizes in with ReadTokens's piece-wise reader at a tiny piece
// size, gathering each line's tokens.
func pieces(t *Tokenizer, in []byte, maxPiece int) (map[int][]string, error) {
	got := map[int][]string{}
	err := t.readTokens(bytes.NewReader(in), "in", 16, maxPiece, func(line int, toks []string) error {
		got[line] = append(got[line], toks...)
		return nil
	})
	return got, err
}

var testTokenizers = []Tokenizer{
	{Mode: Chars},
	{Mode: Chars, EOS: "\n", Lower: true},
	{Mode: Words, BOS: "<s>", EOS: "</s>", SkipEmpty: true},
	{Mode: Words, SplitPunct: true, EOS: "</s>"},
	{Mode: Whitespace, BOS: "<s>", SkipEmpty: true},
	{Mode: Whitespace, EOS: "<eos>", Lower: true},
}

// fieldsShort reports whether every run of bytes between ASCII spaces and
// tabs is shorter than half a piece (then no token is ever split).
func fieldsShort(in []byte, maxPiece int) bool {
	for _, f := range bytes.FieldsFunc(in, func(r rune) bool { return r == ' ' || r == '\t' }) {
		if len(f) >= maxPiece/2-4 {
			return false
		}
	}
	return true
}

func comparePieces(t *testing.T, in []byte, maxPiece int) {
	t.Helper()
	for _, tok := range testTokenizers {
		want, werr := wholeLines(&tok, in)
		got, gerr := pieces(&tok, in, maxPiece)
		var wi, gi *InputError
		switch {
		case errors.As(werr, &wi):
			if !errors.As(gerr, &gi) || gi.Line != wi.Line || gi.Offset != wi.Offset {
				t.Fatalf("%+v on %q: pieces error %v, lines error %v", tok, in, gerr, werr)
			}
			continue
		case (werr == nil) != (gerr == nil):
			t.Fatalf("%+v on %q: pieces error %v, lines error %v", tok, in, gerr, werr)
		}
		if tok.Mode != Chars && !fieldsShort(in, maxPiece) {
			continue // a token over half a piece is split: documented
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%+v on %q:\npieces %v\nlines  %v", tok, in, got, want)
		}
	}
}

// TestReadTokensPieces: long lines read in pieces tokenize as whole lines
// do, for every mode, with markers, lowercasing and skipped empty lines.
func TestReadTokensPieces(t *testing.T) {
	alphabet := []string{"a", "B", "c", "1", " ", " ", "\t", "\r", ",", "é", "É", "\u0301", "👍", "\u200d", "🇫🇷", "\u3000", "\xef\xbb\xbf"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		var b strings.Builder
		for range rng.IntN(400) {
			if rng.IntN(60) == 0 {
				b.WriteString("\n")
			}
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		comparePieces(t, []byte(b.String()), 32+rng.IntN(64))
	}
	comparePieces(t, []byte("\xef\xbb\xbf"+strings.Repeat("ab ", 50)+"\r\n"+strings.Repeat(" ", 100)+"\n"+strings.Repeat("x\r", 40)+"\r\n"), 32)
	comparePieces(t, []byte(strings.Repeat("é", 100)+"\xff"), 32)
}

// FuzzReadTokensPieces is TestReadTokensPieces on arbitrary bytes.
func FuzzReadTokensPieces(f *testing.F) {
	for _, s := range []string{"", "a b\nc", "\xef\xbb\xbfx\r\n", strings.Repeat("ab ", 30), strings.Repeat("é", 40) + "\xc3", "\r\r\n\n"} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, size uint8) {
		if len(in) > 1<<12 {
			return
		}
		comparePieces(t, in, 32+int(size))
	})
}

// TestReadTokensLongLineMemory: counting the tokens of a 16 MB text held
// on one line allocates about as much as the same text broken into short
// lines, not gigabytes (a whole-line reader holds the line, its copy and a
// slice header per token: over 500 MB here).
func TestReadTokensLongLineMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MB input")
	}
	const n = 16 << 20
	words := []string{"the", "cat", "sat", "on", "a", "mat", "and", "ate", "it"}
	rng := rand.New(rand.NewPCG(3, 4))
	long := make([]byte, 0, n+16)
	for len(long) < n {
		long = append(long, words[rng.IntN(len(words))]...)
		long = append(long, ' ')
	}
	short := slices.Clone(long)
	for i := 80; i < len(short); i += 80 {
		if j := bytes.IndexByte(short[i:], ' '); j >= 0 {
			short[i+j] = '\n'
		}
	}
	for _, tok := range []Tokenizer{{Mode: Chars, EOS: "\n"}, {Mode: Words, EOS: "<eos>"}} {
		count := func(in []byte) func() {
			return func() {
				c := NewCounter()
				if err := CountReader(c, &tok, bytes.NewReader(in), "in"); err != nil {
					t.Fatal(err)
				}
			}
		}
		a, b := testutil.Allocated(count(long)), testutil.Allocated(count(short))
		t.Logf("mode %v: one line %d MB, short lines %d MB allocated", tok.Mode, a>>20, b>>20)
		if a > b+64<<20 {
			t.Errorf("mode %v: one 16 MB line allocates %d MB, short lines %d MB", tok.Mode, a>>20, b>>20)
		}
	}
}

// TestOpenFileDetectsGzip: OpenFile decompresses gzip whatever the name,
// refuses a ".gz" name on plain data, and names a directory.
func TestOpenFileDetectsGzip(t *testing.T) {
	dir := t.TempDir()
	gz := testutil.Gzip([]byte("hello\n"))
	for name, data := range map[string][]byte{"a.gz": gz, "a.txt": gz, "b.txt": []byte("hello\n")} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		r, err := OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(b) != "hello\n" {
			t.Errorf("%s: %q %v", name, b, err)
		}
	}
	p := filepath.Join(dir, "plain.gz")
	os.WriteFile(p, []byte("hello\n"), 0o644)
	if _, err := OpenFile(p); err == nil || !strings.Contains(err.Error(), "not gzip") {
		t.Errorf("plain .gz: %v", err)
	}
	if _, err := OpenFile(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
	// A missing file is named once, with the operation said once.
	missing := filepath.Join(dir, "missing.txt")
	if _, err := OpenFile(missing); !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "text: open "+missing+": ") {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzVocabJSON: any bytes decode into a valid vocabulary that encodes
// back to an equal one, or are refused; never a panic.
func FuzzVocabJSON(f *testing.F) {
	v, err := NewVocab([]string{"<unk>", "a", "b"}, []int64{0, 3, 1}, []string{"<unk>"})
	if err != nil {
		f.Fatal(err)
	}
	b, _ := v.MarshalJSON()
	f.Add(b)
	f.Add([]byte(`{"format":"recurrent-vocab","version":1,"specials":["<pad>"],"tokens":["<pad>","x","x"],"counts":[1,2]}`))
	f.Add([]byte(`{"format":"recurrent-vocab","version":1,"tokens":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Vocab
		if err := v.UnmarshalJSON(data); err != nil {
			return
		}
		b, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var w Vocab
		if err := w.UnmarshalJSON(b); err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if w.Len() != v.Len() {
			t.Fatalf("%d tokens, then %d", v.Len(), w.Len())
		}
		for i := range v.Len() {
			if id, ok := v.Lookup(v.Token(int32(i))); !ok || id != int32(i) {
				t.Fatalf("token %d %q looks up as %d %v", i, v.Token(int32(i)), id, ok)
			}
		}
	})
}
