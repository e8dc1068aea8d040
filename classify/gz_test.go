package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// TestReadFileGzip: data files may be gzip-compressed (detected by their
// magic bytes); a file named .gz that is not gzip is a clear error.
func TestReadFileGzip(t *testing.T) {
	dir := t.TempDir()
	data := "pos\ta fine film\nneg\ta dull one\n"
	for _, name := range []string{"d.tsv.gz", "d.tsv"} {
		p := filepath.Join(dir, name)
		testutil.WriteGzip(t, p, data)
		ex, err := ReadFile(p, Auto)
		if err != nil || len(ex) != 2 || ex[1].Label != "neg" {
			t.Errorf("%s: %v %v", name, ex, err)
		}
	}
	p := filepath.Join(dir, "plain.tsv.gz")
	os.WriteFile(p, []byte(data), 0o644)
	if _, err := ReadFile(p, Auto); err == nil || !strings.Contains(err.Error(), "not gzip") {
		t.Errorf("plain file named .gz: %v", err)
	}
}
