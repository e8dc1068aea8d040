package text

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
