package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// Sanity bounds on the sizes a model's config.json may declare. They are
// far above any model this toolkit trains, and low enough that a config
// within them never asks for an allocation the weights file cannot back
// (CheckDims also ties every size to the file).
const (
	// MaxDim bounds a width: vocabulary, embedding, hidden, classes.
	MaxDim = 1 << 24
	// MaxLayers bounds a layer count.
	MaxLayers = 1024
)

// ReadSafetensorsHeader reads and validates the header of the safetensors
// file at path without reading its tensor data: it returns each tensor's
// shape by name. The header is checked as ReadSafetensors checks it
// (against the file's size), so a shape it returns is backed by bytes in
// the file; only the header itself (at most MaxHeaderSize) is allocated.
func ReadSafetensorsHeader(path string) (map[string][]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	shapes, err := readHeader(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return shapes, nil
}

// readHeader parses the header of a safetensors file of size bytes read
// from r.
func readHeader(r io.Reader, size int64) (map[string][]int, error) {
	var lenBuf [8]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("safetensors: file is %d bytes, shorter than the 8-byte header length", size)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d byte limit", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d bytes after it (truncated file?)", n, size-8)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	if !utf8.Valid(hdr) {
		return nil, errors.New("safetensors: header is not valid UTF-8")
	}
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, errors.New("safetensors: header does not start with '{'")
	}
	entries, _, err := parseEntries(hdr, size-8-int64(n))
	if err != nil {
		return nil, err
	}
	shapes := make(map[string][]int, len(entries))
	for _, e := range entries {
		shapes[e.name] = e.shape
	}
	return shapes, nil
}

// Dim ties one size of a model's config.json to its weights file, so that
// a loader can check the config before it allocates the model.
//
// For a width, Tensor names the tensor holding it and Axis the axis whose
// length must equal Value. For a layer count, Tensor is a pattern with one
// %d and Value counts the layers: Tensor with %d replaced by 0, 1, ...,
// Value-1 must all exist, and Value must not exist.
type Dim struct {
	Field  string // the field's name as spelled in config.json
	Value  int    // the value config.json gives
	Tensor string // the tensor (or layer pattern) in the weights file
	Axis   int    // the axis of Tensor holding Value (widths only)
}

// isLayers reports whether d counts layers.
func (d Dim) isLayers() bool { return strings.Contains(d.Tensor, "%d") }

// CheckDims checks the sizes config.json declares before a model is
// built from them: each must lie within the sanity bounds (1..MaxDim for a
// width, 1..MaxLayers for a layer count) and agree with the shapes in the
// header of the weights file (only the header is read). The error names
// both files and the field.
func (c *Checkpoint) CheckDims(weights string, dims ...Dim) error {
	cfg := c.Path(ConfigFile)
	for _, d := range dims {
		hi := MaxDim
		if d.isLayers() {
			hi = MaxLayers
		}
		if d.Value < 1 || d.Value > hi {
			return fmt.Errorf("checkpoint: %s: %s %d outside 1..%d", cfg, d.Field, d.Value, hi)
		}
	}
	shapes, err := ReadSafetensorsHeader(c.Path(weights))
	if err != nil {
		return err
	}
	wpath := c.Path(weights)
	for _, d := range dims {
		if d.isLayers() {
			if d.Value > len(shapes) {
				return fmt.Errorf("checkpoint: %s: %s %d, but %s holds only %d tensors", cfg, d.Field, d.Value, wpath, len(shapes))
			}
			for l := range d.Value {
				name := fmt.Sprintf(d.Tensor, l)
				if _, ok := shapes[name]; !ok {
					return fmt.Errorf("checkpoint: %s: %s %d, but %s has no %s", cfg, d.Field, d.Value, wpath, name)
				}
			}
			if name := fmt.Sprintf(d.Tensor, d.Value); has(shapes, name) {
				return fmt.Errorf("checkpoint: %s: %s %d, but %s also has %s", cfg, d.Field, d.Value, wpath, name)
			}
			continue
		}
		shape, ok := shapes[d.Tensor]
		switch {
		case !ok:
			return fmt.Errorf("checkpoint: %s: %s %d cannot be checked: %s has no %s", cfg, d.Field, d.Value, wpath, d.Tensor)
		case d.Axis < 0 || d.Axis >= len(shape):
			return fmt.Errorf("checkpoint: %s: %s %d, but %s in %s has shape %v (no axis %d)", cfg, d.Field, d.Value, d.Tensor, wpath, shape, d.Axis)
		case shape[d.Axis] != d.Value:
			return fmt.Errorf("checkpoint: %s: %s %d, but %s in %s has shape %v (%d on axis %d)", cfg, d.Field, d.Value, d.Tensor, wpath, shape, shape[d.Axis], d.Axis)
		}
	}
	return nil
}

func has(shapes map[string][]int, name string) bool {
	_, ok := shapes[name]
	return ok
}
