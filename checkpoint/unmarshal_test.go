package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
