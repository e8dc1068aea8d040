package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLMImport(t *testing.T) {
	dir := t.TempDir()
	sd := filepath.Join("..", "..", "lm", "testdata", "pytorch_lstm.safetensors") // V = 13
	vocab := filepath.Join(dir, "vocab.txt")
	os.WriteFile(vocab, []byte("<unk>\n<eos>\nthe\ncat\nsat\non\nmat\ndog\nlog\na\nran\nto\nit\n"), 0o644)
	out := filepath.Join(dir, "ck")
	msg, err := runLMCmd(t, newLMImportCmd, "--state-dict", sd, "--vocab", vocab, "--out", out)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, msg)
	}
	if !strings.Contains(msg, "lstm 2 layers x 6, embed 5, vocab 13") {
		t.Errorf("import message %q", msg)
	}
	// The imported model scores and samples text.
	if _, err := runLMCmd(t, newLMScoreCmd, "--model", out, "--text", "the cat sat on the mat", "--json"); err != nil {
		t.Errorf("score the imported model: %v", err)
	}
	if _, err := runLMCmd(t, newLMSampleCmd, "--model", out, "--length", "5"); err != nil {
		t.Errorf("sample the imported model: %v", err)
	}
	// A vocabulary of the wrong size is refused and nothing is written.
	short := filepath.Join(dir, "short.json")
	os.WriteFile(short, []byte(`["<unk>", "a", "b"]`), 0o644)
	out2 := filepath.Join(dir, "ck2")
	if _, err := runLMCmd(t, newLMImportCmd, "--state-dict", sd, "--vocab", short, "--out", out2); err == nil || !strings.Contains(err.Error(), "3 tokens") {
		t.Errorf("wrong vocabulary size: %v", err)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Errorf("%s written despite the error", out2)
	}
}
