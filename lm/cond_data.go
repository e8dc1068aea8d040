package lm

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/recurrent-go/recurrent/text"
)

// sstNames names SST-2's labels 0 and 1.
var sstNames = map[string]string{"0": "negative", "1": "positive"}

// SSTName returns the name of SST-2's label 0 or 1 ("negative",
// "positive") unless raw, and any other label as it is.
func SSTName(label string, raw bool) string {
	if n, ok := sstNames[label]; ok && !raw {
		return n
	}
	return label
}

// CondLabels returns the sorted distinct labels of ex (SSTName).
func CondLabels(ex []text.Labelled, raw bool) []string {
	var labels []string
	for _, e := range ex {
		if n := SSTName(e.Label, raw); !slices.Contains(labels, n) {
			labels = append(labels, n)
		}
	}
	slices.Sort(labels)
	return labels
}

// CondVocab builds the vocabulary of the sentences of ex split by tok:
// <unk> and <eos>, then the tokens seen at least minCount times.
func CondVocab(tok text.Tokenizer, ex []text.Labelled, minCount int64) (*text.Vocab, error) {
	counter := text.NewCounter()
	for _, e := range ex {
		counter.Add(tok.Tokenize(e.Text))
	}
	return text.BuildVocab(counter, text.VocabOptions{Specials: []string{text.UNK, text.EOS}, MinCount: minCount})
}

// FindLabel returns the id of label, or else (unless raw) of its SSTName;
// -1 if the model has neither.
func (m *CondModel) FindLabel(label string, raw bool) int {
	l := m.LabelID(label)
	if l < 0 && !raw {
		l = m.LabelID(SSTName(label, false))
	}
	return l
}

// EncodeLabelled encodes labelled sentences read from path (FindLabel); a
// label the model does not know is an error naming the file and line.
func (m *CondModel) EncodeLabelled(ex []text.Labelled, path string, raw bool) (CondData, error) {
	var d CondData
	for _, e := range ex {
		l := m.FindLabel(e.Label, raw)
		if l < 0 {
			return d, fmt.Errorf("%s:%d: label %q is not one of the model's %v", path, e.Line, e.Label, m.Config.Labels)
		}
		d.Sents, d.Labels = append(d.Sents, m.EncodeSentence(e.Text)), append(d.Labels, l)
	}
	return d, nil
}

// CondReport is lm eval-labels' result: the per-token perplexity given
// the true labels and, with two labels or more, the accuracy of the model
// used as a classifier by Bayes' rule.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type CondReport struct {
	Sentences  int     `json:"sentences"`
	Tokens     int64   `json:"tokens"`
	Loss       float64 `json:"loss"`
	Perplexity float64 `json:"perplexity"`
	LabelAcc   float64 `json:"label_accuracy,omitempty"`
}

// Report evaluates the model on d (Evaluate, LabelAccuracy).
func (m *CondModel) Report(ctx context.Context, d CondData) (CondReport, error) {
	met, err := m.Evaluate(ctx, d, 128)
	if err != nil {
		return CondReport{}, err
	}
	r := CondReport{Sentences: len(d.Sents), Tokens: met.Tokens, Loss: met.Loss, Perplexity: met.Perplexity}
	if len(m.Config.Labels) > 1 {
		if r.LabelAcc, err = m.LabelAccuracy(ctx, d, 64); err != nil {
			return CondReport{}, err
		}
	}
	return r, nil
}

// WriteText writes the report as lm eval-labels prints it.
func (r *CondReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%d sentences, %d tokens: loss %.4f, perplexity %.2f, label accuracy (Bayes) %.4f\n",
		r.Sentences, r.Tokens, r.Loss, r.Perplexity, r.LabelAcc)
	return err
}
