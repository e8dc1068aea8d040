package text

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// needFlock skips the test where tryLock cannot lock (no flock: stale
// temporary files are kept).
func needFlock(t *testing.T) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "probe"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !tryLock(f) {
		t.Skip("no flock on this system: stale temporary files are kept")
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	for _, s := range []string{"one", "two"} {
		if err := WriteFileAtomic(path, writeString(s)); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "three, partly")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
		t.Fatalf("failing write: %v; want boom, naming %s", err, path)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "two" {
		t.Errorf("file = %q, %v; want two", b, err)
	}
	if got := testutil.DirNames(t, dir); !slices.Equal(got, []string{"f.txt"}) {
		t.Errorf("dir holds %v, want only f.txt", got)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v; want 0644", fi.Mode(), err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "nodir", "x"), writeString("x")); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

// TestWriteFileAtomicRemovesStaleTemps: the first write into a directory
// removes the temporary files of WriteFileAtomic there that no writer
// holds and that are older than staleAge, whatever file they were for, and
// keeps a new one (its writer may not have locked it yet), one a live
// writer holds, and names that are not its own; a second write into the
// directory does not list it again.
func TestWriteFileAtomicRemovesStaleTemps(t *testing.T) {
	needFlock(t)
	dir := t.TempDir()
	old := time.Now().Add(-2 * staleAge)
	mk := func(name string, mtime time.Time) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk(".f.txt.recurrent-tmp-123", old) // killed writers'
	mk(".g.txt.recurrent-tmp-1", old)
	keep := []string{mk(".f.txt.recurrent-tmp-789", time.Now()), mk(".f.txt.recurrent-tmp-notes", old),
		mk(".f.txt.tmp-123", old), mk("f.txt.recurrent-tmp-4", old)}
	held := mk(".f.txt.recurrent-tmp-555", old)
	live, err := os.Open(held) // a live writer's lock
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if !tryLock(live) {
		t.Fatal("could not lock", held)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "f.txt"), writeString("new")); err != nil {
		t.Fatal(err)
	}
	want := []string{"f.txt"}
	for _, p := range append(keep, held) {
		want = append(want, filepath.Base(p))
	}
	slices.Sort(want)
	if got := testutil.DirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("dir holds %v, want %v", got, want)
	}
	again := mk(".h.txt.recurrent-tmp-2", old)
	if err := WriteFileAtomic(filepath.Join(dir, "f.txt"), writeString("newer")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(again); err != nil {
		t.Errorf("the second write listed the directory again: %v", err)
	}
}

// TestWriteFileAtomicKilledWriter: a process killed (SIGKILL) while it
// writes a file leaves its temporary file; the next process that writes
// there removes it, and leaves alone the one of a writer still running.
func TestWriteFileAtomicKilledWriter(t *testing.T) {
	if p := os.Getenv("TEXT_ATOMIC_WRITER"); p != "" {
		// The writer: write a little, then wait to be killed.
		WriteFileAtomic(p, func(w io.Writer) error {
			io.WriteString(w, "partial")
			os.Stdout.WriteString("writing\n")
			time.Sleep(time.Minute)
			return nil
		})
		return
	}
	needFlock(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFileAtomicKilledWriter$")
		cmd.Env = append(os.Environ(), "TEXT_ATOMIC_WRITER="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 8)
		if _, err := io.ReadFull(out, b); err != nil || string(b) != "writing\n" {
			cmd.Process.Kill()
			t.Fatalf("writer said %q, %v", b, err)
		}
		return cmd
	}
	temps := func() []string {
		var ts []string
		for _, n := range testutil.DirNames(t, dir) {
			if strings.HasPrefix(n, ".out.txt.recurrent-tmp-") {
				ts = append(ts, n)
			}
		}
		return ts
	}
	age := func() { // past staleAge, without waiting for it
		for _, n := range temps() {
			old := time.Now().Add(-2 * staleAge)
			os.Chtimes(filepath.Join(dir, n), old, old)
		}
	}
	killed := start()
	killed.Process.Kill()
	killed.Wait()
	dead := temps()
	if len(dead) != 1 {
		t.Fatalf("after the kill: temporary files %v, want one", dead)
	}
	running := start()
	defer func() { running.Process.Kill(); running.Wait() }()
	age()
	if err := WriteFileAtomic(path, writeString("done")); err != nil {
		t.Fatal(err)
	}
	left := temps()
	if len(left) != 1 || left[0] == dead[0] {
		t.Errorf("temporary files %v (the killed writer's was %s): want only the running writer's", left, dead[0])
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "done" {
		t.Errorf("%s holds %q, %v", path, b, err)
	}
}
