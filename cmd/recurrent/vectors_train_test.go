package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/recurrent-go/recurrent/vectors/trainer"
)

// TestVectorsTrainCLI trains each method from the flags, from a file and
// from standard input, and reads the summary and the vectors back.
func TestVectorsTrainCLI(t *testing.T) {
	dir, corpus := t.TempDir(), "../../vectors/trainer/testdata/topics.txt"
	content, err := os.ReadFile(corpus)
	if err != nil {
		t.Fatal(err)
	}
	for i, method := range []string{"skipgram", "cbow", "glove"} {
		out := filepath.Join(dir, method+".vec")
		stdin, from := "", corpus
		if i == 1 {
			stdin, from = string(content), "-"
		}
		stdout, err := runCLIIn(t, stdin, "vectors", "train", "--method", method, "--corpus", from, "--out", out,
			"--dim", "8", "--window", "3", "--min-count", "1", "--epochs", "2", "--threads", "1", "--sample", "0", "--json")
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		var sum trainer.Summary
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatalf("%s: bad JSON %q: %v", method, stdout, err)
		}
		if sum.VocabSize != 18 || sum.Words != 2400 || sum.WordsPerSec <= 0 || sum.Out != out {
			t.Errorf("%s: summary %+v", method, sum)
		}
		if v, err := vectors.Load(out); err != nil || v.Len() != 18 || v.Dim != 8 {
			t.Errorf("%s: wrote %v (%v), want 18 vectors of dimension 8", method, v, err)
		}
	}
	if _, err := runCLIIn(t, "", "vectors", "train", "--method", "nope", "--corpus", corpus, "--out", filepath.Join(dir, "x.vec")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown method: err = %v", err)
	}
	// A missing output directory is found before training.
	if _, err := runCLIIn(t, "", "vectors", "train", "--corpus", corpus, "--out", filepath.Join(dir, "none", "x.vec")); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("missing output directory: err = %v", err)
	}
}

// TestVocabFileFlags counts a vocabulary file and trains from it: GloVe and
// skip-gram with --vocab keep exactly the file's words, and lm train
// --vocab uses the file's vocabulary instead of counting its own.
func TestVocabFileFlags(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.txt")
	if err := os.WriteFile(corpus, []byte(strings.Repeat("the cat sat on the mat\na dog sat on a log\nthe dog saw the cat\n", 20)), 0o644); err != nil {
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
