package vectors

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/recurrent-go/recurrent/text"
)

// Format is an on-disk layout of a vector file.
type Format int

const (
	// FormatAuto detects the format when reading (see Read). Writers reject it.
	FormatAuto Format = iota
	// Word2VecText is the word2vec text format: a header line "N D", then one
	// line per word: the word and D space-separated values.
	Word2VecText
	// Word2VecBinary is the word2vec binary format written by the word2vec C
	// tool and gensim: the header line "N D\n", then per word the word, a space,
	// D little-endian float32 values and a newline.
	Word2VecBinary
	// GloVeText is the GloVe text format: word2vec text without the header.
	GloVeText
	// FastTextBinary is a fastText model (.bin): read only (see ReadFastText).
	FastTextBinary
)

// formatNames are the names String returns, by Format.
var formatNames = [...]string{FormatAuto: "auto", Word2VecText: "word2vec", Word2VecBinary: "word2vec-bin", GloVeText: "glove", FastTextBinary: "fasttext"}

// String returns the name accepted by ParseFormat.
func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat parses a format name: "auto", "word2vec" (or "text", "w2v"),
// "word2vec-bin" (or "bin", "binary"), "glove", "fasttext" (or
// "fasttext-bin"; read only).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return FormatAuto, nil
	case "word2vec", "w2v", "text", "word2vec-text":
		return Word2VecText, nil
	case "word2vec-bin", "word2vec-binary", "bin", "binary":
		return Word2VecBinary, nil
	case "glove", "glove-text":
		return GloVeText, nil
	case "fasttext", "fasttext-bin", "ft":
		return FastTextBinary, nil
	}
	return FormatAuto, fmt.Errorf("unknown vector format %q (want auto, word2vec, word2vec-bin, glove or fasttext)", s)
}

// FormatFromPath guesses the format a file should be written in from its
// name: ".bin" (optionally followed by ".gz") is word2vec binary, a name
// containing "glove" is GloVe text, anything else word2vec text.
func FormatFromPath(path string) Format {
	base := strings.ToLower(filepath.Base(path))
	base = strings.TrimSuffix(base, ".gz")
	switch {
	case strings.HasSuffix(base, ".bin"):
		return Word2VecBinary
	case strings.Contains(base, "glove"):
		return GloVeText
	}
	return Word2VecText
}

// MaxDim is the largest dimension Read accepts, and so the largest the
// trainers (word2vec, glove) train.
const MaxDim = 1 << 20

// Limits guarding the readers against hostile or corrupt headers.
const (
	maxWordBytes = 1 << 16 // longest accepted word in a binary file
	maxPrealloc  = 1 << 22 // float32s' worth of bytes preallocated on the header's word
)

// Save writes v to path in the given format, atomically: the data go to a
// temporary file in the same directory which is renamed over path only
// after a successful write. A path ending in ".gz" is gzip-compressed, and
// "-" is standard output (see text.Stdio).
func Save(path string, v *Vectors, format Format) error {
	return text.Stdio{}.WriteFile(path, func(w io.Writer) error { return Write(w, v, format) })
}

// Write writes v to w in the given format. Text formats print each value in
// the shortest form that reads back to the same float32. A word that is
// empty, holds white space or is not valid UTF-8 is refused before
// anything is written (ReadFastText escapes the bytes of a model's words
// that are not UTF-8), and so is GloVe text of no words: without a header
// that file would be empty, which no reader takes.
func Write(w io.Writer, v *Vectors, format Format) error {
	if err := v.check(); err != nil {
		return err
	}
	if format == GloVeText && len(v.Words) == 0 {
		return errors.New("write vectors: no words: GloVe text has no header, so an empty file would not read back; write word2vec text or binary instead")
	}
	for i, word := range v.Words {
		if word == "" || strings.ContainsAny(word, " \t\n\r") {
			return fmt.Errorf("word %d (%q) is empty or contains white space, which the file formats cannot hold", i, word)
		}
		if !utf8.ValidString(word) {
			return fmt.Errorf("word %d (%q) is not valid UTF-8, which the readers refuse", i, word)
		}
	}
	buf := make([]byte, 0, 64+16*v.Dim)
	switch format {
	case Word2VecText, GloVeText:
		if format == Word2VecText {
			if _, err := fmt.Fprintf(w, "%d %d\n", len(v.Words), v.Dim); err != nil {
				return err
			}
		}
		for i, word := range v.Words {
			buf = append(buf[:0], word...)
			for _, x := range v.Vec(i) {
				buf = append(buf, ' ')
				buf = strconv.AppendFloat(buf, float64(x), 'g', -1, 32)
			}
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	case Word2VecBinary:
		if _, err := fmt.Fprintf(w, "%d %d\n", len(v.Words), v.Dim); err != nil {
			return err
		}
		for i, word := range v.Words {
			buf = append(buf[:0], word...)
			buf = append(buf, ' ')
			for _, x := range v.Vec(i) {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			}
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	case FastTextBinary:
		return errors.New("write vectors: fastText .bin is read only; write word2vec text or binary instead")
	default:
		return fmt.Errorf("write vectors: cannot write format %v", format)
	}
	return nil
}

// check verifies the shape invariants of v.
func (v *Vectors) check() error {
	if v == nil {
		return errors.New("nil vectors")
	}
	if v.Dim <= 0 && len(v.Words) > 0 {
		return fmt.Errorf("vectors: dimension %d is not positive", v.Dim)
	}
	if len(v.Data) != len(v.Words)*v.Dim {
		return fmt.Errorf("vectors: %d words of dimension %d need %d values, have %d",
			len(v.Words), v.Dim, len(v.Words)*v.Dim, len(v.Data))
	}
	return nil
}

// Load reads a vector file, detecting its format (see Read). Gzip-compressed
// files are decompressed transparently. Errors name the file and line.
func Load(path string) (*Vectors, error) { return LoadFormat(path, FormatAuto) }

// LoadFormat reads a vector file in a known format (FormatAuto detects it).
func LoadFormat(path string, format Format) (v *Vectors, err error) {
	err = loadFile(path, "vectors", func(r io.Reader) (err error) {
		v, err = ReadFormat(r, format)
		return err
	})
	return v, err
}

// loadFile opens path and passes it to read; errors say what was being
// loaded (opening) or name the file (reading).
func loadFile(path, what string, read func(io.Reader) error) error {
	f, err := text.OpenFile(path) // "-": standard input
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	defer f.Close()
	if err := read(f); err != nil {
		return fmt.Errorf("%s: %w", text.DisplayName(path), err)
	}
	return nil
}

// Read reads vectors from r, detecting the format: a first line of exactly
// two integers is a word2vec header, after which the first record decides
// between text (a line of D numbers) and binary; a file starting with
// fastText's magic number is a fastText model (ReadFastText); files of
// other kinds (Python pickles such as gensim's native .kv/.model, zip
// archives, NUL-filled binaries) get an error saying what they look like
// and how to convert them. Any other first line starts
// a GloVe file whose dimension is the number of values on it. (A GloVe file
// whose first line is a numeric word with a single integer value is therefore
// taken for a word2vec file; use ReadFormat to force GloVe.) Gzip input is
// recognized by its magic bytes.
func Read(r io.Reader) (*Vectors, error) {
	return ReadFormat(r, FormatAuto)
}

// ReadFormat reads vectors from r in the given format; FormatAuto detects it.
func ReadFormat(r io.Reader, format Format) (*Vectors, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		br = bufio.NewReaderSize(gz, 1<<16)
	}
	if b, _ := br.Peek(len(text.BOM)); string(b) == text.BOM && format != FastTextBinary {
		br.Discard(len(text.BOM)) // not part of the first word
	}
	head, _ := br.Peek(8)
	if format == FastTextBinary || format == FormatAuto && isFastText(head) {
		return ReadFastText(br)
	}
	if err := foreignFile(head); err != nil {
		return nil, err
	}
	rd := &reader{br: br}
	switch format {
	case FormatAuto, Word2VecText, Word2VecBinary:
		line, err := rd.line()
		if err == io.EOF {
			return nil, errors.New("empty vector file")
		}
		if err != nil {
			return nil, err
		}
		n, d, isHeader := parseHeader(line)
		if !isHeader {
			if format != FormatAuto {
				return nil, fmt.Errorf("line 1: expected a word2vec header \"<words> <dimension>\", got %q", clip(line))
			}
			return rd.readGloVe(line)
		}
		if d <= 0 || d > MaxDim {
			return nil, fmt.Errorf("line 1: dimension %d out of range [1, %d]", d, MaxDim)
		}
		if n < 0 {
			return nil, fmt.Errorf("line 1: negative word count %d", n)
		}
		if format == FormatAuto {
			format = rd.sniff(d)
		}
		if format == Word2VecBinary {
			return rd.readBinary(n, d)
		}
		return rd.readText(n, d)
	case GloVeText:
		line, err := rd.line()
		if err == io.EOF {
			return nil, errors.New("empty vector file")
		}
		if err != nil {
			return nil, err
		}
		return rd.readGloVe(line)
	}
	return nil, fmt.Errorf("read vectors: unknown format %v", format)
}

// reader tracks the line number for error messages.
type reader struct {
	br     *bufio.Reader
	lineNo int
	long   []byte
}

// line returns the next line without its terminator ("\n" or "\r\n"). The
// slice is valid until the next call. It returns io.EOF only when no bytes
// remain.
func (rd *reader) line() ([]byte, error) {
	b, err := rd.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		rd.long = append(rd.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = rd.br.ReadSlice('\n')
			rd.long = append(rd.long, b...)
		}
		b = rd.long
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("line %d: %w", rd.lineNo+1, err)
	}
	if err == io.EOF && len(b) == 0 {
		return nil, io.EOF
	}
	rd.lineNo++
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	return b, nil
}

// parseHeader recognizes a word2vec header line "N D".
func parseHeader(line []byte) (n, d int, ok bool) {
	f := fields(line, nil)
	if len(f) != 2 {
		return 0, 0, false
	}
	n, err1 := strconv.Atoi(string(f[0]))
	d, err2 := strconv.Atoi(string(f[1]))
	return n, d, err1 == nil && err2 == nil
}

// sniff decides whether the records after a header are text or binary by
// looking at the first record: text when the rest of the first line after
// the word is exactly d numbers.
func (rd *reader) sniff(d int) Format {
	peek, _ := rd.br.Peek(min(rd.br.Size(), 64+32*d))
	// Skip the word.
	sp := bytes.IndexAny(peek, " \t")
	if sp < 0 {
		return Word2VecText
	}
	rest := peek[sp+1:]
	if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
		f := fields(rest[:nl], nil)
		if len(f) == d {
			allNum := true
			for _, s := range f {
				if _, err := parseFloat32(s); err != nil {
					allNum = false
					break
				}
			}
			if allNum {
				return Word2VecText
			}
		}
	}
	// A binary record has a payload of 4*d bytes; text never contains bytes
	// outside printable ASCII/UTF-8 in the numbers.
	for _, c := range rest[:min(len(rest), 4*d)] {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c >= 0x7f {
			return Word2VecBinary
		}
	}
	return Word2VecText
}

// fields splits a line on spaces and tabs (not on other Unicode spaces, which
// may be part of a word), appending to dst.
func fields(line []byte, dst [][]byte) [][]byte {
	dst = dst[:0]
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		dst = append(dst, line[i:j])
		i = j
	}
	return dst
}

// clip shortens a line for an error message.
func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// parseRecord parses "word v1 ... vd" into the word and appends the values.
func (rd *reader) parseRecord(line []byte, d int, f [][]byte, data []float32) (string, [][]byte, []float32, error) {
	f = fields(line, f)
	if len(f) == 0 {
		return "", f, data, fmt.Errorf("line %d: empty line, expected a word and %d values", rd.lineNo, d)
	}
	if len(f)-1 != d {
		return "", f, data, fmt.Errorf("line %d: word %q has %d values, expected %d", rd.lineNo, clip(f[0]), len(f)-1, d)
	}
	for k, s := range f[1:] {
		x, err := parseFloat32(s)
		if err != nil {
			return "", f, data, fmt.Errorf("line %d: value %d of word %q: %q is not a number", rd.lineNo, k+1, clip(f[0]), clip(s))
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", f, data, fmt.Errorf("line %d: value %d of word %q is %q: vectors must be finite", rd.lineNo, k+1, clip(f[0]), clip(s))
		}
		data = append(data, float32(x))
	}
	if !utf8.Valid(f[0]) {
		return "", f, data, fmt.Errorf("line %d: word %q is not valid UTF-8", rd.lineNo, clip(f[0]))
	}
	return string(f[0]), f, data, nil
}

// preallocated returns empty vectors of dimension d with room for the n a
// header announces, up to maxPrealloc float32s' worth of bytes for the
// words and the values together (a word's string header takes the bytes
// of 4 values).
func preallocated(n, d int) *Vectors {
	k := min(n, maxPrealloc/(d+4))
	return &Vectors{Dim: d, Words: make([]string, 0, k), Data: make([]float32, 0, k*d)}
}

// readText reads n word2vec text records of dimension d.
func (rd *reader) readText(n, d int) (*Vectors, error) {
	v := preallocated(n, d)
	if err := rd.readRecords(v, nil, n); err != nil {
		return nil, err
	}
	if len(v.Words) != n {
		return nil, fmt.Errorf("header announces %d vectors, file ends after %d (line %d)", n, len(v.Words), rd.lineNo)
	}
	return v, nil
}

// readGloVe reads a headerless file whose first line is first.
func (rd *reader) readGloVe(first []byte) (*Vectors, error) {
	f := fields(first, nil)
	if len(f) < 2 {
		return nil, fmt.Errorf("line %d: expected a word followed by its values (or a word2vec header), got %q", rd.lineNo, clip(first))
	}
	if len(f)-1 > MaxDim {
		return nil, fmt.Errorf("line %d: dimension %d out of range [1, %d]", rd.lineNo, len(f)-1, MaxDim)
	}
	v := &Vectors{Dim: len(f) - 1}
	word, f, data, err := rd.parseRecord(first, v.Dim, f, nil)
	if err != nil {
		return nil, err
	}
	v.Words, v.Data = append(v.Words, word), data
	if err := rd.readRecords(v, f, -1); err != nil {
		return nil, err
	}
	return v, nil
}

// readRecords appends the text records of the remaining lines to v (of
// dimension v.Dim), refusing more than n vectors in all (n < 0: no limit).
// Blank lines are skipped; f is scratch space for the fields.
func (rd *reader) readRecords(v *Vectors, f [][]byte, n int) error {
	for {
		line, err := rd.line()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue // tolerate blank lines, e.g. a trailing one
		}
		if len(v.Words) == n {
			return fmt.Errorf("line %d: more vectors than the %d the header announces", rd.lineNo, n)
		}
		var word string
		if word, f, v.Data, err = rd.parseRecord(line, v.Dim, f, v.Data); err != nil {
			return err
		}
		v.Words = append(v.Words, word)
	}
}

// readBinary reads n word2vec binary records of dimension d.
func (rd *reader) readBinary(n, d int) (*Vectors, error) {
	v := preallocated(n, d)
	raw := make([]byte, 4*d)
	var word []byte
	for i := 0; i < n; i++ {
		// Skip the newline (or other white space) ending the previous record.
		var c byte
		var err error
		for {
			c, err = rd.br.ReadByte()
			if err != nil || (c != '\n' && c != ' ' && c != '\r' && c != '\t') {
				break
			}
		}
		if err == io.EOF {
			return nil, fmt.Errorf("header announces %d vectors, binary data ends after %d", n, i)
		}
		if err != nil {
			return nil, fmt.Errorf("vector %d: %w", i+1, err)
		}
		word = append(word[:0], c)
		for {
			c, err = rd.br.ReadByte()
			if err == io.EOF {
				return nil, fmt.Errorf("vector %d: truncated binary file inside word %q", i+1, clip(word))
			}
			if err != nil {
				return nil, fmt.Errorf("vector %d: %w", i+1, err)
			}
			if c == ' ' {
				break
			}
			if c == '\n' {
				return nil, fmt.Errorf("vector %d: newline inside word %q, expected a space before the values (is this a text file with a wrong header?)", i+1, clip(word))
			}
			word = append(word, c)
			if len(word) > maxWordBytes {
				return nil, fmt.Errorf("vector %d: word longer than %d bytes; not a word2vec binary file?", i+1, maxWordBytes)
			}
		}
		if k, err := io.ReadFull(rd.br, raw); err != nil {
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				return nil, fmt.Errorf("vector %d (%q): truncated binary file, %d of %d bytes of values", i+1, clip(word), k, len(raw))
			}
			return nil, fmt.Errorf("vector %d: %w", i+1, err)
		}
		if !utf8.Valid(word) {
			return nil, fmt.Errorf("vector %d: word %q is not valid UTF-8", i+1, clip(word))
		}
		for k := 0; k < d; k++ {
			x := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
			if x-x != 0 {
				return nil, fmt.Errorf("vector %d: value %d of word %q is %v: vectors must be finite", i+1, k+1, clip(word), x)
			}
			v.Data = append(v.Data, x)
		}
		v.Words = append(v.Words, string(word))
	}
	// Only white space may follow the last record.
	for {
		c, err := rd.br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if c != '\n' && c != ' ' && c != '\r' && c != '\t' {
			return nil, fmt.Errorf("data after the %d vectors the header announces", n)
		}
	}
	return v, nil
}

// parseFloat32 parses b without copying it into a string (ParseFloat does
// not retain its argument; its errors hold a copy).
func parseFloat32(b []byte) (float64, error) {
	if len(b) == 0 {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseFloat(unsafe.String(&b[0], len(b)), 32)
}

// foreignFile recognizes, from its first bytes, a file that is not a vector
// file in any format this package reads, and explains how to convert it.
func foreignFile(head []byte) error {
	switch {
	case len(head) >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5:
		return fmt.Errorf("this is a Python pickle (protocol %d), such as gensim's native KeyedVectors/Word2Vec/FastText .save() file (.kv, .model), not a vector file; "+
			"convert it in Python: gensim.models.KeyedVectors.load(path).save_word2vec_format(\"vectors.bin\", binary=True) "+
			"(for a whole model, model.wv.save_word2vec_format(...)), then read vectors.bin", head[1])
	case len(head) >= 4 && string(head[:4]) == "PK\x03\x04":
		return errors.New("this is a zip archive (a PyTorch torch.save file or a NumPy .npz?), not a vector file; " +
			"export the embedding as word2vec text (\"N D\" then one \"word v1 ... vD\" line per word)")
	case len(head) >= 6 && string(head[:6]) == "\x93NUMPY":
		return errors.New("this is a NumPy .npy array without the words, not a vector file; gensim keeps it beside its .kv/.model pickle: " +
			"load that in gensim and call save_word2vec_format")
	}
	return nil
}
