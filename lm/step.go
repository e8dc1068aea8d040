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
	m       *Model
	rnn     *nn.RNN // the RNN st steps (a new one needs a new stepper)
	st      *nn.Stepper
	table   bool      // the first layer's input projections come from the stepper's table
	threads int       // the stepper's goroutines
	logits  []float32 // [V]
	adapt   nn.AdaptiveScratch
	dec     *tensor.Int8Matrix // the int8 decoder weight of a quantized model, else nil
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

// stepPlan decides how a batch-1 generator runs a model with vocabulary
// V, first-layer input size in, hidden size H, L layers of G gates, for
// steps tokens: whether the first layer's input projections come from a
// table [V, G*H] (when it is at most tableMaxBytes and V <= steps, or it
// exists already), and on how many goroutines a step is split (all of
// tensor.Threads() when a step reads at least stepSplitBytes of weights).
func stepPlan(V, in, H, L, G, steps int, hadTable bool) (table bool, threads int) {
	small := int64(V)*int64(G*H)*4 <= tableMaxBytes
	table = small && (V <= steps || hadTable)
	// Weight bytes read per step: every layer's W_ih and W_hh, the decoder.
	bytes := int64(V) * int64(H)
	for l := range L {
		n := H
		if l == 0 {
			n = in
			if table {
				n = 0
			}
		}
		bytes += int64(G*H) * int64(n+H)
	}
	threads = 1
	if bytes*4 >= stepSplitBytes {
		threads = tensor.Threads()
	}
	return table, threads
}

// generator returns the model's generator, ready to run steps tokens
// from a zero state. It is kept between calls (its goroutines park when
// idle): a new one is made only when the thread count or the RNN changes. The first
// layer's input projection is precomputed for the whole vocabulary when
// that is small and cheap next to the steps it saves (V <= steps), and
// kept while the embedding and the first layer's input weights stay the
// same.
func (m *Model) generator(steps int) (*generator, error) {
	c := m.Config
	G := m.RNN.Cell().Gates()
	g := m.gen
	table, threads := stepPlan(c.VocabSize, c.EmbedDim, c.Hidden, c.Layers, G, steps, g != nil && g.table)
	if g == nil || g.threads != threads || g.m != m || g.rnn != m.RNN {
		if g != nil && g.m == m {
			// (A generator of another model, whose struct this one was
			// copied from, stays open for that model.)
			g.close()
		}
		m.gen = nil
		st, err := m.RNN.NewStepper(threads)
		if err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		g = &generator{m: m, rnn: m.RNN, st: st, threads: threads, logits: make([]float32, c.VocabSize)}
		if m.Quantized() {
			if err := g.setInt8(); err != nil {
				st.Close()
				return nil, err
			}
		}
		m.gen = g
	}
	var rows []float32
	if table {
		rows = m.Embedding.Weight.Data
	}
	if err := setTable(g.st, table, g.table, rows, c.VocabSize); err != nil {
		return nil, err
	}
	g.table = table
	if err := g.st.Reset(nil, nil); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	return g, nil
}

// setTable gives st the first-layer input table rows [n, I] when use, or
// drops the table it had (had) when not.
func setTable(st *nn.Stepper, use, had bool, rows []float32, n int) error {
	var err error
	switch {
	case use:
		err = st.SetInputTable(rows, n)
	case had:
		err = st.SetInputTable(nil, 0)
	}
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	return nil
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
	if a := g.m.Adaptive; a != nil {
		if err := a.LogProb(g.logits, h, 1, &g.adapt); err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		return g.logits, nil
	}
	d := g.m.Decoder
	if g.dec != nil {
		x, b := g.st.Int8Output()
		g.dec.MulVec(0, x, b, g.logits)
	} else {
		tensor.MatVec(d.Weight.Data, d.In, h, g.logits)
	}
	if d.Bias != nil {
		tensor.Add(g.logits, g.logits, d.Bias.Data)
	}
	return g.logits, nil
}

// close releases the stepper's goroutines.
func (g *generator) close() { g.st.Close() }
