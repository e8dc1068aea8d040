package vectors

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/recurrent-go/recurrent/text"
)

// Source names a vector file to read: its path ("-": standard input; .gz
// decompressed) and the name of its format (see ParseFormat; "auto" or ""
// detects it).
type Source struct {
	Path, Format string
}

// Read reads the vectors through in, which gives "-" its meaning. Errors
// name the file (and the line or vector where there is one).
func (s Source) Read(in text.Stdio) (*Vectors, error) {
	f, err := ParseFormat(s.Format)
	if err != nil {
		return nil, err
	}
	var v *Vectors
	err = readNamed(in, s.Path, func(r io.Reader) (err error) {
		v, err = ReadFormat(r, f)
		return err
	})
	return v, err
}

// readNamed reads path through in with read, putting the file's name in
// front of read's errors.
func readNamed(in text.Stdio, path string, read func(io.Reader) error) error {
	return in.ReadFile(path, func(r io.Reader, name string) error {
		if err := read(r); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
}

// OutputFormat returns the format to write path in: the format named by
// name (see ParseFormat), or for "" and "auto" the one FormatFromPath
// guesses from the path.
func OutputFormat(path, name string) (Format, error) {
	if name == "" || name == "auto" {
		return FormatFromPath(path), nil
	}
	f, err := ParseFormat(name)
	if err != nil {
		return f, err
	}
	if f == FormatAuto {
		f = Word2VecText
	}
	return f, nil
}

// CheckOutput returns the format to write path in (OutputFormat of name)
// after checking, before any work is done, that path's directory exists
// and path is not itself a directory ("-", standard output, needs none). The errors name the flags --out-format
// and --out of the commands that write vectors.
func CheckOutput(path, name string) (Format, error) {
	f, err := OutputFormat(path, name)
	if err != nil {
		return f, fmt.Errorf("--out-format: %w", err)
	}
	switch path {
	case "-":
		return f, nil
	case "":
		return f, errors.New("--out: empty file name")
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return f, fmt.Errorf("--out %s: directory %s does not exist", path, filepath.Dir(path))
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return f, fmt.Errorf("--out %s is a directory; give a file name", path)
	}
	return f, nil
}

// OutputSummary says what was written where: the report of a command that
// writes vectors.
type OutputSummary struct {
	Dim    int    `json:"dim"`
	Format string `json:"format"`
	Out    string `json:"out"`
	Words  int    `json:"words"`
}

// Summary returns the summary of v written to out in format f.
func (v *Vectors) Summary(out string, f Format) *OutputSummary {
	return &OutputSummary{Dim: v.Dim, Format: f.String(), Out: out, Words: v.Len()}
}

// WriteText writes the summary on one line.
func (s *OutputSummary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "wrote %d vectors of dimension %d to %s (%v)\n", s.Words, s.Dim, s.Out, s.Format)
	return err
}
