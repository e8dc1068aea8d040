package checkpoint

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/text"
)

// Saving a checkpoint directory, or writing a file atomically, through a
// symbolic link (a checkpoint kept on a larger disk: ln -s /big/ck ck;
// --out ck) replaces what the link points to and keeps the link; the
// rename replaced the link itself with a new directory or file beside it,
// so checkpoints landed on the small disk and the big one kept a stale copy.
func TestWritesThroughSymlink(t *testing.T) {
	root := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "big"), filepath.Join(root, "big-link")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	for _, dir := range []string{"big", filepath.Join("big", "ck")} {
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"ck", "m.safetensors"} {
		if err := os.Symlink(filepath.Join("big", name), filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	write := func(s string) func(io.Writer) error { return BytesFile("", []byte(s)).Write }
	for _, s := range []string{"one", "two"} {
		if err := Save(filepath.Join(root, "ck"), File{Name: "a.txt", Write: write(s)}); err != nil {
			t.Fatal(err)
		}
		if err := text.WriteFileAtomic(filepath.Join(root, "m.safetensors"), write(s)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"ck", "m.safetensors"} {
		if fi, err := os.Lstat(filepath.Join(root, name)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symbolic link (%v)", name, err)
		}
	}
	for _, file := range []string{filepath.Join("ck", "a.txt"), "m.safetensors"} {
		if b, err := os.ReadFile(filepath.Join(root, "big", file)); err != nil || string(b) != "two" {
			t.Errorf("big/%s holds %q, %v; want the last write", file, b, err)
		}
	}
	ck, err := Load(filepath.Join(root, "ck"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := ck.ReadFile("a.txt"); err != nil || string(b) != "two" {
		t.Errorf("loaded through the link: %q, %v", b, err)
	}
}

// A Save through a link interrupted between its two renames leaves the
// old checkpoint as the target's ".old" sibling; Load through the link
// falls back to it as it does for a plain directory (it looked for the
// link's ".old", found nothing and failed with "no such file", so
// lm train --resume --out LINK could not resume).
func TestLoadThroughSymlinkFallsBackToOld(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "big"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "ck")
	if err := os.Symlink(filepath.Join("big", "ck"), link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	loadAfterCrashMidSwap(t, link, filepath.Join(root, "big", "ck"))
	if err := Save(link, BytesFile(StateFile, []byte("v2"))); err != nil {
		t.Fatal(err)
	}
	if got := testutil.DirNames(t, filepath.Join(root, "big")); !slices.Equal(got, []string{"ck"}) {
		t.Errorf("big holds %v after the next save, want only ck", got)
	}
}
