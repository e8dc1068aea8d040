package text

import (
	"context"
	"io"
)

// Sentences streams the corpus as sentences of vocabulary ids. Words not in
// v are dropped, a newline ends a sentence, and sentences longer than maxLen
// ids (maxLen <= 0: no limit) are split. fn receives a slice that is valid
// only during the call; an error from fn stops the pass and is returned.
func (c *Corpus) Sentences(ctx context.Context, v *CorpusVocab, maxLen int, fn func(ids []int32) error) error {
	r := c.Words()
	defer r.Close()
	return ReadSentences(ctx, r, v, maxLen, fn)
}

// ReadSentences is Corpus.Sentences over the words of r (for example a
// NewWordReader on one shard). It does not close r.
func ReadSentences(ctx context.Context, r *WordReader, v *CorpusVocab, maxLen int, fn func(ids []int32) error) error {
	sen := make([]int32, 0, 1024)
	var n int
	for {
		w, eol, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n++
		if n&(1<<16-1) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if id, ok := v.Index[string(w)]; ok {
			sen = append(sen, id)
		}
		if eol || (maxLen > 0 && len(sen) >= maxLen) {
			if len(sen) > 0 {
				if err := fn(sen); err != nil {
					return err
				}
			}
			sen = sen[:0]
		}
	}
	if len(sen) > 0 {
		return fn(sen)
	}
	return nil
}
