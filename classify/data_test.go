package classify

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadFiles(t *testing.T) {
	cases := []struct {
		file   string
		format Format
		want   []Example
	}{
		{"tiny.tsv", TSV, []Example{{Text: "the soup was lovely", Label: "pos", Line: 1}, {Text: "a dull and tired plot", Label: "neg", Line: 2}, {Text: "bright, warm acting", Label: "pos", Line: 4}}},
		{"tiny.sst", SST, []Example{{Text: "a warm , funny little film .", Label: "1", Line: 1}, {Text: "the plot goes nowhere .", Label: "0", Line: 2}, {Text: "sharp writing and good pacing", Label: "1", Line: 3}}},
		{"tiny.csv", CSV, []Example{{Text: "let us play ball", Label: "1", Line: 1}, {Text: "I miss you so", Label: "0", Line: 2}, {Text: "that food smells great", Label: "4", Line: 3}, {Text: "we laughed, a lot", Label: "2", Line: 4}, {Text: "this is awful", Label: "3", Line: 5}}},
	}
	for _, c := range cases {
		for _, f := range []Format{c.format, Auto} {
			t.Run(c.file+"/"+f.String(), func(t *testing.T) {
				got, err := ReadFile(filepath.Join("testdata", c.file), f)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Errorf("got %v\nwant %v", got, c.want)
				}
			})
		}
	}
}

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		in   string
		want Format
		err  bool
	}{
		{"pos\tgood film\nneg\tbad film\n", TSV, false},
		{"0 one long string of cliches .\n1 a fine, warm film\n", SST, false},
		{"never talk to me again,3,,\r\nI am proud,2,,\r\n", CSV, false},
		{"\"I want to eat\t\",4\r\n\"he did not answer\t\",3\r\n", CSV, false},
		{"happy a good day\nsad a bad day, really\n", SST, false},
		{"", Auto, true},
		{"single\n", Auto, true},
	}
	for _, c := range cases {
		got, err := DetectFormat([]byte(c.in))
		if (err != nil) != c.err || got != c.want {
			t.Errorf("DetectFormat(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.err)
		}
	}
}

func TestReadHeaderAndErrors(t *testing.T) {
	got, err := Read(strings.NewReader("text,label\nhello there,greet\n"), "h.csv", CSV)
	if err != nil || len(got) != 1 || got[0].Label != "greet" || got[0].Line != 2 {
		t.Errorf("header csv: %v %v", got, err)
	}
	got, err = Read(strings.NewReader("label\ttext\nx\thello\n"), "h.tsv", TSV)
	if err != nil || len(got) != 1 || got[0].Label != "x" {
		t.Errorf("header tsv: %v %v", got, err)
	}
	cases := []struct {
		name, in string
		f        Format
		want     string
	}{
		{"tsv no tab", "a\tb\nno tab\n", TSV, "f:2: expected label<TAB>text"},
		{"tsv empty text", "a\t \n", TSV, "f:1: empty text"},
		{"tsv empty label", "\ttext\n", TSV, "f:1: empty label"},
		{"sst label only", "1 good\n0\n", SST, "f:2: expected \"<label> <text>\""},
		{"csv one column", "hello,1\nno label here\n", CSV, "f:2: expected text,label"},
		{"csv empty label", "hello,1\r\nthere,\r\n", CSV, "f:2: empty label"},
		{"csv unterminated quote", "a,1\n\"unterminated,2\n", CSV, "f:2:"},
		{"undetectable", "one\n", Auto, "cannot detect"},
		{"sst missing label", "1 good film\n0 bad\nthis movie is great\n1 fine\n", SST, "f:3: label \"this\" is not a number"},
		{"sst missing label auto", "1 good film\n0 bad\n1 fine\nthis movie is great\n", Auto, "f:4: label \"this\""},
		{"invalid utf-8", "1 good\n0 caf\xe9\n", SST, "f:2: byte offset 12: invalid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in), "f", c.f)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
	if _, err := ReadFile(filepath.Join("testdata", "missing"), Auto); err == nil {
		t.Error("want error for missing file")
	}
}

func TestLabelMap(t *testing.T) {
	labels := []string{"10", "2", "10", "1"}
	first := NewLabelMap(labels, FirstSeen)
	if !reflect.DeepEqual(first.Names, []string{"10", "2", "1"}) {
		t.Errorf("first seen: %v", first.Names)
	}
	sorted := NewLabelMap(labels, Sorted)
	if !reflect.DeepEqual(sorted.Names, []string{"1", "2", "10"}) {
		t.Errorf("numeric sort: %v", sorted.Names)
	}
	if id, ok := sorted.ID("10"); !ok || id != 2 {
		t.Errorf("ID(10) = %d %v", id, ok)
	}
	str := NewLabelMap([]string{"pos", "neg", "10"}, Sorted)
	if !reflect.DeepEqual(str.Names, []string{"10", "neg", "pos"}) || str.Len() != 3 {
		t.Errorf("string sort: %v", str.Names)
	}
	ex := []Example{{Text: "a", Label: "pos", Line: 1}, {Text: "b", Label: "neg", Line: 2}}
	m := LabelMapOf(ex, FirstSeen)
	ids, err := m.IDs(ex, "f")
	if err != nil || !reflect.DeepEqual(ids, []int{0, 1}) {
		t.Errorf("IDs: %v %v", ids, err)
	}
	if _, err := m.IDs([]Example{{Text: "c", Label: "meh", Line: 7}}, "dev.tsv"); err == nil || !strings.Contains(err.Error(), "dev.tsv:7: unknown label \"meh\"") {
		t.Errorf("unknown label err = %v", err)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Auto, TSV, SST, CSV} {
		if got, err := ParseFormat(strings.ToUpper(f.String())); err != nil || got != f {
			t.Errorf("ParseFormat(%v) = %v %v", f, got, err)
		}
	}
	if _, err := ParseFormat("json"); err == nil {
		t.Error("want error")
	}
}

func TestReadFileFormat(t *testing.T) {
	ex, f, err := ReadFileFormat(filepath.Join("testdata", "tiny.csv"), Auto)
	if err != nil || f != CSV || len(ex) != 5 {
		t.Errorf("got %d examples, %v, %v", len(ex), f, err)
	}
}

// TestDetectTextTabLabel: a "text<TAB>label" file (the GLUE SST-2 layout)
// is not label<TAB>text; auto-detection must not fall back to SST and make
// each text's first word its label.
func TestDetectTextTabLabel(t *testing.T) {
	in := "sentence\tlabel\nhide new secretions from the parental units \t0\ncontains no wit , only labored gags \t0\nthat loves its characters \t1\n"
	ex, f, err := ReadFormat(strings.NewReader(in), "glue.tsv", Auto)
	if err == nil || !strings.Contains(err.Error(), "glue.tsv") || !strings.Contains(err.Error(), "text<TAB>label") {
		t.Fatalf("ReadFormat = %d examples as %v, %v; want an error naming the file and the text<TAB>label layout", len(ex), f, err)
	}
}

// TestDetectCSVMultilineField: a quoted CSV text spanning lines is CSV;
// detection judged each physical line alone and took a middle line of the
// text for SST, reading every line as "<label> <text>".
func TestDetectCSVMultilineField(t *testing.T) {
	in := "\"first line\nmore words here\nlast line\",pos\nhello there,neg\r\n"
	ex, f, err := ReadFormat(strings.NewReader(in), "m.csv", Auto)
	if err != nil || f != CSV {
		t.Fatalf("ReadFormat = %v, %v; want CSV", f, err)
	}
	want := []Example{{Text: "first line\nmore words here\nlast line", Label: "pos", Line: 1}, {Text: "hello there", Label: "neg", Line: 4}}
	if !reflect.DeepEqual(ex, want) {
		t.Errorf("examples = %+v, want %+v", ex, want)
	}
}

// TestCSVUnquotedComma: an unquoted comma in a text shifts the label
// column; with the file's other labels numeric, the shifted word must be
// an error, not a class of its own with the text cut short.
func TestCSVUnquotedComma(t *testing.T) {
	in := "never talk to me again,3\nwell, I am proud,2\nbad day,1\nlets play ball,1\n"
	wantReadError(t, in, "e.csv", "e.csv:2:", "comma", CSV, Auto)
	// Word labels, a few of several words, are read as they are.
	words := "good film,positive\ndull,negative\nfine,very positive\nok,neutral\n"
	for _, f := range []Format{CSV, Auto} {
		ex, err := Read(strings.NewReader(words), "w.csv", f)
		if err != nil || len(ex) != 4 || ex[2].Label != "very positive" {
			t.Errorf("%v: Read = %+v, %v; want 4 examples, the third labelled \"very positive\"", f, ex, err)
		}
	}
}

// wantReadError checks that reading in (named name) in each format fails
// with an error holding at and about.
func wantReadError(t *testing.T, in, name, at, about string, formats ...Format) {
	t.Helper()
	for _, f := range formats {
		ex, err := Read(strings.NewReader(in), name, f)
		if err == nil || !strings.Contains(err.Error(), at) || !strings.Contains(err.Error(), about) {
			t.Errorf("%v: Read = %+v, %v; want an error with %q and %q", f, ex, err, at, about)
		}
	}
}

// TestTSVHeaderSecondColumnLabel: with an explicit tsv format, a header
// "sentence<TAB>label" says the columns are text<TAB>label; reading on made
// every sentence a class and every 0/1 a text.
func TestTSVHeaderSecondColumnLabel(t *testing.T) {
	in := "sentence\tlabel\nhide new secretions\t0\nthat loves its characters\t1\n"
	ex, err := Read(strings.NewReader(in), "glue.tsv", TSV)
	if err == nil || !strings.Contains(err.Error(), "glue.tsv:1:") || !strings.Contains(err.Error(), "label<TAB>text") {
		t.Errorf("Read = %+v, %v; want an error at glue.tsv:1 about the column order", ex, err)
	}
}

// TestLabelsDifferingInCase: "Positive" and "positive" (or "very
// positive" and "very  positive") are one class misspelt, not two; the
// classifier would learn a tiny extra class from the odd lines.
func TestLabelsDifferingInCase(t *testing.T) {
	cases := []struct {
		name, in string
		f        Format
		want     string
	}{
		{"tsv case", "positive\tgood film\nnegative\tdull\nPositive\tfine acting\n", TSV, `f:3: label "Positive" differs only in case or spacing from "positive" (line 1)`},
		{"csv spacing", "good film,very positive\ndull,very  positive\n", CSV, `f:2: label "very  positive" differs only in case or spacing from "very positive" (line 1)`},
		{"sst case", "POS good\nneg dull\npos fine\n", SST, `f:3: label "pos" differs only in case`},
	}
	for _, c := range cases {
		ex, err := Read(strings.NewReader(c.in), "f", c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Read = %+v, %v; want error %q", c.name, ex, err, c.want)
		}
	}
}

// TestReadLineOverScannerLimit: a TSV or SST line over 16 MiB (a whole
// document as one text) failed with "bufio.Scanner: token too long"
// though the file is already in memory and CSV reads such a record.
func TestReadLineOverScannerLimit(t *testing.T) {
	long := strings.Repeat("word ", 17<<20/5)
	for _, c := range []struct {
		f  Format
		in string
	}{{TSV, "pos\tshort\nneg\t" + long + "\n"}, {SST, "1 short\n0 " + long + "\n"}} {
		ex, err := Read(strings.NewReader(c.in), "long", c.f)
		if err != nil || len(ex) != 2 || len(ex[1].Text) != len(long)-1 {
			t.Errorf("%v: %d examples, %v", c.f, len(ex), err)
		}
	}
}

// TestHeaderNamedByTextColumn: a header whose label column has a name
// outside the known list ("polarity", "sentiment_label") was read as an
// example, adding a class with one member; its text column's name
// ("review", "tweet", "text") marks it as a header too.
func TestHeaderNamedByTextColumn(t *testing.T) {
	inputs := map[string]Format{
		"review,polarity\ngreat film,pos\nbad plot,neg\n":            CSV,
		"text,sentiment_label\r\ngreat film,pos\r\nbad plot,neg\r\n": Auto,
		"polarity\ttweet\npos\tgreat film\nneg\tbad plot\n":          TSV,
	}
	for in, f := range inputs {
		if ex, err := Read(strings.NewReader(in), "h", f); err != nil || len(ex) != 2 || ex[0].Label != "pos" || ex[0].Line != 2 {
			t.Errorf("%q: %+v, %v; want 2 examples from line 2", in, ex, err)
		}
	}
}

// TestTSVThreeColumns: "id<TAB>text<TAB>label" lines were read as label
// id (a class per line) and text "text<TAB>label"; a file whose every line
// has more than two columns is not label<TAB>text.
func TestTSVThreeColumns(t *testing.T) {
	wantReadError(t, "1\tgreat film\tpos\n2\tbad plot\tneg\n3\tfine acting\tpos\n", "three.tsv", "three.tsv:1:", "columns", TSV, Auto)
	// A TAB inside some texts is still text.
	if ex, err := Read(strings.NewReader("pos\tgreat\tfilm\nneg\tbad plot\n"), "two.tsv", TSV); err != nil || len(ex) != 2 || ex[0].Text != "great\tfilm" {
		t.Errorf("TAB in one text: %+v, %v", ex, err)
	}
}

// TestDetectCSVWithTextSecond: "id,text,label" lines failed the CSV test
// (their second column is text) and fell back to SST, each line's first
// token ("1,great") becoming its label.
func TestDetectCSVWithTextSecond(t *testing.T) {
	in := "1,great film,pos\n2,bad plot,neg\n3,fine acting,pos\n"
	ex, f, err := ReadFormat(strings.NewReader(in), "id.csv", Auto)
	if err == nil || !strings.Contains(err.Error(), "id.csv") || !strings.Contains(err.Error(), "second column") {
		t.Errorf("ReadFormat = %+v as %v, %v; want an error about the second column", ex, f, err)
	}
}
