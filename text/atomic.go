package text

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// tmpInfix marks the temporary files WriteFileAtomic writes: ".NAME.tmp-*"
// becomes NAME once complete.
const tmpInfix = ".tmp"

// staleAge is how old a temporary file must be, besides unlocked, before
// a writer of the same name removes it: a new one is locked the moment
// after it is created.
const staleAge = 10 * time.Second

// WriteFileAtomic creates or replaces path with what write writes to it.
// The bytes go to a temporary file ".NAME.tmp-*" in the same directory,
// which is fsynced, given mode 0644 and renamed over path, and the
// directory is fsynced: after a crash path holds its old contents or the
// complete new ones. If write or any step fails, the temporary file is
// removed, path is untouched and the error returned. When path is a
// symbolic link, the file it points to is replaced and the link kept.
//
// The temporary file is locked (flock, where the system has it) while it
// is written, and a writer of path first removes the unlocked temporary
// files of path that writers killed before their end left behind (a
// killed process's locks go with it).
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	path = LinkTarget(path) // replace the file a link points to, not the link
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+tmpInfix
	removeStaleTemps(dir, prefix)
	f, err := os.CreateTemp(dir, prefix+"-*")
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

// removeStaleTemps removes the temporary files in dir whose names start
// with prefix that no writer holds (best effort: a file it cannot check
// or remove stays).
func removeStaleTemps(dir, prefix string) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range es {
		if !e.Type().IsRegular() || !isTempName(e.Name(), prefix) {
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

// isTempName reports whether name is prefix followed by os.CreateTemp's
// random digits, after a "-" (WriteFileAtomic) or not (the temporary
// files of earlier versions).
func isTempName(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	rest = strings.TrimPrefix(rest, "-")
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
