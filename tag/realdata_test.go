package tag

import (
	"path/filepath"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// TestRealData reads the CoNLL-2003 files when present ($RECURRENT_DATA,
// default /work/shared/data); they are never copied into the repository.
func TestRealData(t *testing.T) {
	cases := []struct {
		file              string
		sentences, tokens int
	}{
		{"eng.testa", 3250, 51362},
		{"eng.testb", 3453, 46435},
	}
	for _, c := range cases {
		path := testutil.SharedData(t, filepath.Join("conll2003", c.file))
		ss, err := ReadCoNLLFile(path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		var tags [][]string
		for _, s := range ss {
			n += len(s.Tokens)
			tags = append(tags, s.Tags)
		}
		if len(ss) != c.sentences || n != c.tokens {
			t.Errorf("%s: %d sentences %d tokens, want %d %d", c.file, len(ss), n, c.sentences, c.tokens)
		}
		if DetectScheme(tags) != IOB1 {
			t.Errorf("%s: not detected as IOB1", c.file)
		}
		// Converting to IOB2 and IOBES keeps every chunk, and gold scored
		// against itself in another scheme keeps all chunks correct.
		e := NewEvaluator()
		for _, s := range ss {
			if err := Validate(s.Tags, IOB1); err != nil {
				t.Fatalf("%s:%d: %v", c.file, s.Line, err)
			}
			for _, to := range []Scheme{IOB2, IOBES} {
				if err := Validate(Convert(s.Tags, to), to); err != nil {
					t.Fatalf("%s:%d: %v", c.file, s.Line, err)
				}
			}
			if err := e.AddSentence(s.Tags, Convert(s.Tags, IOB2)); err != nil {
				t.Fatal(err)
			}
		}
		if r := e.Metrics(); r.Correct != r.Gold || r.Found != r.Gold {
			t.Errorf("%s: IOB1 vs IOB2 of the same chunks: %+v", c.file, r.Score)
		}
	}
}
