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
	"sync"
	"unicode/utf8"
)

// Stdin is what OpenFile reads for the path "-": os.Stdin, unless a
// program sets another reader before the first such read (recurrent's
// command line sets one whose reads a signal ends).
var Stdin io.Reader = os.Stdin

// stdin is standard input as OpenFile read it.
var stdin struct {
	once sync.Once
	data []byte
	err  error
}

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
// long (and are then held in memory whole; ReadTokens is not limited so).
// Invalid UTF-8 stops reading with an *InputError wrapping
// ErrInvalidUTF8 that names the line and the byte offset of the first bad
// byte. name identifies the input in errors. An error from fn stops reading
// and is returned unchanged.
func ReadLines(r io.Reader, name string, fn func(line int, text string) error) error {
	return scanLines(r, name, 64<<10, 0, func(line int, piece []byte, _, _ bool) error {
		return fn(line, string(piece))
	})
}

// scanLines reads r as ReadLines describes, with a read buffer of bufSize
// bytes. With maxPiece > 0 a line longer than maxPiece bytes is handed to
// fn in pieces of about maxPiece bytes (see cutPiece), so memory stays
// bounded however long a line is; first and last tell where a piece lies
// in its line. The piece's bytes are valid only during the call.
func scanLines(r io.Reader, name string, bufSize, maxPiece int, fn func(line int, piece []byte, first, last bool) error) error {
	br := bufio.NewReaderSize(r, bufSize)
	var (
		buf    []byte
		offset int64 // input offset of buf[0]
		lineNo int
		inLine bool // a line has started and not yet ended
		first  bool // the next piece is its line's first
	)
	emit := func(piece []byte, last bool) error {
		start := offset
		if lineNo == 1 && first {
			if rest, ok := bytes.CutPrefix(piece, []byte(BOM)); ok {
				piece = rest
				start += 3
			}
		}
		if last {
			piece = bytes.TrimSuffix(piece, []byte("\n"))
			piece = bytes.TrimSuffix(piece, []byte("\r"))
		}
		if i := firstInvalid(piece); i >= 0 {
			return &InputError{File: name, Line: lineNo, Offset: start + int64(i),
				Err: fmt.Errorf("%w: byte 0x%02x at column %d", ErrInvalidUTF8, piece[i], i+1)}
		}
		err := fn(lineNo, piece, first, last)
		first = false
		return err
	}
	for {
		chunk, err := br.ReadSlice('\n')
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return fmt.Errorf("%s: line %d: read: %w", name, lineNo+1, err)
		}
		if !inLine {
			if len(chunk) == 0 && err == io.EOF {
				return nil
			}
			inLine, first = true, true
			lineNo++
		}
		buf = append(buf, chunk...)
		if err == bufio.ErrBufferFull {
			if maxPiece > 0 && len(buf) >= maxPiece {
				n := cutPiece(buf)
				if ferr := emit(buf[:n], false); ferr != nil {
					return ferr
				}
				offset += int64(n)
				buf = buf[:copy(buf, buf[n:])]
			}
			continue
		}
		if ferr := emit(buf, true); ferr != nil {
			return ferr
		}
		offset += int64(len(buf))
		buf, inLine = buf[:0], false
		if err == io.EOF {
			return nil
		}
	}
}

// cutPiece returns where to end a piece of b, a part of a long line that
// goes on after it: after the last ASCII space or tab in the second half of
// b, so that no token is split; failing that (a "word" of over half a
// piece) at the last rune boundary. Never between "\r" and a following
// byte, so a "\r\n" terminator stays whole.
func cutPiece(b []byte) int {
	half := len(b) / 2
	if i := bytes.LastIndexAny(b[half:], " \t"); i >= 0 {
		return half + i + 1
	}
	p := len(b) - 1
	for p > half && !utf8.RuneStart(b[p]) {
		p--
	}
	if !utf8.RuneStart(b[p]) { // no rune starts there: invalid UTF-8, reported anyway
		p = len(b)
	}
	if p > 1 && b[p-1] == '\r' {
		p--
	}
	return p
}

// ReadAll returns the bytes of the file at path as they are (a compressed
// file is not decompressed), "-" being standard input: Stdin, read whole
// once and kept, as OpenFile reads it (the bytes returned for "-" are that
// copy: do not modify them). Errors name the file.
func ReadAll(path string) ([]byte, error) {
	if path != "-" {
		return os.ReadFile(path)
	}
	stdin.once.Do(func() { stdin.data, stdin.err = io.ReadAll(Stdin) })
	if stdin.err != nil {
		return nil, fmt.Errorf("text: read %s: %w", StdinName, stdin.err)
	}
	return stdin.data, nil
}

// OpenFile opens path for reading, transparently decompressing it when it
// is gzip-compressed (recognized by its magic bytes, whatever its name; a
// name ending in ".gz" must be gzip). Close the result when done. Errors
// name the file. The path "-" is standard input (Stdin), read into memory whole
// the first time, so that "-" can be opened again (a vocabulary counted
// on a first pass, the text encoded on a second).
func OpenFile(path string) (io.ReadCloser, error) {
	if path == "-" {
		data, err := ReadAll(path)
		if err != nil {
			return nil, err
		}
		return Stdio{In: bytes.NewReader(data)}.Open(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("text: %w", err) // "text: open PATH: ..."
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("text: %s is a directory, expected a file", path)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		if strings.HasSuffix(path, ".gz") {
			f.Close()
			return nil, fmt.Errorf("text: %s: named .gz but not gzip-compressed", path)
		}
		return readFile{br, f}, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("text: %s: gzip: %w", path, err)
	}
	return gzipFile{zr, f}, nil
}

type readFile struct {
	*bufio.Reader
	f *os.File
}

func (r readFile) Close() error { return r.f.Close() }

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

// CheckUTF8 returns nil when data is valid UTF-8, otherwise an
// *InputError wrapping ErrInvalidUTF8 naming the line and byte offset of
// the first invalid byte (name identifies the input).
func CheckUTF8(data []byte, name string) error {
	i := firstInvalid(data)
	if i < 0 {
		return nil
	}
	line := 1 + bytes.Count(data[:i], []byte("\n"))
	col := i - (bytes.LastIndexByte(data[:i], '\n') + 1)
	return &InputError{File: name, Line: line, Offset: int64(i),
		Err: fmt.Errorf("%w: byte 0x%02x at column %d (is this a text file?)", ErrInvalidUTF8, data[i], col+1)}
}

// ReadFiles reads every path that is not "" with read, giving nil for "":
// a run's training, validation and test files, the last two optional.
func ReadFiles[T any](read func(path string) ([]T, error), paths ...string) ([][]T, error) {
	out := make([][]T, len(paths))
	for i, p := range paths {
		if p == "" {
			continue
		}
		var err error
		if out[i], err = read(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}
