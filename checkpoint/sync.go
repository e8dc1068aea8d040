package checkpoint

import (
	"bufio"
	"errors"
	"io"
	"os"

	"github.com/recurrent-go/recurrent/text"
)

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
