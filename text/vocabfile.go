package text

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// CountFiles counts the tokens of the files (plain or .gz, see OpenFile)
// with t and builds their vocabulary with opt. It is the single-machine
// twin of the distributed vocabulary count (module beam): SaveVocab of its
// result is the vocabulary file that `recurrent lm train --vocab` and
// `recurrent vectors train --vocab` read, and counting the same files in
// any order or split gives the same bytes.
func CountFiles(t *Tokenizer, paths []string, opt VocabOptions) (*Vocab, error) {
	if len(paths) == 0 {
		return nil, errors.New("text: count: no input files")
	}
	c := NewCounter()
	for _, p := range paths {
		if err := CountFile(c, t, p); err != nil {
			return nil, err
		}
	}
	return BuildVocab(c, opt)
}

// VocabFile says what CountToFile wrote: the vocabulary file and its size.
type VocabFile struct {
	Out  string `json:"out"`
	Size int    `json:"vocab_size"`
}

// WriteText writes "vocabulary SIZE -> OUT" on a line.
func (f *VocabFile) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "vocabulary %d -> %s\n", f.Size, f.Out)
	return err
}

// CountToFile counts the files into a vocabulary (CountFiles) and saves
// it as the vocabulary file out (SaveVocab; "-": written to s.Out), as
// recurrent vectors vocab does. An out that cannot be written (a
// directory, or in a missing one) is refused before the counting.
func (s Stdio) CountToFile(t *Tokenizer, paths []string, opt VocabOptions, out string) (*VocabFile, error) {
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("text: save vocabulary %s: directory %s does not exist", out, filepath.Dir(out))
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return nil, fmt.Errorf("text: save vocabulary %s: is a directory", out)
	}
	v, err := CountFiles(t, paths, opt)
	if err != nil {
		return nil, err
	}
	if out == "-" {
		err = s.WriteFile(out, func(w io.Writer) error { _, err := v.WriteTo(w); return err })
	} else {
		err = SaveVocab(out, v)
	}
	if err != nil {
		return nil, err
	}
	return &VocabFile{Out: out, Size: v.Len()}, nil
}

// MaxCorpusTokens is the largest sum of counts NewCorpusVocab accepts:
// 2^53, far beyond any corpus, so that the trainers' token totals (times
// their epochs) and the float64 arithmetic on them stay exact.
const MaxCorpusTokens = 1 << 53

// NewCorpusVocab turns a vocabulary file's Vocab into the CorpusVocab that
// word2vec and GloVe train on: the same words with the same ids and counts.
// The vocabulary must have no special tokens (count with no specials).
// Total is the sum of the counts; Tokens and Types, which the file does not
// record, are set to Total and the number of words. Counts adding up to
// more than MaxCorpusTokens are refused, as are tokens that are empty or
// hold white space (which vector files cannot hold).
func NewCorpusVocab(v *Vocab) (*CorpusVocab, error) {
	if len(v.specials) > 0 {
		return nil, fmt.Errorf("text: word vectors need a vocabulary without special tokens, this one has %q", v.specials)
	}
	if v.Len() == 0 {
		return nil, fmt.Errorf("text: %w: the vocabulary file has no words", ErrEmptyVocab)
	}
	cv := &CorpusVocab{
		Words:  v.tokens,
		Counts: v.counts,
		Index:  make(map[string]int32, v.Len()),
		Types:  v.Len(),
	}
	for i, w := range v.tokens {
		if w == "" || strings.ContainsAny(w, " \t\n\r") {
			return nil, fmt.Errorf("text: vocabulary token %q (id %d) is empty or holds white space: no corpus word does, and no vector file can hold it", w, i)
		}
		cv.Index[w] = int32(i)
		cv.Total += v.counts[i] // at most 2^53 + 2^63: past MaxInt64 it wraps negative
		if cv.Total > MaxCorpusTokens || cv.Total < 0 {
			return nil, fmt.Errorf("text: the vocabulary's counts add up to more than 2^53 tokens (at %q, id %d): not the counts of a corpus", w, i)
		}
	}
	cv.Tokens = cv.Total
	return cv, nil
}
