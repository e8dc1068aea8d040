package classify

import (
	"context"
	"fmt"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// batchLoss computes the mean loss of logits [B, Outputs] against the
// labels of the examples idx of d, writing the gradient into *dLogits when
// grad is set (tf and ti are scratch buffers for the targets).
func batchLoss(m *Model, logits []float32, d *Data, idx []int, grad bool, dLogits *[]float32, tf *[]float32, ti *[]int32) (float64, error) {
	B := len(idx)
	var dl []float32
	if grad {
		*dLogits = xslices.Resize(*dLogits, len(logits))
		dl = *dLogits
	}
	if m.Config.Binary {
		*tf = xslices.Resize(*tf, B)
		for j, i := range idx {
			(*tf)[j] = float32(d.Labels[i])
		}
		l, _, err := nn.BCEWithLogits(dl, logits, B, 1, *tf, nn.LossOptions{})
		return l, err
	}
	*ti = xslices.Resize(*ti, B)
	for j, i := range idx {
		(*ti)[j] = int32(d.Labels[i])
	}
	l, _, err := nn.SoftmaxCrossEntropy(dl, logits, B, m.Config.Classes, *ti, nn.LossOptions{})
	return l, err
}

// Evaluate computes the mean loss and the accuracy of the model on d, in
// evaluation mode (the previous mode is restored).
func (m *Model) Evaluate(ctx context.Context, d *Data, batch int) (Metrics, error) {
	pred, _, loss, err := m.predict(ctx, d, batch, true)
	if err != nil {
		return Metrics{}, err
	}
	correct := 0
	for i, p := range pred {
		if p == d.Labels[i] {
			correct++
		}
	}
	return Metrics{Loss: loss, Accuracy: float64(correct) / float64(max(d.Len(), 1)), N: d.Len()}, nil
}

// Predict returns the predicted label id and the class probabilities
// [N][Classes] of every sequence of ids, in evaluation mode: sequences of
// similar length batch at a time (fewer where padding them together
// would pass text.MaxPaddedTokens).
func (m *Model) Predict(ctx context.Context, ids [][]int32, batch int) ([]int, [][]float32, error) {
	pred, probs, _, err := m.predict(ctx, &Data{IDs: ids}, batch, false)
	return pred, probs, err
}

func (m *Model) predict(ctx context.Context, d *Data, batch int, withLoss bool) ([]int, [][]float32, float64, error) {
	if batch < 1 {
		batch = 256
	}
	defer m.drop.EvalMode()()
	n := d.Len()
	pred := make([]int, n)
	var probs [][]float32
	if !withLoss {
		probs = make([][]float32, n)
	}
	var (
		pad       text.Padded
		seqs      [][]int32
		tf        []float32
		ti        []int32
		total     float64
		dummy     []float32
		lossCount int
	)
	for _, idx := range text.PaddedBatches(d.IDs, batch) {
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
		seqs = seqs[:0]
		for _, i := range idx {
			if len(d.IDs[i]) == 0 {
				return nil, nil, 0, fmt.Errorf("classify: example %d has no tokens", i)
			}
			seqs = append(seqs, d.IDs[i])
		}
		if err := text.PadInto(&pad, seqs, padID); err != nil {
			return nil, nil, 0, fmt.Errorf("classify: %w", err)
		}
		logits, err := m.Forward(pad.IDs, pad.T, pad.B, pad.Lengths)
		if err != nil {
			return nil, nil, 0, err
		}
		if withLoss {
			l, err := batchLoss(m, logits, d, idx, false, &dummy, &tf, &ti)
			if err != nil {
				return nil, nil, 0, fmt.Errorf("classify: %w", err)
			}
			total += l * float64(len(idx))
			lossCount += len(idx)
		}
		K := m.Config.Classes
		p := m.Probabilities(logits, len(idx))
		for j, i := range idx {
			row := p[j*K : (j+1)*K]
			best := 0
			for k, v := range row {
				if v > row[best] {
					best = k
				}
			}
			pred[i] = best
			if probs != nil {
				probs[i] = append([]float32(nil), row...)
			}
		}
	}
	if lossCount > 0 {
		total /= float64(lossCount)
	}
	return pred, probs, total, nil
}
