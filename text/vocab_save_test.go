package text

import (
	"os"
	"path/filepath"
	"testing"
)

// SaveVocab's file gets mode 0644 like every other file written, not
// CreateTemp's 0600: a vocabulary is shared, for example with the workers
// of a Beam job running as another user.
func TestSaveVocabMode(t *testing.T) {
	dir := t.TempDir()
	v, err := NewVocab([]string{"a", "b"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vocab.json")
	if err := SaveVocab(path, v); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("vocabulary file mode %v, want -rw-r--r-- (as Stdio.WriteFile and checkpoint.WriteFileAtomic write)", fi.Mode().Perm())
	}
	if back, err := LoadVocab(path); err != nil || back.Len() != 2 {
		t.Errorf("read back: %v, %v", back, err)
	}
}
