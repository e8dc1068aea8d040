package lm

import (
	"errors"
	"fmt"
	"slices"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// Batch generates many samples from one model together, for a server:
// each Step advances every stream given to it by one token with one
// batched recurrent step (nn.BatchStepper), so the weights are read once
// per token for all of them, and streams may join or leave between steps
// ("continuous batching"). Each stream keeps its own options, sampler and
// random generator.
//
// A stream stepped alone (a Step with one stream) runs the batch-1 path
// of Model.Sample (the same nn.Stepper, input table and decoder
// products), so a generation that runs alone from start to end gives
// exactly Sample's tokens for the same options. Stepped with others, its
// logits differ from Sample's only by float32 rounding (another product
// shape), which can now and then flip a sampled token.
//
// A Batch reads the model's weights (packed copies of the recurrent and
// decoder weights are taken when it is made) and never writes the model,
// so the model may serve other read-only uses meanwhile; the Batch itself
// is not safe for concurrent use (one goroutine steps it).
type Batch struct {
	m    *Model
	cap  int
	bs   *nn.BatchStepper // nil for a cell it does not support: streams then step alone in turn
	solo [2]*nn.Stepper   // batch-1 steppers without and with the input table
	// table [V, G*H]: the first layer's input projections of every token
	// (nil when larger than tableMaxBytes).
	table    []float32
	dec      tensor.PackedMat   // decoder weights (nil Adaptive only)
	adapt    nn.AdaptiveScratch // the adaptive softmax's buffers
	h, c     []float32          // [L, Cap, H] gathered states
	x, gi0   []float32          // [Cap, E], [Cap, G*H]
	logits   []float32          // [Cap, V]
	rows     []*Stream          // the streams of this step, in row order
	in       []int32            // [Cap] token fed to each row
	stepped  int64              // batched steps run
	rowSteps int64              // rows stepped in batched steps
}

// NewBatch returns a batch of up to capacity streams per step.
func (m *Model) NewBatch(capacity int) (*Batch, error) {
	if capacity < 1 {
		return nil, fmt.Errorf("lm: NewBatch: capacity %d must be positive", capacity)
	}
	c := m.Config
	L, H, V, E := c.Layers, c.Hidden, c.VocabSize, c.EmbedDim
	G := m.RNN.Cell().Gates()
	b := &Batch{m: m, cap: capacity,
		h: make([]float32, L*capacity*H), x: make([]float32, capacity*E), gi0: make([]float32, capacity*G*H),
		logits: make([]float32, capacity*V), in: make([]int32, capacity)}
	if m.RNN.Cell() == nn.CellLSTM {
		b.c = make([]float32, L*capacity*H)
	}
	if capacity > 1 {
		bs, err := m.RNN.NewBatchStepper(capacity)
		if err == nil {
			b.bs = bs
			if m.Decoder != nil {
				b.dec.Pack(true, H, V, m.Decoder.Weight.Data, H, capacity)
			}
			if int64(V)*int64(G*H)*4 <= tableMaxBytes {
				if b.table, err = bs.InputProjections(m.Embedding.Weight.Data, V); err != nil {
					return nil, fmt.Errorf("lm: %w", err)
				}
			}
		}
	}
	return b, nil
}

// Cap returns the most streams a Step takes.
func (b *Batch) Cap() int { return b.cap }

// Stats returns the batched steps run so far and the rows they stepped
// (their mean batch size is rows/steps); lone steps are not counted.
func (b *Batch) Stats() (steps, rows int64) { return b.stepped, b.rowSteps }

// Stream is one generation of a Batch: the start token and prompt to
// feed, then the tokens it samples. It belongs to the goroutine stepping
// its Batch until Done.
type Stream struct {
	opt   SampleOptions
	feed  []int32 // start token and prompt
	fed   int     // of feed
	s     *sampler
	h, c  []float32 // [L, H] state
	out   []int32
	done  bool
	table bool // the lone path uses the input table (as Sample would)
}

// NewStream starts a generation with opt (checked as Sample checks it;
// the start token is prepended to opt.Prompt).
func (b *Batch) NewStream(opt SampleOptions) (*Stream, error) {
	m := b.m
	V := m.Config.VocabSize
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	feed := m.withStart(opt.Prompt)
	if len(feed) == 0 {
		return nil, errors.New("lm: sample: empty prompt and the model has no start token")
	}
	for i, id := range feed {
		if id < 0 || int(id) >= V {
			return nil, fmt.Errorf("lm: sample: prompt id %d at position %d outside vocabulary [0, %d)", id, i, V)
		}
	}
	for _, id := range opt.Ban {
		if id < 0 || int(id) >= V {
			return nil, fmt.Errorf("lm: sample: banned id %d outside vocabulary [0, %d)", id, V)
		}
	}
	if len(opt.Ban) >= V {
		return nil, fmt.Errorf("lm: sample: all %d tokens are banned", V)
	}
	c := m.Config
	table, _ := stepPlan(V, c.EmbedDim, c.Hidden, c.Layers, m.RNN.Cell().Gates(), len(feed)+opt.MaxTokens, false)
	s := &Stream{opt: opt, feed: feed, s: newSampler(V, opt), h: make([]float32, c.Layers*c.Hidden), table: table,
		done: opt.MaxTokens == 0}
	if b.c != nil {
		s.c = make([]float32, c.Layers*c.Hidden)
	}
	return s, nil
}

// Done reports whether the stream has produced its tokens (MaxTokens, or
// a stop token).
func (s *Stream) Done() bool { return s.done }

// Tokens returns the tokens sampled so far (a view valid until the next
// Step).
func (s *Stream) Tokens() []int32 { return s.out }

// next returns the token the stream feeds at its next step.
func (s *Stream) next() int32 {
	if s.fed < len(s.feed) {
		return s.feed[s.fed]
	}
	return s.out[len(s.out)-1]
}

// Step advances each of streams (at most Cap, none Done, each stepped by
// this Batch only) by one token: the next prompt token, or the token it
// sampled last. A stream whose prompt is then consumed samples a token,
// which Step stores in emitted[i] (-1 for a stream still reading its
// prompt); emitted needs len(streams) entries.
func (b *Batch) Step(streams []*Stream, emitted []int32) error {
	n := len(streams)
	if n > b.cap || len(emitted) < n {
		return fmt.Errorf("lm: Batch.Step: %d streams for capacity %d and %d results", n, b.cap, len(emitted))
	}
	for _, s := range streams {
		if s.done {
			return errors.New("lm: Batch.Step: a stream is done")
		}
	}
	V := b.m.Config.VocabSize
	switch {
	case n == 0:
		return nil
	case n == 1 || b.bs == nil:
		for i, s := range streams {
			if err := b.stepAlone(s, b.logits[:V]); err != nil {
				return err
			}
			emitted[i] = s.after(b.logits[:V])
		}
	default:
		if err := b.stepBatched(streams); err != nil {
			return err
		}
		for i, s := range streams {
			emitted[i] = s.after(b.logits[i*V : (i+1)*V])
		}
	}
	return nil
}

// after records that the stream fed one token and, once its prompt is
// consumed, samples from logits; it returns the sampled token or -1.
func (s *Stream) after(logits []float32) int32 {
	if s.fed < len(s.feed) {
		s.fed++
		if s.fed < len(s.feed) {
			return -1
		}
	}
	id := s.s.pick(logits)
	s.out = append(s.out, id)
	if len(s.out) >= s.opt.MaxTokens || slices.Contains(s.opt.Stop, id) {
		s.done = true
	}
	return id
}

// stepAlone runs one stream through the batch-1 stepper, as generator.step
// does, and writes its logits.
func (b *Batch) stepAlone(s *Stream, logits []float32) error {
	m := b.m
	k := 0
	if s.table {
		k = 1
	}
	st := b.solo[k]
	if st == nil {
		c := m.Config
		_, threads := stepPlan(c.VocabSize, c.EmbedDim, c.Hidden, c.Layers, m.RNN.Cell().Gates(), 0, s.table)
		var err error
		if st, err = m.RNN.NewStepper(threads); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
		if s.table {
			if err := st.SetInputTable(m.Embedding.Weight.Data, c.VocabSize); err != nil {
				return fmt.Errorf("lm: %w", err)
			}
		}
		b.solo[k] = st
	}
	if err := st.Reset(s.h, s.c); err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	id := int(s.next())
	var (
		h   []float32
		err error
	)
	if s.table {
		h, err = st.StepRow(id)
	} else {
		E := m.Config.EmbedDim
		h, err = st.Step(m.Embedding.Weight.Data[id*E : (id+1)*E])
	}
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	hs, cs := st.State()
	copy(s.h, hs)
	copy(s.c, cs)
	if a := m.Adaptive; a != nil {
		if err := a.LogProb(logits, h, 1, &b.adapt); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
		return nil
	}
	d := m.Decoder
	tensor.MatVec(d.Weight.Data, d.In, h, logits)
	if d.Bias != nil {
		tensor.Add(logits, logits, d.Bias.Data)
	}
	return nil
}

// stepBatched gathers the streams' states, runs one batched step and the
// decoder, scatters the states back and leaves the logits in b.logits.
func (b *Batch) stepBatched(streams []*Stream) error {
	m := b.m
	c := m.Config
	B, L, H, E, V := len(streams), c.Layers, c.Hidden, c.EmbedDim, c.VocabSize
	GH := len(b.gi0) / b.cap
	h := b.h[:L*B*H]
	var cs []float32
	if b.c != nil {
		cs = b.c[:L*B*H]
	}
	for i, s := range streams {
		for l := range L {
			copy(h[l*B*H+i*H:l*B*H+(i+1)*H], s.h[l*H:(l+1)*H])
			if cs != nil {
				copy(cs[l*B*H+i*H:l*B*H+(i+1)*H], s.c[l*H:(l+1)*H])
			}
		}
		b.in[i] = s.next()
	}
	var x, gi0 []float32
	if b.table != nil {
		gi0 = b.gi0[:B*GH]
		for i, id := range b.in[:B] {
			copy(gi0[i*GH:(i+1)*GH], b.table[int(id)*GH:(int(id)+1)*GH])
		}
	} else {
		x = b.x[:B*E]
		for i, id := range b.in[:B] {
			copy(x[i*E:(i+1)*E], m.Embedding.Weight.Data[int(id)*E:(int(id)+1)*E])
		}
	}
	out, err := b.bs.Step(B, x, gi0, h, cs)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	logits := b.logits[:B*V]
	if a := m.Adaptive; a != nil {
		if err := a.LogProb(logits, out, B, &b.adapt); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
	} else {
		tensor.SgemmPacked(false, B, 1, out, H, &b.dec, 0, logits, V)
		if bias := m.Decoder.Bias; bias != nil {
			for i := range B {
				row := logits[i*V : (i+1)*V]
				tensor.Add(row, row, bias.Data)
			}
		}
	}
	for i, s := range streams {
		for l := range L {
			copy(s.h[l*H:(l+1)*H], h[l*B*H+i*H:l*B*H+(i+1)*H])
			if cs != nil {
				copy(s.c[l*H:(l+1)*H], cs[l*B*H+i*H:l*B*H+(i+1)*H])
			}
		}
	}
	b.stepped++
	b.rowSteps += int64(B)
	return nil
}

// Close releases the batch-1 steppers' goroutines.
func (b *Batch) Close() {
	for _, st := range b.solo {
		if st != nil {
			st.Close()
		}
	}
}
