package classify

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// ClassScore holds one class's precision, recall and F1 (fractions 0..1)
// and its support (number of gold examples).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type ClassScore struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
	Predicted int     `json:"predicted"`
}

// Report holds classification metrics. Rates are fractions in 0..1.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Report struct {
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
	// PerClass has one entry per label id.
	PerClass []ClassScore `json:"per_class"`
	// Macro averages are unweighted means over the classes that occur in
	// the gold or the predicted labels (as scikit-learn averages by
	// default); Weighted F1 weights each class's F1 by its support.
	MacroPrecision float64 `json:"macro_precision"`
	MacroRecall    float64 `json:"macro_recall"`
	MacroF1        float64 `json:"macro_f1"`
	WeightedF1     float64 `json:"weighted_f1"`
	// Confusion[g][p] counts examples of gold id g predicted as id p.
	Confusion [][]int  `json:"confusion"`
	Labels    []string `json:"labels"`
}

// Evaluate compares predicted with gold label ids (0..len(labels)-1).
// A class with no predictions has precision 0, one with no gold examples
// recall 0, and F1 is 0 when precision+recall is 0.
func Evaluate(gold, pred []int, labels []string) (Report, error) {
	if len(gold) != len(pred) {
		return Report{}, fmt.Errorf("classify: %d gold labels but %d predictions", len(gold), len(pred))
	}
	k := len(labels)
	r := Report{N: len(gold), Labels: labels, Confusion: make([][]int, k), PerClass: make([]ClassScore, k)}
	for i := range r.Confusion {
		r.Confusion[i] = make([]int, k)
	}
	for i := range gold {
		g, p := gold[i], pred[i]
		if g < 0 || g >= k || p < 0 || p >= k {
			return Report{}, fmt.Errorf("classify: example %d: label ids %d, %d outside 0..%d", i, g, p, k-1)
		}
		r.Confusion[g][p]++
		if g == p {
			r.Correct++
		}
	}
	if r.N > 0 {
		r.Accuracy = float64(r.Correct) / float64(r.N)
	}
	present := 0
	for c := range k {
		s := ClassScore{Label: labels[c]}
		tp := r.Confusion[c][c]
		for o := range k {
			s.Support += r.Confusion[c][o]
			s.Predicted += r.Confusion[o][c]
		}
		if s.Predicted > 0 {
			s.Precision = float64(tp) / float64(s.Predicted)
		}
		if s.Support > 0 {
			s.Recall = float64(tp) / float64(s.Support)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		r.PerClass[c] = s
		if s.Support > 0 || s.Predicted > 0 {
			present++
			r.MacroPrecision += s.Precision
			r.MacroRecall += s.Recall
			r.MacroF1 += s.F1
		}
		if r.N > 0 {
			r.WeightedF1 += s.F1 * float64(s.Support) / float64(r.N)
		}
	}
	if present > 0 {
		r.MacroPrecision /= float64(present)
		r.MacroRecall /= float64(present)
		r.MacroF1 /= float64(present)
	}
	return r, nil
}

// EvaluateLabels is Evaluate on label strings: ids come from m, and an
// unknown label is an error.
func EvaluateLabels(gold, pred []string, m *LabelMap) (Report, error) {
	if len(gold) != len(pred) {
		return Report{}, fmt.Errorf("classify: %d gold labels but %d predictions", len(gold), len(pred))
	}
	g := make([]int, len(gold))
	p := make([]int, len(pred))
	for i := range gold {
		var ok bool
		if g[i], ok = m.ID(gold[i]); !ok {
			return Report{}, fmt.Errorf("classify: example %d: unknown gold label %q", i, gold[i])
		}
		if p[i], ok = m.ID(pred[i]); !ok {
			return Report{}, fmt.Errorf("classify: example %d: unknown predicted label %q", i, pred[i])
		}
	}
	return Evaluate(g, p, m.Names)
}

// WriteText prints the report as a table of per-class scores, the
// averages, and the confusion matrix (rows gold, columns predicted).
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "label\tprecision\trecall\tf1\tsupport\t\n")
	for _, s := range r.PerClass {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%d\t\n", s.Label, s.Precision, s.Recall, s.F1, s.Support)
	}
	fmt.Fprintf(tw, "macro avg\t%.4f\t%.4f\t%.4f\t%d\t\n", r.MacroPrecision, r.MacroRecall, r.MacroF1, r.N)
	fmt.Fprintf(tw, "weighted f1\t\t\t%.4f\t%d\t\n", r.WeightedF1, r.N)
	tw.Flush()
	fmt.Fprintf(&b, "accuracy: %.4f (%d/%d)\n\nconfusion (rows gold, columns predicted):\n", r.Accuracy, r.Correct, r.N)
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t")
	for _, l := range r.Labels {
		fmt.Fprintf(tw, "%s\t", l)
	}
	fmt.Fprintln(tw)
	for g, row := range r.Confusion {
		fmt.Fprintf(tw, "%s\t", r.Labels[g])
		for _, c := range row {
			fmt.Fprintf(tw, "%d\t", c)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("classify: write: %w", err)
	}
	return nil
}
