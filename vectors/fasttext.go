package vectors

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// fastText's .bin layout (format version 11 and 12, fastText 0.2 to 0.9),
// all little-endian:
//
//	int32 magic 793712314, int32 version
//	args: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model,
//	      bucket, minn, maxn, lrUpdateRate; float64 t
//	dictionary: int32 size, nwords, nlabels; int64 ntokens;
//	      int64 pruneidx_size (version 12; -1 when not pruned)
//	      size entries: NUL-terminated word, int64 count, int8 type (0 word, 1 label)
//	      pruneidx_size pairs of int32 (bucket -> row)
//	uint8 quantized input; input matrix: int64 rows, int64 cols, rows*cols float32
//	      (rows = nwords + bucket: the words' own rows, then the n-gram buckets)
//	uint8 quantized output; output matrix (not needed for word vectors)
const (
	fastTextMagic = 793712314
	fastTextEOS   = "</s>"
	// maxNgramChars is the largest maxn (n-gram length in characters)
	// read; fastText's default is 6.
	maxNgramChars = 64
)

// Subwords is the character n-gram part of a fastText model: a word's vector
// is the mean of its own row (when it is in the vocabulary) and of the rows
// of its character n-grams of minn to maxn characters of "<word>", each
// hashed (32-bit FNV-1a over the bytes taken as signed chars, as fastText
// does) into one of Bucket rows.
type Subwords struct {
	Minn, Maxn, Bucket int
	Dim                int
	// Rows holds the bucket rows actually stored, [len(Rows)/Dim, Dim].
	Rows []float32
	// prune maps a bucket to its row in a pruned model (nil: the identity).
	prune map[int32]int32
}

// fastTextHash is fastText's FNV-1a variant: each byte is sign-extended to
// 32 bits before the XOR, which differs from standard FNV-1a for bytes >= 0x80.
func fastTextHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(int32(int8(s[i])))
		h *= 16777619
	}
	return h
}

// ngramRows appends to dst the rows (into s.Rows) of the character n-grams
// of word, in fastText's order: for each start position (skipping UTF-8
// continuation bytes) the n-grams of growing length up to maxn characters,
// where single-character n-grams made of the "<" or ">" boundary alone are
// left out.
func (s *Subwords) ngramRows(word string, dst []int32) []int32 {
	if s == nil || s.Maxn <= 0 || s.Bucket <= 0 {
		return dst
	}
	w := "<" + word + ">"
	for i := 0; i < len(w); i++ {
		if w[i]&0xC0 == 0x80 {
			continue
		}
		j := i
		h := uint32(2166136261) // fastTextHash(w[i:j]), extended as j grows
		for n := 1; j < len(w) && n <= s.Maxn; n++ {
			for k := j + 1; ; k++ {
				h ^= uint32(int32(int8(w[j])))
				h *= 16777619
				j = k
				if j == len(w) || w[j]&0xC0 != 0x80 {
					break
				}
			}
			if n >= s.Minn && !(n == 1 && (i == 0 || j == len(w))) {
				b := int32(h % uint32(s.Bucket))
				if s.prune != nil {
					r, ok := s.prune[b]
					if !ok {
						continue
					}
					b = r
				}
				dst = append(dst, b)
			}
		}
	}
	return dst
}

// Vector writes into dst (len Dim) fastText's vector for a word that is not
// in the vocabulary: the mean of its character n-gram rows. It reports false,
// leaving dst zero, when the word has no n-grams (the model has none, or
// minn is longer than the word).
func (s *Subwords) Vector(word string, dst []float32) bool {
	clear(dst)
	rows := s.ngramRows(word, nil)
	if len(rows) == 0 {
		return false
	}
	for _, r := range rows {
		for k, x := range s.Rows[int(r)*s.Dim : (int(r)+1)*s.Dim] {
			dst[k] += x
		}
	}
	scale := float32(1.0 / float64(len(rows)))
	for k := range dst {
		dst[k] *= scale
	}
	return true
}

// ftReader reads fastText's little-endian fields, counting bytes for errors.
type ftReader struct {
	br  *bufio.Reader
	off int64
	err error
	buf [8]byte
}

func (r *ftReader) read(n int, what string) []byte {
	if r.err != nil {
		return r.buf[:n]
	}
	if _, err := io.ReadFull(r.br, r.buf[:n]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = errors.New("file ends early (truncated?)")
		}
		r.err = fmt.Errorf("fastText .bin: byte %d, reading %s: %w", r.off, what, err)
	}
	r.off += int64(n)
	return r.buf[:n]
}

func (r *ftReader) i32(what string) int32 { return int32(binary.LittleEndian.Uint32(r.read(4, what))) }
func (r *ftReader) i64(what string) int64 { return int64(binary.LittleEndian.Uint64(r.read(8, what))) }
func (r *ftReader) u8(what string) byte   { return r.read(1, what)[0] }

// floats reads n finite float32 values into a new slice, in chunks so
// that a corrupt count fails at the end of the file rather than on
// allocation beyond maxPrealloc.
func (r *ftReader) floats(n int64, what string) []float32 {
	if r.err != nil {
		return nil
	}
	out := make([]float32, 0, min(n, maxPrealloc))
	chunk := make([]byte, 4<<12)
	for int64(len(out)) < n && r.err == nil {
		k := min(n-int64(len(out)), int64(len(chunk)/4))
		b := chunk[:4*k]
		if _, err := io.ReadFull(r.br, b); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = fmt.Errorf("file ends early (truncated?): %d of %d values read", len(out), n)
			}
			r.err = fmt.Errorf("fastText .bin: byte %d, reading %s: %w", r.off, what, err)
			return nil
		}
		for i := int64(0); i < k; i++ {
			x := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			if x-x != 0 {
				r.err = fmt.Errorf("fastText .bin: byte %d, value %d of %s is %v: vectors must be finite", r.off+4*i, len(out), what, x)
				return nil
			}
			out = append(out, x)
		}
		r.off += 4 * k
	}
	return out
}

// word reads a NUL-terminated dictionary word.
func (r *ftReader) word(i int) string {
	if r.err != nil {
		return ""
	}
	b, err := r.br.ReadSlice(0)
	if err != nil {
		if err == bufio.ErrBufferFull {
			err = fmt.Errorf("longer than %d bytes", r.br.Size())
		} else if err == io.EOF {
			err = errors.New("file ends early (truncated?)")
		}
		r.err = fmt.Errorf("fastText .bin: byte %d, word %d of the dictionary: %w", r.off, i, err)
		return ""
	}
	r.off += int64(len(b))
	return string(b[:len(b)-1])
}

// isFastText reports whether b starts with fastText's .bin magic number.
func isFastText(b []byte) bool {
	return len(b) >= 4 && binary.LittleEndian.Uint32(b) == fastTextMagic
}

// ReadFastText reads a fastText model (.bin, as written by fasttext
// skipgram/cbow/supervised and save_model) from r. The returned Vectors hold
// the vocabulary's words (not the labels) with the vectors fastText gives
// them (fasttext print-word-vectors: the mean of the word's own row and its
// character n-gram rows), in the model's order ("</s>" first, then by
// descending count), and v.Subwords gives words outside the vocabulary
// fastText's vector for them. Quantized models (.ftz) are refused.
//
// fastText keeps words as bytes, and models trained on crawled text hold
// some that are not valid UTF-8. Every reader of this package, and every
// file the toolkit writes words to (vocab.json, JSON answers), takes text
// only, so such a word is returned with each byte that is not part of
// valid UTF-8 written as \xHH (two lower-case hexadecimal digits): the
// escape of Python's "backslashreplace", which gensim's
// load_facebook_model falls back to for these words, so both name them
// alike. Its vector is fastText's, computed from the word's own bytes; a
// converted file keeps every word and reads back (a word of the model
// spelled with such an escape already would then appear twice).
func ReadFastText(r io.Reader) (*Vectors, error) {
	fr := &ftReader{br: bufio.NewReaderSize(r, 1<<16)}
	h := fr.header()
	words := fr.dictionary(h)
	prune := fr.pruneIndex(h)
	in := fr.inputMatrix(h, prune)
	if fr.err != nil {
		return nil, fr.err
	}
	// The n-gram rows added up may cost at most 64 additions a byte of
	// the file (plus 2^30): fastText's models, whose words have a few
	// dozen n-grams, need a few, while a long word with a wide maxn would
	// need millions.
	v, err := h.vectors(words, in, prune, 64*fr.off+1<<30)
	if err != nil {
		return nil, err
	}
	for i, w := range v.Words {
		v.Words[i] = escapeInvalidUTF8(w)
	}
	return v, nil
}

// escapeInvalidUTF8 returns w with every byte that is not part of valid
// UTF-8 written as \xHH (Python's "backslashreplace"); valid UTF-8 is
// returned as it is.
func escapeInvalidUTF8(w string) string {
	if utf8.ValidString(w) {
		return w
	}
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(w)+8)
	for i := 0; i < len(w); {
		r, n := utf8.DecodeRuneInString(w[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, '\\', 'x', hex[w[i]>>4], hex[w[i]&15])
		} else {
			b = append(b, w[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// ftHeader holds what a fastText model's arguments and dictionary header
// say about the rest of the file.
type ftHeader struct {
	version                 int32
	dim, bucket, minn, maxn int32
	size, nwords, nlabels   int32
	pruneSize               int64 // -1: no pruned index (version 11)
}

// header reads and checks the magic number, the version, the arguments
// and the dictionary's counts. Like the other steps of ReadFastText it
// records any error in fr.err and does nothing once there is one.
func (fr *ftReader) header() *ftHeader {
	if magic := fr.i32("the magic number"); fr.err == nil && magic != fastTextMagic {
		fr.err = fmt.Errorf("fastText .bin: magic number %d, want %d: not a fastText model", magic, fastTextMagic)
		return nil
	}
	h := &ftHeader{version: fr.i32("the version"), pruneSize: -1}
	if fr.err == nil && h.version != 11 && h.version != 12 {
		fr.err = fmt.Errorf("fastText .bin: format version %d, want 11 or 12 (fastText 0.2 to 0.9)", h.version)
		return nil
	}
	var args [12]int32
	names := [12]string{"dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket", "minn", "maxn", "lrUpdateRate"}
	for k := range args {
		args[k] = fr.i32("args." + names[k])
	}
	fr.read(8, "args.t")
	h.dim, h.bucket, h.minn, h.maxn = args[0], args[8], args[9], args[10]
	if h.version == 11 && args[7] == 3 { // supervised models of version 11 have no subwords
		h.maxn = 0
	}
	if fr.err != nil {
		return nil
	}
	if h.dim <= 0 || h.dim > MaxDim {
		fr.err = fmt.Errorf("fastText .bin: dimension %d out of range [1, %d]", h.dim, MaxDim)
		return nil
	}
	if h.bucket < 0 || h.minn < 0 || h.maxn < 0 || h.maxn > maxNgramChars {
		fr.err = fmt.Errorf("fastText .bin: bad n-gram arguments bucket %d, minn %d, maxn %d (at most %d)", h.bucket, h.minn, h.maxn, maxNgramChars)
		return nil
	}
	h.size, h.nwords, h.nlabels = fr.i32("the dictionary size"), fr.i32("the word count"), fr.i32("the label count")
	fr.i64("the token count")
	if h.version >= 12 {
		h.pruneSize = fr.i64("the pruned index size")
	}
	if fr.err != nil {
		return nil
	}
	if h.size < 0 || h.nwords < 0 || h.nlabels < 0 || int64(h.nwords)+int64(h.nlabels) != int64(h.size) {
		fr.err = fmt.Errorf("fastText .bin: dictionary of %d entries does not hold %d words and %d labels", h.size, h.nwords, h.nlabels)
		return nil
	}
	return h
}

// dictionary reads the dictionary's entries and returns its words (the
// labels, which come after them, are left out).
func (fr *ftReader) dictionary(h *ftHeader) []string {
	if fr.err != nil {
		return nil
	}
	words := make([]string, 0, min(int(h.nwords), maxPrealloc/4)) // a string header is 4 float32s
	for i := 0; i < int(h.size); i++ {
		w := fr.word(i)
		fr.i64("a word count")
		typ := fr.u8("an entry type")
		if fr.err != nil {
			return nil
		}
		if (typ == 0) != (i < int(h.nwords)) || typ > 1 {
			fr.err = fmt.Errorf("fastText .bin: dictionary entry %d (%q) has type %d, want words (0) before labels (1)", i, clip([]byte(w)), typ)
			return nil
		}
		if typ == 0 {
			words = append(words, w)
		}
	}
	return words
}

// pruneIndex reads the pruned index (bucket -> row) of a model whose
// n-gram buckets were pruned, or returns nil.
func (fr *ftReader) pruneIndex(h *ftHeader) map[int32]int32 {
	if fr.err != nil || h.pruneSize <= 0 {
		return nil
	}
	if h.pruneSize > int64(h.bucket) {
		fr.err = fmt.Errorf("fastText .bin: pruned index of %d entries for %d buckets", h.pruneSize, h.bucket)
		return nil
	}
	prune := make(map[int32]int32, min(h.pruneSize, 1<<16))
	for range h.pruneSize {
		k, v := fr.i32("the pruned index"), fr.i32("the pruned index")
		if fr.err == nil && (k < 0 || k >= h.bucket || v < 0 || int64(v) >= h.pruneSize) {
			fr.err = fmt.Errorf("fastText .bin: pruned index maps bucket %d to row %d of %d", k, v, h.pruneSize)
			return nil
		}
		prune[k] = v
	}
	return prune
}

// inputMatrix reads the input matrix (the words' rows, then the n-gram
// buckets'), refusing a quantized one or one of the wrong shape.
func (fr *ftReader) inputMatrix(h *ftHeader, prune map[int32]int32) []float32 {
	if fr.err != nil {
		return nil
	}
	quant := fr.u8("the quantization flag")
	if fr.err != nil {
		return nil
	}
	if quant != 0 {
		fr.err = errors.New("fastText .bin: a quantized model (.ftz, fasttext quantize) is not supported: use the model before quantization, or its .vec file (fasttext print-word-vectors, or the .vec written beside the .bin)")
		return nil
	}
	rows, cols := fr.i64("the input matrix rows"), fr.i64("the input matrix columns")
	if fr.err != nil {
		return nil
	}
	nb := int64(h.bucket)
	if prune != nil || h.pruneSize == 0 {
		nb = max(h.pruneSize, 0)
	}
	if cols != int64(h.dim) || rows != int64(h.nwords)+nb {
		fr.err = fmt.Errorf("fastText .bin: input matrix is %d x %d, want %d x %d (%d words + %d n-gram buckets)", rows, cols, int64(h.nwords)+nb, h.dim, h.nwords, nb)
		return nil
	}
	return fr.floats(rows*cols, "the input matrix")
}

// vectors gives each word the mean of its own row of the input matrix in
// and its n-gram rows, and keeps the n-gram rows for other words. It
// refuses to add up more than budget values of rows.
func (h *ftHeader) vectors(words []string, in []float32, prune map[int32]int32, budget int64) (*Vectors, error) {
	d := int(h.dim)
	sw := &Subwords{Minn: int(h.minn), Maxn: int(h.maxn), Bucket: int(h.bucket), Dim: d, Rows: in[int(h.nwords)*d:], prune: prune}
	if h.pruneSize == 0 {
		sw.Bucket = 0 // no n-gram rows at all
	}
	v := &Vectors{Words: words, Dim: d, Data: make([]float32, len(words)*d), Subwords: sw}
	var ids []int32
	for i, w := range words {
		dst := v.Vec(i)
		copy(dst, in[i*d:(i+1)*d])
		ids = ids[:0]
		if w != fastTextEOS {
			ids = sw.ngramRows(w, ids)
		}
		if budget -= int64(len(ids)) * int64(d); budget < 0 {
			return nil, fmt.Errorf("fastText .bin: word %d (%q, %d bytes) and those before it have more n-grams (minn %d, maxn %d) than a file of this size can hold vectors for", i, clip([]byte(w)), len(w), h.minn, h.maxn)
		}
		for _, r := range ids {
			for k, x := range sw.Rows[int(r)*d : (int(r)+1)*d] {
				dst[k] += x
			}
		}
		scale := float32(1.0 / float64(1+len(ids)))
		for k := range dst {
			dst[k] *= scale
		}
	}
	return v, nil
}
