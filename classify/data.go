// Package classify holds data readers and metrics for text classification:
// TSV, SST-style and CSV readers with format detection, label maps, and
// accuracy, per-class precision/recall/F1, macro averages and confusion
// matrices; and the models (model.go, train.go): embedding -> uni- or
// bidirectional stacked RNN/GRU/LSTM -> last/mean/max/meanmax pooling ->
// linear head with sigmoid or softmax output, the word-vector averaging
// baseline, a trainer with early stopping on dev data, and resumable
// checkpoints.
package classify

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/recurrent-go/recurrent/text"
)

// Format is a classification file format (text.LabelFormat).
type Format = text.LabelFormat

// The formats (text.FormatAuto, ...).
const (
	Auto = text.FormatAuto
	TSV  = text.FormatTSV
	SST  = text.FormatSST
	CSV  = text.FormatCSV
)

// ParseFormat parses a format name (auto, tsv, sst, csv; case-insensitive).
func ParseFormat(name string) (Format, error) { return text.ParseLabelFormat(name) }

// Example is one labelled text (text.Labelled).
type Example = text.Labelled

// ReadFile reads the examples of the file at path in format f; "-" reads
// standard input. See text.ReadLabelled.
func ReadFile(path string, f Format) ([]Example, error) {
	ex, _, err := text.ReadLabelledFile(path, f)
	return ex, err
}

// ReadFileFormat is ReadFile that also returns the format used (the
// detected one when f is Auto).
func ReadFileFormat(path string, f Format) ([]Example, Format, error) {
	return text.ReadLabelledFile(path, f)
}

// Read reads examples in format f (Auto: detected from the first lines);
// see text.ReadLabelled. name is used in error messages.
func Read(r io.Reader, name string, f Format) ([]Example, error) {
	ex, _, err := text.ReadLabelled(r, name, f)
	return ex, err
}

// ReadFormat is Read that also returns the format used (the detected one
// when f is Auto).
func ReadFormat(r io.Reader, name string, f Format) ([]Example, Format, error) {
	return text.ReadLabelled(r, name, f)
}

// DetectFormat guesses the format of data (text.DetectLabelFormat).
func DetectFormat(data []byte) (Format, error) { return text.DetectLabelFormat(data) }

// LabelOrder says how LabelMap assigns ids.
//
// A value type: safe for concurrent use.
type LabelOrder int

const (
	// FirstSeen numbers labels in order of first appearance.
	FirstSeen LabelOrder = iota
	// Sorted numbers labels in sorted order: numerically when every label
	// is an integer ("2" before "10"), otherwise by byte-wise string order.
	Sorted
)

// LabelMap maps label strings to dense ids 0..Len()-1.
//
// A LabelMap is never modified after it is built, so it is safe for
// concurrent use.
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
