package text

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// StdinName names standard input in messages.
const StdinName = "<stdin>"

// Stdio gives the path "-" its Unix meaning: standard input where a file is
// read, standard output where one is written. The zero value uses os.Stdin
// and os.Stdout; a command sets In and Out to its own streams.
type Stdio struct {
	In  io.Reader
	Out io.Writer
}

// DisplayName returns how path is named in messages: "<stdin>" for "-".
func DisplayName(path string) string {
	if path == "-" {
		return StdinName
	}
	return path
}

// Open opens path for reading: "-" is s.In (which Close leaves open),
// anything else a file, decompressed when its name ends in ".gz".
// Standard input is decompressed too when it starts with gzip's magic bytes.
func (s Stdio) Open(path string) (io.ReadCloser, error) {
	if path != "-" {
		return OpenFile(path)
	}
	in := s.In
	if in == nil {
		in = os.Stdin
	}
	br := bufio.NewReader(in)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("text: %s: gzip: %w", StdinName, err)
		}
		return zr, nil
	}
	return io.NopCloser(br), nil
}

// ReadFile opens path as Open does and passes the reader and the name to
// use in messages to read.
func (s Stdio) ReadFile(path string, read func(r io.Reader, name string) error) error {
	r, err := s.Open(path)
	if err != nil {
		return err
	}
	err = read(r, DisplayName(path))
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFile writes path through write: "-" writes to s.Out, buffered,
// and what write wrote is flushed also when it fails (a command stopped
// mid-way, by Ctrl-C or a bad input, leaves the lines it wrote whole, not
// cut where the buffer last filled); a file is written atomically
// (WriteFileAtomic) and gzip-compressed when its name ends in ".gz".
func (s Stdio) WriteFile(path string, write func(io.Writer) error) (err error) {
	if path == "" {
		return errors.New("text: write: empty file name")
	}
	if path == "-" {
		out := s.Out
		if out == nil {
			out = os.Stdout
		}
		bw := bufio.NewWriter(out)
		err := write(bw)
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		return err
	}
	// Compressed by the name given (a link's name: WriteFileAtomic
	// replaces its target).
	if !strings.HasSuffix(path, ".gz") {
		return WriteFileAtomic(path, write)
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		gz := gzip.NewWriter(w)
		if err := write(gz); err != nil {
			return err
		}
		return gz.Close()
	})
}

// LinkTarget returns the file a symbolic link at path points to (following
// a chain of links, a relative target taken from the link's directory),
// existing or not, or path itself when it is not a link. An atomic write
// renames its new file over LinkTarget(path), so that a link to a file on
// another disk stays a link and its target is what gets replaced.
func LinkTarget(path string) string {
	for range 40 { // as the kernel's limit on nested links
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path
		}
		t, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(path), t)
		}
		path = t
	}
	return path
}

// ReadAs reads path through s (Stdio.ReadFile) with read, which is given
// the name to use in messages, and returns what read returns.
func ReadAs[T any](s Stdio, path string, read func(r io.Reader, name string) (T, error)) (T, error) {
	var v T
	err := s.ReadFile(path, func(r io.Reader, name string) error {
		var err error
		v, err = read(r, name)
		return err
	})
	return v, err
}

// Named adapts a reader that does not name its input for ReadAs: its
// errors get the name in front.
func Named[T any](read func(io.Reader) (T, error)) func(io.Reader, string) (T, error) {
	return func(r io.Reader, name string) (T, error) {
		v, err := read(r)
		if err != nil {
			err = fmt.Errorf("%s: %w", name, err)
		}
		return v, err
	}
}

// EachInput passes read the texts a command works on: each of texts
// (named "--text #N") and each of files ("-": s.In), or s.In alone when
// there are neither.
func (s Stdio) EachInput(texts, files []string, read func(r io.Reader, name string) error) error {
	for i, t := range texts {
		if err := read(strings.NewReader(t), fmt.Sprintf("--text #%d", i+1)); err != nil {
			return err
		}
	}
	if len(texts) > 0 && len(files) == 0 {
		return nil
	}
	for _, path := range InputFiles(files) {
		if err := s.ReadFile(path, read); err != nil {
			return err
		}
	}
	return nil
}

// Lines returns the lines of the inputs EachInput gives, blank ones
// skipped and surrounding white space trimmed.
func (s Stdio) Lines(texts, files []string) ([]string, error) {
	return s.lines(texts, files, false)
}

// AlignedLines returns every line of the inputs EachInput gives, with
// surrounding white space trimmed and a blank line kept as "": the i-th
// result is the i-th input line, so that output written one line per
// result lines up with the input (paste input.txt output.txt).
func (s Stdio) AlignedLines(texts, files []string) ([]string, error) {
	return s.lines(texts, files, true)
}

func (s Stdio) lines(texts, files []string, keepBlank bool) ([]string, error) {
	var out []string
	err := s.EachInput(texts, files, func(r io.Reader, name string) error {
		return ReadLines(r, name, func(_ int, l string) error {
			if l = strings.TrimSpace(l); l != "" || keepBlank {
				out = append(out, l)
			}
			return nil
		})
	})
	return out, err
}

// InputFiles returns the files a command reads: paths, or standard input
// ("-") when there are none.
func InputFiles(paths []string) []string {
	if len(paths) == 0 {
		return []string{"-"}
	}
	return paths
}

// syncFile fsyncs f (a variable so that tests can inject its failure).
var syncFile = (*os.File).Sync

// SyncDir fsyncs the directory dir, so that a rename or a creation in it
// is durable (Windows cannot sync a directory; there it does nothing).
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err == nil {
		err = errors.Join(syncFile(d), d.Close())
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// MkdirAll creates dir and any missing parents (mode 0o755 before the
// umask), as os.MkdirAll does, and fsyncs the directory holding each one
// it created: a new directory's entry lives in its parent, so without that
// sync a crash of the machine could lose the whole path, and with it
// whatever was written and synced below dir.
func MkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	var created []string // missing now, deepest first
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			break // there (or a problem os.MkdirAll reports)
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range created {
		if err := SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// tmpMark marks the temporary files WriteFileAtomic writes:
// ".NAME.recurrent-tmp-DIGITS" becomes NAME once complete.
const tmpMark = ".recurrent-tmp-"

// staleAge is how old a temporary file must be, besides unlocked, before
// it is removed as stale: a new one is locked the moment after it is
// created.
const staleAge = 10 * time.Second

// swept holds the directories whose stale temporary files this process
// has removed (once each: a directory written file by file would
// otherwise be listed once per file).
var swept sync.Map

// WriteFileAtomic creates or replaces path with what write writes to it.
// The bytes go to a temporary file ".NAME.recurrent-tmp-*" in the same
// directory, which is fsynced, given mode 0644 and renamed over path, and
// the directory is fsynced: after a crash path holds its old contents or
// the complete new ones. If write or any step fails, the temporary file is
// removed, path is untouched and the error returned. When path is a
// symbolic link, the file it points to is replaced and the link kept.
//
// The temporary file is locked (flock, where the system has it) while it
// is written. The first write into a directory in a process removes the
// unlocked temporary files there that writers killed before their end left
// behind (a killed process's locks go with it).
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	path = LinkTarget(path) // replace the file a link points to, not the link
	dir := filepath.Dir(path)
	sweepOnce(dir)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tmpMark+"*")
	if err != nil {
		return fmt.Errorf("text: write %s: %w", path, err)
	}
	tryLock(f)
	open := true
	defer func() {
		if err != nil {
			if open {
				f.Close()
			}
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = bw.Flush()
	if err == nil {
		err = syncFile(f)
	}
	if err == nil {
		err = f.Chmod(0o644) // CreateTemp's 0600 would keep the file from other users
	}
	// Renamed while still open (so still locked: a writer that found it
	// unlocked between the close and the rename would remove it), except
	// on Windows, which cannot rename an open file.
	if err == nil && runtime.GOOS == "windows" {
		err, open = f.Close(), false
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if open {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		open = false
	}
	if err == nil {
		err = SyncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("text: write %s: %w", path, err)
	}
	return nil
}

// sweepOnce removes the stale temporary files in dir, the first time this
// process writes there.
func sweepOnce(dir string) {
	key := dir
	if abs, err := filepath.Abs(dir); err == nil {
		key = abs
	}
	if _, done := swept.LoadOrStore(key, true); !done {
		removeStaleTemps(dir)
	}
}

// removeStaleTemps removes the temporary files of WriteFileAtomic in dir
// that no writer holds and that are older than staleAge (best effort: a
// file it cannot check or remove stays).
func removeStaleTemps(dir string) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range es {
		if !e.Type().IsRegular() || !isTempName(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err != nil || time.Since(fi.ModTime()) < staleAge {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if tryLock(f) {
			os.Remove(p)
		}
		f.Close()
	}
}

// isTempName reports whether name is one WriteFileAtomic gives its
// temporary files: a dot, a name, tmpMark and os.CreateTemp's digits.
func isTempName(name string) bool {
	i := strings.LastIndex(name, tmpMark)
	if i < 2 || name[0] != '.' {
		return false
	}
	digits := name[i+len(tmpMark):]
	if digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
