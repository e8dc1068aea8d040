package lm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/recurrent-go/recurrent/text"
)

var errNoVocab = errors.New("lm: the model has no vocabulary (its checkpoint has no vocab.json)")

// StartID returns the id fed before a line when sampling or scoring: the
// tokenizer's BOS token if it has one, otherwise its EOS token (the
// boundary the model saw before every line in training); -1 if neither is
// in the vocabulary.
func (m *Model) StartID() int32 {
	if m.Vocab == nil {
		return -1
	}
	for _, s := range []string{m.Config.Tokenizer.BOS, m.Config.Tokenizer.EOS} {
		if s == "" {
			continue
		}
		if id, ok := m.Vocab.Lookup(s); ok {
			return id
		}
	}
	return -1
}

// EOSID returns the id of the tokenizer's end-of-line token, or -1.
func (m *Model) EOSID() int32 {
	if m.Vocab == nil || m.Config.Tokenizer.EOS == "" {
		return -1
	}
	if id, ok := m.Vocab.Lookup(m.Config.Tokenizer.EOS); ok {
		return id
	}
	return -1
}

// EncodeLine returns the ids of one line as scored: its tokens and the EOS
// marker, without a leading BOS (that is the start token).
func (m *Model) EncodeLine(line string) ([]int32, error) {
	if m.Vocab == nil {
		return nil, errNoVocab
	}
	toks := m.Config.Tokenizer.Tokenize(line)
	if bos := m.Config.Tokenizer.BOS; bos != "" && len(toks) > 0 && toks[0] == bos {
		toks = toks[1:]
	}
	return m.Vocab.Encode(nil, toks)
}

// EncodePrompt returns the ids of a prompt that a sample continues: every
// line but the last ends with EOS; the last line is left open.
func (m *Model) EncodePrompt(prompt string) ([]int32, error) {
	if m.Vocab == nil {
		return nil, errNoVocab
	}
	tok := m.Config.Tokenizer
	tok.BOS = ""
	lines := strings.Split(prompt, "\n")
	var ids []int32
	for i, line := range lines {
		t := tok
		if i == len(lines)-1 {
			t.EOS = ""
		}
		var err error
		if ids, err = m.Vocab.Encode(ids, t.Tokenize(line)); err != nil {
			return nil, fmt.Errorf("lm: prompt line %d: %w", i+1, err)
		}
	}
	return ids, nil
}

// Decode turns ids back into text: characters are concatenated; words are
// joined by spaces, with the EOS token written as a line break and BOS
// dropped.
func (m *Model) Decode(ids []int32) (string, error) {
	if m.Vocab == nil {
		return "", errNoVocab
	}
	toks, err := m.Vocab.Decode(nil, ids)
	if err != nil {
		return "", fmt.Errorf("lm: %w", err)
	}
	tok := m.Config.Tokenizer
	if tok.Mode == text.Chars {
		var b strings.Builder
		for _, t := range toks {
			if t == tok.BOS {
				continue
			}
			if t == tok.EOS && tok.EOS != "\n" {
				t = "\n"
			}
			b.WriteString(t)
		}
		return b.String(), nil
	}
	var b strings.Builder
	atLineStart := true
	for _, t := range toks {
		switch {
		case t == tok.BOS && t != "":
		case t == tok.EOS && t != "":
			b.WriteByte('\n')
			atLineStart = true
		default:
			if !atLineStart {
				b.WriteByte(' ')
			}
			b.WriteString(t)
			atLineStart = false
		}
	}
	return b.String(), nil
}
