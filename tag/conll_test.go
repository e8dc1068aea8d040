package tag

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadCoNLL(t *testing.T) {
	in := "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\n\n\nPeter NNP B-NP I-PER\n"
	cases := []struct {
		name       string
		opts       ReadOptions
		wantTokens [][]string
		wantTags   [][]string
		wantLines  []int
	}{
		{"default", ReadOptions{},
			[][]string{{"EU", "rejects"}, {"Peter"}}, [][]string{{"I-ORG", "O"}, {"I-PER"}}, []int{3, 7}},
		{"pos column", ReadOptions{TagColumn: 1},
			[][]string{{"EU", "rejects"}, {"Peter"}}, [][]string{{"NNP", "VBZ"}, {"NNP"}}, []int{3, 7}},
		{"negative", ReadOptions{TagColumn: -2},
			[][]string{{"EU", "rejects"}, {"Peter"}}, [][]string{{"B-NP", "B-VP"}, {"B-NP"}}, []int{3, 7}},
		{"keep docstart", ReadOptions{KeepDocStart: true},
			[][]string{{"-DOCSTART-"}, {"EU", "rejects"}, {"Peter"}}, [][]string{{"O"}, {"I-ORG", "O"}, {"I-PER"}}, []int{1, 3, 7}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ss, err := ReadCoNLL(strings.NewReader(in), "x", c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var toks, tags [][]string
			var lines []int
			for _, s := range ss {
				toks = append(toks, s.Tokens)
				tags = append(tags, s.Tags)
				lines = append(lines, s.Line)
			}
			if !reflect.DeepEqual(toks, c.wantTokens) || !reflect.DeepEqual(tags, c.wantTags) || !reflect.DeepEqual(lines, c.wantLines) {
				t.Errorf("got %v %v %v", toks, tags, lines)
			}
		})
	}
}

func TestReadCoNLLErrors(t *testing.T) {
	cases := []struct {
		name, in string
		opts     ReadOptions
		want     string
	}{
		{"inconsistent", "a B I-PER\nb O\n", ReadOptions{}, "f.txt:2: expected 3 columns"},
		{"one column", "\na\n", ReadOptions{}, "f.txt:2: expected at least 2 columns"},
		{"bad column", "a O\n", ReadOptions{TagColumn: 5}, "f.txt:1: tag column"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCoNLL(strings.NewReader(c.in), "f.txt", c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestReadWriteFile(t *testing.T) {
	ss, err := ReadCoNLLFile(filepath.Join("testdata", "tiny.conll"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 3 {
		t.Fatalf("got %d sentences, want 3", len(ss))
	}
	if DetectScheme([][]string{ss[0].Tags, ss[1].Tags, ss[2].Tags}) != IOB1 {
		t.Error("tiny.conll is IOB1")
	}
	var b bytes.Buffer
	if err := WriteCoNLL(&b, ss, true); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCoNLL(&b, "buf", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ss {
		if !reflect.DeepEqual(ss[i].Fields, back[i].Fields) {
			t.Errorf("sentence %d: round trip changed %v to %v", i, ss[i].Fields, back[i].Fields)
		}
	}
	if _, err := ReadCoNLLFile(filepath.Join("testdata", "missing"), ReadOptions{}); err == nil {
		t.Error("want error for missing file")
	}
}

// TestReadCoNLLDocStartWidth: a -DOCSTART- separator written with fewer
// or more columns than the token rows ("-DOCSTART-" alone, "-DOCSTART- O"
// in a four-column file) separates documents; it is not a row whose width
// the others must match, and it must not fix the file's width.
func TestReadCoNLLDocStartWidth(t *testing.T) {
	cases := []string{
		"-DOCSTART-\n\nEU B-ORG\nrejects O\n\n-DOCSTART-\n\nPeter B-PER\n",
		"-DOCSTART- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n",
		"EU B-ORG\nrejects O\n\n-DOCSTART- -X- -X- O\n\nPeter B-PER\n",
	}
	for _, in := range cases {
		for _, keep := range []bool{false, true} {
			ss, err := ReadCoNLL(strings.NewReader(in), "d.txt", ReadOptions{KeepDocStart: keep})
			if err != nil {
				t.Errorf("%q keep=%v: %v", in, keep, err)
				continue
			}
			var toks [][]string
			for _, s := range ss {
				if s.Tokens[0] == DocStart {
					if !keep || !reflect.DeepEqual(s.Tags, []string{"O"}) {
						t.Errorf("%q keep=%v: docstart sentence %+v", in, keep, s)
					}
					continue
				}
				toks = append(toks, s.Tokens)
			}
			if want := [][]string{{"EU", "rejects"}, {"Peter"}}; !reflect.DeepEqual(toks, want) {
				t.Errorf("%q keep=%v: tokens %v, want %v", in, keep, toks, want)
			}
		}
	}
	// The token rows must still agree with each other.
	if _, err := ReadCoNLL(strings.NewReader("-DOCSTART-\n\na B-PER\nb X O\n"), "d.txt", ReadOptions{}); err == nil || !strings.Contains(err.Error(), "d.txt:4: expected 2 columns") {
		t.Errorf("err = %v, want d.txt:4: expected 2 columns", err)
	}
}
