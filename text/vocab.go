package text

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Counter counts token occurrences while a corpus is read.
type Counter struct {
	counts map[string]int64
	total  int64
}

// NewCounter returns an empty counter.
func NewCounter() *Counter { return &Counter{counts: make(map[string]int64)} }

// Add counts every token in tokens. New tokens are copied, so tokens may be
// substrings of a large line.
func (c *Counter) Add(tokens []string) {
	for _, tok := range tokens {
		if n, ok := c.counts[tok]; ok {
			c.counts[tok] = n + 1
		} else {
			c.counts[strings.Clone(tok)] = 1
		}
	}
	c.total += int64(len(tokens))
}

// AddN adds n occurrences of tok.
func (c *Counter) AddN(tok string, n int64) {
	c.counts[strings.Clone(tok)] += n
	c.total += n
}

// Each calls fn with every distinct token and its count, in no particular
// order.
func (c *Counter) Each(fn func(tok string, n int64)) {
	for tok, n := range c.counts {
		fn(tok, n)
	}
}

// Count returns how often tok was seen.
func (c *Counter) Count(tok string) int64 { return c.counts[tok] }

// Len returns the number of distinct tokens.
func (c *Counter) Len() int { return len(c.counts) }

// Total returns the number of tokens counted.
func (c *Counter) Total() int64 { return c.total }

// VocabOptions configures BuildVocab.
type VocabOptions struct {
	// Specials are placed first, in this order, whatever their counts (ids
	// 0, 1, ...). Use the constants UNK, EOS, BOS, PAD or any other
	// strings. A nil slice means DefaultSpecials; an empty non-nil slice
	// means none (for example for a closed character set).
	Specials []string
	// MinCount drops tokens seen fewer times (0 or 1 keeps all).
	MinCount int64
	// MaxSize caps the vocabulary size, specials included (0: no cap).
	// Ties in count are broken by byte order of the token, so the result
	// does not depend on the reading order.
	MaxSize int
	// Sorted orders the tokens after the specials by byte order instead of
	// by descending count (MaxSize still keeps the most frequent), as a
	// closed symbol set such as the characters of a date task is listed.
	Sorted bool
}

// DefaultSpecials are the specials used when VocabOptions.Specials is nil.
var DefaultSpecials = []string{UNK, EOS, BOS, PAD}

// Vocab maps tokens to dense int32 ids and back, and keeps each token's
// corpus count. Special tokens come first. A Vocab is read-only after
// construction and safe for concurrent use.
type Vocab struct {
	tokens   []string
	counts   []int64
	index    map[string]int32
	specials []string
	unk      int32
}

// BuildVocab builds a vocabulary from the counts in c: the specials, then
// the other tokens with count >= MinCount by descending count (ties by
// byte order), cut at MaxSize. Specials seen in the corpus (such as PTB's
// literal "<unk>") keep their counts.
func BuildVocab(c *Counter, opt VocabOptions) (*Vocab, error) {
	specials := opt.Specials
	if specials == nil {
		specials = DefaultSpecials
	}
	if opt.MaxSize < 0 || opt.MinCount < 0 {
		return nil, fmt.Errorf("text: vocabulary: negative MaxSize %d or MinCount %d", opt.MaxSize, opt.MinCount)
	}
	if opt.MaxSize > 0 && opt.MaxSize < len(specials) {
		return nil, fmt.Errorf("text: vocabulary: MaxSize %d is smaller than the %d special tokens", opt.MaxSize, len(specials))
	}
	isSpecial := make(map[string]bool, len(specials))
	for _, s := range specials {
		if s == "" {
			return nil, errors.New("text: vocabulary: empty special token")
		}
		if isSpecial[s] {
			return nil, fmt.Errorf("text: vocabulary: special token %q listed twice", s)
		}
		isSpecial[s] = true
	}
	type tc struct {
		tok string
		n   int64
	}
	rest := make([]tc, 0, len(c.counts))
	for tok, n := range c.counts {
		if !isSpecial[tok] && n >= opt.MinCount {
			rest = append(rest, tc{tok, n})
		}
	}
	slices.SortFunc(rest, func(a, b tc) int {
		if a.n != b.n {
			return cmp.Compare(b.n, a.n)
		}
		return strings.Compare(a.tok, b.tok)
	})
	if opt.MaxSize > 0 && len(specials)+len(rest) > opt.MaxSize {
		rest = rest[:opt.MaxSize-len(specials)]
	}
	if opt.Sorted {
		slices.SortFunc(rest, func(a, b tc) int { return strings.Compare(a.tok, b.tok) })
	}
	tokens := make([]string, 0, len(specials)+len(rest))
	counts := make([]int64, 0, cap(tokens))
	for _, s := range specials {
		tokens = append(tokens, s)
		counts = append(counts, c.counts[s])
	}
	for _, e := range rest {
		tokens = append(tokens, e.tok)
		counts = append(counts, e.n)
	}
	return newVocab(tokens, counts, specials)
}

// NewVocab makes a vocabulary from an explicit token list (ids in order),
// optional counts (nil for zeros) and the subset of tokens that are special.
// Tokens must be distinct and valid UTF-8.
func NewVocab(tokens []string, counts []int64, specials []string) (*Vocab, error) {
	if counts == nil {
		counts = make([]int64, len(tokens))
	}
	return newVocab(slices.Clone(tokens), slices.Clone(counts), slices.Clone(specials))
}

func newVocab(tokens []string, counts []int64, specials []string) (*Vocab, error) {
	if len(counts) != len(tokens) {
		return nil, fmt.Errorf("text: vocabulary: %d tokens but %d counts", len(tokens), len(counts))
	}
	if len(tokens) > 1<<31-1 {
		return nil, fmt.Errorf("text: vocabulary: %d tokens exceed the int32 id range", len(tokens))
	}
	v := &Vocab{tokens: tokens, counts: counts, specials: specials, index: make(map[string]int32, len(tokens)), unk: -1}
	for i, tok := range tokens {
		if _, dup := v.index[tok]; dup {
			return nil, fmt.Errorf("text: vocabulary: token %q appears twice (ids %d and %d)", tok, v.index[tok], i)
		}
		if !utf8.ValidString(tok) {
			// vocab.json could not hold it: encoding/json writes U+FFFD.
			return nil, fmt.Errorf("text: vocabulary: token %q (id %d): %w", tok, i, ErrInvalidUTF8)
		}
		if counts[i] < 0 {
			return nil, fmt.Errorf("text: vocabulary: token %q has negative count %d", tok, counts[i])
		}
		v.index[tok] = int32(i)
	}
	for _, s := range specials {
		if _, ok := v.index[s]; !ok {
			return nil, fmt.Errorf("text: vocabulary: special token %q is not in the token list", s)
		}
	}
	if id, ok := v.index[UNK]; ok && slices.Contains(specials, UNK) {
		v.unk = id
	}
	return v, nil
}

// Len returns the number of tokens, specials included.
func (v *Vocab) Len() int { return len(v.tokens) }

// Token returns the token with id (panics if out of range).
func (v *Vocab) Token(id int32) string { return v.tokens[id] }

// Tokens returns the token list, ids in order (read-only).
func (v *Vocab) Tokens() []string { return v.tokens }

// Count returns the corpus count of token id.
func (v *Vocab) Count(id int32) int64 { return v.counts[id] }

// Counts returns the corpus counts, ids in order (read-only).
func (v *Vocab) Counts() []int64 { return v.counts }

// Specials returns the special tokens (read-only).
func (v *Vocab) Specials() []string { return v.specials }

// Lookup returns the id of tok and whether it is in the vocabulary.
func (v *Vocab) Lookup(tok string) (int32, bool) {
	id, ok := v.index[tok]
	return id, ok
}

// ID returns the id of tok, the id of <unk> if tok is unknown, or -1 if tok
// is unknown and the vocabulary has no <unk> special.
func (v *Vocab) ID(tok string) int32 {
	if id, ok := v.index[tok]; ok {
		return id
	}
	return v.unk
}

// SpecialID returns the id of the special token s, or -1 if s is not one of
// this vocabulary's specials.
func (v *Vocab) SpecialID(s string) int32 {
	if !slices.Contains(v.specials, s) {
		return -1
	}
	return v.index[s]
}

// UnkID returns the id of <unk>, or -1 if the vocabulary has none.
func (v *Vocab) UnkID() int32 { return v.unk }

// Encode appends the ids of tokens to dst. Unknown tokens map to <unk>; if
// the vocabulary has no <unk>, an unknown token is an error naming it.
func (v *Vocab) Encode(dst []int32, tokens []string) ([]int32, error) {
	for i, tok := range tokens {
		id, ok := v.index[tok]
		if !ok {
			if v.unk < 0 {
				return dst, fmt.Errorf("text: token %q (position %d) is not in the vocabulary, which has no %s", tok, i, UNK)
			}
			id = v.unk
		}
		dst = append(dst, id)
	}
	return dst, nil
}

// Decode appends the tokens of ids to dst; an id out of range is an error.
func (v *Vocab) Decode(dst []string, ids []int32) ([]string, error) {
	for i, id := range ids {
		if id < 0 || int(id) >= len(v.tokens) {
			return dst, fmt.Errorf("text: id %d (position %d) is out of range [0,%d)", id, i, len(v.tokens))
		}
		dst = append(dst, v.tokens[id])
	}
	return dst, nil
}

const vocabFormat = "recurrent-vocab"

type vocabJSON struct {
	Format   string   `json:"format"`
	Version  int      `json:"version"`
	Specials []string `json:"specials"`
	Tokens   []string `json:"tokens"`
	Counts   []int64  `json:"counts"`
}

// MarshalJSON encodes the vocabulary as
// {"format":"recurrent-vocab","version":1,"specials":[...],"tokens":[...],"counts":[...]}.
func (v *Vocab) MarshalJSON() ([]byte, error) {
	return json.Marshal(vocabJSON{Format: vocabFormat, Version: 1, Specials: v.specials, Tokens: v.tokens, Counts: v.counts})
}

// UnmarshalJSON decodes and validates what MarshalJSON produced.
func (v *Vocab) UnmarshalJSON(b []byte) error {
	var j vocabJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("text: vocabulary JSON: %w", err)
	}
	if j.Format != vocabFormat || j.Version != 1 {
		return fmt.Errorf("text: vocabulary JSON: format %q version %d, want %q version 1", j.Format, j.Version, vocabFormat)
	}
	if j.Specials == nil {
		j.Specials = []string{}
	}
	nv, err := newVocab(j.Tokens, j.Counts, j.Specials)
	if err != nil {
		return err
	}
	*v = *nv
	return nil
}

// WriteTo writes the vocabulary as indented JSON.
func (v *Vocab) WriteTo(w io.Writer) (int64, error) {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return 0, fmt.Errorf("text: vocabulary: %w", err)
	}
	n, err := w.Write(append(b, '\n'))
	return int64(n), err
}

// ReadVocab reads a vocabulary written by WriteTo.
func ReadVocab(r io.Reader) (*Vocab, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("text: read vocabulary: %w", err)
	}
	v := new(Vocab)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

// SaveVocab writes the vocabulary to path atomically (WriteFileAtomic).
func SaveVocab(path string, v *Vocab) error {
	return WriteFileAtomic(path, func(w io.Writer) error { _, err := v.WriteTo(w); return err })
}

// LoadVocab reads a vocabulary JSON file (plain or .gz; "-": standard
// input, see OpenFile).
func LoadVocab(path string) (*Vocab, error) {
	f, err := OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("text: load vocabulary: %w", err)
	}
	defer f.Close()
	v, err := ReadVocab(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DisplayName(path), err)
	}
	return v, nil
}
