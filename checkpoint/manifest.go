package checkpoint

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// fileSum is one line of a manifest.
type fileSum struct {
	name string
	sum  [sha256.Size]byte
}

// writeManifest writes sums in sha256sum's text format: the hexadecimal
// digest, two spaces, the file name.
func writeManifest(w io.Writer, sums []fileSum) error {
	for _, s := range sums {
		if _, err := fmt.Fprintf(w, "%x  %s\n", s.sum, s.name); err != nil {
			return err
		}
	}
	return nil
}

// parseManifest reads a manifest written by writeManifest (sha256sum's
// binary-mode marker "*" before the name is accepted too).
func parseManifest(b []byte) ([]fileSum, error) {
	var sums []fileSum
	seen := make(map[string]bool)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" {
			continue
		}
		hexSum, name, ok := strings.Cut(text, " ")
		name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
		var fs fileSum
		if !ok || len(hexSum) != 2*sha256.Size || name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
			return nil, fmt.Errorf("line %d: want a SHA-256 in hexadecimal, two spaces and a file name", line)
		}
		if _, err := hex.Decode(fs.sum[:], []byte(hexSum)); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("line %d: %s listed twice", line, name)
		}
		seen[name] = true
		fs.name = name
		sums = append(sums, fs)
	}
	return sums, sc.Err()
}

// verified checks the files of c against its manifest, if it has one.
func verified(c *Checkpoint) (*Checkpoint, error) {
	b, err := os.ReadFile(c.Path(ManifestFile))
	if errIsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: load %s: %w", c.Dir, err)
	}
	sums, err := parseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: load %s: %s: %w", c.Dir, c.Path(ManifestFile), err)
	}
	for _, s := range sums {
		f, err := os.Open(c.Path(s.name))
		if errIsNotExist(err) {
			return nil, fmt.Errorf("checkpoint: load %s: %s is listed in %s but missing", c.Dir, s.name, ManifestFile)
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoint: load %s: %w", c.Dir, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("checkpoint: load %s: %w", c.Dir, err)
		}
		if !bytes.Equal(h.Sum(nil), s.sum[:]) {
			return nil, fmt.Errorf("checkpoint: load %s: %s does not match its SHA-256 in %s: the file was edited or torn", c.Dir, c.Path(s.name), ManifestFile)
		}
	}
	return c, nil
}
