package text

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

func TestStdioOpen(t *testing.T) {
	gz := string(testutil.Gzip([]byte("zipped\n")))
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.txt")
	os.WriteFile(plain, []byte("from file\n"), 0o644)
	zipped := filepath.Join(dir, "a.txt.gz")
	testutil.WriteFile(t, zipped, []byte(gz))
	for _, tc := range []struct {
		in, path, want, name string
	}{
		{"from stdin\n", "-", "from stdin\n", "<stdin>"},
		{gz, "-", "zipped\n", "<stdin>"},
		{"unused", plain, "from file\n", plain},
		{"unused", zipped, "zipped\n", zipped},
	} {
		s := Stdio{In: strings.NewReader(tc.in)}
		var got, name string
		err := s.ReadFile(tc.path, func(r io.Reader, n string) error {
			b, err := io.ReadAll(r)
			got, name = string(b), n
			return err
		})
		if err != nil || got != tc.want || name != tc.name {
			t.Errorf("%s: got %q named %q, err %v; want %q named %q", tc.path, got, name, err, tc.want, tc.name)
		}
	}
	if err := (Stdio{}).ReadFile(filepath.Join(dir, "missing"), nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestStdioWriteFile(t *testing.T) {
	var out bytes.Buffer
	s := Stdio{Out: &out}
	if err := s.WriteFile("-", func(w io.Writer) error { _, err := io.WriteString(w, "hello\n"); return err }); err != nil || out.String() != "hello\n" {
		t.Fatalf("stdout: %q, %v", out.String(), err)
	}
	// Standard output gets what a failed write wrote before failing
	// (whole lines: lm score stopped by Ctrl-C ended its output in the
	// middle of a line, where the buffer was last flushed).
	out.Reset()
	stop := errors.New("stopped")
	line := strings.Repeat("x", 99) + "\n"
	if err := s.WriteFile("-", func(w io.Writer) error {
		for range 50 {
			io.WriteString(w, line)
		}
		return stop
	}); !errors.Is(err, stop) || out.String() != strings.Repeat(line, 50) {
		t.Fatalf("stdout after a failed write: %d bytes, ending %q; %v", out.Len(), out.String()[max(0, out.Len()-20):], err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "x.txt.gz")
	if err := s.WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "packed\n"); return err }); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := s.ReadFile(path, func(r io.Reader, _ string) error { b, err := io.ReadAll(r); got = string(b); return err }); err != nil || got != "packed\n" {
		t.Fatalf("read back %q, %v", got, err)
	}
	// A failed write leaves the old file and no temporary behind.
	boom := errors.New("boom")
	if err := s.WriteFile(path, func(w io.Writer) error { io.WriteString(w, "partial"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries after a failed write", len(ents))
	}
	if err := s.ReadFile(path, func(r io.Reader, _ string) error { b, err := io.ReadAll(r); got = string(b); return err }); err != nil || got != "packed\n" {
		t.Fatalf("after failed write: %q, %v", got, err)
	}
}

func TestStdioInputs(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f.txt")
	os.WriteFile(f, []byte("  one \n\nfile two\n"), 0o644)
	s := Stdio{In: strings.NewReader("from stdin\n")}
	for _, tc := range []struct {
		texts, files []string
		want         string
	}{
		{nil, nil, "from stdin"},
		{[]string{"a\n b ", "c"}, nil, "a|b|c"},
		{[]string{"a"}, []string{f}, "a|one|file two"},
		{nil, []string{f}, "one|file two"},
	} {
		s.In = strings.NewReader("from stdin\n")
		got, err := s.Lines(tc.texts, tc.files)
		if err != nil || strings.Join(got, "|") != tc.want {
			t.Errorf("Lines(%q, %q) = %q, %v; want %s", tc.texts, tc.files, got, err, tc.want)
		}
	}
	// AlignedLines keeps blank lines (trimmed to ""): one result per line.
	s.In = strings.NewReader("\nfrom stdin\n \t\n")
	if got, err := s.AlignedLines([]string{"a\n\nb"}, []string{f, "-"}); err != nil || strings.Join(got, "|") != "a||b|one||file two||from stdin|" {
		t.Errorf("AlignedLines = %q, %v", got, err)
	}
	var names []string
	s.EachInput([]string{"x", "y"}, nil, func(_ io.Reader, name string) error {
		names = append(names, name)
		return nil
	})
	if strings.Join(names, ",") != "--text #1,--text #2" {
		t.Errorf("names %q", names)
	}
	if got := InputFiles(nil); len(got) != 1 || got[0] != "-" {
		t.Errorf("InputFiles(nil) = %q", got)
	}
	s.In = strings.NewReader("7 bytes")
	n, err := ReadAs(s, "-", Named(func(r io.Reader) (int, error) {
		b, err := io.ReadAll(r)
		return len(b), err
	}))
	if err != nil || n != 7 {
		t.Errorf("ReadAs = %d, %v", n, err)
	}
	_, err = ReadAs(s, "-", Named(func(io.Reader) (int, error) { return 0, errors.New("bad") }))
	if err == nil || err.Error() != "<stdin>: bad" {
		t.Errorf("Named error %v", err)
	}
}

// A file written by WriteFile is fsynced before it is renamed over the
// old one, and its directory after: an error only fsync reports (a full
// or failing disk under delayed allocation) fails the write and keeps the
// old file. WriteFile did neither, so such an error went unseen and a
// crash soon after a successful write (vectors train --out v.txt over an
// earlier v.txt) could leave v.txt empty: both versions lost.
func TestStdioWriteFileSyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.txt")
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := (Stdio{}).WriteFile(path, write("old\n")); err != nil {
		t.Fatal(err)
	}
	defer func(f func(*os.File) error) { syncFile = f }(syncFile)
	var synced []string
	syncFile = func(f *os.File) error {
		synced = append(synced, filepath.Base(f.Name()))
		if _, err := os.Stat(path); err == nil && len(synced) == 1 {
			if b, _ := os.ReadFile(path); string(b) != "old\n" {
				t.Errorf("%s already replaced when its new contents are synced", path)
			}
		}
		return nil
	}
	if err := (Stdio{}).WriteFile(path, write("new\n")); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 2 || !strings.HasPrefix(synced[0], ".v.txt.recurrent-tmp-") || synced[1] != filepath.Base(filepath.Dir(path)) {
		t.Errorf("synced %q; want the temporary file, then the directory", synced)
	}
	eio := errors.New("input/output error")
	syncFile = func(*os.File) error { return eio }
	if err := (Stdio{}).WriteFile(path, write("lost\n")); !errors.Is(err, eio) || !strings.Contains(err.Error(), path) {
		t.Errorf("failing fsync: %v; want the error, naming %s", err, path)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "new\n" {
		t.Errorf("after a failing fsync %s holds %q, %v; want the previous contents", path, b, err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("directory holds %d entries after a failed write", len(ents))
	}
}

// TestMkdirAllSyncsParents: MkdirAll fsyncs the directory holding each
// directory it creates (a crash could otherwise lose the new path), and
// nothing when all are there; a failing fsync is an error.
func TestMkdirAllSyncsParents(t *testing.T) {
	root := t.TempDir()
	defer func(f func(*os.File) error) { syncFile = f }(syncFile)
	var synced []string
	syncFile = func(f *os.File) error { synced = append(synced, f.Name()); return nil }
	dir := filepath.Join(root, "a", "b", "c")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("%s not made: %v", dir, err)
	}
	want := []string{filepath.Join(root, "a", "b"), filepath.Join(root, "a"), root}
	if !slices.Equal(synced, want) {
		t.Errorf("synced %q, want %q", synced, want)
	}
	synced = nil
	if err := MkdirAll(dir); err != nil || len(synced) != 0 {
		t.Errorf("again: %v, synced %q; want nothing", err, synced)
	}
	eio := errors.New("input/output error")
	syncFile = func(*os.File) error { return eio }
	if err := MkdirAll(filepath.Join(dir, "d")); !errors.Is(err, eio) {
		t.Errorf("failing fsync: %v", err)
	}
	file := filepath.Join(root, "a", "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(filepath.Join(file, "x")); err == nil {
		t.Errorf("a directory made under the file %s", file)
	}
}
