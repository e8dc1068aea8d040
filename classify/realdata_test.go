package classify

import (
	"os"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// TestRealData reads the shared benchmark files when they are present
// ($RECURRENT_DATA, default /work/shared/data); they are never copied into
// the repository.
func TestRealData(t *testing.T) {
	cases := []struct {
		path   string
		format Format
		n      int
		labels int
	}{
		{"emojify/train_emoji.csv", CSV, 132, 5},
		{"emojify/tesss.csv", CSV, 56, 5},
		{"emojify/test_emoji.csv", CSV, 56, 5},
		{"emojify/emojify_data.csv", CSV, 183, 5},
		{"sentiment/stsa.binary.train", SST, 6920, 2},
		{"sentiment/stsa.binary.dev", SST, 872, 2},
		{"sentiment/stsa.binary.test", SST, 1821, 2},
	}
	for _, c := range cases {
		path := testutil.SharedData(t, c.path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if f, err := DetectFormat(data); err != nil || f != c.format {
			t.Errorf("%s: detected %v, %v; want %v", c.path, f, err, c.format)
		}
		ex, err := ReadFile(path, Auto)
		if err != nil {
			t.Fatal(err)
		}
		m := LabelMapOf(ex, Sorted)
		if len(ex) != c.n || m.Len() != c.labels {
			t.Errorf("%s: %d examples %d labels, want %d %d", c.path, len(ex), m.Len(), c.n, c.labels)
		}
		for _, e := range ex {
			if e.Text == "" || e.Text != trimmed(e.Text) {
				t.Errorf("%s:%d: text %q", c.path, e.Line, e.Text)
			}
		}
	}
}

func trimmed(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
