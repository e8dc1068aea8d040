package classify

import "context"

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
