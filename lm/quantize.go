package lm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
)

// QuantInt8 is the Config.Quantized value of a model quantized to int8.
const QuantInt8 = "int8"

// scaleSuffix names the row scales [rows] stored beside an int8 weight in
// a quantized checkpoint: "rnn.weight_hh_l0" (dtype I8) and
// "rnn.weight_hh_l0.scale" (F32).
const scaleSuffix = ".scale"

// Quantize makes m an int8 model for inference, the dynamic quantization
// PyTorch's torch.quantization.quantize_dynamic applies to nn.LSTM, nn.GRU
// and nn.Linear: every matrix a generation step multiplies (each layer's
// W_ih and W_hh, and the decoder weight) is rounded to int8 with one
// float32 scale per row, and from then on batch-1 generation (Sample),
// Score and Evaluate run int8 products whose inputs (the layers' inputs
// and states) are quantized per step with one scale per vector (see
// nn.Stepper.SetInt8 and tensor.Int8Matrix). Embedding lookups, biases,
// the gate arithmetic and the states stay float32; so does the first
// layer's input table, a lookup of float32 projections. With tied
// weights the embedding is the decoder weight and is rounded too. A model
// with an adaptive softmax cannot be quantized (yet).
//
// The float32 parameters are replaced by their int8 rounding (scale times
// code), so Save writes an int8 checkpoint (config "quantized": "int8",
// I8 weights with F32 scales) that loads back to the same model, and the
// batched training forward pass sees the same weights. Score and Evaluate
// step one token at a time on a quantized model, so they are slower than
// the batched float32 ones for large batches. Training a quantized model
// is possible but its updates leave the int8 grid until the next Quantize
// (Save re-quantizes). Quantize again after changing the weights.
func (m *Model) Quantize() error {
	if m.Adaptive != nil {
		return errors.New("lm: quantize: int8 inference needs a full decoder, not an adaptive softmax")
	}
	for _, p := range m.int8Params() {
		q, err := tensor.QuantizeInt8(p.Data, p.Shape[0], p.Shape[1], p.Shape[1])
		if err != nil {
			return fmt.Errorf("lm: quantize %s: %w", p.Name, err)
		}
		q.Dequantize(p.Data)
	}
	m.Config.Quantized = QuantInt8
	if m.gen != nil {
		// The stepper's int8 weights are a snapshot: make a new one.
		m.gen.close()
		m.gen = nil
	}
	return nil
}

// Quantized reports whether m runs int8 inference (see Quantize).
func (m *Model) Quantized() bool { return m.Config.Quantized == QuantInt8 }

// int8Params returns the parameters an int8 model stores as int8: every
// RNN weight matrix and the decoder weight (the embedding if tied).
func (m *Model) int8Params() []*nn.Param {
	var ps []*nn.Param
	for _, p := range m.RNN.Params() {
		if len(p.Shape) == 2 {
			ps = append(ps, p)
		}
	}
	return append(ps, m.Decoder.Weight)
}

// paramsFile is model.safetensors: float32 parameters, or for a quantized
// model its int8 weights as I8 tensors with their F32 row scales.
func (m *Model) paramsFile(name string, meta map[string]string) (checkpoint.File, error) {
	if !m.Quantized() {
		return checkpoint.ParamsFile(name, m.params, meta), nil
	}
	ts, err := checkpoint.ParamTensors(m.params)
	if err != nil {
		return checkpoint.File{}, fmt.Errorf("lm: %w", err)
	}
	for _, p := range m.int8Params() {
		rows, cols := p.Shape[0], p.Shape[1]
		q, err := tensor.QuantizeInt8(p.Data, rows, cols, cols)
		if err != nil {
			return checkpoint.File{}, fmt.Errorf("lm: quantize %s: %w", p.Name, err)
		}
		codes := make([]float32, rows*cols)
		for i, v := range q.Int8() {
			codes[i] = float32(v)
		}
		ts[p.Name] = checkpoint.Tensor{Shape: p.Shape, Data: codes, Dtype: checkpoint.I8}
		ts[p.Name+scaleSuffix] = checkpoint.Tensor{Shape: []int{rows}, Data: append([]float32(nil), q.Scales()...)}
	}
	return checkpoint.TensorsFile(name, ts, meta), nil
}

// readParams sets m's parameters from the safetensors file name of ck:
// float32 ones, or for a quantized model (Config.Quantized) int8 weights
// with their scales.
func (m *Model) readParams(ck *checkpoint.Checkpoint, name string) error {
	if !m.Quantized() {
		if _, err := ck.ReadParams(name, m.params); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
		return nil
	}
	ts, _, err := ck.ReadTensors(name)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	path := ck.Path(name)
	for _, p := range m.int8Params() {
		w, ok := ts[p.Name]
		s, sok := ts[p.Name+scaleSuffix]
		switch {
		case !ok || !sok:
			return fmt.Errorf("lm: %s: quantized model needs %s (I8) and %s (F32)", path, p.Name, p.Name+scaleSuffix)
		case w.Dtype != checkpoint.I8:
			return fmt.Errorf("lm: %s: %s is not int8 (I8) in a quantized model", path, p.Name)
		case len(w.Shape) != 2 || w.Shape[0] != p.Shape[0] || w.Shape[1] != p.Shape[1] || len(s.Shape) != 1 || s.Shape[0] != p.Shape[0]:
			return fmt.Errorf("lm: %s: %s is %v with scales %v, model needs %v and [%d]", path, p.Name, w.Shape, s.Shape, p.Shape, p.Shape[0])
		}
		codes := make([]int8, len(w.Data))
		for i, v := range w.Data {
			codes[i] = int8(v) // I8 values, exact
		}
		q, err := tensor.NewInt8Matrix(codes, s.Data, p.Shape[0], p.Shape[1])
		if err != nil {
			return fmt.Errorf("lm: %s: %s: %w", path, p.Name, err)
		}
		dq := make([]float32, len(w.Data))
		q.Dequantize(dq)
		ts[p.Name] = checkpoint.Tensor{Shape: w.Shape, Data: dq}
		delete(ts, p.Name+scaleSuffix)
	}
	for n := range ts {
		if strings.HasSuffix(n, scaleSuffix) {
			return fmt.Errorf("lm: %s: unexpected tensor %s", path, n)
		}
	}
	if err := checkpoint.SetParams(m.params, ts); err != nil {
		return fmt.Errorf("lm: %s: %w", path, err)
	}
	return nil
}

// evaluateSteps is Evaluate for a quantized model: the same streams and
// targets as the batched evaluation, stepped one token at a time through
// the int8 generator (stream b from a zero state, its state carried to the
// end, as across the batched chunks).
func (m *Model) evaluateSteps(ctx context.Context, sb *text.StreamBatcher, ids []int32) (Metrics, error) {
	L := sb.StreamLen()
	g, err := m.generator(L)
	if err != nil {
		return Metrics{}, err
	}
	row := make([]float32, m.Config.VocabSize)
	var sum float64
	for b := range sb.Batch() {
		if err := g.st.Reset(nil, nil); err != nil {
			return Metrics{}, fmt.Errorf("lm: %w", err)
		}
		s := ids[b*L : (b+1)*L]
		for p := range L - 1 {
			if p%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return Metrics{}, err
				}
			}
			logits, err := g.step(s[p])
			if err != nil {
				return Metrics{}, err
			}
			tensor.LogSoftmax(row, logits)
			sum -= float64(row[s[p+1]])
		}
	}
	return NewMetrics(sum, int64(sb.NumTargets())), nil
}

// scoreSteps is Score for a quantized model: each sequence stepped from a
// zero state through the int8 generator.
func (m *Model) scoreSteps(ctx context.Context, seqs [][]int32, start int32) ([]LineScore, error) {
	V := m.Config.VocabSize
	total := 0
	for i, seq := range seqs {
		for _, tok := range seq {
			if tok < 0 || int(tok) >= V {
				return nil, fmt.Errorf("lm: score: sequence %d: id %d outside vocabulary [0, %d)", i, tok, V)
			}
		}
		total += len(seq)
	}
	scores := make([]LineScore, len(seqs))
	if total == 0 {
		return scores, nil
	}
	g, err := m.generator(total)
	if err != nil {
		return nil, err
	}
	row := make([]float32, V)
	for i, seq := range seqs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(seq) == 0 {
			continue
		}
		if err := g.st.Reset(nil, nil); err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		in := start
		for _, tok := range seq {
			logits, err := g.step(in)
			if err != nil {
				return nil, err
			}
			tensor.LogSoftmax(row, logits)
			scores[i].LogProb += float64(row[tok])
			in = tok
		}
		scores[i].Tokens = len(seq)
	}
	return scores, nil
}

// setInt8 switches the generator's stepper and decoder to int8 products.
func (g *generator) setInt8() error {
	if err := g.st.SetInt8(true); err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	d := g.m.Decoder
	dec, err := tensor.QuantizeInt8(d.Weight.Data, d.Out, d.In, d.In)
	if err != nil {
		return fmt.Errorf("lm: quantize decoder: %w", err)
	}
	g.dec = dec
	return nil
}
