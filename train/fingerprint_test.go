package train

import (
	"strings"
	"testing"
)

// TestCheckDataOptional: an optional fingerprint is compared when the
// checkpoint holds one of its name and skipped when it holds none (a
// checkpoint written before the task took it); a required one missing
// from the checkpoint is refused.
func TestCheckDataOptional(t *testing.T) {
	words := FingerprintIDs("train", []int32{1, 2, 3})
	chars := FingerprintSeqs("train_chars", [][]int32{{4, 5}, {6}}, nil)
	other := FingerprintSeqs("train_chars", [][]int32{{4, 5}, {7}}, nil)
	opt := func(f Fingerprint) Fingerprint { f.Optional = true; return f }
	for _, c := range []struct {
		name       string
		saved, now []Fingerprint
		want       string
	}{
		{"same", []Fingerprint{words, chars}, []Fingerprint{words, opt(chars)}, ""},
		{"other optional", []Fingerprint{words, chars}, []Fingerprint{words, opt(other)}, "the train_chars data differ from the checkpoint's (2 items, other content)"},
		{"optional not saved", []Fingerprint{words}, []Fingerprint{words, opt(other)}, ""},
		{"required not saved", []Fingerprint{words}, []Fingerprint{words, other}, "the checkpoint was trained without train_chars data (2 items now)"},
		{"saved, not given", []Fingerprint{words, chars}, []Fingerprint{words}, "the checkpoint was trained with train_chars data (2 items), none given now"},
	} {
		err := checkData("ck", c.saved, c.now)
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
