package text

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/recurrent-go/recurrent/internal/enum"
)

// LabelFormat is the format of a file of labelled texts (ReadLabelled).
type LabelFormat int

const (
	// FormatAuto detects the format from the content (see
	// DetectLabelFormat).
	FormatAuto LabelFormat = iota
	// FormatTSV is "label<TAB>text" per line.
	FormatTSV
	// FormatSST is "<label> <text>" per line: the first
	// whitespace-delimited token is the label, the rest the text
	// (stsa.binary.* files).
	FormatSST
	// FormatCSV is comma-separated with optional double quotes, columns
	// text,label[,ignored...] (the Emojify files); CRLF line ends are
	// accepted.
	FormatCSV
)

// labelFormatNames are the names of the formats; ParseLabelFormat ignores
// case and takes "" for auto.
var labelFormatNames = enum.Names[LabelFormat]{Pkg: "text", What: "format", Type: "LabelFormat",
	Names: []string{FormatAuto: "auto", FormatTSV: "tsv", FormatSST: "sst", FormatCSV: "csv"}, Aliases: map[string]LabelFormat{"": FormatAuto}, Fold: true}

// String returns the format's name: auto, tsv, sst or csv.
func (f LabelFormat) String() string { return labelFormatNames.String(f) }

// ParseLabelFormat parses a format name (auto, tsv, sst, csv;
// case-insensitive).
func ParseLabelFormat(name string) (LabelFormat, error) { return labelFormatNames.Parse(name) }

// Labelled is one labelled text.
type Labelled struct {
	Text  string `json:"text"`
	Label string `json:"label"`
	// Line is the 1-based line where the example starts in its file.
	Line int `json:"line"`
}

// headerLabels are label-column names that mark a CSV/TSV header row,
// which is skipped.
var headerLabels = map[string]bool{"label": true, "labels": true, "class": true, "category": true, "target": true, "sentiment": true, "emoji": true}

// headerTexts are text-column names that mark a CSV/TSV header row too,
// whatever its label column is called ("review,polarity").
var headerTexts = map[string]bool{"text": true, "texts": true, "sentence": true, "sentences": true, "review": true, "tweet": true,
	"content": true, "document": true, "comment": true, "message": true, "utterance": true, "query": true}

// ReadLabelledFile reads the labelled texts of the file at path (plain or
// gzip-compressed) in format f, as ReadLabelled; "-" reads standard input.
func ReadLabelledFile(path string, f LabelFormat) ([]Labelled, LabelFormat, error) {
	file, err := OpenFile(path) // "-": standard input
	if err != nil {
		return nil, f, err
	}
	defer file.Close()
	return readFormat(file, DisplayName(path), f)
}

// ReadLabelled reads labelled texts in format f (FormatAuto: detected
// from the first lines) and returns them with the format used. Blank lines
// are skipped, texts are trimmed of surrounding whitespace, and a header
// row whose label field is "label", "class", "category", "target",
// "sentiment" or "emoji", or whose text field is "text", "sentence",
// "review", "tweet" or a like name (headerTexts), is skipped in TSV and CSV, as is a UTF-8
// byte-order mark at the start; a TSV header naming the second column so
// (text<TAB>label) is an error, as are two labels that differ only in case
// or spacing. Every text needs a
// non-empty label; errors name the file and line, and an input without
// any example is an error. name is used in error
// messages. Classifiers and the label-conditioned language model read
// their data with it.
func ReadLabelled(r io.Reader, name string, f LabelFormat) ([]Labelled, LabelFormat, error) {
	return readFormat(r, name, f)
}

func readFormat(r io.Reader, name string, f LabelFormat) ([]Labelled, LabelFormat, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, f, fmt.Errorf("%s: %w", name, err)
	}
	if err := CheckUTF8(data, name); err != nil {
		return nil, f, err
	}
	// A byte-order mark (as Windows editors write) is not part of the first
	// label or text; ReadLines drops it too.
	data = bytes.TrimPrefix(data, []byte(BOM))
	if f == FormatAuto {
		if f, err = DetectLabelFormat(data); err != nil {
			return nil, f, fmt.Errorf("%s: %w", name, err)
		}
	}
	var ex []Labelled
	switch f {
	case FormatTSV, FormatSST:
		ex, err = readLabelledLines(data, name, f)
	case FormatCSV:
		ex, err = readCSV(data, name)
	default:
		err = fmt.Errorf("text: unknown format %d", int(f))
	}
	if err == nil && len(ex) == 0 {
		// A header row alone (an empty file cannot be detected above).
		err = fmt.Errorf("%s: no labelled examples", name)
	}
	if err == nil {
		err = checkLabelSpelling(ex, name)
	}
	return ex, f, err
}

// checkLabelSpelling refuses two labels that differ only in case or in
// the spacing between their words ("Positive" and "positive"): one class
// misspelt, which would otherwise train as two.
func checkLabelSpelling(ex []Labelled, name string) error {
	first := map[string]int{} // folded label -> index of its first example
	for i, e := range ex {
		key := strings.ToLower(strings.Join(strings.Fields(e.Label), " "))
		j, seen := first[key]
		if !seen {
			first[key] = i
			continue
		}
		if ex[j].Label != e.Label {
			return fmt.Errorf("%s:%d: label %q differs only in case or spacing from %q (line %d): spell each class one way", name, e.Line, e.Label, ex[j].Label, ex[j].Line)
		}
	}
	return nil
}

func readLabelledLines(data []byte, name string, f LabelFormat) ([]Labelled, error) {
	var out []Labelled
	sc := bufio.NewScanner(bytes.NewReader(data))
	// The data is in memory already: any line of it fits.
	sc.Buffer(make([]byte, 0, 64*1024), max(64*1024, len(data)+1))
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		var label, text string
		if f == FormatTSV {
			var ok bool
			label, text, ok = strings.Cut(line, "\t")
			if !ok {
				return nil, fmt.Errorf("%s:%d: expected label<TAB>text, found no TAB", name, lineNo)
			}
			label = strings.TrimSpace(label)
			if len(out) == 0 && headerLabels[strings.ToLower(label)] {
				continue
			}
			if len(out) == 0 && headerLabels[strings.ToLower(strings.TrimSpace(text))] {
				return nil, fmt.Errorf("%s:%d: the header names the second column %q, but the tsv format is label<TAB>text: swap the two columns", name, lineNo, strings.TrimSpace(text))
			}
			if len(out) == 0 && label != "" && headerTexts[strings.ToLower(strings.TrimSpace(text))] {
				continue
			}
		} else {
			trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
			i := strings.IndexFunc(trimmed, unicode.IsSpace)
			if i < 0 {
				return nil, fmt.Errorf("%s:%d: expected \"<label> <text>\", found only %q", name, lineNo, trimmed)
			}
			label, text = trimmed[:i], trimmed[i:]
		}
		l, err := labelled(name, lineNo, strings.TrimSpace(text), label)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	if f == FormatSST {
		if err := checkSSTLabels(out, name); err != nil {
			return nil, err
		}
	}
	if f == FormatTSV && len(out) > 0 && !slices.ContainsFunc(out, func(e Labelled) bool { return !strings.Contains(e.Text, "\t") }) {
		// Every "text" holds a TAB: the file has more columns (say
		// id<TAB>text<TAB>label), and its first one is no label.
		return nil, fmt.Errorf("%s:%d: every line has three or more TAB-separated columns, but the tsv format is label<TAB>text: keep those two (cut -f)", name, out[0].Line)
	}
	return out, nil
}

// checkSSTLabels refuses a file whose labels are mostly integers (as SST's
// are) but some are not: such a line has lost its label, and its first
// word would otherwise become a class of its own.
func checkSSTLabels(ex []Labelled, name string) error {
	return checkLabels(ex, name, isInt, "is not a number like", "is the label missing?")
}

func isInt(s string) bool { _, err := strconv.Atoi(s); return err == nil }

// checkCSVLabels refuses a CSV file whose labels are mostly integers but
// some are not: an unquoted comma in such a row's text has shifted a
// piece of the text into the label column. (Word labels are not checked
// so: a few multi-word classes among one-word ones are legitimate.)
func checkCSVLabels(ex []Labelled, name string) error {
	return checkLabels(ex, name, isInt, "is not a number like", "is a comma in the text unquoted?")
}

// checkLabels returns an error for the first label without the property
// like when at least half of the labels of ex have it; unlike reads "is
// not a number like" (the file's other labels), hint asks about the cause.
func checkLabels(ex []Labelled, name string, like func(string) bool, unlike, hint string) error {
	n := 0
	for _, e := range ex {
		if like(e.Label) {
			n++
		}
	}
	if n == 0 || n == len(ex) || 2*n < len(ex) {
		return nil
	}
	for _, e := range ex {
		if !like(e.Label) {
			return fmt.Errorf("%s:%d: label %q %s the file's other labels: %s", name, e.Line, e.Label, unlike, hint)
		}
	}
	return nil
}

func readCSV(data []byte, name string) ([]Labelled, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out []Labelled
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %v", name, pe.StartLine, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("%s:%d: expected text,label[,...], found %d column", name, line, len(rec))
		}
		text, label := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if len(out) == 0 && (headerLabels[strings.ToLower(label)] || label != "" && headerTexts[strings.ToLower(text)]) {
			continue
		}
		l, err := labelled(name, line, text, label)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := checkCSVLabels(out, name); err != nil {
		return nil, err
	}
	return out, nil
}

// labelled returns the example on line of the file name, refusing an
// empty label or text.
func labelled(name string, line int, text, label string) (Labelled, error) {
	switch {
	case label == "":
		return Labelled{}, fmt.Errorf("%s:%d: empty label", name, line)
	case text == "":
		return Labelled{}, fmt.Errorf("%s:%d: empty text for label %q", name, line, label)
	}
	return Labelled{Text: text, Label: label, Line: line}, nil
}

// DetectLabelFormat guesses the format from up to the first 50 non-blank lines:
// TSV when every line has a TAB with a space-free label before it; SST when
// every line starts with a numeric token followed by text; CSV when every
// record (a quoted field may span lines) has at least two fields and a
// non-empty second field, space-free in most records; otherwise SST when every line has at least two
// tokens, unless every record is CSV with a second column of text, or
// every line ends in a TAB and a space-free field (text<TAB>label, the
// columns swapped): those are errors.
func DetectLabelFormat(data []byte) (LabelFormat, error) {
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
			if len(lines) == 50 {
				break
			}
		}
	}
	if len(lines) == 0 {
		return FormatAuto, errors.New("cannot detect the format of an empty file")
	}
	all := func(pred func(string) bool) bool {
		for _, l := range lines {
			if !pred(l) {
				return false
			}
		}
		return true
	}
	isTSV := func(l string) bool {
		label, _, ok := strings.Cut(l, "\t")
		return ok && strings.TrimSpace(label) != "" && !strings.ContainsFunc(strings.TrimSpace(label), unicode.IsSpace)
	}
	fields := func(l string) []string { return strings.Fields(l) }
	isNumSST := func(l string) bool {
		f := fields(l)
		if len(f) < 2 {
			return false
		}
		_, err := strconv.ParseFloat(f[0], 64)
		return err == nil
	}
	// CSV is judged by records, not lines: a quoted text may span lines.
	// Labels with spaces are allowed in a minority of records, so that
	// readCSV can name the row whose unquoted comma shifted its label.
	// csvShaped reports whether every record has two fields or more and
	// a non-empty second one; csvLabels that most of those are space-free.
	csvShaped, csvLabels := func() (bool, bool) {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		n, spaced := 0, 0
		for range len(lines) {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err == nil && len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue // a blank line, as readCSV skips it
			}
			if err != nil || len(rec) < 2 || strings.TrimSpace(rec[1]) == "" {
				return false, false
			}
			n++
			if strings.ContainsFunc(strings.TrimSpace(rec[1]), unicode.IsSpace) {
				spaced++
			}
		}
		return true, 2*spaced < n
	}()
	isTextTabLabel := func(l string) bool {
		i := strings.LastIndexByte(l, '\t')
		lab := strings.TrimSpace(l[i+1:])
		return i >= 0 && lab != "" && !strings.ContainsFunc(lab, unicode.IsSpace)
	}
	switch {
	case all(isTSV):
		return FormatTSV, nil
	case all(isNumSST):
		return FormatSST, nil
	case csvShaped && csvLabels:
		return FormatCSV, nil
	case csvShaped && strings.Contains(lines[0], ","):
		// Not SST either: its first token would be "1,great" or the like.
		return FormatAuto, errors.New("lines look like CSV, but their second column holds text, not a label: the csv format is text,label[,ignored...]")
	case all(isTextTabLabel):
		// Not SST: its first words would become labels and the real labels
		// part of the texts.
		return FormatAuto, errors.New("lines look like text<TAB>label, but the tsv format is label<TAB>text: swap the two columns")
	case all(func(l string) bool { return len(fields(l)) >= 2 }):
		return FormatSST, nil
	}
	return FormatAuto, errors.New("cannot detect the format (want label<TAB>text, \"<label> <text>\" or CSV text,label); use an explicit format")
}
