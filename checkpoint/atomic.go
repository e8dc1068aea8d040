package checkpoint

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/recurrent-go/recurrent/text"
)

// WriteFileAtomic creates or replaces path with the bytes write produces.
// The data goes to a temporary file in the same directory, which is synced,
// renamed over path, and the directory synced; so after a crash path holds
// either its old contents or the complete new ones. If write (or any step)
// fails, the temporary file is removed, path is untouched and the error is
// returned. The new file gets mode 0644. When path is a symbolic link,
// the file it points to is replaced and the link kept.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	path = text.LinkTarget(path) // replace the file a link points to, not the link
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := writeSynced(f, write); err != nil {
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	return nil
}

// writeSynced runs write on a buffered f, flushes and fsyncs it.
func writeSynced(f *os.File, write func(io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// syncDir fsyncs a directory so renames and creations in it are durable
// (text.SyncDir).
func syncDir(dir string) error { return text.SyncDir(dir) }

// errIsNotExist reports whether err means a path does not exist.
func errIsNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
