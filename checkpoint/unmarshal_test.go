package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// upper accepts only upper-case JSON strings.
type upper struct{ s string }

func (u *upper) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.ToUpper(s) != s {
		return errors.New("not upper case")
	}
	u.s = s
	return nil
}

func TestReadUnmarshal(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"good.json": `"ABC"`, "bad.json": `"abc"`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want, errHas string
	}{
		{"good.json", `"ABC"`, ""},
		{"bad.json", "", filepath.Join(dir, "bad.json") + ": not upper case"},
		{"missing.json", "", "checkpoint: "},
	}
	for _, c := range cases {
		var u upper
		err := ck.ReadUnmarshal(c.name, &u)
		switch {
		case c.errHas == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.errHas != "" && (err == nil || !strings.Contains(err.Error(), c.errHas)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.errHas)
		case u.s != c.want:
			t.Errorf("%s: got %q, want %q", c.name, u.s, c.want)
		}
	}
}

// TestReadVocab reads back a vocabulary saved as vocab.json (the same id
// for every token, <unk> for an unseen one) and refuses a file that is not
// one, naming it.
func TestReadVocab(t *testing.T) {
	want, err := text.NewVocab([]string{"<pad>", "<unk>", "a", "b"}, nil, []string{"<pad>", "<unk>"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ck")
	if err := Save(dir, JSONFile(VocabFile, want), BytesFile("bad.json", []byte(`{"tokens": 3}`))); err != nil {
		t.Fatal(err)
	}
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ck.ReadVocab(VocabFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"<pad>", "<unk>", "a", "b", "unseen"} {
		if g, w := got.ID(tok), want.ID(tok); g != w {
			t.Errorf("%q: id %d read, %d saved", tok, g, w)
		}
	}
	if v, err := ck.ReadVocab("bad.json"); err == nil || v != nil || !strings.Contains(err.Error(), filepath.Join(dir, "bad.json")) {
		t.Errorf("bad vocabulary: %v, %v; want an error naming the file", v, err)
	}
}
