package tinyshakespeare

import (
	"testing"
	"unicode/utf8"
)

func TestCorpus(t *testing.T) {
	if len(Text) != 1115394 || !utf8.ValidString(Text) {
		t.Fatalf("corpus has %d bytes (valid UTF-8: %v), want 1115394", len(Text), utf8.ValidString(Text))
	}
	seen := map[rune]bool{}
	for _, r := range Text {
		seen[r] = true
	}
	if len(seen) != 65 {
		t.Errorf("%d distinct characters, want 65", len(seen))
	}
	train, valid := Split()
	if len(train) != 1003854 || len(valid) != 111540 || train+valid != Text {
		t.Errorf("split %d + %d", len(train), len(valid))
	}
}
