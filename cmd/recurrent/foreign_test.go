package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tests of the commands that read files written by other tools: fastText
// models, gensim pickles, PyTorch state_dicts.

const fastTextBin = "../../vectors/testdata/fasttext_tiny.bin"

func TestVectorsFastTextCLI(t *testing.T) {
	// "citizenship" is not in the model's vocabulary: fastText's n-gram
	// vector answers the query, and its neighbours share its n-grams.
	out, err := runCLIIn(t, "", "vectors", "similar", "--vectors", fastTextBin, "citizenship", "-k", "3", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var ns []struct {
		Word  string
		Score float64
	}
	if err := json.Unmarshal([]byte(out), &ns); err != nil || len(ns) != 3 {
		t.Fatalf("similar output %q: %v", out, err)
	}
	if ns[0].Score < 0.5 {
		t.Errorf("nearest word to an OOV word scores %v: %q", ns[0].Score, out)
	}
	out, err = runCLIIn(t, "", "vectors", "similarity", "--vectors", fastTextBin, "naïveté", "naïve")
	if err != nil || !strings.Contains(out, "0.") {
		t.Fatalf("similarity of an OOV word: %q %v", out, err)
	}
	// A word2vec file has no n-grams: the same query is an error.
	if _, err := runCLIIn(t, "", "vectors", "similar", "--vectors", tinyVectors, "citizenship"); err == nil || !strings.Contains(err.Error(), "not in vocabulary") {
		t.Errorf("OOV word in word2vec vectors: %v", err)
	}
	// Converted to word2vec text, the vocabulary's vectors are kept.
	dir := t.TempDir()
	txt := filepath.Join(dir, "ft.txt")
	if _, err := runCLIIn(t, "", "vectors", "convert", "--in", fastTextBin, "--out", txt); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(txt)
	if err != nil || !strings.HasPrefix(string(b), "330 10\n</s> ") {
		t.Fatalf("converted file starts %q (%v)", string(b)[:min(len(b), 40)], err)
	}
}

func TestVectorsGensimPickle(t *testing.T) {
	dir := t.TempDir()
	kv := filepath.Join(dir, "vectors.kv")
	// The first bytes of a gensim 4 KeyedVectors.save file (pickle protocol 4).
	os.WriteFile(kv, []byte("\x80\x04\x95\x8e\x01\x00\x00\x00\x00\x00\x00\x8c\x1cgensim.models.keyedvectors\x94\x8c\x0cKeyedVectors\x94\x93\x94"), 0o644)
	_, err := runCLIIn(t, "", "vectors", "similar", "--vectors", kv, "king")
	if err == nil || !strings.Contains(err.Error(), "save_word2vec_format") || !strings.Contains(err.Error(), kv) {
		t.Errorf("gensim pickle: %v", err)
	}
}
