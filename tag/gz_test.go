package tag

import (
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// TestReadCoNLLFileGzipAndUTF8: CoNLL files may be gzip-compressed; bytes
// that are not UTF-8 are an error naming the file and line.
func TestReadCoNLLFileGzipAndUTF8(t *testing.T) {
	p := testutil.TempGzip(t, "d.conll.gz", "EU B-ORG\nrejects O\n\nPeter B-PER\n")
	s, err := ReadCoNLLFile(p, ReadOptions{})
	if err != nil || len(s) != 2 || s[1].Tags[0] != "B-PER" {
		t.Fatalf("%v %v", s, err)
	}
	testutil.RefusesFile(t, func(p string) error { _, err := ReadCoNLLFile(p, ReadOptions{}); return err }, "bad.conll", "EU B-ORG\nM\xfcller B-PER\n", 2, "UTF-8")
}
