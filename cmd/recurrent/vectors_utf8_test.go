package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/vectors"
)

// TestVectorsConvertFastTextInvalidUTF8: converting a fastText model one
// of whose words is not valid UTF-8 (the tiny test model with the "h" of
// "the" replaced by the byte 0xe9) writes that word as t\xe9e, and the
// output reads back with every word.
func TestVectorsConvertFastTextInvalidUTF8(t *testing.T) {
	b, err := os.ReadFile(fastTextBin)
	if err != nil {
		t.Fatal(err)
	}
	const dict = 92 // the first dictionary entry of a version 12 model
	i := bytes.Index(b[dict:], []byte("\x00the\x00"))
	if i < 0 {
		t.Fatal("no word \"the\" in the model's dictionary")
	}
	b[dict+i+2] = 0xe9
	dir := t.TempDir()
	bin := filepath.Join(dir, "bad-utf8.bin")
	if err := os.WriteFile(bin, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(dir, "ft.txt"), filepath.Join(dir, "ft.bin"), filepath.Join(dir, "ft.glove.txt")} {
		if _, err := runCLIIn(t, "", "vectors", "convert", "--vectors", bin, "--out", out); err != nil {
			t.Fatal(err)
		}
		v, err := vectors.Load(out)
		if err != nil {
			t.Fatalf("the converted file does not read back: %v", err)
		}
		if v.Len() != 330 || v.Words[1] != `t\xe9e` {
			t.Errorf("%s: %d words, word 1 %q", out, v.Len(), v.Words[1])
		}
	}
	if _, err := runCLIIn(t, "", "vectors", "similar", "--vectors", filepath.Join(dir, "ft.txt"), `t\xe9e`, "-k", "2"); err != nil {
		t.Errorf("querying the escaped word: %v", err)
	}
	if out, err := runCLIIn(t, "", "vectors", "convert", "--help"); err != nil || !strings.Contains(out, `\xHH`) {
		t.Errorf("convert --help does not say how such words are written: %v\n%s", err, out)
	}
}
