package text

import (
	"slices"
	"strings"
	"testing"
)

// A labelled file saved with a UTF-8 byte-order mark (as Windows editors
// write it) reads as the same file without one: the mark must not become
// part of the first label (a spurious class, or a TSV header row taken for
// an example) nor make an SST file's first numeric label look missing.
func TestReadLabelledByteOrderMark(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	cases := []struct {
		name, data string
		format     LabelFormat
	}{
		{"tsv header", "label\ttext\npos\tgood film\nneg\tbad film\n", FormatTSV},
		{"tsv", "pos\tgood film\nneg\tbad film\n", FormatTSV},
		{"sst", "1 good film\n0 bad film\n1 great\n", FormatSST},
		{"csv", "good film,pos\nbad film,neg\n", FormatCSV},
	}
	for _, c := range cases {
		for _, f := range []LabelFormat{FormatAuto, c.format} {
			want, wantF, err := ReadLabelled(strings.NewReader(c.data), "plain", f)
			if err != nil {
				t.Fatalf("%s (%v) without a mark: %v", c.name, f, err)
			}
			got, gotF, err := ReadLabelled(strings.NewReader(bom+c.data), "bom", f)
			if err != nil {
				t.Errorf("%s (%v) with a mark: %v", c.name, f, err)
				continue
			}
			if gotF != wantF || !slices.Equal(got, want) {
				t.Errorf("%s (%v) with a mark: read %v %+v, without %v %+v", c.name, f, gotF, got, wantF, want)
			}
		}
	}
}

// TestReadLabelledHeaderOnly: a file holding a header row and nothing else
// is an error naming it, as an empty one is: as a --valid file it trained
// silently without validation, and classify eval scored 0/0 as a success.
func TestReadLabelledHeaderOnly(t *testing.T) {
	for data, f := range map[string]LabelFormat{"label\ttext\n\n": FormatAuto, "text,label\r\n": FormatCSV, "label\ttext\n": FormatTSV} {
		if ex, _, err := ReadLabelled(strings.NewReader(data), "h.tsv", f); err == nil || !strings.Contains(err.Error(), "h.tsv: no labelled examples") {
			t.Errorf("%q: %d examples, %v", data, len(ex), err)
		}
	}
}
