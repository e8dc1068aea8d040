package vectors

import (
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
