package classify

import (
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// Words of a vector file that are not UTF-8 (fastText models trained on
// raw bytes have them) are left out of the vocabulary: no input text can
// match them, and vocab.json cannot hold them (encoding/json writes U+FFFD,
// so two of them became one token twice and the checkpoint did not load).
func TestBuildVocabSkipsInvalidUTF8Vectors(t *testing.T) {
	tok := text.Tokenizer{Mode: text.Whitespace}
	vecs := &vectors.Vectors{Words: []string{"good", "caf\xe9", "caf\xe8", "film"}, Dim: 1, Data: []float32{1, 2, 3, 4}}
	v, err := BuildVocab([]Example{{Text: "good film", Label: "pos"}}, tok, VocabOptions{Vectors: vecs})
	if err != nil {
		t.Fatal(err)
	}
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back text.Vocab
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatalf("the vocabulary does not survive its JSON: %v", err)
	}
	if !slices.Equal(back.Tokens(), v.Tokens()) || !slices.Equal(v.Tokens(), []string{text.PAD, text.UNK, "film", "good"}) {
		t.Errorf("tokens %q, read back %q", v.Tokens(), back.Tokens())
	}
}
