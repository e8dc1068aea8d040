// Package classify holds data readers and metrics for text classification:
// TSV, SST-style and CSV readers with format detection, label maps, and
// accuracy, per-class precision/recall/F1, macro averages and confusion
// matrices; and the models (model.go, train.go): embedding -> uni- or
// bidirectional stacked RNN/GRU/LSTM -> last/mean/max pooling -> linear head
// with sigmoid or softmax output, the word-vector averaging baseline, a
// trainer with early stopping on dev data, and resumable checkpoints.
package classify

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/recurrent-go/recurrent/text"
)

// Format is a classification file format.
type Format int

const (
	// Auto detects the format from the content (see DetectFormat).
	Auto Format = iota
	// TSV is "label<TAB>text" per line.
	TSV
	// SST is "<label> <text>" per line: the first whitespace-delimited
	// token is the label, the rest the text (stsa.binary.* files).
	SST
	// CSV is comma-separated with optional double quotes, columns
	// text,label[,ignored...] (the Emojify files); CRLF line ends are
	// accepted.
	CSV
)

// String returns the format's name: auto, tsv, sst or csv.
func (f Format) String() string {
	switch f {
	case Auto:
		return "auto"
	case TSV:
		return "tsv"
	case SST:
		return "sst"
	case CSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat parses a format name (auto, tsv, sst, csv; case-insensitive).
func ParseFormat(name string) (Format, error) {
	switch strings.ToLower(name) {
	case "", "auto":
		return Auto, nil
	case "tsv":
		return TSV, nil
	case "sst":
		return SST, nil
	case "csv":
		return CSV, nil
	}
	return 0, fmt.Errorf("classify: unknown format %q (want auto, tsv, sst or csv)", name)
}

// Example is one labelled text.
type Example struct {
	Text  string `json:"text"`
	Label string `json:"label"`
	// Line is the 1-based line where the example starts in its file.
	Line int `json:"line"`
}

// headerLabels are label-column names that mark a CSV/TSV header row,
// which is skipped.
var headerLabels = map[string]bool{"label": true, "labels": true, "class": true, "category": true, "target": true, "sentiment": true, "emoji": true}

// ReadFile reads the examples of the file at path in format f; "-" reads
// standard input.
func ReadFile(path string, f Format) ([]Example, error) {
	ex, _, err := ReadFileFormat(path, f)
	return ex, err
}

// ReadFileFormat is ReadFile that also returns the format used (the
// detected one when f is Auto).
func ReadFileFormat(path string, f Format) ([]Example, Format, error) {
	if path == "-" {
		return readFormat(os.Stdin, "<stdin>", f)
	}
	file, err := text.OpenFile(path)
	if err != nil {
		return nil, f, fmt.Errorf("classify: %w", err)
	}
	defer file.Close()
	return readFormat(file, path, f)
}

// Read reads examples in format f (Auto: detected from the first lines).
// Blank lines are skipped, texts are trimmed of surrounding whitespace, and
// a header row whose label field is "label", "class", "category",
// "target", "sentiment" or "emoji" is skipped in TSV and CSV. Every example
// needs a non-empty label and text; errors name the file and line. name is
// used in error messages.
func Read(r io.Reader, name string, f Format) ([]Example, error) {
	ex, _, err := readFormat(r, name, f)
	return ex, err
}

// ReadFormat is Read that also returns the format used (the detected one
// when f is Auto).
func ReadFormat(r io.Reader, name string, f Format) ([]Example, Format, error) {
	return readFormat(r, name, f)
}

func readFormat(r io.Reader, name string, f Format) ([]Example, Format, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, f, fmt.Errorf("classify: %s: %w", name, err)
	}
	if err := text.CheckUTF8(data, name); err != nil {
		return nil, f, fmt.Errorf("classify: %w", err)
	}
	if f == Auto {
		if f, err = DetectFormat(data); err != nil {
			return nil, f, fmt.Errorf("classify: %s: %w", name, err)
		}
	}
	var ex []Example
	switch f {
	case TSV, SST:
		ex, err = readLines(data, name, f)
	case CSV:
		ex, err = readCSV(data, name)
	default:
		err = fmt.Errorf("classify: unknown format %d", int(f))
	}
	return ex, f, err
}

func readLines(data []byte, name string, f Format) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		var label, text string
		if f == TSV {
			var ok bool
			label, text, ok = strings.Cut(line, "\t")
			if !ok {
				return nil, fmt.Errorf("%s:%d: expected label<TAB>text, found no TAB", name, lineNo)
			}
			label = strings.TrimSpace(label)
			if len(out) == 0 && headerLabels[strings.ToLower(label)] {
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
		text = strings.TrimSpace(text)
		if label == "" {
			return nil, fmt.Errorf("%s:%d: empty label", name, lineNo)
		}
		if text == "" {
			return nil, fmt.Errorf("%s:%d: empty text for label %q", name, lineNo, label)
		}
		out = append(out, Example{Text: text, Label: label, Line: lineNo})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	if f == SST {
		if err := checkSSTLabels(out, name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkSSTLabels refuses a file whose labels are mostly integers (as SST's
// are) but some are not: such a line has lost its label, and its first
// word would otherwise become a class of its own.
func checkSSTLabels(ex []Example, name string) error {
	numeric := func(s string) bool { _, err := strconv.Atoi(s); return err == nil }
	n := 0
	for _, e := range ex {
		if numeric(e.Label) {
			n++
		}
	}
	if n == 0 || n == len(ex) || 2*n < len(ex) {
		return nil
	}
	for _, e := range ex {
		if !numeric(e.Label) {
			return fmt.Errorf("%s:%d: label %q is not a number like the file's other labels: is the label missing?", name, e.Line, e.Label)
		}
	}
	return nil
}

func readCSV(data []byte, name string) ([]Example, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out []Example
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
		if len(out) == 0 && headerLabels[strings.ToLower(label)] {
			continue
		}
		if label == "" {
			return nil, fmt.Errorf("%s:%d: empty label", name, line)
		}
		if text == "" {
			return nil, fmt.Errorf("%s:%d: empty text for label %q", name, line, label)
		}
		out = append(out, Example{Text: text, Label: label, Line: line})
	}
	return out, nil
}

// DetectFormat guesses the format from up to the first 50 non-blank lines:
// TSV when every line has a TAB with a space-free label before it; SST when
// every line starts with a numeric token followed by text; CSV when every
// line parses as CSV with at least two fields and a space-free second
// field; otherwise SST when every line has at least two tokens.
func DetectFormat(data []byte) (Format, error) {
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
		return Auto, errors.New("cannot detect the format of an empty file")
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
	isCSV := func(l string) bool {
		cr := csv.NewReader(strings.NewReader(l))
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		rec, err := cr.Read()
		if err != nil || len(rec) < 2 {
			// A quoted field may span lines; accept a line that opens a quote.
			return strings.HasPrefix(l, `"`)
		}
		lab := strings.TrimSpace(rec[1])
		return lab != "" && !strings.ContainsFunc(lab, unicode.IsSpace)
	}
	switch {
	case all(isTSV):
		return TSV, nil
	case all(isNumSST):
		return SST, nil
	case all(isCSV):
		return CSV, nil
	case all(func(l string) bool { return len(fields(l)) >= 2 }):
		return SST, nil
	}
	return Auto, errors.New("cannot detect the format (want label<TAB>text, \"<label> <text>\" or CSV text,label); use an explicit format")
}

// LabelOrder says how LabelMap assigns ids.
type LabelOrder int

const (
	// FirstSeen numbers labels in order of first appearance.
	FirstSeen LabelOrder = iota
	// Sorted numbers labels in sorted order: numerically when every label
	// is an integer ("2" before "10"), otherwise by byte-wise string order.
	Sorted
)

// LabelMap maps label strings to dense ids 0..Len()-1.
type LabelMap struct {
	// Names holds the label of each id.
	Names []string
	index map[string]int
}

// NewLabelMap builds a label map from labels in the given order.
func NewLabelMap(labels []string, order LabelOrder) *LabelMap {
	m := &LabelMap{index: map[string]int{}}
	for _, l := range labels {
		if _, ok := m.index[l]; !ok {
			m.index[l] = len(m.Names)
			m.Names = append(m.Names, l)
		}
	}
	if order == Sorted {
		numeric := true
		nums := make(map[string]int64, len(m.Names))
		for _, l := range m.Names {
			v, err := strconv.ParseInt(l, 10, 64)
			if err != nil {
				numeric = false
				break
			}
			nums[l] = v
		}
		sort.SliceStable(m.Names, func(i, j int) bool {
			if numeric {
				return nums[m.Names[i]] < nums[m.Names[j]]
			}
			return m.Names[i] < m.Names[j]
		})
		for i, l := range m.Names {
			m.index[l] = i
		}
	}
	return m
}

// LabelMapOf builds a label map from the labels of examples.
func LabelMapOf(examples []Example, order LabelOrder) *LabelMap {
	labels := make([]string, len(examples))
	for i, e := range examples {
		labels[i] = e.Label
	}
	return NewLabelMap(labels, order)
}

// Len returns the number of labels.
func (m *LabelMap) Len() int { return len(m.Names) }

// ID returns the id of label and whether it is known.
func (m *LabelMap) ID(label string) (int, bool) {
	id, ok := m.index[label]
	return id, ok
}

// IDs maps the labels of examples to ids; an unknown label is an error
// naming its line (name is the file name for the message).
func (m *LabelMap) IDs(examples []Example, name string) ([]int, error) {
	out := make([]int, len(examples))
	for i, e := range examples {
		id, ok := m.index[e.Label]
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown label %q (known: %s)", name, e.Line, e.Label, strings.Join(m.Names, ", "))
		}
		out[i] = id
	}
	return out, nil
}
