package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// TestVocabFileFlags counts a vocabulary file and trains from it: GloVe and
// skip-gram with --vocab keep exactly the file's words, and lm train
// --vocab uses the file's vocabulary instead of counting its own.
func TestVocabFileFlags(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.txt")
	var sb strings.Builder
	for i := range 60 {
		sb.WriteString([]string{"the cat sat on the mat\n", "a dog sat on a log\n", "the dog saw the cat\n"}[i%3])
	}
	if err := os.WriteFile(corpus, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	voc := filepath.Join(dir, "vocab.json")
	if _, err := runCLIIn(t, "", "vectors", "vocab", "--corpus", corpus, "--out", voc, "--min-count", "40"); err != nil {
		t.Fatal(err)
	}
	v, err := text.LoadVocab(voc)
	if err != nil {
		t.Fatal(err)
	}
	// the 80, sat 40, on 40, cat 40, dog 40 (a 40, ...): min-count 40 keeps ties by byte order.
	if v.Tokens()[0] != "the" || v.Len() != 6 {
		t.Fatalf("vocabulary %q", v.Tokens())
	}
	for _, method := range []string{"glove", "skipgram"} {
		out := filepath.Join(dir, method+".txt")
		if _, err := runCLIIn(t, "", "vectors", "train", "--method", method, "--corpus", corpus, "--vocab", voc,
			"--out", out, "--dim", "4", "--epochs", "1", "--threads", "1"); err != nil {
			t.Fatal(method, err)
		}
		vecs, err := vectors.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(vecs.Words, v.Tokens()) {
			t.Errorf("%s: words %q, want the vocabulary file's %q", method, vecs.Words, v.Tokens())
		}
	}
	if _, err := runCLIIn(t, "", "vectors", "train", "--method", "skipgram", "--cooccur", dir, "--vocab", voc, "--out", filepath.Join(dir, "x")); err == nil {
		t.Error("--cooccur accepted without --method glove")
	}

	lmVoc := filepath.Join(dir, "lm-vocab.json")
	if _, err := runCLIIn(t, "", "vectors", "vocab", "--corpus", corpus, "--out", lmVoc, "--tokenizer", "word",
		"--eos", "<eos>", "--specials", "<unk>,<eos>", "--min-count", "50"); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "lm")
	if _, err := runCLIIn(t, "", "lm", "train", "--train", corpus, "--tokenizer", "word", "--vocab", lmVoc, "--out", ck,
		"--embed", "4", "--hidden", "4", "--layers", "1", "--steps", "1", "--batch", "2", "--bptt", "4", "--quiet"); err != nil {
		t.Fatal(err)
	}
	got, err := text.LoadVocab(filepath.Join(ck, "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := text.LoadVocab(lmVoc)
	if !slices.Equal(got.Tokens(), want.Tokens()) {
		t.Errorf("lm vocabulary %q, want the file's %q", got.Tokens(), want.Tokens())
	}
}
