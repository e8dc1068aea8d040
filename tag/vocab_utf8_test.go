package tag

import (
	"bytes"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// Words of a vector file that are not UTF-8 (fastText models trained on
// raw bytes have them) are left out of the word vocabulary: no input can
// match them, and vocab.json cannot hold them (encoding/json writes U+FFFD,
// so two of them became one token twice and the checkpoint did not load).
func TestBuildVocabsSkipsInvalidUTF8Vectors(t *testing.T) {
	vecs := &vectors.Vectors{Words: []string{"EU", "caf\xe9", "caf\xe8", "call"}, Dim: 1, Data: []float32{1, 2, 3, 4}}
	sents := []Sentence{{Tokens: []string{"EU", "rejects"}, Tags: []string{"B-ORG", "O"}}}
	words, _, err := BuildVocabs(sents, &Config{}, VocabOptions{Vectors: vecs})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := words.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := text.ReadVocab(&buf)
	if err != nil {
		t.Fatalf("the word vocabulary does not survive vocab.json: %v", err)
	}
	if !slices.Equal(back.Tokens(), words.Tokens()) || !slices.Equal(words.Tokens(), []string{text.PAD, text.UNK, "EU", "rejects", "call"}) {
		t.Errorf("tokens %q, read back %q", words.Tokens(), back.Tokens())
	}
}
