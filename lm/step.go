package lm

import (
	"fmt"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// generator feeds a model one token at a time, batch 1, in evaluation
// mode: embedding, an nn.Stepper over the RNN, and the decoder. It gives
// the logits of Model.forward with T = B = 1, up to float32 rounding.
type generator struct {
	m      *Model
	st     *nn.Stepper
	table  bool      // the first layer's input projections come from the stepper's table
	logits []float32 // [V]
}

const (
	// tableMaxBytes bounds the stepper's first-layer input table
	// [V, G*H]: a character vocabulary needs well under a megabyte, a
	// large word vocabulary would cost more than it saves.
	tableMaxBytes = 64 << 20
	// stepSplitBytes is the weight size per step from which a step is
	// split over tensor.Threads() goroutines: smaller steps (a few
	// microseconds) run faster on one than they would synchronising two.
	stepSplitBytes = 1 << 20
)

// newGenerator prepares to run steps tokens from a zero state. The
// first layer's input projection is precomputed for the whole vocabulary
// when that is cheap next to the steps it saves (V <= steps) and small.
func (m *Model) newGenerator(steps int) (*generator, error) {
	c := m.Config
	G := m.RNN.Cell().Gates()
	table := c.VocabSize <= steps && int64(c.VocabSize)*int64(G*c.Hidden)*4 <= tableMaxBytes
	// Weight bytes read per step: every layer's W_ih and W_hh, the decoder.
	bytes := int64(c.VocabSize) * int64(c.Hidden)
	for l := range c.Layers {
		in := c.Hidden
		if l == 0 {
			in = c.EmbedDim
			if table {
				in = 0
			}
		}
		bytes += int64(G*c.Hidden) * int64(in+c.Hidden)
	}
	threads := 1
	if bytes*4 >= stepSplitBytes {
		threads = tensor.Threads()
	}
	st, err := m.RNN.NewStepper(threads)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	g := &generator{m: m, st: st, table: table, logits: make([]float32, c.VocabSize)}
	if table {
		if err := st.SetInputTable(m.Embedding.Weight.Data, c.VocabSize); err != nil {
			st.Close()
			return nil, fmt.Errorf("lm: %w", err)
		}
	}
	return g, nil
}

// step feeds token id (already checked to be in the vocabulary) and
// returns the logits of the next token [V], a view valid until the next
// step.
func (g *generator) step(id int32) ([]float32, error) {
	var (
		h   []float32
		err error
	)
	if g.table {
		h, err = g.st.StepRow(int(id))
	} else {
		E := g.m.Config.EmbedDim
		h, err = g.st.Step(g.m.Embedding.Weight.Data[int(id)*E : (int(id)+1)*E])
	}
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	d := g.m.Decoder
	tensor.MatVec(d.Weight.Data, d.In, h, g.logits)
	if d.Bias != nil {
		tensor.Add(g.logits, g.logits, d.Bias.Data)
	}
	return g.logits, nil
}

// close releases the stepper's goroutines.
func (g *generator) close() { g.st.Close() }
