package text

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// ErrInvalidUTF8 is wrapped by the *InputError returned for bytes that are
// not valid UTF-8.
var ErrInvalidUTF8 = errors.New("invalid UTF-8")

// ErrEmpty is returned (wrapped) when an input holds no tokens at all.
var ErrEmpty = errors.New("empty input: no tokens")

// InputError locates a problem in an input: the file name (or a description
// of the reader), the 1-based line, and the 0-based byte offset from the
// start of the input.
type InputError struct {
	File   string
	Line   int
	Offset int64
	Err    error
}

// Error formats the error as "file:line: byte offset N: cause".
func (e *InputError) Error() string {
	return fmt.Sprintf("%s:%d: byte offset %d: %v", e.File, e.Line, e.Offset, e.Err)
}

// Unwrap returns the underlying cause.
func (e *InputError) Unwrap() error { return e.Err }

// firstInvalid returns the index of the first byte of b that does not start
// a valid UTF-8 sequence, or -1 if b is valid.
func firstInvalid(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// ReadLines reads r line by line and calls fn with each line's 1-based
// number and its text, without the line terminator ("\n" or "\r\n"). A UTF-8
// byte-order mark at the very start is dropped. Lines may be arbitrarily
// long. Invalid UTF-8 stops reading with an *InputError wrapping
// ErrInvalidUTF8 that names the line and the byte offset of the first bad
// byte. name identifies the input in errors. An error from fn stops reading
// and is returned unchanged.
func ReadLines(r io.Reader, name string, fn func(line int, text string) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		buf    []byte
		offset int64
		lineNo int
	)
	for {
		buf = buf[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			buf = append(buf, chunk...)
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s: line %d: read: %w", name, lineNo+1, err)
		}
		if len(buf) == 0 && err == io.EOF {
			return nil
		}
		lineNo++
		start := offset
		offset += int64(len(buf))
		line := buf
		if lineNo == 1 {
			if rest, ok := bytes.CutPrefix(line, []byte("\xef\xbb\xbf")); ok {
				line = rest
				start += 3
			}
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if i := firstInvalid(line); i >= 0 {
			return &InputError{File: name, Line: lineNo, Offset: start + int64(i),
				Err: fmt.Errorf("%w: byte 0x%02x at column %d", ErrInvalidUTF8, line[i], i+1)}
		}
		if ferr := fn(lineNo, string(line)); ferr != nil {
			return ferr
		}
		if err == io.EOF {
			return nil
		}
	}
}

// OpenFile opens path for reading, transparently decompressing it when the
// name ends in ".gz". Close the result when done.
func OpenFile(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("text: open: %w", err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("text: %s: gzip: %w", path, err)
	}
	return gzipFile{zr, f}, nil
}

type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzipFile) Close() error {
	err := g.Reader.Close()
	if ferr := g.f.Close(); err == nil {
		err = ferr
	}
	return err
}
