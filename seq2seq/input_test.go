package seq2seq

import (
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// TestReadPairsFileGzipAndUTF8: pair files may be gzip-compressed; bytes
// that are not UTF-8 are an error naming the file and line.
func TestReadPairsFileGzipAndUTF8(t *testing.T) {
	p := testutil.TempGzip(t, "p.tsv.gz", "a\tb\n\nc\td\n")
	pairs, err := ReadPairsFile(p)
	if err != nil || len(pairs) != 2 || pairs[1].Target != "d" {
		t.Fatalf("%v %v", pairs, err)
	}
	lines, err := ReadLines(p)
	if err != nil || len(lines) != 3 {
		t.Fatalf("ReadLines: %q %v", lines, err)
	}
	testutil.RefusesFile(t, func(p string) error { _, err := ReadPairsFile(p); return err }, "bad.tsv", "a\tb\nc\xff\td\n", 2, "UTF-8")
}

// TestConfigErrorsNameTheField: invalid sizes and training settings are
// reported by name, not as a dump of the configuration struct.
func TestConfigErrorsNameTheField(t *testing.T) {
	src, tgt := tinyVocabs(t)
	if _, err := New(Config{Hidden: -1}, src, tgt, 1); err == nil || err.Error() != "seq2seq: hidden -1 must be positive" {
		t.Errorf("hidden -1: %v", err)
	}
	m, err := New(Config{Embed: 4, Hidden: 4}, src, tgt, 1)
	if err != nil {
		t.Fatal(err)
	}
	train := Encoded{Src: [][]int32{{4, 5}}, Tgt: [][]int32{{4, 5}}}
	for _, c := range []struct {
		tc   TrainConfig
		want string
	}{
		{TrainConfig{Batch: -2}, "seq2seq: batch -2 must be positive"},
		{TrainConfig{LR: -0.1}, "seq2seq: lr -0.1 must be a positive number"},
		{TrainConfig{Epochs: -1}, "seq2seq: epochs -1 must not be negative"},
	} {
		if _, err := NewTrainer(m, train, Encoded{}, c.tc); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %q", c.tc, err, c.want)
		}
	}
}
