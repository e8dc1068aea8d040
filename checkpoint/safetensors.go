// Package checkpoint saves and loads model state: tensors in the safetensors
// format (the HuggingFace layout PyTorch users exchange), files written
// atomically, and checkpoint directories that are replaced as a whole.
//
// A safetensors file is an 8-byte little-endian header length N, then N bytes
// of a JSON object mapping tensor names to
// {"dtype":"F32","shape":[...],"data_offsets":[begin,end]} (plus an optional
// "__metadata__" map of strings), then the raw little-endian tensor bytes;
// offsets are relative to the start of that byte buffer, which the tensors
// must cover exactly, without holes or overlaps.
package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest safetensors JSON header accepted on read
// (the reference implementation uses the same 100 MB limit).
const MaxHeaderSize = 100 << 20

const metadataKey = "__metadata__"

// Tensor is a dense row-major tensor held as float32. len(Data) must
// equal the product of Shape (1 for a scalar with an empty Shape).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Tensor struct {
	Shape []int
	Data  []float32
	// Dtype is the stored element type of an integer tensor: I8 (int8
	// values, for example quantized weights) is written and read as such,
	// Data holding the integers exactly. Empty means a float tensor: F32
	// when written, and whatever float type the file has when read.
	Dtype string
}

// I8 is the safetensors dtype of int8 tensors (Tensor.Dtype).
const I8 = "I8"

// numel returns the element count implied by shape, or an error when a
// dimension is negative or the product overflows.
func numel(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > math.MaxInt64/8/d {
			return 0, fmt.Errorf("shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

// WriteSafetensors writes tensors (and the optional string metadata) to w in
// the safetensors format. Tensors are laid out in name order, the header is
// compact JSON padded with spaces to a multiple of 8 bytes, data is F32, or
// I8 for tensors with that Dtype (whose values must be integers in
// [-128, 127]).
func WriteSafetensors(w io.Writer, tensors map[string]Tensor, meta map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		names = append(names, name)
	}
	slices.Sort(names)
	hdr, err := safetensorsHeader(names, tensors, meta)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hdr)))
	bw.Write(lenBuf[:])
	bw.Write(hdr)
	buf := make([]byte, 0, 1<<14)
	for _, name := range names {
		if err := writeTensorData(bw, tensors[name], buf); err != nil {
			return fmt.Errorf("safetensors: writing tensor %q: %w", name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return nil
}

// safetensorsHeader returns the JSON header of a safetensors file holding
// tensors in the order of names, with the metadata meta: compact, padded
// with spaces to a multiple of 8 bytes. It checks each tensor's name,
// size and dtype (see WriteSafetensors).
func safetensorsHeader(names []string, tensors map[string]Tensor, meta map[string]string) ([]byte, error) {
	var hdr bytes.Buffer
	hdr.WriteByte('{')
	first := true
	comma := func() {
		if !first {
			hdr.WriteByte(',')
		}
		first = false
	}
	if len(meta) > 0 {
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		comma()
		writeJSONString(&hdr, metadataKey)
		hdr.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				hdr.WriteByte(',')
			}
			writeJSONString(&hdr, k)
			hdr.WriteByte(':')
			writeJSONString(&hdr, meta[k])
		}
		hdr.WriteByte('}')
	}
	var off int64
	for _, name := range names {
		if name == metadataKey {
			return nil, fmt.Errorf("safetensors: tensor name %q is reserved", name)
		}
		if name == "" {
			return nil, errors.New("safetensors: empty tensor name")
		}
		t := tensors[name]
		n, err := numel(t.Shape)
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v needs %d elements, data has %d", name, t.Shape, n, len(t.Data))
		}
		dtype, size := "F32", int64(4)
		switch t.Dtype {
		case "", "F32":
		case I8:
			dtype, size = I8, 1
			for i, v := range t.Data {
				if v != float32(int8(v)) || v < -128 || v > 127 {
					return nil, fmt.Errorf("safetensors: I8 tensor %q: element %d is %v, not an integer in [-128, 127]", name, i, v)
				}
			}
		default:
			return nil, fmt.Errorf("safetensors: tensor %q: cannot write dtype %q (F32 or I8)", name, t.Dtype)
		}
		comma()
		writeJSONString(&hdr, name)
		hdr.WriteString(`:{"dtype":"` + dtype + `","shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				hdr.WriteByte(',')
			}
			hdr.WriteString(strconv.Itoa(d))
		}
		end := off + size*int64(n)
		fmt.Fprintf(&hdr, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	return hdr.Bytes(), nil
}

// writeTensorData writes the elements of t to w as its dtype stores them
// (little-endian F32, or I8), encoding them in chunks of buf's capacity.
func writeTensorData(w io.Writer, t Tensor, buf []byte) error {
	for data := t.Data; len(data) > 0; {
		var k int
		buf = buf[:0]
		if t.Dtype == I8 {
			k = min(len(data), cap(buf))
			for _, v := range data[:k] {
				buf = append(buf, byte(int8(v)))
			}
		} else {
			k = min(len(data), cap(buf)/4)
			for _, v := range data[:k] {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		data = data[k:]
	}
	return nil
}

// writeJSONString appends s as a JSON string literal without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // cannot fail for a string
	b.Truncate(b.Len() - 1) // drop the encoder's newline
}

// headerEntry is one tensor description in the JSON header. Pointers tell
// a missing field from a zero one.
type headerEntry struct {
	Dtype       *string  `json:"dtype"`
	Shape       *[]int   `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

// dtypeSize returns the element size of a supported dtype.
func dtypeSize(dtype string) (int, bool) {
	switch dtype {
	case "F32":
		return 4, true
	case "F64":
		return 8, true
	case "F16", "BF16":
		return 2, true
	case I8:
		return 1, true
	}
	return 0, false
}

// ReadSafetensors parses a complete safetensors file held in b. It returns
// the tensors by name (F32 as is; F64, F16 and BF16 converted to float32;
// I8 as exact float32 integers with Dtype I8)
// and the "__metadata__" strings (nil when absent). Every part of the file
// is validated; a malformed file yields an error, never a panic. The
// returned tensors do not alias b.
func ReadSafetensors(b []byte) (map[string]Tensor, map[string]string, error) {
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("safetensors: file is %d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxHeaderSize {
		return nil, nil, fmt.Errorf("safetensors: header length %d exceeds the %d byte limit", n, MaxHeaderSize)
	}
	if n > uint64(len(b)-8) {
		return nil, nil, fmt.Errorf("safetensors: header length %d exceeds the %d bytes after it (truncated file?)", n, len(b)-8)
	}
	hdr := b[8 : 8+n]
	data := b[8+n:]
	if !utf8.Valid(hdr) {
		return nil, nil, errors.New("safetensors: header is not valid UTF-8")
	}
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, nil, errors.New("safetensors: header does not start with '{'")
	}
	entries, meta, err := parseEntries(hdr, int64(len(data)))
	if err != nil {
		return nil, nil, err
	}
	tensors := make(map[string]Tensor, len(entries))
	for _, e := range entries {
		t := Tensor{Shape: e.shape, Data: decode(e.dtype, data[e.begin:e.end], e.count)}
		if e.dtype == I8 {
			t.Dtype = I8
		}
		tensors[e.name] = t
	}
	return tensors, meta, nil
}

// entry is one validated tensor description of a header.
type entry struct {
	name       string
	dtype      string
	shape      []int
	count      int
	begin, end int64
}

// parseEntries parses and validates a header (which starts with '{')
// describing a data buffer of dataLen bytes: every description complete,
// every dtype supported, every shape's byte size matching its offsets, and
// the tensors covering the buffer exactly, without holes or overlaps.
func parseEntries(hdr []byte, dataLen int64) ([]entry, map[string]string, error) {
	raws, meta, err := parseHeader(hdr)
	if err != nil {
		return nil, nil, err
	}
	entries := make([]entry, 0, len(raws))
	for name, raw := range raws {
		var e headerEntry
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: bad description: %w", name, err)
		}
		if e.Dtype == nil || e.Shape == nil || e.DataOffsets == nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: description needs dtype, shape and data_offsets", name)
		}
		size, ok := dtypeSize(*e.Dtype)
		if !ok {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: unsupported dtype %q (want F32, F64, F16, BF16 or I8)", name, *e.Dtype)
		}
		count, err := numel(*e.Shape)
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		offs := *e.DataOffsets
		if len(offs) != 2 {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: data_offsets has %d values, want 2", name, len(offs))
		}
		begin, end := offs[0], offs[1]
		if begin < 0 || end < begin || end > dataLen {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d,%d] outside the %d-byte data buffer", name, begin, end, dataLen)
		}
		if end-begin != int64(count)*int64(size) {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %s shape %v needs %d bytes, data_offsets give %d", name, *e.Dtype, *e.Shape, int64(count)*int64(size), end-begin)
		}
		entries = append(entries, entry{name: name, dtype: *e.Dtype, shape: *e.Shape, count: count, begin: begin, end: end})
	}
	spans := slices.Clone(entries)
	slices.SortFunc(spans, func(a, b entry) int {
		if a.begin != b.begin {
			return int(min(max(a.begin-b.begin, -1), 1))
		}
		return int(min(max(a.end-b.end, -1), 1))
	})
	var pos int64
	for _, s := range spans {
		if s.begin < pos {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: data_offsets [%d,%d] overlap another tensor", s.name, s.begin, s.end)
		}
		if s.begin > pos {
			return nil, nil, fmt.Errorf("safetensors: bytes [%d,%d) of the data buffer belong to no tensor", pos, s.begin)
		}
		pos = s.end
	}
	if pos != dataLen {
		return nil, nil, fmt.Errorf("safetensors: data buffer has %d bytes but tensors cover %d", dataLen, pos)
	}
	return entries, meta, nil
}

// parseHeader splits the header object into raw tensor descriptions and
// the metadata map, rejecting duplicate keys and trailing garbage (other
// than the space padding).
func parseHeader(hdr []byte) (map[string]json.RawMessage, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if _, err := dec.Token(); err != nil { // '{', checked by the caller
		return nil, nil, fmt.Errorf("safetensors: header: %w", err)
	}
	entries := make(map[string]json.RawMessage)
	var meta map[string]string
	seenMeta := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: header: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("safetensors: header: unexpected %v", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("safetensors: header: value of %q: %w", key, err)
		}
		if key == metadataKey {
			if seenMeta {
				return nil, nil, errors.New("safetensors: header: duplicate __metadata__")
			}
			seenMeta = true
			if err := json.Unmarshal(raw, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: header: __metadata__ must map strings to strings: %w", err)
			}
			continue
		}
		if key == "" {
			return nil, nil, errors.New("safetensors: header: empty tensor name")
		}
		if _, dup := entries[key]; dup {
			return nil, nil, fmt.Errorf("safetensors: header: duplicate tensor %q", key)
		}
		entries[key] = raw
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, nil, fmt.Errorf("safetensors: header: %w", err)
	}
	rest := hdr[dec.InputOffset():]
	if len(bytes.Trim(rest, " ")) != 0 {
		return nil, nil, fmt.Errorf("safetensors: header: unexpected bytes after the JSON object at offset %d", dec.InputOffset())
	}
	return entries, meta, nil
}

// decode converts count little-endian elements of dtype in b to float32.
func decode(dtype string, b []byte, count int) []float32 {
	out := make([]float32, count)
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case "F16":
		for i := range out {
			out[i] = halfToFloat32(le.Uint16(b[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		}
	case I8:
		for i := range out {
			out[i] = float32(int8(b[i]))
		}
	}
	return out
}

// decodeAt converts element i of the little-endian elements of dtype in b
// to float32.
func decodeAt(dtype string, b []byte, i int64) float32 {
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		return math.Float32frombits(le.Uint32(b[4*i:]))
	case "F64":
		return float32(math.Float64frombits(le.Uint64(b[8*i:])))
	case "F16":
		return halfToFloat32(le.Uint16(b[2*i:]))
	case "BF16":
		return math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
	case I8:
		return float32(int8(b[i]))
	}
	return 0
}

// halfToFloat32 converts an IEEE 754 binary16 value to float32 exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal: mant * 2^-24.
	v := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}
