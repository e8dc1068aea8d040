package vectors

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// readFastTextWithin reads b as a fastText model, failing t when that takes
// longer than d (a hang).
func readFastTextWithin(t *testing.T, b []byte, d time.Duration) (*Vectors, error) {
	t.Helper()
	type result struct {
		v   *Vectors
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := ReadFastText(bytes.NewReader(b))
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(d):
		t.Fatalf("no answer within %v (a hang)", d)
		return nil, nil
	}
}

// Models whose n-gram arguments make the word vectors cost far more than
// the file are refused: a maxn of 2^20 made one word of 20000 bytes have
// 2*10^8 n-grams (800 MB of row numbers, each n-gram hashed from its
// start: 10^12 steps), and a maxn of 64 with one word of 60000 bytes and
// dimension 8192 (a 200 kB file) cost 3*10^10 additions.
func TestFastTextNgramWorkBounded(t *testing.T) {
	for _, tc := range []struct {
		name      string
		word      string
		dim, maxn int32
		want      string
	}{
		{"maxn_2^20", strings.Repeat("a", 20000), 1, 1 << 20, "maxn"},
		{"long_word_wide_rows", strings.Repeat("a", 60000), 8192, 64, "n-gram"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readFastTextWithin(t, craftFastText([]string{"</s>", tc.word}, tc.dim, 1, tc.maxn, 1), 20*time.Second)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// fastText's own arguments (minn 3, maxn 6) on ordinary words are read.
	if v, err := readFastTextWithin(t, craftFastText([]string{"</s>", "the", "citizenship"}, 4, 3, 6, 100), 20*time.Second); err != nil || v.Len() != 3 {
		t.Errorf("an ordinary model: %v", err)
	}
}

// A NaN or an infinity in the input matrix is refused, naming its byte
// offset, as the other readers refuse them: it was read, and spread to
// every word whose n-grams hash to its row.
func TestFastTextNonFiniteValues(t *testing.T) {
	b := craftFastText([]string{"</s>", "ab"}, 2, 1, 2, 3)
	one := []byte{0, 0, 0x80, 0x3f} // float32 1: row 1, value 0
	at := bytes.Index(b, one)
	for _, bits := range [][]byte{{0, 0, 0xc0, 0x7f}, {0, 0, 0x80, 0x7f}} {
		c := bytes.Clone(b)
		copy(c[at:], bits)
		_, err := ReadFastText(bytes.NewReader(c))
		if err == nil || !strings.Contains(err.Error(), "finite") || !strings.Contains(err.Error(), "byte") {
			t.Errorf("%x at byte %d: error %v", bits, at, err)
		}
	}
}
