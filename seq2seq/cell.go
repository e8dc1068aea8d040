package seq2seq

import (
	"fmt"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/tensor"
)

// cell is a single-layer recurrent cell advanced one step at a time, as the
// decoder needs (its input at step t depends on its state at t-1 through the
// attention context). Its parameters have torch.nn.GRUCell / LSTMCell's
// layout and gate order: weight_ih [G*H, In], weight_hh [G*H, H], bias_ih
// and bias_hh [G*H], GRU gates r, z, n and LSTM gates i, f, g, o.
type cell struct {
	kind      nn.CellKind // nn.CellGRU or nn.CellLSTM
	in, h, g  int
	wih, whh  *nn.Param
	bih, bhh  *nn.Param
	gi, gh    []float32 // forward scratch [B, G*H]
	dgi, dgh  []float32 // backward scratch [B, G*H]
	batchSize int
}

// cellStep is what one forward step keeps for its backward.
type cellStep struct {
	x     []float32 // input [B, In] (owned by the caller, unchanged until Backward)
	hPrev []float32 // [B, H]
	cPrev []float32 // LSTM only [B, H]
	gates []float32 // activated gates [B, G*H]
	ghn   []float32 // GRU only: W_hn h + b_hn [B, H]
	h     []float32 // new hidden state [B, H]
	c     []float32 // LSTM only: new cell state [B, H]
	tanhC []float32 // LSTM only: tanh(c) [B, H]
}

func newCell(prefix string, kind nn.CellKind, in, h int, rng *rand.Rand) (*cell, error) {
	if kind != nn.CellGRU && kind != nn.CellLSTM {
		return nil, fmt.Errorf("decoder cell %s: want gru or lstm", kind)
	}
	g := kind.Gates()
	c := &cell{kind: kind, in: in, h: h, g: g,
		wih: nn.NewParam(prefix+".weight_ih", g*h, in),
		whh: nn.NewParam(prefix+".weight_hh", g*h, h),
		bih: nn.NewParam(prefix+".bias_ih", g*h),
		bhh: nn.NewParam(prefix+".bias_hh", g*h),
	}
	if rng != nil {
		for _, p := range c.params() {
			nn.InitPyTorchDefault(rng, p.Data, h)
		}
	}
	return c, nil
}

func (c *cell) params() []*nn.Param { return []*nn.Param{c.wih, c.whh, c.bih, c.bhh} }

func (c *cell) ensure(b int) {
	if b <= c.batchSize {
		return
	}
	gh := c.g * c.h
	c.gi, c.gh = make([]float32, b*gh), make([]float32, b*gh)
	c.dgi, c.dgh = make([]float32, b*gh), make([]float32, b*gh)
	c.batchSize = b
}

// newStep allocates a step record for batch b.
func (c *cell) newStep(b int) *cellStep {
	s := &cellStep{gates: make([]float32, b*c.g*c.h), h: make([]float32, b*c.h)}
	if c.kind == nn.CellGRU {
		s.ghn = make([]float32, b*c.h)
	} else {
		s.c = make([]float32, b*c.h)
		s.tanhC = make([]float32, b*c.h)
	}
	return s
}

// fitStep returns s (nil: a new one) with room for batch b, each buffer
// grown only when too small.
func (c *cell) fitStep(s *cellStep, b int) *cellStep {
	if s == nil {
		return c.newStep(b)
	}
	s.gates, s.h = room(s.gates, b*c.g*c.h), room(s.h, b*c.h)
	if c.kind == nn.CellGRU {
		s.ghn = room(s.ghn, b*c.h)
	} else {
		s.c, s.tanhC = room(s.c, b*c.h), room(s.tanhC, b*c.h)
	}
	return s
}

// forward advances b rows one step: x [b, In], hPrev and (LSTM) cPrev [b, H]
// into s.h (and s.c). s keeps references to x, hPrev and cPrev.
func (c *cell) forward(b int, x, hPrev, cPrev []float32, s *cellStep) {
	c.ensure(b)
	H, GH := c.h, c.g*c.h
	gi, gh := c.gi[:b*GH], c.gh[:b*GH]
	mulT(b, GH, c.in, x, c.wih.Data, gi)
	mulT(b, GH, H, hPrev, c.whh.Data, gh)
	s.x, s.hPrev, s.cPrev = x, hPrev, cPrev
	for r := 0; r < b; r++ {
		gir, ghr := gi[r*GH:(r+1)*GH], gh[r*GH:(r+1)*GH]
		tensor.Add(gir, gir, c.bih.Data)
		tensor.Add(ghr, ghr, c.bhh.Data)
		gr := s.gates[r*GH : (r+1)*GH]
		hp, hn := hPrev[r*H:(r+1)*H], s.h[r*H:(r+1)*H]
		if c.kind == nn.CellGRU {
			// r, z = sigmoid(gi + gh); n = tanh(gi_n + r*gh_n); h' = (1-z)n + z h.
			tensor.Add(gr[:2*H], gir[:2*H], ghr[:2*H])
			tensor.Sigmoid(gr[:2*H], gr[:2*H])
			ghn := s.ghn[r*H : (r+1)*H]
			copy(ghn, ghr[2*H:])
			n := gr[2*H:]
			tensor.Mul(n, gr[:H], ghn)
			tensor.Add(n, n, gir[2*H:])
			tensor.Tanh(n, n)
			z := gr[H : 2*H]
			for j := range hn {
				hn[j] = n[j] + z[j]*(hp[j]-n[j])
			}
			continue
		}
		// LSTM: i, f, o = sigmoid, g = tanh; c' = f c + i g; h' = o tanh(c').
		tensor.Add(gr, gir, ghr)
		tensor.Sigmoid(gr[:2*H], gr[:2*H])
		tensor.Tanh(gr[2*H:3*H], gr[2*H:3*H])
		tensor.Sigmoid(gr[3*H:], gr[3*H:])
		cp, cn, tc := cPrev[r*H:(r+1)*H], s.c[r*H:(r+1)*H], s.tanhC[r*H:(r+1)*H]
		for j := range cn {
			cn[j] = gr[H+j]*cp[j] + gr[j]*gr[2*H+j]
		}
		tensor.Tanh(tc, cn)
		tensor.Mul(hn, gr[3*H:], tc)
	}
}

// backward takes dh (and, LSTM, dc) [b, H] with respect to s.h (s.c),
// accumulates the parameter gradients, and writes dx [b, In] (overwritten)
// and adds into dhPrev and dcPrev [b, H]. dc is modified.
func (c *cell) backward(b int, s *cellStep, dh, dc, dx, dhPrev, dcPrev []float32) {
	c.ensure(b)
	H, GH := c.h, c.g*c.h
	dgi, dgh := c.dgi[:b*GH], c.dgh[:b*GH]
	for r := 0; r < b; r++ {
		gr := s.gates[r*GH : (r+1)*GH]
		dhr := dh[r*H : (r+1)*H]
		hp := s.hPrev[r*H : (r+1)*H]
		dgir, dghr := dgi[r*GH:(r+1)*GH], dgh[r*GH:(r+1)*GH]
		dhp := dhPrev[r*H : (r+1)*H]
		if c.kind == nn.CellGRU {
			rg, z, n := gr[:H], gr[H:2*H], gr[2*H:]
			ghn := s.ghn[r*H : (r+1)*H]
			for j := 0; j < H; j++ {
				d := dhr[j]
				dn := d * (1 - z[j]) * (1 - n[j]*n[j])
				dz := d * (hp[j] - n[j]) * z[j] * (1 - z[j])
				dr := dn * ghn[j] * rg[j] * (1 - rg[j])
				dgir[j], dgir[H+j], dgir[2*H+j] = dr, dz, dn
				dghr[j], dghr[H+j], dghr[2*H+j] = dr, dz, dn*rg[j]
				dhp[j] += d * z[j]
			}
			continue
		}
		ig, fg, gg, og := gr[:H], gr[H:2*H], gr[2*H:3*H], gr[3*H:]
		tc := s.tanhC[r*H : (r+1)*H]
		dcr := dc[r*H : (r+1)*H]
		cp := s.cPrev[r*H : (r+1)*H]
		dcp := dcPrev[r*H : (r+1)*H]
		for j := 0; j < H; j++ {
			d := dhr[j]
			do := d * tc[j]
			dcj := dcr[j] + d*og[j]*(1-tc[j]*tc[j])
			di := dcj * gg[j]
			dg := dcj * ig[j]
			df := dcj * cp[j]
			dcp[j] += dcj * fg[j]
			dgir[j] = di * ig[j] * (1 - ig[j])
			dgir[H+j] = df * fg[j] * (1 - fg[j])
			dgir[2*H+j] = dg * (1 - gg[j]*gg[j])
			dgir[3*H+j] = do * og[j] * (1 - og[j])
		}
		copy(dghr, dgir)
	}
	// dW_ih += dgi^T x; dW_hh += dgh^T hPrev; biases; dx = dgi W_ih; dhPrev += dgh W_hh.
	tensor.Sgemm(true, false, GH, c.in, b, 1, dgi, GH, s.x, c.in, 1, c.wih.Grad, c.in)
	tensor.Sgemm(true, false, GH, H, b, 1, dgh, GH, s.hPrev, H, 1, c.whh.Grad, H)
	for r := 0; r < b; r++ {
		tensor.Add(c.bih.Grad, c.bih.Grad, dgi[r*GH:(r+1)*GH])
		tensor.Add(c.bhh.Grad, c.bhh.Grad, dgh[r*GH:(r+1)*GH])
	}
	if dx != nil {
		tensor.Sgemm(false, false, b, c.in, GH, 1, dgi, GH, c.wih.Data, c.in, 0, dx, c.in)
	}
	tensor.Sgemm(false, false, b, H, GH, 1, dgh, GH, c.whh.Data, H, 1, dhPrev, H)
}

// mulT computes out [m, n] = x [m, k] W^T for W [n, k]. Few rows (beam
// search steps a handful) use dot products directly, which avoids the
// packing a GEMM does of W on every call; larger m use Sgemm.
func mulT(m, n, k int, x, w, out []float32) {
	if m > 8 {
		tensor.Sgemm(false, true, m, n, k, 1, x, k, w, k, 0, out, n)
		return
	}
	for i := 0; i < m; i++ {
		xi, oi := x[i*k:(i+1)*k], out[i*n:(i+1)*n]
		for j := range oi {
			oi[j] = tensor.Dot(xi, w[j*k:(j+1)*k])
		}
	}
}
