package classify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/recurrent-go/recurrent/nn"
)

// Report predicts the labels of ex (batches of 256) and scores them
// against the examples' own labels: accuracy, per-class precision, recall
// and F1, and the confusion matrix. name is used in errors.
func (m *Model) Report(ctx context.Context, ex []Example, name string) (Report, error) {
	d, err := m.EncodeExamples(ex, name)
	if err != nil {
		return Report{}, err
	}
	pred, _, err := m.Predict(ctx, d.IDs, 256)
	if err != nil {
		return Report{}, err
	}
	return Evaluate(d.Labels, pred, m.Labels)
}

// ScorePredictions scores predicted labels, pred (named predName), against
// the labels of the examples ex (named exName), one prediction per
// example (EvaluateLabels, labels in Sorted order). A prediction may be a
// line of WritePredictions' text output: its label is the part before the
// first TAB.
func ScorePredictions(ex []Example, exName string, pred []string, predName string) (Report, error) {
	if len(pred) != len(ex) {
		return Report{}, fmt.Errorf("%s has %d examples but %s has %d non-empty lines", exName, len(ex), predName, len(pred))
	}
	pred = slices.Clone(pred)
	for i, p := range pred {
		if label, _, ok := strings.Cut(p, "\t"); ok {
			pred[i] = strings.TrimSpace(label)
		}
	}
	gold := make([]string, len(ex))
	for i, e := range ex {
		gold[i] = e.Label
	}
	return EvaluateLabels(gold, pred, NewLabelMap(append(slices.Clone(gold), pred...), Sorted))
}

// Prediction is the label predicted for a text, with the probability of
// every label.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Prediction struct {
	Label         string             `json:"label"`
	Probabilities map[string]float32 `json:"probabilities"`
	Text          string             `json:"text"`

	probs  []float32 // in labels' order
	labels []string
}

// PredictLines predicts the label of each text (in batches of batch). A
// blank text gets a Prediction with no label, no probabilities and no
// text, so that the predictions stay aligned with the input lines.
func (m *Model) PredictLines(ctx context.Context, texts []string, batch int) ([]Prediction, error) {
	var ids [][]int32
	var at []int // at[j]: the text ids[j] encodes
	for i, l := range texts {
		if strings.TrimSpace(l) != "" {
			ids, at = append(ids, m.Encode(l)), append(at, i)
		}
	}
	pred, probs, err := m.Predict(ctx, ids, batch)
	if err != nil {
		return nil, err
	}
	out := make([]Prediction, len(texts))
	for i := range out {
		out[i].Probabilities = map[string]float32{}
	}
	for j, i := range at {
		ps := out[i].Probabilities
		for k, l := range m.Labels {
			ps[l] = probs[j][k]
		}
		out[i] = Prediction{Label: m.Labels[pred[j]], Probabilities: ps, Text: texts[i], probs: probs[j], labels: m.Labels}
	}
	return out, nil
}

// WritePredictions writes one line per prediction: with asJSON a JSON
// object {"label", "probabilities", "text"}, otherwise
// "label<TAB>label1=p1 label2=p2 ...". A blank text's prediction (no
// label) is a blank line, or {"label": "", "probabilities": {}, "text": ""}
// with asJSON, so that every input line has its output line.
func WritePredictions(w io.Writer, preds []Prediction, asJSON bool) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, p := range preds {
		if asJSON {
			if err := enc.Encode(p); err != nil {
				return err
			}
			continue
		}
		if p.Label != "" {
			bw.WriteString(p.Label + "\t")
		}
		for k, l := range p.labels {
			if k > 0 {
				bw.WriteByte(' ')
			}
			fmt.Fprintf(bw, "%s=%.4f", l, p.probs[k])
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteNotes describes the session: the vectors' coverage, what InitFrom
// gave, and the model.
func (s *Session) WriteNotes(w io.Writer) error {
	m := s.Trainer.Model
	if c := s.Coverage; c != nil {
		fmt.Fprintf(w, "vectors: %s (dim %d): %d of %d training words found (%.1f%%; %.1f%% of the tokens); vocabulary %d words\n",
			s.Vectors, s.VecDim, c.Train, c.Of, 100*c.Rate, 100*c.TokenRate, m.Vocab.Len())
		if s.Backoff {
			fmt.Fprintf(w, "vectors: %d more vocabulary words composed from their parts (--backoff)\n", s.Composed)
		}
	}
	if s.InitFrom != "" {
		fmt.Fprintf(w, "init-from: %s: recurrent weights and %d of %d embedding rows copied\n", s.InitFrom, s.InitRows, m.Vocab.Len()-1)
	}
	_, err := fmt.Fprintf(w, "model: %s; embed %d (frozen: %v), vocab %d, %d labels, %d parameters\n",
		m.Config.describe(), m.Config.Embed, m.Config.Freeze, m.Config.VocabSize, m.Config.Classes, nn.CountParams(m.Params()))
	return err
}

// describe describes the architecture.
func (c *Config) describe() string {
	if c.Arch != ArchRNN {
		return "average of word vectors"
	}
	bi := ""
	if c.Bidirectional {
		bi = "bidirectional "
	}
	return fmt.Sprintf("%s%s, %d layers x %d, %s pooling", bi, c.Cell, c.Layers, c.Hidden, c.Pool)
}

// WriteText writes the summary as text.
func (s *Summary) WriteText(w io.Writer) error {
	return s.TaskSummary.WriteText(w, func(b *Metrics) string { return fmt.Sprintf("best dev accuracy %.2f%%", 100*b.Accuracy) },
		func(w io.Writer, r *Report) error {
			_, err := fmt.Fprintf(w, "test accuracy %.2f%% (%d examples)\n", 100*r.Accuracy, r.N)
			return err
		})
}
