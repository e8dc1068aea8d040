package text

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Writing a file through symbolic links (vectors kept on another disk:
// ln -s /big/v.txt v.txt; --out v.txt) replaces the file at the end of the
// chain, created there if the last link dangles, and keeps the links; the
// atomic rename replaced the first link with a new file beside it.
func TestWriteFileThroughSymlinks(t *testing.T) {
	root := t.TempDir()
	big := filepath.Join(root, "big")
	if err := os.Mkdir(big, 0o755); err != nil {
		t.Fatal(err)
	}
	// v.txt -> mid.txt -> big/v.txt (not there yet), the last one relative.
	links := map[string]string{"v.txt": "mid.txt", "mid.txt": filepath.Join("big", "v.txt")}
	for name, to := range links {
		if err := os.Symlink(to, filepath.Join(root, name)); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	for _, contents := range []string{"first", "second"} {
		err := Stdio{}.WriteFile(filepath.Join(root, "v.txt"), func(w io.Writer) error {
			_, err := io.WriteString(w, contents)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(big, "v.txt")); err != nil || string(b) != contents {
			t.Errorf("big/v.txt holds %q, %v; want %q", b, err, contents)
		}
	}
	for name := range links {
		if fi, err := os.Lstat(filepath.Join(root, name)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symbolic link (%v)", name, err)
		}
	}
}
