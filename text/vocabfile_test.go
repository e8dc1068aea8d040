package text

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNewWordReaderMatchesCorpus(t *testing.T) {
	content := "the cat\tsat\r\n\non  the mat\nend"
	p := filepath.Join(t.TempDir(), "c.txt")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := NewCorpus(p)
	if err != nil {
		t.Fatal(err)
	}
	voc, err := CountVocab(context.Background(), c, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]int32
	if err := c.Sentences(context.Background(), voc, 0, func(ids []int32) error {
		want = append(want, slices.Clone(ids))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(content))
	zw.Close()
	for name, src := range map[string]io.Reader{"plain": strings.NewReader(content), "gzip": &gz} {
		var got [][]int32
		r := NewWordReader(src, name)
		if err := ReadSentences(context.Background(), r, voc, 0, func(ids []int32) error {
			got = append(got, slices.Clone(ids))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if len(got) != len(want) || len(got) != 3 {
			t.Fatalf("%s: %d sentences, want %d (3)", name, len(got), len(want))
		}
		for i := range got {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("%s: sentence %d = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
}

func TestCountFilesAndCorpusVocab(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt.gz")
	os.WriteFile(a, []byte("x y y\nz x\n"), 0o644)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("y q\n"))
	zw.Close()
	os.WriteFile(b, gz.Bytes(), 0o644)
	tok := Tokenizer{Mode: Whitespace}
	v, err := CountFiles(&tok, []string{b, a}, VocabOptions{Specials: []string{}, MinCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	// y 3, x 2, then q and z (1 each) by byte order.
	if !slices.Equal(v.Tokens(), []string{"y", "x", "q", "z"}) || !slices.Equal(v.Counts(), []int64{3, 2, 1, 1}) {
		t.Fatalf("tokens %q counts %v", v.Tokens(), v.Counts())
	}
	cv, err := NewCorpusVocab(v)
	if err != nil {
		t.Fatal(err)
	}
	if cv.Total != 7 || cv.Index["q"] != 2 || cv.Len() != 4 {
		t.Errorf("corpus vocab: total %d, q=%d, len %d", cv.Total, cv.Index["q"], cv.Len())
	}
	withUnk, err := CountFiles(&tok, []string{a}, VocabOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewCorpusVocab(withUnk); err == nil || !strings.Contains(err.Error(), "special") {
		t.Errorf("a vocabulary with specials: error %v", err)
	}
	if _, err := CountFiles(&tok, nil, VocabOptions{}); err == nil {
		t.Error("no files accepted")
	}
	out := filepath.Join(dir, "vocab.json")
	f, err := (Stdio{}).CountToFile(&tok, []string{a, b}, VocabOptions{Specials: []string{}, MinCount: 2}, out)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := f.WriteText(&text); err != nil || text.String() != "vocabulary 2 -> "+out+"\n" {
		t.Errorf("CountToFile summary %q, %v", text.String(), err)
	}
	if saved, err := LoadVocab(out); err != nil || !slices.Equal(saved.Tokens(), []string{"y", "x"}) {
		t.Errorf("CountToFile wrote %v (%v), want y and x (min count 2)", saved, err)
	}
	if _, err := (Stdio{}).CountToFile(&tok, []string{a}, VocabOptions{}, filepath.Join(dir, "none", "v.json")); err == nil {
		t.Error("CountToFile into a missing directory: no error")
	}
	// A bad output is refused before the corpus is counted (vectors vocab
	// counted it all, then failed to save): the error is the output's, not
	// the missing corpus file's.
	missing := filepath.Join(dir, "missing.txt")
	for _, bad := range []string{dir, filepath.Join(dir, "none", "v.json")} {
		if _, err := (Stdio{}).CountToFile(&tok, []string{missing}, VocabOptions{}, bad); err == nil || strings.Contains(err.Error(), "missing.txt") {
			t.Errorf("CountToFile to %s: %v, want the output refused first", bad, err)
		}
	}
}

// A vocabulary file whose counts add up past 2^53 (MaxCorpusTokens) is
// refused: counts of 2^63-1 and 1 used to add up to a negative total,
// which made word2vec's subsampling thresholds NaN and its learning rate
// schedule run backwards, without an error.
func TestNewCorpusVocabTotalOverflow(t *testing.T) {
	for _, counts := range [][]int64{{math.MaxInt64, 1}, {1 << 62, 1 << 62}, {1 << 53, 1}} {
		v, err := newVocab([]string{"a", "b"}, counts, []string{})
		if err != nil {
			t.Fatal(err)
		}
		if cv, err := NewCorpusVocab(v); err == nil || !strings.Contains(err.Error(), "2^53") {
			t.Errorf("counts %v: total %d, error %v", counts, cv.Total, err)
		}
	}
	v, _ := newVocab([]string{"a", "b"}, []int64{1<<53 - 1, 0}, []string{})
	if cv, err := NewCorpusVocab(v); err != nil || cv.Total != 1<<53-1 {
		t.Errorf("total 2^53-1: %v", err)
	}
}

// A vocabulary file for word vectors whose token is empty or holds white
// space is refused: no corpus word is either, and no vector file can hold
// it, so training ran to the end and only then failed to save.
func TestNewCorpusVocabUnwritableWords(t *testing.T) {
	for _, tok := range []string{"", "a b", "a\tb", "a\n", "\rb"} {
		v, err := newVocab([]string{"x", tok}, []int64{2, 1}, []string{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewCorpusVocab(v); err == nil || !strings.Contains(err.Error(), "id 1") {
			t.Errorf("token %q: error %v, want one naming id 1", tok, err)
		}
	}
}
