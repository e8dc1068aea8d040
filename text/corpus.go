package text

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Corpus is a list of text files read as one stream of words separated by
// white space: ASCII (space, tab, CR, LF, VT, FF) and Unicode's (U+00A0,
// U+3000, ...), as the whitespace Tokenizer splits. Each file may be plain or
// gzip-compressed (detected by its magic bytes, multi-member streams
// included). Newlines end sentences. The corpus is never held in memory:
// every pass streams the files again.
type Corpus struct {
	Paths []string
}

// NewCorpus checks that every path can be opened and returns the corpus.
func NewCorpus(paths ...string) (*Corpus, error) {
	if len(paths) == 0 {
		return nil, errors.New("corpus: no input files")
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		st, err := f.Stat()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("corpus: %s is a directory, expected a text file", p)
		}
	}
	return &Corpus{Paths: append([]string(nil), paths...)}, nil
}

// corpusBufSize is the read buffer of a WordReader; words longer than it
// grow the buffer.
const corpusBufSize = 1 << 20

// WordReader streams the words of a Corpus. It is not safe for concurrent
// use; open one reader per goroutine.
type WordReader struct {
	paths []string
	next  int // index of the next file to open

	// stream and streamName are a single input given to NewWordReader,
	// used instead of paths.
	stream     io.Reader
	streamName string

	file *os.File
	gz   *gzip.Reader
	src  io.Reader
	name string
	line int // 1-based line in the current file

	buf      []byte
	pos, end int
	eof      bool // current source exhausted
	atStart  bool // nothing read from the current source yet
}

// Words returns a reader positioned at the first word of the corpus.
func (c *Corpus) Words() *WordReader {
	return &WordReader{paths: c.Paths, buf: make([]byte, corpusBufSize)}
}

// NewWordReader returns a reader of the words of one stream, plain or
// gzip-compressed (detected by its magic bytes), with the same splitting as
// Corpus.Words: for example a shard opened through another file system.
// name identifies the stream in errors. Close does not close src.
func NewWordReader(src io.Reader, name string) *WordReader {
	return &WordReader{stream: src, streamName: name, buf: make([]byte, corpusBufSize)}
}

// openNext opens the next file, returning io.EOF after the last.
func (r *WordReader) openNext() error {
	r.closeCurrent()
	var in io.Reader
	var p string
	if r.stream != nil {
		in, p = r.stream, r.streamName
		r.stream = nil
		r.next = len(r.paths)
	} else {
		if r.next >= len(r.paths) {
			return io.EOF
		}
		p = r.paths[r.next]
		r.next++
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		r.file, in = f, f
	}
	br := bufio.NewReaderSize(in, 256<<10)
	magic, _ := br.Peek(2)
	r.name, r.line = p, 1
	r.src = br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			r.closeCurrent()
			return fmt.Errorf("corpus: %s: %w", p, err)
		}
		r.gz = gz
		r.src = gz
	}
	r.pos, r.end, r.eof, r.atStart = 0, 0, false, true
	return nil
}

func (r *WordReader) closeCurrent() {
	if r.gz != nil {
		r.gz.Close()
		r.gz = nil
	}
	if r.file != nil {
		r.file.Close()
		r.file = nil
	}
	r.src = nil
}

// fill moves the unread bytes to the front of the buffer and reads more. It
// sets r.eof at the end of the current source.
func (r *WordReader) fill() error {
	if r.pos > 0 {
		n := copy(r.buf, r.buf[r.pos:r.end])
		r.pos, r.end = 0, n
	}
	if r.end == len(r.buf) {
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	n, err := r.src.Read(r.buf[r.end:])
	r.end += n
	if err == io.EOF {
		r.eof = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("corpus: %s:%d: %w", r.name, r.line, err)
	}
	return nil
}

// BOM is the UTF-8 byte-order mark (as Windows editors and Python's
// utf-8-sig write it), which the readers drop at the start of a file: it
// is not part of the first word, label or header.
const BOM = "\xef\xbb\xbf"

// isSpace reports ASCII whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

// mayBeSpace reports whether c leads the UTF-8 encoding of some non-ASCII
// white space (U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
// U+202F, U+205F, U+3000).
func mayBeSpace(c byte) bool { return c >= 0xc2 && (c == 0xc2 || c >= 0xe1 && c <= 0xe3) }

// inWord holds the bytes that continue a word without a look: neither
// ASCII white space nor a byte that may start non-ASCII white space.
var inWord = func() (t [256]bool) {
	for c := range t {
		t[c] = !isSpace(byte(c)) && !mayBeSpace(byte(c))
	}
	return t
}()

// spaceAt returns the length of the white space character other than '\n'
// at r.buf[j] (0 if there is none), or need when the buffered bytes end
// inside a character that may be one.
func (r *WordReader) spaceAt(j int) (n int, need bool) {
	c := r.buf[j]
	if c < utf8.RuneSelf {
		if isSpace(c) && c != '\n' {
			return 1, false
		}
		return 0, false
	}
	if !mayBeSpace(c) {
		return 0, false
	}
	if !utf8.FullRune(r.buf[j:r.end]) && !r.eof {
		return 0, true
	}
	if ru, size := utf8.DecodeRune(r.buf[j:r.end]); unicode.IsSpace(ru) {
		return size, false
	}
	return 0, false
}

// dropBOM skips a UTF-8 byte-order mark at the start of a file: it is not
// part of the first word (as ReadLines drops it, which counts vocabulary
// files).
func (r *WordReader) dropBOM() error {
	for r.end-r.pos < len(BOM) && !r.eof {
		if err := r.fill(); err != nil {
			return err
		}
	}
	if bytes.HasPrefix(r.buf[r.pos:r.end], []byte(BOM)) {
		r.pos += len(BOM)
	}
	r.atStart = false
	return nil
}

// Next returns the next word and whether a newline (or the end of a file)
// follows it, which ends a sentence. The word's bytes are valid only until
// the next call. At the end of the corpus it returns io.EOF.
func (r *WordReader) Next() (word []byte, lineEnd bool, err error) {
	for {
		if r.src == nil {
			if err := r.openNext(); err != nil {
				return nil, false, err
			}
		}
		if r.atStart {
			if err := r.dropBOM(); err != nil {
				return nil, false, err
			}
		}
		// Skip white space.
		for {
			more := false
			for r.pos < r.end {
				if c := r.buf[r.pos]; c < utf8.RuneSelf {
					if !isSpace(c) {
						break
					}
					if c == '\n' {
						r.line++
					}
					r.pos++
					continue
				}
				n, need := r.spaceAt(r.pos)
				if need {
					more = true
					break
				}
				if n == 0 {
					break
				}
				r.pos += n
			}
			if (r.pos < r.end && !more) || r.eof {
				break
			}
			if err := r.fill(); err != nil {
				return nil, false, err
			}
		}
		if r.pos == r.end { // this file is done
			r.closeCurrent()
			continue
		}
		// Scan the word, up to white space.
		start := r.pos
		i := start
		for {
			for i < r.end && inWord[r.buf[i]] {
				i++
			}
			if i < r.end {
				if !mayBeSpace(r.buf[i]) {
					break // ASCII white space
				}
				n, need := r.spaceAt(i)
				if !need {
					if n > 0 {
						break
					}
					i++ // a character that is not white space
					continue
				}
			} else if r.eof {
				break
			}
			off := i - start
			r.pos = start
			if err := r.fill(); err != nil {
				return nil, false, err
			}
			start = r.pos
			i = start + off
		}
		word = r.buf[start:i]
		// Look ahead for a newline before the next word.
		j := i
		for {
			more := false
			for j < r.end {
				if c := r.buf[j]; c < utf8.RuneSelf {
					if c == '\n' || !isSpace(c) {
						break
					}
					j++
					continue
				}
				n, need := r.spaceAt(j)
				if need {
					more = true
					break
				}
				if n == 0 {
					break
				}
				j += n
			}
			if (j < r.end && !more) || r.eof {
				break
			}
			// Need more bytes to decide; keep the word in the buffer.
			wl, off := i-start, j-start
			r.pos = start
			if err := r.fill(); err != nil {
				return nil, false, err
			}
			start = r.pos
			word = r.buf[start : start+wl]
			i, j = start+wl, start+off
		}
		lineEnd = j == r.end || r.buf[j] == '\n'
		r.pos = j
		return word, lineEnd, nil
	}
}

// Close releases the open file, if any.
func (r *WordReader) Close() error {
	r.closeCurrent()
	r.next = len(r.paths)
	r.stream = nil
	return nil
}

// Position describes the reader's place for error messages: "file:line".
func (r *WordReader) Position() string {
	return fmt.Sprintf("%s:%d", r.name, r.line)
}

// CorpusVocab is the vocabulary of a corpus: words with count >= a minimum,
// sorted by descending count (ties by first occurrence), with their ids.
type CorpusVocab struct {
	Words  []string
	Counts []int64
	Index  map[string]int32
	// Total is the number of corpus tokens whose word is in the vocabulary.
	Total int64
	// Tokens is the number of tokens in the corpus, kept or not.
	Tokens int64
	// Types is the number of distinct words before the min-count cut.
	Types int
}

// Len returns the vocabulary size.
func (v *CorpusVocab) Len() int { return len(v.Words) }

// ID returns the id of word, or -1 when it is not in the vocabulary. It does
// not allocate.
func (v *CorpusVocab) ID(word []byte) int32 {
	if id, ok := v.Index[string(word)]; ok {
		return id
	}
	return -1
}

// ErrEmptyVocab is returned (wrapped) when no word of a corpus reaches the
// minimum count.
var ErrEmptyVocab = errors.New("empty vocabulary")

// CountVocab streams the corpus once and returns the words occurring at
// least minCount times. A word that is not valid UTF-8 is an error wrapping
// ErrInvalidUTF8 that names its file and line. progress, if not nil,
// receives the token count so far every few million tokens.
func CountVocab(ctx context.Context, c *Corpus, minCount int, progress func(tokens int64)) (*CorpusVocab, error) {
	if minCount < 1 {
		minCount = 1
	}
	index := make(map[string]int32, 1<<16)
	var counts []int64
	var words []string
	r := c.Words()
	defer r.Close()
	var tokens int64
	for {
		w, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		tokens++
		if tokens&(1<<20-1) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if progress != nil {
				progress(tokens)
			}
		}
		if id, ok := index[string(w)]; ok {
			counts[id]++
			continue
		}
		if !utf8.Valid(w) {
			// Checked once per distinct word: a vector file cannot hold it
			// (vectors.Read refuses it), so say so before training.
			return nil, fmt.Errorf("corpus: %s: %w in word %q: convert the corpus to UTF-8 (iconv -t UTF-8)", r.Position(), ErrInvalidUTF8, w)
		}
		s := string(w)
		index[s] = int32(len(words))
		words = append(words, s)
		counts = append(counts, 1)
	}
	if progress != nil {
		progress(tokens)
	}
	types := len(words)
	order := make([]int32, 0, len(words))
	for i := range words {
		if counts[i] >= int64(minCount) {
			order = append(order, int32(i))
		}
	}
	if len(order) == 0 {
		if tokens == 0 {
			return nil, fmt.Errorf("corpus %v: %w: no words at all", c.Paths, ErrEmptyVocab)
		}
		return nil, fmt.Errorf("corpus %v: %w: none of %d distinct words occurs at least %d times", c.Paths, ErrEmptyVocab, types, minCount)
	}
	sortByCount(order, counts)
	v := &CorpusVocab{
		Words:  make([]string, len(order)),
		Counts: make([]int64, len(order)),
		Index:  make(map[string]int32, len(order)),
		Tokens: tokens,
		Types:  types,
	}
	for i, o := range order {
		v.Words[i] = words[o]
		v.Counts[i] = counts[o]
		v.Index[words[o]] = int32(i)
		v.Total += counts[o]
	}
	return v, nil
}

// sortByCount sorts ids by descending count, ties by ascending id (first
// occurrence), so results are deterministic.
func sortByCount(ids []int32, counts []int64) {
	slices.SortFunc(ids, func(a, b int32) int {
		if counts[a] != counts[b] {
			return cmp.Compare(counts[b], counts[a])
		}
		return cmp.Compare(a, b)
	})
}
