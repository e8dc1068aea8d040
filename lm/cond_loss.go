package lm

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// forward runs the sentences with their labels and returns the logits
// [T*B, V] for the targets m.y (tokens then <eos>, valid where m.valid).
func (m *CondModel) forward(sents [][]int32, labels []int) ([]float32, error) {
	if err := m.fill(sents, labels); err != nil {
		return nil, err
	}
	T, B, V := m.T, m.B, m.Config.VocabSize
	x, err := m.inputs()
	if err != nil {
		return nil, err
	}
	h0, c0, err := m.initState(labels)
	if err != nil {
		return nil, err
	}
	out, _, _, err := m.rnn.Forward(x, T, B, m.lengths, h0, c0)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	out = m.dropout(&m.outMask, &m.outDrop, out)
	logits, err := m.dec.Forward(out, T*B)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if m.labBias != nil {
		for i := 0; i < T*B; i++ {
			l := int(m.labRep[i])
			tensor.Axpy(1, m.labBias.Data[l*V:(l+1)*V], logits[i*V:(i+1)*V])
		}
	}
	return logits, nil
}

// dropout returns x with the model's dropout applied in training, the
// mask and the result kept in *mask and *dst for backward (x itself when
// not dropping).
func (m *CondModel) dropout(mask, dst *[]float32, x []float32) []float32 {
	if !m.dropping() {
		return x
	}
	*mask, *dst = xslices.Resize(*mask, len(x)), xslices.Resize(*dst, len(x))
	nn.DropoutPCG(m.drop.PCG(), m.Config.Dropout, *mask, *dst, x)
	return *dst
}

// fill lays the batch out time-major: inputs m.x (<eos> then the tokens),
// targets m.y (the tokens then <eos>), each row's label m.labRep, the
// valid rows and the sequence lengths; it sets m.T and m.B.
func (m *CondModel) fill(sents [][]int32, labels []int) error {
	B := len(sents)
	if B == 0 || len(labels) != B {
		return fmt.Errorf("lm: conditional: %d sentences, %d labels", B, len(labels))
	}
	T := 0
	for _, s := range sents {
		T = max(T, len(s)+1)
	}
	V := m.Config.VocabSize
	m.T, m.B = T, B
	m.x, m.y = xslices.Resize(m.x, T*B), xslices.Resize(m.y, T*B)
	m.labRep, m.valid = xslices.Resize(m.labRep, T*B), xslices.Resize(m.valid, T*B)
	m.lengths = slices.Grow(m.lengths[:0], B)[:B]
	for b, s := range sents {
		if labels[b] < 0 || labels[b] >= len(m.Config.Labels) {
			return fmt.Errorf("lm: conditional: label %d outside [0, %d)", labels[b], len(m.Config.Labels))
		}
		m.lengths[b] = len(s) + 1
		for t := 0; t < T; t++ {
			i := t*B + b
			m.labRep[i] = int32(labels[b])
			m.x[i], m.y[i], m.valid[i] = m.eos, m.eos, t <= len(s)
			if t > 0 && t <= len(s) {
				m.x[i] = s[t-1]
			}
			if t < len(s) {
				m.y[i] = s[t]
			}
			if m.x[i] < 0 || int(m.x[i]) >= V || m.y[i] < 0 || int(m.y[i]) >= V {
				return fmt.Errorf("lm: conditional: sentence %d: token id outside [0, %d)", b, V)
			}
		}
	}
	return nil
}

// inputs returns the RNN's input [T*B, E(+D)]: the embeddings of m.x
// (with dropout in training) and, for CondInput/CondBoth, each row's label
// embedding after them.
func (m *CondModel) inputs() ([]float32, error) {
	e, err := m.emb.Forward(m.x)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	e = m.dropout(&m.embMask, &m.embDrop, e)
	if m.lab == nil {
		return e, nil
	}
	n, E, D := m.T*m.B, m.Config.EmbedDim, m.Config.LabelDim
	le, err := m.lab.Forward(m.labRep)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	m.xin = xslices.Resize(m.xin, n*(E+D))
	for i := 0; i < n; i++ {
		copy(m.xin[i*(E+D):], e[i*E:(i+1)*E])
		copy(m.xin[i*(E+D)+E:(i+1)*(E+D)], le[i*D:(i+1)*D])
	}
	return m.xin, nil
}

// initState returns the RNN's initial state for CondInit/CondBoth:
// h0 [L, B, H] = tanh(label_init.weight[label]) and a zero c0 for an LSTM
// (nil, nil otherwise: zero states).
func (m *CondModel) initState(labels []int) (h0, c0 []float32, err error) {
	if m.init == nil {
		return nil, nil, nil
	}
	B, H, L := m.B, m.Config.Hidden, m.Config.Layers
	lab32 := make([]int32, B)
	for b, l := range labels {
		lab32[b] = int32(l)
	}
	rows, err := m.init.Forward(lab32) // [B, L*H]
	if err != nil {
		return nil, nil, fmt.Errorf("lm: %w", err)
	}
	m.h0 = xslices.Resize(m.h0, L*B*H)
	for b := 0; b < B; b++ {
		for l := 0; l < L; l++ {
			tensor.Tanh(m.h0[(l*B+b)*H:(l*B+b+1)*H], rows[b*L*H+l*H:b*L*H+(l+1)*H])
		}
	}
	if m.rnn.Cell() == nn.CellLSTM {
		m.c0 = xslices.Resize(m.c0, L*B*H)
		clear(m.c0)
		c0 = m.c0
	}
	return m.h0, c0, nil
}

// Loss returns the summed token cross-entropy of the sentences given
// their labels and the number of tokens (each sentence's tokens and its
// <eos>); with backward set it adds the gradient of the mean into the
// parameters' Grad (training mode, dropout on).
func (m *CondModel) Loss(sents [][]int32, labels []int, backward bool) (float64, int, error) {
	m.drop.SetTraining(backward)
	logits, err := m.forward(sents, labels)
	if err != nil {
		return 0, 0, err
	}
	n := m.T * m.B
	V := m.Config.VocabSize
	var dl []float32
	if backward {
		m.dLogits = xslices.Resize(m.dLogits, n*V)
		dl = m.dLogits
	}
	sum, cnt, err := nn.SoftmaxCrossEntropy(dl, logits, n, V, m.y, nn.LossOptions{Reduction: nn.ReduceSum, Valid: m.valid})
	if err != nil {
		return 0, 0, fmt.Errorf("lm: %w", err)
	}
	if err := nn.CheckLoss(sum); err != nil {
		return 0, 0, fmt.Errorf("lm: conditional: %w", err)
	}
	if !backward {
		return sum, cnt, nil
	}
	tensor.Scale(1/float32(cnt), dl)
	return sum, cnt, m.backward()
}

// LabelLogLikelihoods returns log p(sentence, <eos> | label) for every
// sentence (rows) and label (columns), running the batch once per label
// in evaluation mode.
func (m *CondModel) LabelLogLikelihoods(sents [][]int32) ([][]float64, error) {
	K, B, V := len(m.Config.Labels), len(sents), m.Config.VocabSize
	if B == 0 {
		return nil, nil
	}
	m.drop.SetTraining(false)
	logits, err := m.forward(m.everyLabel(sents))
	if err != nil {
		return nil, err
	}
	out := make([][]float64, B)
	for b := range out {
		out[b] = make([]float64, K)
	}
	scratch := make([]float32, V)
	for i := 0; i < m.T*m.B; i++ {
		if !m.valid[i] {
			continue
		}
		x := logits[i*V : (i+1)*V]
		c := i % m.B
		out[c%B][c/B] -= float64(tensor.LogSoftmax(scratch, x)) - float64(x[m.y[i]])
	}
	return out, nil
}

// LabelAccuracy classifies the sentences of d by the model's own Bayes
// posterior (the label under which the sentence is most likely, a uniform
// prior) and returns the share equal to d's labels: how much of the label
// the model carries.
func (m *CondModel) LabelAccuracy(ctx context.Context, d CondData, batch int) (float64, error) {
	if len(d.Sents) == 0 {
		return 0, nil
	}
	right := 0
	for lo := 0; lo < len(d.Sents); lo += batch {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		hi := min(len(d.Sents), lo+batch)
		ll, err := m.LabelLogLikelihoods(d.Sents[lo:hi])
		if err != nil {
			return 0, err
		}
		for i, row := range ll {
			if best := slices.Index(row, slices.Max(row)); best == d.Labels[lo+i] {
				right++
			}
		}
	}
	return float64(right) / float64(len(d.Sents)), nil
}

// everyLabel returns the batch of every sentence under every label: copy
// k*B+b is sentence b with label k (buffers kept between calls).
func (m *CondModel) everyLabel(sents [][]int32) ([][]int32, []int) {
	all, labs := m.hybSents[:0], m.hybLabels[:0]
	for k := range m.Config.Labels {
		all = append(all, sents...)
		for range sents {
			labs = append(labs, k)
		}
	}
	m.hybSents, m.hybLabels = all, labs
	return all, labs
}

// HybridLoss is the training loss of a class-conditional language model
// with a discriminative term (as GeDi, Krause et al. 2020, trains one):
//
//	L = mean token NLL(x | y) + disc * mean over sentences of -log p(y | x),
//
// where p(y | x) is the model's own Bayes posterior with a uniform prior,
// p(x | y) / sum_k p(x | k) (LabelPosterior). The second term rewards text
// whose likelihood depends on its label, so the label is carried more
// strongly than maximum likelihood alone needs. Every sentence is run once
// per label (a batch K times as large). It returns the summed token NLL
// under the true labels and its token count, and the summed -log p(y | x);
// with backward set it adds the gradient of L into the parameters' Grad.
// disc = 0 is Loss (at K times its cost).
func (m *CondModel) HybridLoss(sents [][]int32, labels []int, disc float64, backward bool) (float64, int, float64, error) {
	K, B, V := len(m.Config.Labels), len(sents), m.Config.VocabSize
	if B == 0 || len(labels) != B {
		return 0, 0, 0, fmt.Errorf("lm: conditional: %d sentences, %d labels", B, len(labels))
	}
	m.drop.SetTraining(backward)
	logits, err := m.forward(m.everyLabel(sents))
	if err != nil {
		return 0, 0, 0, err
	}
	n, B2 := m.T*m.B, m.B
	m.dLogits = xslices.Resize(m.dLogits, n*V)
	m.hybLL = slices.Grow(m.hybLL[:0], K*B)[:K*B] // log p(sentence kB+b | label k)
	ll := m.hybLL
	clear(ll)
	tokens := 0
	for i := 0; i < n; i++ {
		d := m.dLogits[i*V : (i+1)*V]
		if !m.valid[i] {
			clear(d)
			continue
		}
		x := logits[i*V : (i+1)*V]
		tg := m.y[i]
		xt := x[tg]
		lse := tensor.LogSoftmax(d, x) // d = x - lse
		ll[i%B2] -= float64(lse) - float64(xt)
		tensor.Exp(d, d)
		d[tg]--
	}
	var gen, dsum float64
	m.hybCoef = xslices.Resize(m.hybCoef, K*B) // dL/d(logits) of copy kB+b = coef * (softmax - onehot)
	coef := m.hybCoef
	for b, y := range labels {
		tokens += len(sents[b]) + 1
		gen -= ll[y*B+b]
		mx := math.Inf(-1)
		for k := 0; k < K; k++ {
			mx = max(mx, ll[k*B+b])
		}
		var z float64
		for k := 0; k < K; k++ {
			z += math.Exp(ll[k*B+b] - mx)
		}
		lse := mx + math.Log(z)
		dsum += lse - ll[y*B+b]
		for k := 0; k < K; k++ {
			q := math.Exp(ll[k*B+b] - lse)
			c := disc * (-q) / float64(B)
			if k == y {
				c += disc / float64(B)
			}
			coef[k*B+b] = float32(c)
		}
	}
	if err := nn.CheckLoss(gen + dsum); err != nil {
		return 0, 0, 0, fmt.Errorf("lm: conditional: %w", err)
	}
	if !backward {
		return gen, tokens, dsum, nil
	}
	for b, y := range labels {
		coef[y*B+b] += float32(1 / float64(tokens))
	}
	for i := 0; i < n; i++ {
		if m.valid[i] {
			tensor.Scale(coef[i%B2], m.dLogits[i*V:(i+1)*V])
		}
	}
	return gen, tokens, dsum, m.backward()
}

func (m *CondModel) backward() error {
	if m.labBias != nil {
		V := m.Config.VocabSize
		for i := 0; i < m.T*m.B; i++ {
			if m.valid[i] { // other rows have zero gradient
				l := int(m.labRep[i])
				tensor.Axpy(1, m.dLogits[i*V:(i+1)*V], m.labBias.Grad[l*V:(l+1)*V])
			}
		}
	}
	dOut, err := m.dec.Backward(m.dLogits)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	if m.dropping() {
		tensor.Mul(dOut, dOut, m.outMask) // dOut is the decoder's buffer
	}
	dx, dh0, _, err := m.rnn.Backward(dOut, nil, nil)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	T, B, E := m.T, m.B, m.Config.EmbedDim
	if m.lab != nil {
		D := m.Config.LabelDim
		m.demb, m.dlab = xslices.Resize(m.demb, T*B*E), xslices.Resize(m.dlab, T*B*D)
		for i := 0; i < T*B; i++ {
			copy(m.demb[i*E:(i+1)*E], dx[i*(E+D):i*(E+D)+E])
			copy(m.dlab[i*D:(i+1)*D], dx[i*(E+D)+E:(i+1)*(E+D)])
		}
		if err := m.lab.Backward(m.dlab); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
		dx = m.demb
	}
	if m.dropping() {
		m.dEmbDrop = xslices.Resize(m.dEmbDrop, len(dx))
		tensor.Mul(m.dEmbDrop, dx, m.embMask)
		dx = m.dEmbDrop
	}
	if err := m.emb.Backward(dx); err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	if m.init != nil {
		H, L := m.Config.Hidden, m.Config.Layers
		m.dh0rows = xslices.Resize(m.dh0rows, B*L*H)
		for b := 0; b < B; b++ {
			for l := 0; l < L; l++ {
				for j := 0; j < H; j++ {
					h := m.h0[(l*B+b)*H+j]
					m.dh0rows[b*L*H+l*H+j] = dh0[(l*B+b)*H+j] * (1 - h*h)
				}
			}
		}
		if err := m.init.Backward(m.dh0rows); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
	}
	return nil
}

// Evaluate returns the metrics of the data (per-token cross-entropy with
// each sentence's <eos>).
func (m *CondModel) Evaluate(ctx context.Context, d CondData, batch int) (Metrics, error) {
	var sum float64
	var n int64
	for lo := 0; lo < len(d.Sents); lo += batch {
		if err := ctx.Err(); err != nil {
			return Metrics{}, err
		}
		hi := min(len(d.Sents), lo+batch)
		s, c, err := m.Loss(d.Sents[lo:hi], d.Labels[lo:hi], false)
		if err != nil {
			return Metrics{}, err
		}
		sum += s
		n += int64(c)
	}
	return NewMetrics(sum, n), nil
}
