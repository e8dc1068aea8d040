package vectors

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// A GloVe file (no header) whose first line has more than MaxDim values is
// refused, as a word2vec header announcing such a dimension is: it was
// read, making a vector wider than any trainer or reader here allows.
func TestReadGloVeDimensionCap(t *testing.T) {
	line := "a" + strings.Repeat(" 0", MaxDim+1) + "\n"
	if _, err := Read(strings.NewReader(line)); err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("error %v, want one saying line 1's dimension is out of range", err)
	}
	line = "a" + strings.Repeat(" 0", MaxDim) + "\n"
	if v, err := Read(strings.NewReader(line)); err != nil || v.Dim != MaxDim {
		t.Errorf("dimension MaxDim: %v", err)
	}
}

// A header may make a reader preallocate at most its documented cap
// (maxPrealloc float32s, 16 MB, words included): "4194304 1" alone, or a
// fastText dictionary claiming 2^31-1 words, used to preallocate 80 MB.
func TestHeaderPreallocationCapped(t *testing.T) {
	ft := craftFastText([]string{"</s>"}, 1, 0, 0, 0)
	copy(ft[64:], []byte{0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f}) // dictionary size and word count
	for name, b := range map[string][]byte{"text": []byte("4194304 1\na 1\n"), "binary": []byte("4194304 1\na \x00\x00\x80\x3f\n"), "fasttext": ft} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Read(bytes.NewReader(b))
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; err == nil || n > 4*maxPrealloc+1<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte file (error %v)", name, n, len(b), err)
		}
	}
}
