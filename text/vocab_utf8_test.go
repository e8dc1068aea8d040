package text

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// A vocabulary only holds UTF-8 tokens: JSON (vocab.json) cannot carry
// other bytes (encoding/json writes U+FFFD for them), so such a vocabulary
// would be saved as another one, or as one that does not load at all when
// two tokens differ only in their invalid bytes.
func TestVocabInvalidUTF8(t *testing.T) {
	toks := []string{UNK, "caf\xe9", "caf\xe8"}
	v, err := NewVocab(toks, nil, []string{UNK})
	if err == nil {
		var buf bytes.Buffer
		if _, err := v.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ReadVocab(&buf)
		t.Fatalf("NewVocab accepted tokens that are not UTF-8; read back from its JSON: %v, %v", back, err)
	}
	if !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("error %v does not wrap ErrInvalidUTF8", err)
	}
	if v, err := NewVocab([]string{UNK, "café"}, nil, []string{UNK}); err != nil || !slices.Equal(v.Tokens(), []string{UNK, "café"}) {
		t.Errorf("UTF-8 tokens: %v, %v", v, err)
	}
}
