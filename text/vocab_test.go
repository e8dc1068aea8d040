package text

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func counterOf(s string) *Counter {
	c := NewCounter()
	c.Add(strings.Fields(s))
	return c
}

func TestBuildVocab(t *testing.T) {
	// counts: a=4 b=3 c=3 d=2 é=2 東=1 <unk>=1
	corpus := "a a a a b b b c c c d d é é 東 <unk>"
	tests := []struct {
		name   string
		opt    VocabOptions
		tokens []string
		counts []int64
	}{
		{"all", VocabOptions{Specials: []string{}},
			[]string{"a", "b", "c", "d", "é", "<unk>", "東"}, []int64{4, 3, 3, 2, 2, 1, 1}},
		{"default specials", VocabOptions{},
			[]string{UNK, EOS, BOS, PAD, "a", "b", "c", "d", "é", "東"}, []int64{1, 0, 0, 0, 4, 3, 3, 2, 2, 1}},
		{"min count 2", VocabOptions{Specials: []string{UNK}, MinCount: 2},
			[]string{UNK, "a", "b", "c", "d", "é"}, []int64{1, 4, 3, 3, 2, 2}},
		{"max size cuts tie by byte order", VocabOptions{Specials: []string{PAD, UNK}, MaxSize: 4},
			[]string{PAD, UNK, "a", "b"}, []int64{0, 1, 4, 3}},
		{"max size 5 tie", VocabOptions{Specials: []string{UNK}, MaxSize: 5},
			[]string{UNK, "a", "b", "c", "d"}, []int64{1, 4, 3, 3, 2}},
		{"max size equals specials", VocabOptions{Specials: []string{UNK, EOS}, MaxSize: 2},
			[]string{UNK, EOS}, []int64{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := BuildVocab(counterOf(corpus), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v.Tokens(), tc.tokens) || !slices.Equal(v.Counts(), tc.counts) {
				t.Errorf("tokens %q counts %v, want %q %v", v.Tokens(), v.Counts(), tc.tokens, tc.counts)
			}
			for i, tok := range v.Tokens() {
				if id, ok := v.Lookup(tok); !ok || id != int32(i) || v.Token(id) != tok {
					t.Errorf("Lookup(%q) = %d, %v", tok, id, ok)
				}
			}
		})
	}
}

func TestBuildVocabDeterministic(t *testing.T) {
	// Many tokens with equal counts: the order must not depend on map order.
	var words []string
	for i := range 200 {
		words = append(words, string(rune('a'+i%26))+string(rune('A'+i/26)))
	}
	var first []string
	for range 5 {
		c := NewCounter()
		c.Add(words)
		v, err := BuildVocab(c, VocabOptions{MaxSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = slices.Clone(v.Tokens())
			if !slices.IsSorted(first[4:]) {
				t.Errorf("equal counts not in byte order: %q", first[4:])
			}
		} else if !slices.Equal(first, v.Tokens()) {
			t.Fatal("vocabulary order changed between builds")
		}
	}
}

func TestBuildVocabErrors(t *testing.T) {
	c := counterOf("a b")
	for name, opt := range map[string]VocabOptions{
		"max below specials": {MaxSize: 2},
		"duplicate special":  {Specials: []string{UNK, UNK}},
		"empty special":      {Specials: []string{""}},
		"negative":           {MinCount: -1},
	} {
		if _, err := BuildVocab(c, opt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	v, err := BuildVocab(counterOf("le chat noir le chien"), VocabOptions{Specials: []string{UNK, EOS}})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := v.Encode(nil, []string{"le", "chat", "rose", EOS})
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{v.ID("le"), v.ID("chat"), v.UnkID(), v.SpecialID(EOS)}
	if !slices.Equal(ids, want) || v.UnkID() != 0 || v.SpecialID(EOS) != 1 || v.ID("le") != 2 {
		t.Errorf("ids %v want %v", ids, want)
	}
	if v.SpecialID(BOS) != -1 || v.ID("rose") != v.UnkID() {
		t.Error("absent special or OOV id wrong")
	}
	toks, err := v.Decode(nil, ids)
	if err != nil || !slices.Equal(toks, []string{"le", "chat", UNK, EOS}) {
		t.Errorf("Decode = %q, %v", toks, err)
	}
	if _, err := v.Decode(nil, []int32{int32(v.Len())}); err == nil {
		t.Error("Decode out of range: no error")
	}
	if _, err := v.Decode(nil, []int32{-1}); err == nil {
		t.Error("Decode negative: no error")
	}

	closed, err := BuildVocab(counterOf("a b"), VocabOptions{Specials: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if closed.UnkID() != -1 || closed.ID("z") != -1 {
		t.Error("closed vocabulary has an unk id")
	}
	if _, err := closed.Encode(nil, []string{"a", "z"}); err == nil || !strings.Contains(err.Error(), `"z"`) {
		t.Errorf("Encode OOV without unk: err = %v", err)
	}
}

func TestVocabJSONRoundTrip(t *testing.T) {
	v, err := BuildVocab(counterOf("x y y 東 😀 \" \\ <eos>"), VocabOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := v.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	w, err := ReadVocab(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Tokens(), w.Tokens()) || !slices.Equal(v.Counts(), w.Counts()) ||
		!slices.Equal(v.Specials(), w.Specials()) || w.UnkID() != v.UnkID() || w.ID("東") != v.ID("東") {
		t.Errorf("round trip differs: %q %v vs %q %v", v.Tokens(), v.Counts(), w.Tokens(), w.Counts())
	}
	if w.Count(w.SpecialID(EOS)) != 1 {
		t.Errorf("eos count %d, want 1", w.Count(w.SpecialID(EOS)))
	}

	path := filepath.Join(t.TempDir(), "vocab.json")
	if err := SaveVocab(path, v); err != nil {
		t.Fatal(err)
	}
	u, err := LoadVocab(path)
	if err != nil || !slices.Equal(u.Tokens(), v.Tokens()) {
		t.Fatalf("LoadVocab: %v", err)
	}
	if _, err := LoadVocab(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("LoadVocab of a missing file: no error")
	}
}

func TestVocabJSONInvalid(t *testing.T) {
	for name, js := range map[string]string{
		"not json":        `{`,
		"wrong format":    `{"format":"x","version":1,"tokens":[],"counts":[]}`,
		"count mismatch":  `{"format":"recurrent-vocab","version":1,"tokens":["a"],"counts":[]}`,
		"duplicate":       `{"format":"recurrent-vocab","version":1,"tokens":["a","a"],"counts":[1,1]}`,
		"missing special": `{"format":"recurrent-vocab","version":1,"specials":["<unk>"],"tokens":["a"],"counts":[1]}`,
		"negative count":  `{"format":"recurrent-vocab","version":1,"tokens":["a"],"counts":[-1]}`,
	} {
		var v Vocab
		if err := json.Unmarshal([]byte(js), &v); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCounterClonesTokens(t *testing.T) {
	line := strings.Repeat("a", 10) + " b"
	c := NewCounter()
	c.Add((&Tokenizer{}).Tokenize(line))
	c.AddN("b", 2)
	if c.Count("b") != 3 || c.Count(strings.Repeat("a", 10)) != 1 || c.Len() != 2 || c.Total() != 4 {
		t.Errorf("counts wrong: b=%d len=%d total=%d", c.Count("b"), c.Len(), c.Total())
	}
}

// TestBuildVocabSorted lists the tokens after the specials in byte order,
// with their counts, whatever the counts.
func TestBuildVocabSorted(t *testing.T) {
	c := NewCounter()
	c.Add([]string{"b", "b", "b", "a", "c", "c", PAD})
	v, err := BuildVocab(c, VocabOptions{Specials: []string{PAD, UNK}, Sorted: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Tokens(), " "); got != "<pad> <unk> a b c" {
		t.Errorf("tokens %q", got)
	}
	if got := v.Counts(); !slices.Equal(got, []int64{1, 0, 1, 3, 2}) {
		t.Errorf("counts %v", got)
	}
}
