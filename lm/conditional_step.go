package lm

import (
	"fmt"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// condGen feeds a CondModel one token at a time for one label, batch 1,
// in evaluation mode: the token's embedding (with the label embedding
// appended for CondInput/CondBoth), an nn.Stepper over the RNN started
// from the label's initial state (CondInit/CondBoth), the decoder and the
// label's output bias. It gives the logits of CondModel.forward at the
// same position, up to float32 rounding, in O(1) per token where
// re-running the prefix costs O(T).
type condGen struct {
	m       *CondModel
	rnn     *nn.RNN // the RNN st steps (a new one needs a new stepper)
	label   int
	st      *nn.Stepper
	table   bool      // the first layer's input projections come from the stepper's table
	threads int       // the stepper's goroutines
	x       []float32 // [E+D] input of a step without the table: embedding row, label embedding
	rows    []float32 // [V, E+D] table rows (CondInput/CondBoth only)
	h0      []float32 // [L*H] the label's initial state (CondInit/CondBoth), else nil
	logits  []float32 // [V]
}

// condGen returns the generator of label, reset to the label's initial
// state, ready for steps tokens. Like Model.generator it is kept between
// calls (one per label) and remade only when the thread count or the model
// changes; the first layer's input projection is precomputed for the whole
// vocabulary when that is small and cheap next to the steps it saves.
func (m *CondModel) condGen(label, steps int) (*condGen, error) {
	c := m.Config
	E, D, V := c.EmbedDim, 0, c.VocabSize
	if m.lab != nil {
		D = c.LabelDim
	}
	G := m.rnn.Cell().Gates()
	if len(m.gens) != len(c.Labels) {
		m.closeGens()
		m.gens = make([]*condGen, len(c.Labels))
	}
	g := m.gens[label]
	table, threads := stepPlan(V, E+D, c.Hidden, c.Layers, G, steps, g != nil && g.table)
	if g == nil || g.threads != threads || g.m != m || g.rnn != m.rnn {
		if g != nil && g.m == m {
			g.st.Close()
		}
		m.gens[label] = nil
		st, err := m.rnn.NewStepper(threads)
		if err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		g = &condGen{m: m, rnn: m.rnn, label: label, st: st, threads: threads,
			x: make([]float32, E+D), logits: make([]float32, V)}
		if m.init != nil {
			g.h0 = make([]float32, c.Layers*c.Hidden)
		}
		m.gens[label] = g
	}
	if D > 0 {
		copy(g.x[E:], m.lab.Weight.Data[label*D:(label+1)*D])
	}
	var rows []float32 // [V, E+D] inputs of every token
	if table {
		rows = m.emb.Weight.Data // [V, E]
		if D > 0 {
			g.rows = xslices.Resize(g.rows, V*(E+D))
			for i := range V {
				copy(g.rows[i*(E+D):], rows[i*E:(i+1)*E])
				copy(g.rows[i*(E+D)+E:(i+1)*(E+D)], g.x[E:])
			}
			rows = g.rows
		}
	} else {
		g.rows = nil
	}
	if err := setTable(g.st, table, g.table, rows, V); err != nil {
		return nil, err
	}
	g.table = table
	// h0 = tanh(label_init.weight[label]) is [L, 1, H], the row itself.
	if g.h0 != nil {
		LH := c.Layers * c.Hidden
		tensor.Tanh(g.h0, m.init.Weight.Data[label*LH:(label+1)*LH])
	}
	if err := g.st.Reset(g.h0, nil); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	return g, nil
}

// step feeds token id (already checked to be in the vocabulary) and
// returns the logits of the next token [V] for the generator's label, a
// view valid until the next step.
func (g *condGen) step(id int32) ([]float32, error) {
	var (
		h   []float32
		err error
	)
	m := g.m
	E := m.Config.EmbedDim
	switch {
	case g.table:
		h, err = g.st.StepRow(int(id))
	case m.lab != nil:
		copy(g.x[:E], m.emb.Weight.Data[int(id)*E:(int(id)+1)*E])
		h, err = g.st.Step(g.x)
	default:
		h, err = g.st.Step(m.emb.Weight.Data[int(id)*E : (int(id)+1)*E])
	}
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	d := m.dec
	tensor.MatVec(d.Weight.Data, d.In, h, g.logits)
	tensor.Add(g.logits, g.logits, d.Bias.Data)
	if m.labBias != nil {
		V := m.Config.VocabSize
		tensor.Add(g.logits, g.logits, m.labBias.Data[g.label*V:(g.label+1)*V])
	}
	return g.logits, nil
}

// closeGens releases the generators' goroutines (those of this model; a
// CondModel struct copied from another shares its generators, which stay
// open for that model).
func (m *CondModel) closeGens() {
	for _, g := range m.gens {
		if g != nil && g.m == m {
			g.st.Close()
		}
	}
	m.gens = nil
}
