package vectors

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// craftFastText builds a fastText .bin (format version 12, not pruned)
// holding words, the n-gram arguments minn, maxn and bucket, and an input
// matrix of (len(words)+bucket) x dim rows whose value k of row r is
// r+k/10 (an output matrix of zeros follows, as in fastText's files).
func craftFastText(words []string, dim, minn, maxn, bucket int32) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	le(int32(fastTextMagic))
	le(int32(12))
	// dim, ws, epoch, minCount, neg, wordNgrams, loss, model (2: skipgram),
	// bucket, minn, maxn, lrUpdateRate; t.
	le([12]int32{dim, 5, 1, 1, 5, 1, 2, 2, bucket, minn, maxn, 100})
	le(1e-4)
	n := int32(len(words))
	le([3]int32{n, n, 0})
	le(int64(100))
	le(int64(-1))
	for i, w := range words {
		b.WriteString(w)
		b.WriteByte(0)
		le(int64(len(words) - i))
		b.WriteByte(0)
	}
	b.WriteByte(0)
	rows := int64(n) + int64(bucket)
	le([2]int64{rows, int64(dim)})
	for r := range rows {
		for k := range int64(dim) {
			le(float32(r) + float32(k)/10)
		}
	}
	b.WriteByte(0)
	le([2]int64{int64(n), int64(dim)})
	le(make([]float32, int(n)*int(dim)))
	return b.Bytes()
}

// TestFastTextInvalidUTF8Words: words of a fastText model that are not
// valid UTF-8 come out with those bytes escaped as \xHH (the words Python's
// "backslashreplace" gives, written here as Python 3 prints them), keep
// fastText's vectors computed from their bytes, and the vectors written in
// every format read back with the same words and values.
func TestFastTextInvalidUTF8Words(t *testing.T) {
	raw := []string{"</s>", "caf\xe9", "\xe2\x82A", "\xed\xa0\x80x", "ok\xff\xfe", "naïve", `back\slash`}
	want := []string{"</s>", `caf\xe9`, `\xe2\x82A`, `\xed\xa0\x80x`, `ok\xff\xfe`, "naïve", `back\slash`}
	v, err := ReadFastText(bytes.NewReader(craftFastText(raw, 3, 2, 3, 50)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Words, want) {
		t.Fatalf("words %q, want %q", v.Words, want)
	}
	// A word's vector is the mean of its own row and of the rows of the
	// n-grams of its bytes as fastText stored them.
	sw := v.Subwords
	for i, w := range raw[1:] {
		i++
		ids := sw.ngramRows(w, nil)
		if len(ids) == 0 || slices.Equal(ids, sw.ngramRows(want[i], nil)) != (w == want[i]) {
			t.Fatalf("%q: n-gram rows %v", w, ids)
		}
		for k := range 3 {
			sum := float64(i) + float64(k)/10
			for _, r := range ids {
				sum += float64(sw.Rows[int(r)*3+k])
			}
			if got, exp := v.Vec(i)[k], sum/float64(1+len(ids)); math.Abs(float64(got)-exp) > 1e-5 {
				t.Errorf("%q[%d] = %v, want %v", want[i], k, got, exp)
			}
		}
	}
	for _, f := range []Format{Word2VecText, Word2VecBinary, GloVeText} {
		var buf bytes.Buffer
		if err := Write(&buf, v, f); err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		back, err := ReadFormat(&buf, f)
		if err != nil {
			t.Fatalf("%v: the converted file does not read back: %v", f, err)
		}
		if !slices.Equal(back.Words, v.Words) || !slices.Equal(back.Data, v.Data) {
			t.Errorf("%v: read back %q %v, wrote %q %v", f, back.Words, back.Data, v.Words, v.Data)
		}
	}
	// Vectors given by the caller with such words are refused before
	// anything is written, naming the word.
	bad := &Vectors{Words: []string{"ok", "caf\xe9"}, Dim: 1, Data: []float32{1, 2}}
	var buf bytes.Buffer
	if err := Write(&buf, bad, Word2VecText); err == nil || !strings.Contains(err.Error(), `word 1 ("caf\xe9") is not valid UTF-8`) || buf.Len() != 0 {
		t.Errorf("writing a word that is not UTF-8: %v, %d bytes written", err, buf.Len())
	}
}
