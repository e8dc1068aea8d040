package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadJSON reads the whole file: anything after the JSON value (a second
// object pasted in, the tail of an older, longer version) is an error
// naming the file, not silently ignored.
func TestReadJSONTrailingData(t *testing.T) {
	dir := t.TempDir()
	c := &Checkpoint{Dir: dir}
	var v struct{ A int }
	for body, wantErr := range map[string]bool{
		`{"A": 1}`:                   false,
		"{\"A\": 1}\n\n  \t\r\n":     false,
		`{"A": 1} {"A": 2}`:          true,
		"{\"A\": 1}\n\"hidden\": 2}": true,
	} {
		if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		err := c.ReadJSON(ConfigFile, &v)
		if (err != nil) != wantErr || err != nil && !strings.Contains(err.Error(), ConfigFile) {
			t.Errorf("%q: error %v, want an error naming %s: %v", body, err, ConfigFile, wantErr)
		}
	}
}
