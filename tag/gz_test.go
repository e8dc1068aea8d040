package tag

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// TestReadCoNLLFileGzipAndUTF8: CoNLL files may be gzip-compressed; bytes
// that are not UTF-8 are an error naming the file and line.
func TestReadCoNLLFileGzipAndUTF8(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "d.conll.gz")
	testutil.WriteGzip(t, p, "EU B-ORG\nrejects O\n\nPeter B-PER\n")
	s, err := ReadCoNLLFile(p, ReadOptions{})
	if err != nil || len(s) != 2 || s[1].Tags[0] != "B-PER" {
		t.Fatalf("%v %v", s, err)
	}
	bad := filepath.Join(dir, "bad.conll")
	os.WriteFile(bad, []byte("EU B-ORG\nM\xfcller B-PER\n"), 0o644)
	if _, err := ReadCoNLLFile(bad, ReadOptions{}); err == nil || !strings.Contains(err.Error(), bad+":2:") || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("latin-1 file: %v", err)
	}
}
