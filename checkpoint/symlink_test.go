package checkpoint

import (
	"os"
	"path/filepath"
	"testing"
)

// Saving to a checkpoint directory reached through a symbolic link (a
// checkpoint kept on a larger disk: ln -s /big/ck ck; --out ck) replaces
// the directory the link points to and keeps the link; it replaced the
// link itself with a new directory beside it, so the checkpoints landed on
// the small disk and the big one kept a stale copy.
func TestSaveThroughSymlink(t *testing.T) {
	root := t.TempDir()
	big := filepath.Join(root, "big")
	if err := os.Mkdir(big, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(big, "ck")
	link := filepath.Join(root, "ck")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"one", "two"} {
		if err := Save(link, BytesFile("a.txt", []byte(content))); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symbolic link (%v, %v)", link, fi.Mode(), err)
	}
	if b, err := os.ReadFile(filepath.Join(target, "a.txt")); err != nil || string(b) != "two" {
		t.Errorf("the link's target holds %q, %v; want the last save", b, err)
	}
	ck, err := Load(link)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := ck.ReadFile("a.txt"); err != nil || string(b) != "two" {
		t.Errorf("loaded through the link: %q, %v", b, err)
	}
	if es, _ := os.ReadDir(root); len(es) != 2 {
		t.Errorf("%s holds %d entries, want big and the link", root, len(es))
	}
}

// WriteFileAtomic through a symbolic link replaces the link's target and
// keeps the link, as Save does for a directory.
func TestWriteFileAtomicThroughSymlink(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "big", "m.safetensors")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "m.safetensors")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := WriteFileAtomic(link, BytesFile("", []byte("new")).Write); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symbolic link (%v, %v)", link, fi.Mode(), err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "new" {
		t.Errorf("the link's target holds %q, %v; want the new contents", b, err)
	}
}
