package lm

import (
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

func TestTextHelpers(t *testing.T) {
	tests := []struct {
		name     string
		tok      text.Tokenizer
		specials []string
		corpus   string
		line     string
		wantLine []string
		prompt   string
		decoded  string
	}{
		{"words", text.Tokenizer{Mode: text.Whitespace, EOS: text.EOS}, []string{text.UNK, text.EOS},
			"the cat sat", "the dog sat", []string{"the", text.UNK, "sat", text.EOS}, "the cat\nsat", "the cat\nsat"},
		{"words with bos", text.Tokenizer{Mode: text.Words, BOS: text.BOS, EOS: text.EOS, Lower: true}, []string{text.UNK, text.EOS, text.BOS},
			"the cat", "The cat", []string{"the", "cat", text.EOS}, "cat", "cat"},
		{"chars", text.Tokenizer{Mode: text.Chars, EOS: "\n"}, []string{},
			"ab\nba", "ba", []string{"b", "a", "\n"}, "a\nb", "a\nb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := text.NewCounter()
			if err := text.CountReader(c, &tc.tok, strings.NewReader(tc.corpus), "corpus"); err != nil {
				t.Fatal(err)
			}
			v, err := text.BuildVocab(c, text.VocabOptions{Specials: tc.specials})
			if err != nil {
				t.Fatal(err)
			}
			m := mustNew(t, New, Config{Arch: Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 2, Hidden: 2, Layers: 1}, Tokenizer: tc.tok}, v, 1)
			ids, err := m.EncodeLine(tc.line)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := v.Decode(nil, ids)
			if !slices.Equal(got, tc.wantLine) {
				t.Errorf("EncodeLine(%q) = %q, want %q", tc.line, got, tc.wantLine)
			}
			pids, err := m.EncodePrompt(tc.prompt)
			if err != nil {
				t.Fatal(err)
			}
			s, err := m.Decode(pids)
			if err != nil || s != tc.decoded {
				t.Errorf("Decode(EncodePrompt(%q)) = %q, %v; want %q", tc.prompt, s, err, tc.decoded)
			}
			start := m.StartID()
			want := tc.tok.BOS
			if want == "" {
				want = tc.tok.EOS
			}
			if start < 0 || v.Token(start) != want {
				t.Errorf("StartID %d, want the id of %q", start, want)
			}
			if eos := m.EOSID(); eos < 0 || v.Token(eos) != tc.tok.EOS {
				t.Errorf("EOSID %d", eos)
			}
		})
	}
}
