package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on tiny-shakespeare and validates on 111k characters")
	}
	dir := filepath.Join(t.TempDir(), "qs")
	out, err := runLMCmd(t, newQuickstartCmd, "--out", dir, "--duration", "300ms", "--hidden", "32",
		"--samples", "2", "--length", "40")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"valid ", "perplexity", "bits/char", "checkpoint: " + dir, "samples", "----", "lm sample --model", "recurrent serve --model shakespeare="} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"config.json", "vocab.json", "model.safetensors", "optimizer.safetensors", "state.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := runLMCmd(t, newQuickstartCmd, "--out", dir, "--duration", "200ms", "--resume", "--samples", "0"); err != nil {
		t.Errorf("resume: %v", err)
	}
}
