package text

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Writing a file through a symbolic link (vectors kept on another disk:
// ln -s /big/v.bin v.bin; --out v.bin) replaces the file the link points
// to and keeps the link; the atomic rename replaced the link itself with a
// new file beside it and left the target stale.
func TestWriteFileThroughSymlink(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "big", "v.txt")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "v.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	err := Stdio{}.WriteFile(link, func(w io.Writer) error {
		_, err := io.WriteString(w, "new")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symbolic link (%v, %v)", link, fi.Mode(), err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "new" {
		t.Errorf("the link's target holds %q, %v; want the new contents", b, err)
	}
}
