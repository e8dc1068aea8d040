package pipelines

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // local paths
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

// readFiles matches every comma-separated file pattern and returns the
// matched files as fileio.ReadableFile (".gz" files are decompressed when
// opened), each file once even if several patterns match it. A pattern
// that matches nothing is an error of the run; no pattern at all is an
// error here.
func readFiles(s beam.Scope, patterns string) (beam.PCollection, error) {
	var cols []beam.PCollection
	for _, p := range strings.Split(patterns, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cols = append(cols, fileio.MatchFiles(s, p, fileio.MatchEmptyDisallow()))
		}
	}
	if len(cols) == 0 {
		return beam.PCollection{}, fmt.Errorf("--input %q holds no file pattern", patterns)
	}
	matched := cols[0]
	if len(cols) > 1 {
		// A file matched by two patterns would be read twice (counted
		// twice by vocab and cooccur).
		matched = beam.Flatten(s, cols...)
		matched = beam.DropKey(s, beam.CombinePerKey(s, firstFile, beam.ParDo(s, keyByPath, matched)))
	}
	return fileio.ReadMatches(s, matched, fileio.ReadDirectorySkip()), nil
}

func init() {
	register.Function1x2(keyByPath)
	register.Function2x1(firstFile)
}

func keyByPath(m fileio.FileMetadata) (string, fileio.FileMetadata) { return m.Path, m }

// firstFile keeps one of two matches of the same path.
func firstFile(a, _ fileio.FileMetadata) fileio.FileMetadata { return a }

// writeFile creates path on its Beam file system and calls fn to fill it.
func writeFile(ctx context.Context, path string, fn func(io.Writer) error) error {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer fs.Close()
	w, err := fs.OpenWrite(ctx, path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	err = fn(w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// readFile reads a whole (small) file, such as a vocabulary, from its Beam
// file system.
func readFile(ctx context.Context, path string) ([]byte, error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// joinPath joins a directory (local or URL-like) and a file name.
func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}
