package seq2seq

import (
	"fmt"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// Attention names how the decoder attends over the encoder outputs.
//
// A value type: safe for concurrent use.
type Attention int

const (
	// AttentionNone is the baseline without attention: the decoder starts
	// from the encoder's final state and sees no context.
	AttentionNone Attention = iota
	// AttentionBahdanau is additive attention (Bahdanau et al., 2015):
	// e_j = v . tanh(W_q s + W_k h_j).
	AttentionBahdanau
	// AttentionDot is Luong's dot score e_j = s . h_j (the decoder's hidden
	// size must equal the encoder's output size).
	AttentionDot
	// AttentionGeneral is Luong's general (bilinear) score e_j = s . W h_j.
	AttentionGeneral
)

// attentionNames are the configuration names of the Attention values, in
// order; attentionAliases are the other spellings ParseAttention accepts.
var (
	attentionNames   = [...]string{AttentionNone: "none", AttentionBahdanau: "bahdanau", AttentionDot: "dot", AttentionGeneral: "general"}
	attentionAliases = map[string]Attention{"": AttentionNone, "additive": AttentionBahdanau, "bilinear": AttentionGeneral}
)

// ParseAttention maps "none", "bahdanau" (also "additive"), "dot" and
// "general" (also "bilinear") to an Attention.
func ParseAttention(s string) (Attention, error) {
	for a, name := range attentionNames {
		if s == name {
			return Attention(a), nil
		}
	}
	if a, ok := attentionAliases[s]; ok {
		return a, nil
	}
	return 0, fmt.Errorf("unknown attention %q (want bahdanau, dot, general or none)", s)
}

// String returns the configuration name of a.
func (a Attention) String() string {
	if a >= 0 && int(a) < len(attentionNames) {
		return attentionNames[a]
	}
	return fmt.Sprintf("Attention(%d)", int(a))
}

// attention scores the encoder outputs H [S, B, De] against a decoder state
// (the query) q [Hd] and returns the softmax-weighted context sum_j a_j h_j.
// The keys K [S, B, Kd] are computed once per batch: K = H W_k^T for
// Bahdanau (Kd = A) and general (Kd = Hd, W_k being attention.W [Hd, De]),
// K = H for dot (Kd = De = Hd). The scores are then
//
//	bahdanau: e_j = v . tanh(W_q q + K_j)
//	dot, general: e_j = q . K_j
//
// and positions j >= the source length get weight exactly 0.
type attention struct {
	kind      Attention
	hd, de, a int
	wq        *nn.Param // bahdanau: attention.W_q [A, Hd]
	wk        *nn.Param // bahdanau: attention.W_k [A, De]; general: attention.W [Hd, De]
	v         *nn.Param // bahdanau: attention.v [A]
	dqp       []float32 // backward scratch [b, A]
}

// attnStep keeps one step's forward values for its backward.
type attnStep struct {
	q   []float32 // query [b, Hd] (owned by the caller)
	qp  []float32 // bahdanau: W_q q [b, A]
	u   []float32 // bahdanau: tanh(W_q q + K_j) [b, S, A]
	w   []float32 // attention weights [b, S]
	ctx []float32 // context [b, De]
}

// memory is the encoder output a batch of decoder rows attends over.
type memory struct {
	S, B    int
	h       []float32 // [S, B, De]
	keys    []float32 // [S, B, Kd]
	lengths []int     // [B]
}

func newAttention(kind Attention, hd, de, a int, rng *rand.Rand) (*attention, error) {
	at := &attention{kind: kind, hd: hd, de: de, a: a}
	switch kind {
	case AttentionBahdanau:
		if a <= 0 {
			return nil, fmt.Errorf("bahdanau attention needs a positive attention size, got %d", a)
		}
		at.wq = nn.NewParam("attention.W_q", a, hd)
		at.wk = nn.NewParam("attention.W_k", a, de)
		at.v = nn.NewParam("attention.v", a)
		if rng != nil {
			nn.InitPyTorchDefault(rng, at.wq.Data, hd)
			nn.InitPyTorchDefault(rng, at.wk.Data, de)
			nn.InitPyTorchDefault(rng, at.v.Data, a)
		}
	case AttentionGeneral:
		at.a = hd
		at.wk = nn.NewParam("attention.W", hd, de)
		if rng != nil {
			nn.InitPyTorchDefault(rng, at.wk.Data, de)
		}
	case AttentionDot:
		if hd != de {
			return nil, fmt.Errorf("dot attention needs the decoder hidden size (%d) equal to the encoder output size (%d)", hd, de)
		}
		at.a = de
	default:
		return nil, fmt.Errorf("attention %v has no scorer", kind)
	}
	return at, nil
}

func (at *attention) params() []*nn.Param {
	switch at.kind {
	case AttentionBahdanau:
		return []*nn.Param{at.wq, at.wk, at.v}
	case AttentionGeneral:
		return []*nn.Param{at.wk}
	}
	return nil
}

// keyDim is Kd, the feature size of the keys.
func (at *attention) keyDim() int {
	if at.kind == AttentionDot {
		return at.de
	}
	return at.wk.Shape[0]
}

// setKeys computes mem.keys from mem.h, reusing buf when large enough.
func (at *attention) setKeys(mem *memory, buf []float32) []float32 {
	if at.kind == AttentionDot {
		mem.keys = mem.h
		return buf
	}
	kd, n := at.keyDim(), mem.S*mem.B
	if cap(buf) < n*kd {
		buf = make([]float32, n*kd)
	}
	mem.keys = buf[:n*kd]
	// keys [S*B, Kd] = H [S*B, De] W_k^T
	tensor.Sgemm(false, true, n, kd, at.de, 1, mem.h, at.de, at.wk.Data, at.de, 0, mem.keys, kd)
	return buf
}

// keysBackward adds the gradients of dKeys [S, B, Kd] into W_k and dH
// [S, B, De]. For dot attention the keys are H and dKeys is dH itself.
func (at *attention) keysBackward(mem *memory, dKeys, dH []float32) {
	if at.kind == AttentionDot {
		return
	}
	kd, n := at.keyDim(), mem.S*mem.B
	tensor.Sgemm(true, false, kd, at.de, n, 1, dKeys, kd, mem.h, at.de, 1, at.wk.Grad, at.de)
	tensor.Sgemm(false, false, n, at.de, kd, 1, dKeys, kd, at.wk.Data, at.de, 1, dH, at.de)
}

// newStep allocates a step record for b rows over sources of length S.
func (at *attention) newStep(b, s int) *attnStep {
	st := &attnStep{w: make([]float32, b*s), ctx: make([]float32, b*at.de)}
	if at.kind == AttentionBahdanau {
		st.qp = make([]float32, b*at.a)
		st.u = make([]float32, b*s*at.a)
	}
	return st
}

// fitStep returns st (nil: a new one) with room for b rows over sources
// of length S, each buffer grown only when too small.
func (at *attention) fitStep(st *attnStep, b, s int) *attnStep {
	if st == nil {
		return at.newStep(b, s)
	}
	st.w, st.ctx = room(st.w, b*s), room(st.ctx, b*at.de)
	if at.kind == AttentionBahdanau {
		st.qp, st.u = room(st.qp, b*at.a), room(st.u, b*s*at.a)
	}
	return st
}

// room returns x, or a new slice of n elements when x's capacity is
// smaller (the caller re-slices it).
func room(x []float32, n int) []float32 {
	if cap(x) < n {
		return make([]float32, n)
	}
	return x
}

// col returns the memory column of decoder row r (rows map one to one to
// columns when cols is nil, as in training; beam search repeats columns).
func col(cols []int, r int) int {
	if cols == nil {
		return r
	}
	return cols[r]
}

// forward computes st.w [b, S] and st.ctx [b, De] for the queries q [b, Hd].
func (at *attention) forward(b int, q []float32, mem *memory, cols []int, st *attnStep) {
	S, B, De, kd := mem.S, mem.B, at.de, at.keyDim()
	st.q = q
	if at.kind == AttentionBahdanau {
		mulT(b, at.a, at.hd, q, at.wq.Data, st.qp)
	}
	for r := 0; r < b; r++ {
		c := col(cols, r)
		n := mem.lengths[c]
		w := st.w[r*S : (r+1)*S]
		qr := q[r*at.hd : (r+1)*at.hd]
		for j := 0; j < n; j++ {
			k := mem.keys[(j*B+c)*kd : (j*B+c+1)*kd]
			if at.kind == AttentionBahdanau {
				u := st.u[(r*S+j)*at.a : (r*S+j+1)*at.a]
				tensor.Add(u, k, st.qp[r*at.a:(r+1)*at.a])
				tensor.Tanh(u, u)
				w[j] = tensor.Dot(at.v.Data, u)
			} else {
				w[j] = tensor.Dot(qr, k)
			}
		}
		tensor.Softmax(w[:n], w[:n])
		clear(w[n:])
		ctx := st.ctx[r*De : (r+1)*De]
		clear(ctx)
		for j := 0; j < n; j++ {
			tensor.Axpy(w[j], mem.h[(j*B+c)*De:(j*B+c+1)*De], ctx)
		}
	}
}

// backward takes dctx [b, De] and adds the gradients into dq [b, Hd],
// dH [S, B, De], dKeys [S, B, Kd] (dH itself for dot attention) and the
// parameters W_q and v.
func (at *attention) backward(b int, dctx []float32, mem *memory, cols []int, st *attnStep, dq, dH, dKeys []float32) {
	S, B, De, kd, A := mem.S, mem.B, at.de, at.keyDim(), at.a
	if at.kind == AttentionBahdanau {
		if cap(at.dqp) < b*A {
			at.dqp = make([]float32, b*A)
		}
		clear(at.dqp[:b*A])
	}
	var de [256]float32
	for r := 0; r < b; r++ {
		c := col(cols, r)
		n := mem.lengths[c]
		w := st.w[r*S : (r+1)*S]
		dc := dctx[r*De : (r+1)*De]
		// da_j = dctx . h_j, dH_j += a_j dctx; de_j = a_j (da_j - sum_k a_k da_k).
		ds := de[:]
		if n > len(de) {
			ds = make([]float32, n)
		}
		ds = ds[:n]
		var dot float64
		for j := 0; j < n; j++ {
			off := (j*B + c) * De
			ds[j] = tensor.Dot(dc, mem.h[off:off+De])
			tensor.Axpy(w[j], dc, dH[off:off+De])
			dot += float64(w[j]) * float64(ds[j])
		}
		for j := 0; j < n; j++ {
			ds[j] = w[j] * (ds[j] - float32(dot))
		}
		qr := st.q[r*at.hd : (r+1)*at.hd]
		dqr := dq[r*at.hd : (r+1)*at.hd]
		for j := 0; j < n; j++ {
			koff := (j*B + c) * kd
			if at.kind != AttentionBahdanau {
				// e_j = q . K_j
				tensor.Axpy(ds[j], mem.keys[koff:koff+kd], dqr)
				tensor.Axpy(ds[j], qr, dKeys[koff:koff+kd])
				continue
			}
			// e_j = v . u, u = tanh(qp + K_j)
			u := st.u[(r*S+j)*A : (r*S+j+1)*A]
			tensor.Axpy(ds[j], u, at.v.Grad)
			dqp := at.dqp[r*A : (r+1)*A]
			dk := dKeys[koff : koff+kd]
			for i, ui := range u {
				g := ds[j] * at.v.Data[i] * (1 - ui*ui)
				dk[i] += g
				dqp[i] += g
			}
		}
	}
	if at.kind == AttentionBahdanau {
		// qp = q W_q^T: dW_q += dqp^T q, dq += dqp W_q.
		tensor.Sgemm(true, false, A, at.hd, b, 1, at.dqp[:b*A], A, st.q, at.hd, 1, at.wq.Grad, at.hd)
		tensor.Sgemm(false, false, b, at.hd, A, 1, at.dqp[:b*A], A, at.wq.Data, at.hd, 1, dq, at.hd)
	}
}
