package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// RNNConfig describes a multi-layer, optionally bidirectional recurrent
// layer, as the arguments of torch.nn.RNN / LSTM / GRU.
type RNNConfig struct {
	// Cell is the recurrence: "rnn_tanh", "rnn_relu", "lstm", "gru",
	// "gru_cho" or "gru_minimal" (see ParseCell).
	Cell string
	// InputSize is the feature size I of the input [T, B, I].
	InputSize int
	// HiddenSize is the state size H of each direction.
	HiddenSize int
	// NumLayers is the number of stacked layers (at least 1).
	NumLayers int
	// Bidirectional adds a second direction per layer reading the
	// sequence backwards; outputs are concatenated [forward, backward].
	Bidirectional bool
	// NoBias drops bias_ih and bias_hh (PyTorch bias=False).
	NoBias bool
	// Dropout is the probability of zeroing each output of every layer
	// except the last, in training mode (inverted dropout).
	Dropout float32
}

// RNN is a stacked, optionally bidirectional recurrent layer with
// PyTorch's parameters and semantics, trained by backpropagation through
// time. Inputs are time-major: x [T, B, I]; states are [L*D, B, H] with
// D = 2 when bidirectional; outputs are [T, B, D*H].
//
// Forward keeps what Backward needs; Backward may be called more than once
// per Forward, each call adding its parameter gradients again. Slices
// returned by Forward and Backward are views into the RNN's working
// memory, valid until the next call of Forward or Backward: copy them to
// keep them. Working memory is allocated when the shape (T, B) grows and
// reused otherwise. An RNN is not safe for concurrent use.
type RNN struct {
	cfg      RNNConfig
	cell     CellKind
	g, h, d  int // gate blocks, hidden size, directions
	training bool
	rng      *rand.Rand
	pcg      *rand.PCG // rng's source when known (SetDropoutPCG): masks drawn in parallel
	dirs     []*rnnDir // [L*D], index l*D+d
	params   []*Param

	// Shapes and per-call state of the last Forward.
	t, b      int
	lengths   []int    // copy of the row lengths (nil: all T)
	active    [][]bool // [T][B] when lengths are given
	x         []float32
	outs      [][]float32 // [L] outputs of each layer [T, B, D*H]
	masks     [][]float32 // [L-1] dropout masks [T, B, D*H]
	masked    []bool      // [L-1] whether the last Forward applied masks[l]
	dropped   [][]float32 // [L-1] outputs after dropout
	hN, cN    []float32   // [L*D, B, H]
	dx        []float32   // [T, B, I]
	dIn       []float32   // [T, B, D*H] gradient of a layer's input
	dOutBuf   []float32   // [T, B, D*H]
	dh0, dc0  []float32   // [L*D, B, H]
	forwarded bool
	parallel  bool
	noInGrad  bool // skip the input gradient dx

	// Table mode (ForwardTable): layer 0 reads row ids[t*B+b] of the
	// table [tableV, I] held in x; 0 means per-token input.
	tableV int
	ids    []int32 // [T*B] copy of the ids
}

// rnnDir is one direction of one layer with its working memory.
type rnnDir struct {
	wih, whh, bih, bhh *Param
	reverse            bool
	in                 int       // input size of this layer
	bias               []float32 // [G*H] bias folded into the input projection
	a                  []float32 // [T, B, G*H] pre-activations, then gate activations
	hs                 []float32 // [T+1, B, H] states in time order (see slot)
	cs                 []float32 // [T+1, B, H] LSTM cell states
	aux                []float32 // [T, B, H] LSTM tanh(c); GRU W_hn h + b_hn; GRU-Cho r*h
	hw                 []float32 // [B, G*H] recurrent projection of one step
	// W_hh packed for the per-step products (once per Forward/Backward, so
	// that the steps do not repack it): whhP is W_hh^T [H, G*H] (GRU-Cho:
	// its first 2H columns, and whhP2 the last H), whhPB is W_hh [k, H]
	// for dh_prev = dg W_hh.
	whhP, whhP2, whhPB tensor.PackedMat
	dg                 []float32 // [T, B, G*H] pre-activation gradients (input side)
	dgh                []float32 // [T, B, G*H] recurrent side (aliases dg except GRU)
	dh, dhp, dc, drh   []float32 // [B, H]
	tm                 *dirTeam  // the team path's memory (see rnn_team.go)
	first              bool      // a direction of layer 0
	// Table mode, layer 0: the projected table P = E W_ih^T + biases
	// [V, G*H] in Forward, its gradient dP in Backward.
	p []float32
	// Set by forwardDir for its time loop: a's rows still lack the folded
	// biases (lazyBias), or are still to be gathered from p (lazyRows);
	// prepStep completes them one step and unit range at a time.
	lazyBias, lazyRows bool
	// alone makes the serial time loop run its per-step products on the
	// calling goroutine only (loopAlone, see loopChoice).
	alone bool
}

// NewRNN creates the layer with PyTorch's default initialisation: every
// weight and bias uniform in (-1/sqrt(H), 1/sqrt(H)), drawn from rng in
// state_dict order. rng is also the source of the dropout masks; nil
// means a fixed seed.
func NewRNN(cfg RNNConfig, rng *rand.Rand) (*RNN, error) {
	cell, err := ParseCell(cfg.Cell)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.InputSize <= 0:
		return nil, fmt.Errorf("nn: RNN input size must be positive, got %d", cfg.InputSize)
	case cfg.HiddenSize <= 0:
		return nil, fmt.Errorf("nn: RNN hidden size must be positive, got %d", cfg.HiddenSize)
	case cfg.NumLayers <= 0:
		return nil, fmt.Errorf("nn: RNN needs at least one layer, got %d", cfg.NumLayers)
	case !(cfg.Dropout >= 0 && cfg.Dropout < 1):
		return nil, fmt.Errorf("nn: RNN dropout must be in [0, 1), got %g", cfg.Dropout)
	}
	g, d := cell.Gates(), 1
	if cfg.Bidirectional {
		d = 2
	}
	if err := checkElems("RNN weight_ih_l0", g*cfg.HiddenSize, cfg.InputSize); err != nil {
		return nil, err
	}
	if err := checkElems("RNN weight_hh_l0", g*cfg.HiddenSize, cfg.HiddenSize); err != nil {
		return nil, err
	}
	if err := checkElems("RNN weight_ih_l1", g*cfg.HiddenSize, d*cfg.HiddenSize); cfg.NumLayers > 1 && err != nil {
		return nil, err
	}
	if rng == nil {
		rng = rand.New(rand.NewPCG(1, 2))
	}
	r := &RNN{cfg: cfg, cell: cell, g: cell.Gates(), h: cfg.HiddenSize, d: 1, training: true, rng: rng, parallel: true}
	if cfg.Bidirectional {
		r.d = 2
	}
	GH := r.g * r.h
	k := 1 / math.Sqrt(float64(r.h))
	for l := 0; l < cfg.NumLayers; l++ {
		in := cfg.InputSize
		if l > 0 {
			in = r.d * r.h
		}
		for d := 0; d < r.d; d++ {
			sfx := fmt.Sprintf("_l%d", l)
			if d == 1 {
				sfx += "_reverse"
			}
			dir := &rnnDir{reverse: d == 1, in: in, bias: make([]float32, GH), first: l == 0}
			dir.wih = NewParam("weight_ih"+sfx, GH, in)
			dir.whh = NewParam("weight_hh"+sfx, GH, r.h)
			r.params = append(r.params, dir.wih, dir.whh)
			if !cfg.NoBias {
				dir.bih = NewParam("bias_ih"+sfx, GH)
				dir.bhh = NewParam("bias_hh"+sfx, GH)
				r.params = append(r.params, dir.bih, dir.bhh)
			}
			r.dirs = append(r.dirs, dir)
		}
	}
	for _, p := range r.params {
		for i := range p.Data {
			p.Data[i] = float32((2*rng.Float64() - 1) * k)
		}
	}
	return r, nil
}

// Config returns the configuration the layer was built with.
func (r *RNN) Config() RNNConfig { return r.cfg }

// Cell returns the recurrence kind.
func (r *RNN) Cell() CellKind { return r.cell }

// OutputSize is the feature size of the output, D*H.
func (r *RNN) OutputSize() int { return r.d * r.h }

// StateShape returns the shape [L*D, B, H] of h0/c0 and hN/cN for batch B.
func (r *RNN) StateShape(B int) [3]int { return [3]int{r.cfg.NumLayers * r.d, B, r.h} }

// Params returns weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
// bias_hh_l{k} (then the _reverse ones) for each layer k, in PyTorch's
// state_dict order.
func (r *RNN) Params() []*Param { return r.params }

// SetTraining switches dropout on (true, the default) or off.
func (r *RNN) SetTraining(training bool) { r.training = training }

// SetRand replaces the source of the dropout masks, for example with one
// whose state a checkpoint saves and restores (rand.New over a *rand.PCG).
func (r *RNN) SetRand(rng *rand.Rand) {
	if rng != nil {
		r.rng, r.pcg = rng, nil
	}
}

// SetDropoutPCG is SetRand(rand.New(src)): the same masks, drawn on
// tensor.Threads() goroutines when they are large (each part from a copy
// of src jumped ahead to its first element; see DropoutPCG).
func (r *RNN) SetDropoutPCG(src *rand.PCG) {
	if src != nil {
		r.rng, r.pcg = rand.New(src), src
	}
}

// SetInputGrad chooses whether Backward computes the gradient of the
// input x (the default). Without it Backward returns dx = nil and saves one
// GEMM of the first layer, as PyTorch does for an input that does not
// require a gradient.
func (r *RNN) SetInputGrad(on bool) { r.noInGrad = !on }

// SetParallel chooses whether the two directions of a bidirectional layer
// run in two goroutines (the default).
func (r *RNN) SetParallel(on bool) { r.parallel = on }

// alloc sizes the working memory for (T, B).
func (r *RNN) alloc(T, B int) {
	L, D, H, GH := r.cfg.NumLayers, r.d, r.h, r.g*r.h
	r.t, r.b = T, B
	if len(r.outs) != L {
		r.outs = make([][]float32, L)
		r.masks = make([][]float32, L-1)
		r.masked = make([]bool, L-1)
		r.dropped = make([][]float32, L-1)
	}
	for l := range r.outs {
		r.outs[l] = xslices.Resize(r.outs[l], T*B*D*H)
	}
	r.hN = xslices.Resize(r.hN, L*D*B*H)
	if r.cell == CellLSTM {
		r.cN = xslices.Resize(r.cN, L*D*B*H)
	}
	for _, d := range r.dirs {
		d.a = xslices.Resize(d.a, T*B*GH)
		d.hs = xslices.Resize(d.hs, (T+1)*B*H)
		d.hw = xslices.Resize(d.hw, B*GH)
		switch r.cell {
		case CellLSTM:
			d.cs = xslices.Resize(d.cs, (T+1)*B*H)
			d.aux = xslices.Resize(d.aux, T*B*H)
		case CellGRU, CellGRUCho:
			d.aux = xslices.Resize(d.aux, T*B*H)
		}
	}
}

// slots returns the time-order slot of the state before and after step t:
// the forward direction keeps h0 in slot 0 and the state after step t in
// slot t+1; the reverse direction keeps h0 in slot T and the state after
// step t in slot t. Either way slots [prev(0..T-1)] are contiguous.
func (d *rnnDir) slots(t int) (prev, cur int) {
	if d.reverse {
		return t + 1, t
	}
	return t, t + 1
}

// Forward runs the layer over x [T, B, I]. lengths (nil: every row has T
// steps) gives each row's valid length, 1..T, in any order, with
// pack_padded_sequence semantics: outputs at padded steps are 0, hN holds
// each row's state at its last valid step and the reverse direction starts
// there. h0 and c0 are the initial states [L*D, B, H] (nil: zeros; c0 only
// for LSTM); they may be the hN and cN of the previous call, as truncated
// BPTT passes them. It returns out [T, B, D*H], hN and (LSTM only) cN [L*D, B, H],
// as views valid until the next call.
func (r *RNN) Forward(x []float32, T, B int, lengths []int, h0, c0 []float32) (out, hN, cN []float32, err error) {
	I := r.cfg.InputSize
	r.forwarded = false
	r.tableV = 0
	if err := r.checkForward("Forward", T, B, lengths, h0, c0); err != nil {
		return nil, nil, nil, err
	}
	if len(x) != T*B*I {
		return nil, nil, nil, fmt.Errorf("nn: RNN.Forward: input has %d values, want T*B*I = %d*%d*%d = %d", len(x), T, B, I, T*B*I)
	}
	r.alloc(T, B)
	r.x = xslices.Resize(r.x, T*B*I)
	copy(r.x, x)
	return r.forwardLayers(h0, c0)
}

// checkForward validates the shapes shared by Forward and ForwardTable
// (the caller named fn) and records the lengths.
func (r *RNN) checkForward(fn string, T, B int, lengths []int, h0, c0 []float32) error {
	L, D, H := r.cfg.NumLayers, r.d, r.h
	if T <= 0 || B <= 0 {
		return fmt.Errorf("nn: RNN.%s: need T > 0 and B > 0, got T=%d B=%d", fn, T, B)
	}
	ns := L * D * B * H
	if h0 != nil && len(h0) != ns {
		return fmt.Errorf("nn: RNN.%s: h0 has %d values, want [%d, %d, %d] = %d", fn, len(h0), L*D, B, H, ns)
	}
	if c0 != nil {
		if r.cell != CellLSTM {
			return fmt.Errorf("nn: RNN.%s: c0 given for a %s cell, which has no cell state", fn, r.cell)
		}
		if len(c0) != ns {
			return fmt.Errorf("nn: RNN.%s: c0 has %d values, want [%d, %d, %d] = %d", fn, len(c0), L*D, B, H, ns)
		}
	}
	return r.setLengths(fn, lengths, T, B)
}

// forwardLayers runs every layer over the input recorded in r.x (and, in
// table mode, r.ids) for the shapes set by alloc.
func (r *RNN) forwardLayers(h0, c0 []float32) (out, hN, cN []float32, err error) {
	L, D, H, T, B := r.cfg.NumLayers, r.d, r.h, r.t, r.b
	in := r.x
	for l := 0; l < L; l++ {
		out := r.outs[l]
		r.runDirs(l, func(d int) {
			dir := r.dirs[l*D+d]
			s := (l*D + d) * B * H
			r.forwardDir(dir, d, in, out, dirState(h0, s, B*H), dirState(c0, s, B*H))
			// Final state: the slot after the last processed step.
			last := T
			if dir.reverse {
				last = 0
			}
			copy(r.hN[s:s+B*H], dir.hs[last*B*H:(last+1)*B*H])
			if r.cell == CellLSTM {
				copy(r.cN[s:s+B*H], dir.cs[last*B*H:(last+1)*B*H])
			}
		})
		in = out
		if l < L-1 {
			if r.training && r.cfg.Dropout > 0 {
				r.masks[l] = xslices.Resize(r.masks[l], len(out))
				r.dropped[l] = xslices.Resize(r.dropped[l], len(out))
				scale := 1 / (1 - r.cfg.Dropout)
				p := float64(r.cfg.Dropout)
				m, dr := r.masks[l], r.dropped[l]
				if r.pcg != nil {
					dropoutMaskPCG(r.pcg, p, scale, m, dr, out)
				} else {
					for i := range m {
						if r.rng.Float64() < p {
							m[i] = 0
						} else {
							m[i] = scale
						}
					}
					tensor.Mul(dr, out, m)
				}
				in = dr
			}
			r.masked[l] = r.training && r.cfg.Dropout > 0
		}
	}
	r.forwarded = true
	if r.cell == CellLSTM {
		cN = r.cN
	}
	return r.outs[L-1], r.hN, cN, nil
}

// setLengths validates lengths and builds the per-step activity table.
func (r *RNN) setLengths(fn string, lengths []int, T, B int) error {
	if lengths == nil {
		r.lengths = nil
		return nil
	}
	if len(lengths) != B {
		return fmt.Errorf("nn: RNN.%s: %d lengths for a batch of %d", fn, len(lengths), B)
	}
	all := true
	for b, n := range lengths {
		if n < 1 || n > T {
			return fmt.Errorf("nn: RNN.%s: length of batch row %d is %d, want 1..%d", fn, b, n, T)
		}
		all = all && n == T
	}
	if all {
		r.lengths = nil
		return nil
	}
	r.lengths = append(r.lengths[:0], lengths...)
	if cap(r.active) < T {
		r.active = make([][]bool, T)
	}
	r.active = r.active[:T]
	for t := range r.active {
		if cap(r.active[t]) < B {
			r.active[t] = make([]bool, B)
		}
		r.active[t] = r.active[t][:B]
		for b, n := range lengths {
			r.active[t][b] = t < n
		}
	}
	return nil
}

// activeAt returns the activity of the rows at step t (nil: all active).
func (r *RNN) activeAt(t int) []bool {
	if r.lengths == nil {
		return nil
	}
	return r.active[t]
}

// runDirs runs f for each direction of layer l, concurrently when the
// layer is bidirectional and parallel execution is on.
func (r *RNN) runDirs(l int, f func(d int)) {
	if r.d == 1 || !r.parallel {
		for d := 0; d < r.d; d++ {
			f(d)
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f(1)
	}()
	f(0)
	wg.Wait()
}

// forwardDir runs direction d of one layer: in [T, B, in] -> columns
// d*H:(d+1)*H of out [T, B, D*H].
func (r *RNN) forwardDir(dir *rnnDir, d int, in, out, h0, c0 []float32) {
	T, B, H, G := r.t, r.b, r.h, r.g
	GH := G * H
	// All steps' input projections at once: a = in W_ih^T + folded biases;
	// in table mode the table's rows are projected, P = E W_ih^T + folded
	// biases, and each step's rows gathered from P.
	rows, proj := T*B, dir.a
	if dir.first && r.tableV > 0 {
		rows = r.tableV
		dir.p = xslices.Resize(dir.p, rows*GH)
		proj = dir.p
	}
	tensor.Sgemm(false, true, rows, GH, dir.in, 1, in, dir.in, dir.wih.Data, dir.in, 0, proj, GH)
	dir.lazyBias, dir.lazyRows = false, false
	if dir.bih != nil {
		for g := 0; g < G; g++ {
			bs := dir.bias[g*H : (g+1)*H]
			copy(bs, dir.bih.Data[g*H:(g+1)*H])
			if r.cell.foldsHiddenBias(g) {
				tensor.Add(bs, bs, dir.bhh.Data[g*H:(g+1)*H])
			}
		}
		if dir.first && r.tableV > 0 {
			for row := 0; row < rows; row++ {
				ar := proj[row*GH : (row+1)*GH]
				tensor.Add(ar, ar, dir.bias)
			}
		} else {
			// Added per step by the time loop (prepStep), while the
			// step's rows are in cache, instead of in a pass of its own.
			dir.lazyBias = true
		}
	}
	// Table mode: each step's rows are gathered from P by prepStep.
	dir.lazyRows = dir.first && r.tableV > 0
	var bhn []float32
	if r.cell == CellGRU && dir.bhh != nil {
		bhn = dir.bhh.Data[2*H : 3*H]
	}
	s0 := 0 // slot of the initial state
	if dir.reverse {
		s0 = T
	}
	if h0 != nil {
		copy(dir.hs[s0*B*H:(s0+1)*B*H], h0)
	} else {
		clear(dir.hs[s0*B*H : (s0+1)*B*H])
	}
	if r.cell == CellLSTM {
		if c0 != nil {
			copy(dir.cs[s0*B*H:(s0+1)*B*H], c0)
		} else {
			clear(dir.cs[s0*B*H : (s0+1)*B*H])
		}
	}
	r.forwardLoop(dir, d, out, bhn)
}

// forwardSteps is forwardDir's time loop on the calling goroutine.
func (r *RNN) forwardSteps(dir *rnnDir, d int, out, bhn []float32) {
	T, B, H, G := r.t, r.b, r.h, r.g
	GH := G * H
	// W_hh^T packed once per call, so that the per-step GEMMs do not
	// repack it; a batch of at most recurDirectRows rows is a few dot
	// products per weight row, which read W_hh as it is (packing it would
	// cost more than a step).
	direct := B <= recurDirectRows
	if !direct {
		if r.cell == CellGRUCho {
			dir.whhP.PackShared(true, H, 2*H, dir.whh.Data, H, B)
			dir.whhP2.PackShared(true, H, H, dir.whh.Data[2*H*H:], H, B)
		} else {
			dir.whhP.PackShared(true, H, GH, dir.whh.Data, H, B)
		}
	}
	DH := r.d * H
	for s := 0; s < T; s++ {
		t := s
		if dir.reverse {
			t = T - 1 - s
		}
		ps, cs := dir.slots(t)
		hp, hc := dir.hs[ps*B*H:(ps+1)*B*H], dir.hs[cs*B*H:(cs+1)*B*H]
		a := dir.a[t*B*GH : (t+1)*B*GH]
		r.prepStep(dir, t, 0, H)
		act := r.activeAt(t)
		switch r.cell {
		case CellTanh, CellReLU:
			r.recurMul(dir, direct, 0, GH, hp, dir.hw)
			stepTanhReLU(r.cell == CellReLU, a, dir.hw, hp, hc, B, H, act)
		case CellLSTM:
			r.recurMul(dir, direct, 0, GH, hp, dir.hw)
			stepLSTM(a, dir.hw, hp, hc, dir.cs[ps*B*H:(ps+1)*B*H], dir.cs[cs*B*H:(cs+1)*B*H], dir.aux[t*B*H:(t+1)*B*H], B, H, act)
		case CellGRU:
			r.recurMul(dir, direct, 0, GH, hp, dir.hw)
			stepGRU(a, dir.hw, bhn, hp, hc, dir.aux[t*B*H:(t+1)*B*H], B, H, act)
		case CellGRUCho:
			rh := dir.aux[t*B*H : (t+1)*B*H]
			r.recurMul(dir, direct, 0, 2*H, hp, dir.hw)
			stepGRUChoGates(a, dir.hw, hp, rh, B, H)
			r.recurMul(dir, direct, 2*H, H, rh, dir.hw)
			stepGRUUpdate(false, a, dir.hw, hp, hc, B, H, act)
		case CellGRUMinimal:
			r.recurMul(dir, direct, 0, GH, hp, dir.hw)
			stepGRUUpdate(true, a, dir.hw, hp, hc, B, H, act)
		}
		for b := 0; b < B; b++ {
			o := out[(t*B+b)*DH+d*H : (t*B+b)*DH+(d+1)*H]
			if act != nil && !act[b] {
				clear(o)
			} else {
				copy(o, hc[b*H:(b+1)*H])
			}
		}
	}
}

// prepStep completes the input-side pre-activations of step t for the
// hidden units u0..u1 (every gate block) that forwardDir left to the time
// loop: the rows gathered from the projected table, or the folded biases
// added. Each element gets the operations the whole-array passes gave it.
func (r *RNN) prepStep(dir *rnnDir, t, u0, u1 int) {
	if !dir.lazyRows && !dir.lazyBias {
		return
	}
	B, H, G := r.b, r.h, r.g
	GH := G * H
	for b := 0; b < B; b++ {
		row := dir.a[(t*B+b)*GH : (t*B+b+1)*GH]
		var src []float32
		if dir.lazyRows {
			id := int(r.ids[t*B+b])
			src = dir.p[id*GH : (id+1)*GH]
		}
		for g := 0; g < G; g++ {
			seg := row[g*H+u0 : g*H+u1]
			if src != nil {
				copy(seg, src[g*H+u0:g*H+u1])
			} else {
				tensor.Add(seg, seg, dir.bias[g*H+u0:g*H+u1])
			}
		}
	}
}

// recurDirectRows is the batch size up to which the per-step recurrent
// products read W_hh directly instead of a packed copy (tensor.Sgemm runs
// such products as one matrix-vector product per row, without packing).
const recurDirectRows = 6

// recurMul sets columns off:off+n of hw [B, G*H] to h [B, H] times rows
// off:off+n of W_hh transposed, reading W_hh itself when direct and the
// packed copy (dir.whhP, or dir.whhP2 for off > 0) otherwise.
func (r *RNN) recurMul(dir *rnnDir, direct bool, off, n int, h, hw []float32) {
	B, H, GH := r.b, r.h, r.g*r.h
	if direct {
		tensor.Sgemm(false, true, B, n, H, 1, h, H, dir.whh.Data[off*H:], H, 0, hw[off:], GH)
		return
	}
	pm := &dir.whhP
	if off > 0 {
		pm = &dir.whhP2
	}
	if dir.alone {
		tensor.SgemmPackedSerial(false, B, 1, h, H, pm, 0, hw[off:], GH)
		return
	}
	tensor.SgemmPacked(false, B, 1, h, H, pm, 0, hw[off:], GH)
}

// dirState returns v[s:s+n], the slice of a [L*D, B, H] state (or state
// gradient) for one layer and direction, or nil when v is nil (zero).
func dirState(v []float32, s, n int) []float32 {
	if v == nil {
		return nil
	}
	return v[s : s+n]
}
