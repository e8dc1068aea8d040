package lm

import (
	"errors"
	"fmt"
	"github.com/recurrent-go/recurrent/internal/xslices"
	"math"
	"runtime"
	"slices"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// Batch generates many samples from one model (a Model, or a CondModel
// with each stream's own label) together, for a server: each Step
// advances every stream given to it by one token with one batched
// recurrent step (nn.BatchStepper), so the weights are read once per
// token for all of them, and streams may join or leave between steps
// ("continuous batching"). Each stream keeps its own options, label,
// sampler and random generator.
//
// A stream stepped alone (a Step with one stream) runs the batch-1 path
// of Model.Sample or CondModel.Sample (the same nn.Stepper, input table
// and decoder products), so a generation that runs alone from start to
// end gives exactly their tokens for the same options. Stepped with
// others, its logits differ from theirs only by float32 rounding (another
// product shape), which can now and then flip a sampled token. A
// quantized model (Model.Quantize) runs int8 products alone and batched
// (nn.BatchStepper.SetInt8), each stream's activations quantized on their
// own, so its streams give Sample's tokens bit for bit in any batch; on
// several threads (tensor.Threads) its steps of 10 or more streams are cut
// into parts of up to 8 streams, each stepped whole by one goroutine, all
// at once.
//
// A Batch reads the model's weights (packed copies of the recurrent and
// decoder weights are taken when it is made) and never writes the model,
// so the model may serve other read-only uses meanwhile; the Batch itself
// is not safe for concurrent use (one goroutine steps it).
type Batch struct {
	src  batchSource
	cap  int
	solo map[soloKey]*nn.Stepper
	// table [V, G*H]: the first layer's input projections of every token
	// (nil when larger than tableMaxBytes, or with a label embedding in
	// the input).
	table []float32
	dec   tensor.PackedMat   // decoder weights (not with an adaptive softmax)
	dec8  *tensor.Int8Matrix // the int8 decoder of a quantized model, else nil
	all   *rowGroup          // a step of every stream (with bs), and lone steps' logits
	xrow  []float32          // [In] one input row
	rows  []float32          // [V, In] table rows of a label (conditional inputs)
	// Shared steps (int8, shareable): the streams of a large step are cut
	// into parts, each stepped whole (states, products, decoder, sampling)
	// by one goroutine of team on its own group, with no synchronisation
	// between parts until the step ends. The team and groups are made at
	// the first shared step.
	shareable bool
	team      *tensor.Team
	groups    []*rowGroup           // one per part, each with a twin of bs
	partFn    func(phase, part int) // b.runPart, bound once
	cur       []*Stream             // the streams of the shared step
	curOut    []int32               // their emitted tokens
	curParts  int                   // parts of the shared step
	shared    int64                 // shared steps run (of stepped)
	stepped   int64                 // batched steps run
	rowSteps  int64                 // rows stepped in batched steps
	alone     bool                  // SetSerial: every step on the calling goroutine
}

// rowGroup is the working memory of one batched step of up to cap rows:
// a stepper and the rows' gathered states, inputs and logits.
type rowGroup struct {
	bs      *nn.BatchStepper   // nil for a cell it does not support: streams then step alone in turn
	h, c    []float32          // [L, cap, H] gathered states
	x       []float32          // [cap, In] gathered input rows
	logits  []float32          // [cap, V]
	in      []int32            // [cap] token fed to each row
	fromTab []bool             // [cap] int8: each row follows its lone plan (table or not)
	adapt   nn.AdaptiveScratch // the adaptive softmax's buffers
	err     error              // of the group's last part (shared steps)
}

// Shared steps: a step of at least sharedMin streams on an int8 batch is
// cut into max(threads, ceil(B/partRows)) parts of equal size. Parts of
// up to 8 rows: the packed int8 kernel multiplies 8 vectors at a time
// (fewer cost as much), and each part reads the weights once.
var (
	sharedMin = 10
	partRows  = 8
)

func newRowGroup(bs *nn.BatchStepper, capacity, L, H, In, V int, lstm bool) *rowGroup {
	g := &rowGroup{bs: bs, h: make([]float32, L*capacity*H), x: make([]float32, capacity*In),
		logits: make([]float32, capacity*V), in: make([]int32, capacity), fromTab: make([]bool, capacity)}
	if lstm {
		g.c = make([]float32, L*capacity*H)
	}
	return g
}

// soloKey names a batch-1 stepper: with or without the input table, and
// for which label when the label is part of the input.
type soloKey struct {
	table bool
	label int
}

// batchSource is what a Batch needs of a model.
type batchSource struct {
	rnn      *nn.RNN
	L, H, V  int
	E, D     int       // token embedding and label embedding sizes (input E+D)
	emb      []float32 // [V, E]
	lab      []float32 // [labels, D] or nil
	init     []float32 // [labels, L*H]: h0 = tanh(row), or nil
	labBias  []float32 // [labels, V] or nil
	dec      *nn.Linear
	adaptive *nn.AdaptiveSoftmax
	start    func() int32 // the boundary token fed first (-1: none)
	cond     *CondModel
	int8     bool // int8 products, as a quantized model's generator runs them
}

// NewBatch returns a batch of up to capacity streams per step.
func (m *Model) NewBatch(capacity int) (*Batch, error) {
	c := m.Config
	return newBatch(batchSource{rnn: m.RNN, L: c.Layers, H: c.Hidden, V: c.VocabSize, E: c.EmbedDim,
		emb: m.Embedding.Weight.Data, dec: m.Decoder, adaptive: m.Adaptive, start: m.StartID, int8: m.Quantized()}, capacity)
}

// NewBatch returns a batch of up to capacity streams per step of the
// conditional model (see NewCondStream).
func (m *CondModel) NewBatch(capacity int) (*Batch, error) {
	c := m.Config
	src := batchSource{rnn: m.rnn, L: c.Layers, H: c.Hidden, V: c.VocabSize, E: c.EmbedDim,
		emb: m.emb.Weight.Data, dec: m.dec, start: func() int32 { return m.eos }, cond: m}
	if m.lab != nil {
		src.D, src.lab = c.LabelDim, m.lab.Weight.Data
	}
	if m.init != nil {
		src.init = m.init.Weight.Data
	}
	if m.labBias != nil {
		src.labBias = m.labBias.Data
	}
	return newBatch(src, capacity)
}

func newBatch(src batchSource, capacity int) (*Batch, error) {
	if capacity < 1 {
		return nil, fmt.Errorf("lm: NewBatch: capacity %d must be positive", capacity)
	}
	H, V, G := src.H, src.V, src.rnn.Cell().Gates()
	b := emptyBatch(src, capacity, nil)
	if src.int8 {
		d := src.dec
		dec, err := tensor.QuantizeInt8(d.Weight.Data, d.Out, d.In, d.In)
		if err != nil {
			return nil, fmt.Errorf("lm: quantize decoder: %w", err)
		}
		b.dec8 = dec
	}
	if capacity > 1 {
		bs, err := src.rnn.NewBatchStepper(capacity)
		if err == nil && src.int8 {
			err = bs.SetInt8(true)
		}
		if err == nil {
			b.all.bs = bs
			b.shareable = src.int8 && capacity >= sharedMin && tensor.Threads() > 1
		}
		if err == nil {
			if src.adaptive == nil && !src.int8 {
				b.dec.Pack(true, H, V, src.dec.Weight.Data, H, capacity)
			}
			if src.D == 0 && int64(V)*int64(G*H)*4 <= tableMaxBytes {
				if b.table, err = bs.InputProjections(src.emb, V); err != nil {
					b.Close()
					return nil, fmt.Errorf("lm: %w", err)
				}
			}
		}
	}
	return b, nil
}

// Twin returns a batch of the same model for up to b.Cap() streams that
// reads b's weights in place (its int8 or packed matrices and input
// table: nothing is copied) but has its own working memory and
// goroutines, so that the two step at once from different goroutines. A
// twin starts serial (every step on the calling goroutine alone, see
// SetSerial): a caller stepping several batches at once, one per CPU,
// calls SetSerial(false) on the one that is left with work, which then
// shares its steps as b does. A stream's tokens do not depend on its
// batch. Close it as any batch; b must stay open while the twin is used.
func (b *Batch) Twin() (*Batch, error) {
	var bs *nn.BatchStepper
	if b.all.bs != nil {
		var err error
		if bs, err = b.all.bs.Sibling(b.cap); err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
	}
	t := emptyBatch(b.src, b.cap, bs)
	t.table, t.dec, t.dec8, t.shareable = b.table, b.dec, b.dec8, b.shareable
	t.SetSerial(true)
	return t, nil
}

// emptyBatch returns a batch of src for capacity streams with its working
// memory, stepping with bs (nil: streams step alone), and no weights of
// its own yet.
func emptyBatch(src batchSource, capacity int, bs *nn.BatchStepper) *Batch {
	L, H, V, In := src.L, src.H, src.V, src.E+src.D
	return &Batch{src: src, cap: capacity, solo: map[soloKey]*nn.Stepper{}, xrow: make([]float32, In),
		all: newRowGroup(bs, capacity, L, H, In, V, src.rnn.Cell() == nn.CellLSTM)}
}

// shareSteps prepares shared steps, at the first: the team, and a group
// with a twin of bs for each part of the largest step.
func (b *Batch) shareSteps() error {
	src := b.src
	L, H, In, V, lstm := src.L, src.H, src.E+src.D, src.V, src.rnn.Cell() == nn.CellLSTM
	threads := tensor.Threads()
	rows := min(partRows, (b.cap+threads-1)/threads)
	b.groups = b.groups[:0]
	for range max(threads, (b.cap+rows-1)/rows) {
		tw, err := b.all.bs.Twin(rows)
		if err != nil {
			return err
		}
		b.groups = append(b.groups, newRowGroup(tw, rows, L, H, In, V, lstm))
	}
	b.team = tensor.NewTeam(threads)
	// A batch dropped without Close still stops the team's goroutines, as
	// its steppers' do (the team holds no reference to b between steps).
	runtime.AddCleanup(b, func(t *tensor.Team) { t.Close() }, b.team)
	b.partFn = b.runPart
	return nil
}

// SetSerial makes the following steps run on the calling goroutine alone
// (on), or shared by the batch's goroutines again (off): for a caller
// that steps several batches at once, one per CPU, where goroutines
// waiting for each other inside a step would only take CPU from the other
// batches (an adaptive softmax's products, tensor.Sgemm, are still shared
// by tensor.Threads goroutines when large). The tokens are the same
// either way.
func (b *Batch) SetSerial(on bool) {
	if on == b.alone {
		return
	}
	b.alone = on
	for _, st := range b.solo {
		st.SetSerial(on)
	}
	if b.all.bs != nil {
		b.all.bs.SetSerial(on)
	}
}

// Serial reports whether steps run on the calling goroutine alone (see
// SetSerial).
func (b *Batch) Serial() bool { return b.alone }

// Cap returns the most streams a Step takes.
func (b *Batch) Cap() int { return b.cap }

// Stats returns the batched steps run so far and the rows they stepped
// (their mean batch size is rows/steps); lone steps are not counted.
func (b *Batch) Stats() (steps, rows int64) { return b.stepped, b.rowSteps }

// Stream is one generation of a Batch: the start token and prompt to
// feed, then the tokens it samples. It belongs to the goroutine stepping
// its Batch until Done.
type Stream struct {
	opt      SampleOptions
	label    int     // a conditional model's label (0 otherwise)
	feed     []int32 // start token and prompt
	fed      int     // of feed
	s        *sampler
	h, c     []float32 // [L, H] state
	out      []int32
	done     bool
	table    bool  // the lone path uses the input table (as Sample would)
	dropStop int32 // a token that ends the stream without being output (conditional <eos>), or -1
	unk      int32 // a token never drawn (conditional <unk>), or -1
}

// NewStream starts a generation of a Model with opt (checked as Sample
// checks it; the start token is prepended to opt.Prompt).
func (b *Batch) NewStream(opt SampleOptions) (*Stream, error) {
	if b.src.cond != nil {
		return nil, errors.New("lm: NewStream on a conditional model's batch: use NewCondStream")
	}
	return b.newStream(opt, 0)
}

// NewCondStream starts a generation of a CondModel for label with opt, as
// CondModel.Sample draws it: from the sentence boundary and opt.Prompt,
// never <unk>, ending at <eos> (not returned) or after opt.MaxTokens.
func (b *Batch) NewCondStream(label int, opt SampleOptions) (*Stream, error) {
	m := b.src.cond
	if m == nil {
		return nil, errors.New("lm: NewCondStream on an unconditional model's batch: use NewStream")
	}
	if K := len(m.Config.Labels); label < 0 || label >= K {
		return nil, fmt.Errorf("lm: sample: label %d outside [0, %d)", label, K)
	}
	s, err := b.newStream(opt, label)
	if err != nil {
		return nil, err
	}
	s.dropStop, s.unk = m.eos, m.Vocab.UnkID()
	if s.h != nil && b.src.init != nil {
		LH := b.src.L * b.src.H
		tensor.Tanh(s.h, b.src.init[label*LH:(label+1)*LH])
	}
	return s, nil
}

func (b *Batch) newStream(opt SampleOptions, label int) (*Stream, error) {
	src := b.src
	V := src.V
	feed := opt.Prompt
	if start := src.start(); start >= 0 {
		feed = append([]int32{start}, opt.Prompt...)
	}
	if err := opt.check(feed, V); err != nil {
		return nil, err
	}
	table, _ := stepPlan(V, src.E+src.D, src.H, src.L, src.rnn.Cell().Gates(), len(feed)+opt.MaxTokens, false)
	s := &Stream{opt: opt, label: label, feed: feed, s: newSampler(V, opt), h: make([]float32, src.L*src.H), table: table,
		done: opt.MaxTokens == 0, dropStop: -1, unk: -1}
	if b.all.c != nil {
		s.c = make([]float32, src.L*src.H)
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
// prompt, or one that ended without a token); emitted needs len(streams)
// entries.
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
	V := b.src.V
	switch {
	case n == 0:
		return nil
	case n == 1 || b.all.bs == nil:
		logits := b.all.logits[:V]
		for i, s := range streams {
			if err := b.stepAlone(s, logits); err != nil {
				return err
			}
			emitted[i] = s.after(logits)
		}
	case b.shareable && n >= sharedMin && !b.alone:
		if b.team == nil {
			if err := b.shareSteps(); err != nil {
				return fmt.Errorf("lm: %w", err)
			}
		}
		return b.stepShared(streams, emitted)
	default:
		if err := b.stepBatched(b.all, streams); err != nil {
			return err
		}
		b.stepped++
		b.rowSteps += int64(n)
		for i, s := range streams {
			emitted[i] = s.after(b.all.logits[i*V : (i+1)*V])
		}
	}
	return nil
}

// stepShared steps the streams in parts (see Batch.team): each part runs
// stepBatched on its own group and samples its streams' tokens. A row's
// results do not depend on its part (int8 products), so they are those of
// one batched step of all the streams, bit for bit.
func (b *Batch) stepShared(streams []*Stream, emitted []int32) error {
	n := len(streams)
	b.cur, b.curOut = streams, emitted
	// As many parts as threads (at most partRows rows each), but never an
	// empty one: more threads than streams leave threads idle.
	b.curParts = min(n, max(b.team.Size(), (n+partRows-1)/partRows))
	b.team.Run([]int{b.curParts}, b.partFn)
	b.cur, b.curOut = nil, nil
	for _, g := range b.groups[:b.curParts] {
		if err := g.err; err != nil {
			g.err = nil
			return err
		}
	}
	b.shared++
	b.stepped++
	b.rowSteps += int64(n)
	return nil
}

// runPart runs part k of a shared step: its streams are rows [k*n/P,
// (k+1)*n/P) of the step's n.
func (b *Batch) runPart(_, k int) {
	n, P := len(b.cur), b.curParts
	lo, hi := k*n/P, (k+1)*n/P
	g := b.groups[k]
	streams := b.cur[lo:hi]
	if g.err = b.stepBatched(g, streams); g.err != nil {
		return
	}
	V := b.src.V
	for i, s := range streams {
		b.curOut[lo+i] = s.after(g.logits[i*V : (i+1)*V])
	}
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
	if s.unk >= 0 {
		logits[s.unk] = float32(math.Inf(-1))
	}
	id := s.s.pick(logits)
	if id == s.dropStop {
		s.done = true
		return -1
	}
	s.out = append(s.out, id)
	if len(s.out) >= s.opt.MaxTokens || slices.Contains(s.opt.Stop, id) {
		s.done = true
	}
	return id
}

// input writes the input row of token id for label into dst [E+D].
func (b *Batch) input(dst []float32, id, label int) {
	E, D := b.src.E, b.src.D
	copy(dst[:E], b.src.emb[id*E:(id+1)*E])
	if D > 0 {
		copy(dst[E:], b.src.lab[label*D:(label+1)*D])
	}
}

// logitsOf writes the logits of one row's output h for label.
func (b *Batch) logitsOf(logits, h []float32, label int) error {
	src := b.src
	if a := src.adaptive; a != nil {
		if err := a.LogProb(logits, h, 1, &b.all.adapt); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
		return nil
	}
	d := src.dec
	tensor.MatVec(d.Weight.Data, d.In, h, logits)
	if d.Bias != nil {
		tensor.Add(logits, logits, d.Bias.Data)
	}
	if src.labBias != nil {
		tensor.Add(logits, logits, src.labBias[label*src.V:(label+1)*src.V])
	}
	return nil
}

// soloStepper returns the batch-1 stepper of a stream, made as the
// model's own sampler makes its generator (the same table decision and
// the same table rows, so the same products).
func (b *Batch) soloStepper(s *Stream) (*nn.Stepper, error) {
	src := b.src
	k := soloKey{table: s.table}
	if s.table && src.D > 0 {
		k.label = s.label
	}
	if st := b.solo[k]; st != nil {
		return st, nil
	}
	In := src.E + src.D
	_, threads := stepPlan(src.V, In, src.H, src.L, src.rnn.Cell().Gates(), 0, s.table)
	st, err := src.rnn.NewStepper(threads)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if src.int8 {
		if err := st.SetInt8(true); err != nil {
			st.Close()
			return nil, fmt.Errorf("lm: %w", err)
		}
	}
	if s.table {
		rows := src.emb
		if src.D > 0 {
			b.rows = xslices.Resize(b.rows, src.V*In)
			for i := range src.V {
				b.input(b.rows[i*In:(i+1)*In], i, s.label)
			}
			rows = b.rows
		}
		if err := st.SetInputTable(rows, src.V); err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
	}
	st.SetSerial(b.alone)
	b.solo[k] = st
	return st, nil
}

// stepAlone runs one stream through its batch-1 stepper and writes its
// logits.
func (b *Batch) stepAlone(s *Stream, logits []float32) error {
	st, err := b.soloStepper(s)
	if err != nil {
		return err
	}
	if err := st.Reset(s.h, s.c); err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	id := int(s.next())
	var h []float32
	switch {
	case s.table:
		h, err = st.StepRow(id)
	case b.src.D > 0:
		b.input(b.xrow, id, s.label)
		h, err = st.Step(b.xrow)
	default:
		E := b.src.E
		h, err = st.Step(b.src.emb[id*E : (id+1)*E])
	}
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	hs, cs := st.State()
	copy(s.h, hs)
	copy(s.c, cs)
	if b.dec8 != nil { // as the quantized model's generator does
		x, v := st.Int8Output()
		b.dec8.MulVec(0, x, v, logits)
		if d := b.src.dec; d.Bias != nil {
			tensor.Add(logits, logits, d.Bias.Data)
		}
		return nil
	}
	return b.logitsOf(logits, h, s.label)
}

// stepBatched gathers the streams' states into g, runs one batched step
// of g.bs and the decoder, scatters the states back and leaves the logits
// in g.logits.
func (b *Batch) stepBatched(g *rowGroup, streams []*Stream) error {
	src := b.src
	B, L, H, V := len(streams), src.L, src.H, src.V
	h := g.h[:L*B*H]
	var cs []float32
	if g.c != nil {
		cs = g.c[:L*B*H]
	}
	for i, s := range streams {
		for l := range L {
			copy(h[l*B*H+i*H:l*B*H+(i+1)*H], s.h[l*H:(l+1)*H])
			if cs != nil {
				copy(cs[l*B*H+i*H:l*B*H+(i+1)*H], s.c[l*H:(l+1)*H])
			}
		}
		g.in[i] = s.next()
	}
	out, err := b.stepRNN(g, streams, h, cs)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	logits := g.logits[:B*V]
	if a := src.adaptive; a != nil {
		if err := a.LogProb(logits, out, B, &g.adapt); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
	} else {
		if b.dec8 != nil {
			b.dec8.MulBatchN(0, V, g.bs.Int8Output(), B, logits, V)
		} else {
			if b.alone {
				tensor.SgemmPackedSerial(false, B, 1, out, H, &b.dec, 0, logits, V)
			} else {
				tensor.SgemmPacked(false, B, 1, out, H, &b.dec, 0, logits, V)
			}
		}
		for i, s := range streams {
			row := logits[i*V : (i+1)*V]
			if src.dec.Bias != nil {
				tensor.Add(row, row, src.dec.Bias.Data)
			}
			if src.labBias != nil {
				tensor.Add(row, row, src.labBias[s.label*V:(s.label+1)*V])
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
	return nil
}

// stepRNN feeds each stream's next token (g.in) through one batched
// recurrent step of g.bs on the states h, cs [L, B, H] and returns the
// last layer's outputs [B, H].
func (b *Batch) stepRNN(g *rowGroup, streams []*Stream, h, cs []float32) ([]float32, error) {
	src := b.src
	B, In := len(streams), src.E+src.D
	ids := g.in[:B]
	if b.dec8 != nil && b.table != nil {
		// int8: each row takes its input as its lone stepper would (the
		// table's float32 projection or the int8 product of the embedding),
		// so that the row's arithmetic is its lone run's. The table rows
		// are read in place.
		x, mixed := g.x[:B*In], false
		for i, id := range ids {
			g.fromTab[i] = streams[i].table
			if !streams[i].table {
				b.input(x[i*In:(i+1)*In], int(id), streams[i].label)
				mixed = true
			}
		}
		if mixed {
			return g.bs.StepTable(B, b.table, ids, x, g.fromTab[:B], h, cs)
		}
		return g.bs.StepTable(B, b.table, ids, nil, nil, h, cs)
	}
	if b.table != nil {
		return g.bs.StepTable(B, b.table, ids, nil, nil, h, cs)
	}
	x := g.x[:B*In]
	for i, id := range ids {
		b.input(x[i*In:(i+1)*In], int(id), streams[i].label)
	}
	return g.bs.Step(B, x, nil, h, cs)
}

// Close releases the steppers' goroutines (a batch dropped without Close
// releases them once it is collected).
func (b *Batch) Close() {
	for _, st := range b.solo {
		st.Close()
	}
	if b.all.bs != nil {
		b.all.bs.Close()
	}
	for _, g := range b.groups {
		g.bs.Close()
	}
	if b.team != nil {
		b.team.Close()
	}
}
