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
		t.Errorf("vocabulary file mode %v, want -rw-r--r-- (as WriteFileAtomic writes)", fi.Mode().Perm())
	}
	if back, err := LoadVocab(path); err != nil || back.Len() != 2 {
		t.Errorf("read back: %v, %v", back, err)
	}
}

// SaveVocab through a symbolic link replaces the link's target and keeps
// the link.
func TestSaveVocabThroughSymlink(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "big", "vocab.json")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "vocab.json")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	v, err := NewVocab([]string{"a", "b"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := SaveVocab(link, v); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symbolic link (%v, %v)", link, fi.Mode(), err)
	}
	if back, err := LoadVocab(target); err != nil || back.Len() != 2 {
		t.Errorf("the link's target: %v, %v", back, err)
	}
}
