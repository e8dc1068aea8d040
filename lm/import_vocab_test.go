package lm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

func TestReadVocabList(t *testing.T) {
	dir := t.TempDir()
	v, err := text.NewVocab([]string{text.UNK, "a", "b"}, nil, []string{text.UNK})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, body     string
		toks, specials []string
		wantErr        string
	}{
		{"vocab.json", string(js), []string{text.UNK, "a", "b"}, []string{text.UNK}, ""},
		{"array.json", ` ["x", "<eos>", "y"]`, []string{"x", "<eos>", "y"}, nil, ""},
		{"lines.txt", "x\r\n<eos>\ny\n", []string{"x", "<eos>", "y"}, nil, ""},
		// Windows line ends throughout: the last token has no "\r" either.
		{"crlf.txt", "x\r\n<eos>\r\ny\r\n", []string{"x", "<eos>", "y"}, nil, ""},
		{"crlf-empty.txt", "\r\n", nil, nil, "crlf-empty.txt: empty vocabulary"},
		{"bad.json", `["x", 3]`, nil, nil, "bad.json: not a JSON array of strings"},
		{"empty.txt", "\n", nil, nil, "empty.txt: empty vocabulary"},
	} {
		l, err := ReadVocabList(writeFile(t, dir, c.name, c.body))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(l.Tokens, c.toks) || !slices.Equal(l.Specials, c.specials) {
			t.Errorf("%s: %+v, %v", c.name, l, err)
		}
	}
}

func TestVocabListChars(t *testing.T) {
	l := &VocabList{Tokens: []string{"<unk>", "<eos>", "a", "é", "\n"}}
	if l.Chars() {
		t.Error("multi-character specials not yet marked special count as words")
	}
	l.SetSpecials("<unk>,<eos>,<pad>")
	if !slices.Equal(l.Specials, []string{"<unk>", "<eos>"}) || !l.Chars() {
		t.Errorf("specials %q, chars %v", l.Specials, l.Chars())
	}
	if (&VocabList{Tokens: []string{"<unk>"}, Specials: []string{"<unk>"}}).Chars() {
		t.Error("a vocabulary of specials only is not a character vocabulary")
	}
}

func TestImportVocab(t *testing.T) {
	dir := t.TempDir()
	chars := writeFile(t, dir, "chars.txt", "<unk>\na\nb\n")
	words := writeFile(t, dir, "words.json", `["<unk>", "the", "cat"]`)
	for _, c := range []struct {
		path     string
		tok      TokenizerOptions
		mode     text.Mode
		inferred bool
	}{
		{chars, TokenizerOptions{EOS: "auto"}, text.Chars, true},
		{words, TokenizerOptions{EOS: "auto"}, text.Words, true},
		{chars, TokenizerOptions{Level: "word", EOS: "auto"}, text.Words, false},
		{words, TokenizerOptions{Name: "whitespace", NameSet: true}, text.Whitespace, false},
	} {
		v, tok, inferred, err := ImportVocab(c.path, "<unk>,<eos>", false, c.tok)
		if err != nil || tok.Mode != c.mode || inferred != c.inferred || v.Len() != 3 || v.SpecialID(text.UNK) != 0 {
			t.Errorf("%s %+v: mode %v inferred %v, %v", c.path, c.tok, tok.Mode, inferred, err)
		}
	}
	dup := writeFile(t, dir, "dup.txt", "a\na\n")
	if _, _, _, err := ImportVocab(dup, "", false, TokenizerOptions{EOS: "auto"}); err == nil || !strings.HasPrefix(err.Error(), dup+": ") {
		t.Errorf("duplicate token: %v", err)
	}
	if _, _, _, err := ImportVocab(dir+"/none.txt", "", false, TokenizerOptions{}); err == nil || !strings.HasPrefix(err.Error(), "vocabulary: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseRenames(t *testing.T) {
	got, err := ParseRenames([]string{"lstm=rnn", "module.="})
	if err != nil || !slices.Equal(got, []Rename{{"lstm", "rnn"}, {"module.", ""}}) {
		t.Errorf("%+v, %v", got, err)
	}
	for _, bad := range []string{"lstm", "=rnn", "lstm="} {
		if _, err := ParseRenames([]string{bad}); err == nil || !strings.Contains(err.Error(), "want FROM=TO") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestImportReport(t *testing.T) {
	m, err := New(Config{Arch: Arch{Cell: "gru", VocabSize: 5, EmbedDim: 4, Hidden: 4, Layers: 2}, Tied: true, Tokenizer: text.Tokenizer{Mode: text.Chars}}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := NewImportReport(m, "out", true)
	js, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	// The keys in sorted order, as the map lm import printed before.
	var keys map[string]any
	if err := json.Unmarshal(js, &keys); err != nil {
		t.Fatal(err)
	}
	sorted, err := json.Marshal(keys)
	if err != nil || !bytes.Equal(js, sorted) {
		t.Errorf("JSON %s, sorted %s", js, sorted)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("imported gru 2 layers x 4, embed 4, vocab 5, tied true, %d parameters into out; char level (from the vocabulary)\n", m.NumParams())
	if b.String() != want {
		t.Errorf("text %q, want %q", b.String(), want)
	}
}
