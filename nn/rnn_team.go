package nn

import (
	"runtime"
	"sync"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/tensor"
)

// The team path of the time loop (LSTM and PyTorch GRU, batch > 6): the
// hidden units of a direction are cut into parts, each with all its gate
// rows of W_hh, and a tensor.Team of tensor.Threads() goroutines runs one
// phase per time step. In the forward phase a part computes its columns of
// the recurrent product h_prev W_hh^T and at once its units' cell update
// (the gate arithmetic is the product's epilogue, on data still in cache);
// in the backward phase it completes its units' dh from the previous
// phase's gate gradients (dg W_hh, its columns), then computes its units'
// gate gradients. One barrier per step replaces the GEMM's fork and join
// and the serial elementwise work between them, and parts are claimed in
// turn, so a descheduled goroutine costs at most the part it holds.
//
// Every element is computed by the same operations in the same order as
// the serial loop (the products sum over k in the same kc blocks whatever
// the columns, the elementwise kernels are per element), so results are
// bit-identical to it.

// sharedTeam is the process's team for recurrent time loops; teamMu is
// held while one runs. An RNN that finds it busy (another RNN, or the
// other direction of a bidirectional layer) runs the serial loop.
var (
	teamMu     sync.Mutex
	sharedTeam *tensor.Team
)

// acquireTeam returns the shared team sized for tensor.Threads() with
// teamMu held, or nil (teamMu not held) with one thread or when busy.
func acquireTeam() *tensor.Team {
	n := min(tensor.Threads(), runtime.GOMAXPROCS(0))
	if n < 2 || !teamMu.TryLock() {
		return nil
	}
	if sharedTeam == nil || sharedTeam.Size() != n {
		if sharedTeam != nil {
			sharedTeam.Close()
		}
		sharedTeam = tensor.NewTeam(n)
	}
	return sharedTeam
}

// dirTeam is one direction's working memory for the team path.
type dirTeam struct {
	r   *RNN
	dir *rnnDir
	d   int
	// bounds[p]..bounds[p+1] are the units of part p.
	bounds []int
	fw     []tensor.PackedMat // [parts] rows g*H+u of W_hh for the part's units u, transposed: [H, G*P]
	bw     []tensor.PackedMat // [parts] columns u of W_hh: [G*H, P]
	rows   []float32          // [G*H, H] W_hh's rows gathered part by part
	hw     []float32          // [B, G*P] per part, part p at B*G*bounds[p]
	phases []int
	// Per call.
	out, gOut, bhn []float32
	dh             [2][]float32
	fwd, bwd       func(phase, part int)
}

// teamMaxParts bounds T*parts of one Team.Run.
const teamMaxParts = 1<<16 - 1

// teamable reports whether the time loop of a batch of B rows can run on
// the team.
func (r *RNN) teamable(B int) bool {
	return (r.cell == CellLSTM || r.cell == CellGRU) && B > recurDirectRows && r.h >= 16
}

// team returns dir's team memory for n goroutines and batch B.
func (r *RNN) dirTeam(dir *rnnDir, d, n, B int) *dirTeam {
	dt := dir.tm
	if dt == nil {
		dt = &dirTeam{r: r, dir: dir, d: d}
		dt.fwd, dt.bwd = dt.forwardPart, dt.backwardPart
		dir.tm = dt
	}
	H, G := r.h, r.g
	// Parts of q units, where G*q fills whole 48-column kernel panels,
	// about 2 per goroutine (at least 4 per goroutine for H < 256).
	q := 48 / G
	if 48%G != 0 {
		q = 16
	}
	want := 2 * n
	if H < 256 {
		want = 4 * n
	}
	P := max((H+want-1)/want, 1)
	P = (P + q - 1) / q * q
	if len(dt.bounds) == 0 || dt.bounds[1]-dt.bounds[0] != P {
		dt.bounds = dt.bounds[:0]
		for u := 0; u < H; u += P {
			dt.bounds = append(dt.bounds, u)
		}
		dt.bounds = append(dt.bounds, H)
	}
	parts := len(dt.bounds) - 1
	if len(dt.fw) != parts {
		dt.fw = make([]tensor.PackedMat, parts)
		dt.bw = make([]tensor.PackedMat, parts)
	}
	dt.hw = xslices.Resize(dt.hw, B*G*H)
	return dt
}

// setPhases sets dt.phases to one packing phase and then steps phases of
// every part, and reports whether the Run stays within the team's bound.
func (dt *dirTeam) setPhases(steps int) bool {
	parts := len(dt.bounds) - 1
	if (steps+1)*parts > teamMaxParts {
		return false
	}
	dt.phases = xslices.Resize(dt.phases, steps+1)
	for i := range dt.phases {
		dt.phases[i] = parts
	}
	return true
}

// forwardTeam runs forwardDir's time loop on the team and reports whether
// it did (false: the caller runs the serial loop).
func (r *RNN) forwardTeam(dir *rnnDir, d int, out, bhn []float32) bool {
	if !r.teamable(r.b) {
		return false
	}
	tm := acquireTeam()
	if tm == nil {
		return false
	}
	defer teamMu.Unlock()
	dt := r.dirTeam(dir, d, tm.Size(), r.b)
	if !dt.setPhases(r.t) {
		return false
	}
	if r.g*r.h*r.h > len(dt.rows) {
		dt.rows = make([]float32, r.g*r.h*r.h)
	}
	dt.out, dt.bhn = out, bhn
	tm.Run(dt.phases, dt.fwd)
	dt.out, dt.bhn = nil, nil
	return true
}

// forwardPart is phase s, part p of the forward loop: phase 0 packs the
// part's rows of W_hh, phase s >= 1 runs step s-1.
func (dt *dirTeam) forwardPart(s, p int) {
	r, dir := dt.r, dt.dir
	T, B, H, G := r.t, r.b, r.h, r.g
	GH := G * H
	u0, u1 := dt.bounds[p], dt.bounds[p+1]
	GP := G * (u1 - u0)
	if s == 0 {
		rows := dt.rows[u0*G*H : u1*G*H]
		for g := 0; g < G; g++ {
			copy(rows[g*(u1-u0)*H:], dir.whh.Data[(g*H+u0)*H:(g*H+u1)*H])
		}
		dt.fw[p].Pack(true, H, GP, rows, H, B)
		return
	}
	t := s - 1
	if dir.reverse {
		t = T - 1 - t
	}
	ps, cs := dir.slots(t)
	hp, hc := dir.hs[ps*B*H:(ps+1)*B*H], dir.hs[cs*B*H:(cs+1)*B*H]
	hw := dt.hw[B*G*u0 : B*G*u1]
	tensor.SgemmPackedSerial(false, B, 1, hp, H, &dt.fw[p], 0, hw, GP)
	a := dir.a[t*B*GH : (t+1)*B*GH]
	act := r.activeAt(t)
	switch r.cell {
	case CellLSTM:
		stepLSTMUnits(a, hw, hp, hc, dir.cs[ps*B*H:(ps+1)*B*H], dir.cs[cs*B*H:(cs+1)*B*H], dir.aux[t*B*H:(t+1)*B*H], B, H, u0, u1, act)
	case CellGRU:
		stepGRUUnits(a, hw, dt.bhn, hp, hc, dir.aux[t*B*H:(t+1)*B*H], B, H, u0, u1, act)
	}
	DH, d := r.d*H, dt.d
	for b := 0; b < B; b++ {
		o := dt.out[(t*B+b)*DH+d*H+u0 : (t*B+b)*DH+d*H+u1]
		if act != nil && !act[b] {
			clear(o)
		} else {
			copy(o, hc[b*H+u0:b*H+u1])
		}
	}
}

// backwardTeam runs backwardDir's time loop on the team and reports
// whether it did. On entry dir.dh (and dir.dc) hold the gradients of the
// final state; on return dir.dh (dir.dc) those of the initial state.
func (r *RNN) backwardTeam(dir *rnnDir, d int, gOut []float32) bool {
	if !r.teamable(r.b) {
		return false
	}
	tm := acquireTeam()
	if tm == nil {
		return false
	}
	defer teamMu.Unlock()
	dt := r.dirTeam(dir, d, tm.Size(), r.b)
	if !dt.setPhases(r.t + 1) {
		return false
	}
	dt.gOut = gOut
	dt.dh = [2][]float32{dir.dh, dir.dhp}
	tm.Run(dt.phases, dt.bwd)
	// Phase k+1 leaves the gradient reaching step T-1-k's input state
	// in dh[(k+1)&1]; the last one, k = T, that of h0.
	dir.dh, dir.dhp = dt.dh[r.t&1], dt.dh[(r.t+1)&1]
	dt.gOut, dt.dh = nil, [2][]float32{}
	return true
}

// backwardPart is phase s, part q of the backward loop: phase 0 packs the
// part's columns of W_hh; phase k+1 (k = 0..T) completes dh of the units
// with dgh W_hh of the step before (k > 0) and then, k < T, runs the k-th
// step from the end.
func (dt *dirTeam) backwardPart(s, q int) {
	r, dir := dt.r, dt.dir
	T, B, H, G := r.t, r.b, r.h, r.g
	GH := G * H
	u0, u1 := dt.bounds[q], dt.bounds[q+1]
	if s == 0 {
		dt.bw[q].Pack(false, GH, u1-u0, dir.whh.Data[u0:], H, B)
		return
	}
	k := s - 1
	dh, dhp := dt.dh[k&1], dt.dh[(k+1)&1]
	timeOf := func(k int) int {
		if dir.reverse {
			return k
		}
		return T - 1 - k
	}
	if k > 0 {
		tn := timeOf(k - 1)
		tensor.SgemmPackedSerial(false, B, 1, dir.dgh[tn*B*GH:(tn+1)*B*GH], GH, &dt.bw[q], 1, dh[u0:], H)
	}
	if k == T {
		return
	}
	t := timeOf(k)
	act := r.activeAt(t)
	if dt.gOut != nil {
		DH, d := r.d*H, dt.d
		for b := 0; b < B; b++ {
			if act != nil && !act[b] {
				continue
			}
			g := dt.gOut[(t*B+b)*DH+d*H+u0 : (t*B+b)*DH+d*H+u1]
			tensor.Add(dh[b*H+u0:b*H+u1], dh[b*H+u0:b*H+u1], g)
		}
	}
	ps, _ := dir.slots(t)
	a := dir.a[t*B*GH : (t+1)*B*GH]
	dg := dir.dg[t*B*GH : (t+1)*B*GH]
	switch r.cell {
	case CellLSTM:
		backLSTMUnits(a, dir.cs[ps*B*H:(ps+1)*B*H], dir.aux[t*B*H:(t+1)*B*H], dh, dir.dc, dg, dhp, B, H, u0, u1, act)
	case CellGRU:
		backGRUUnits(a, dir.aux[t*B*H:(t+1)*B*H], dir.hs[ps*B*H:(ps+1)*B*H], dh, dg, dir.dgh[t*B*GH:(t+1)*B*GH], dhp, B, H, u0, u1, act)
	}
}

// The kernels below are stepLSTM, stepGRU, backLSTM and backGRU restricted
// to the hidden units u0..u1, with the same arithmetic per element. hw is
// the part's recurrent projection [B, G*(u1-u0)], gate blocks of u1-u0.

func stepLSTMUnits(a, hw, hp, hc, cp, cc, tc []float32, B, H, u0, u1 int, active []bool) {
	GH, P := 4*H, u1-u0
	for b := 0; b < B; b++ {
		o := b * H
		row, hwr := a[b*GH:(b+1)*GH], hw[b*4*P:(b+1)*4*P]
		for g := 0; g < 4; g++ {
			seg := row[g*H+u0 : g*H+u1]
			tensor.Add(seg, seg, hwr[g*P:(g+1)*P])
		}
		if active != nil && !active[b] {
			copy(hc[o+u0:o+u1], hp[o+u0:o+u1])
			copy(cc[o+u0:o+u1], cp[o+u0:o+u1])
			continue
		}
		ig, fg, gg, og := row[u0:u1], row[H+u0:H+u1], row[2*H+u0:2*H+u1], row[3*H+u0:3*H+u1]
		tensor.Sigmoid(ig, ig)
		tensor.Sigmoid(fg, fg)
		tensor.Tanh(gg, gg)
		tensor.Sigmoid(og, og)
		cpr, ccr := cp[o+u0:o+u1], cc[o+u0:o+u1]
		for j := range ccr {
			ccr[j] = fg[j]*cpr[j] + ig[j]*gg[j]
		}
		tcr := tc[o+u0 : o+u1]
		tensor.Tanh(tcr, ccr)
		hcr := hc[o+u0 : o+u1]
		for j := range hcr {
			hcr[j] = og[j] * tcr[j]
		}
	}
}

func stepGRUUnits(a, hw, bhn, hp, hc, aux []float32, B, H, u0, u1 int, active []bool) {
	GH, P := 3*H, u1-u0
	for b := 0; b < B; b++ {
		o := b * H
		if active != nil && !active[b] {
			copy(hc[o+u0:o+u1], hp[o+u0:o+u1])
			continue
		}
		row, hwr := a[b*GH:(b+1)*GH], hw[b*3*P:(b+1)*3*P]
		r, z := row[u0:u1], row[H+u0:H+u1]
		tensor.Add(r, r, hwr[:P])
		tensor.Add(z, z, hwr[P:2*P])
		tensor.Sigmoid(r, r)
		tensor.Sigmoid(z, z)
		hn := aux[o+u0 : o+u1]
		if bhn != nil {
			tensor.Add(hn, hwr[2*P:], bhn[u0:u1])
		} else {
			copy(hn, hwr[2*P:])
		}
		n := row[2*H+u0 : 2*H+u1]
		for j := range n {
			n[j] += r[j] * hn[j]
		}
		tensor.Tanh(n, n)
		hpr, hcr := hp[o+u0:o+u1], hc[o+u0:o+u1]
		for j := range hcr {
			hcr[j] = n[j] + z[j]*(hpr[j]-n[j])
		}
	}
}

func backLSTMUnits(act, cp, tc, dh, dc, dg, dhp []float32, B, H, u0, u1 int, active []bool) {
	GH := 4 * H
	for b := 0; b < B; b++ {
		o := b * H
		dgr := dg[b*GH : (b+1)*GH]
		if active != nil && !active[b] {
			for g := 0; g < 4; g++ {
				clear(dgr[g*H+u0 : g*H+u1])
			}
			copy(dhp[o+u0:o+u1], dh[o+u0:o+u1])
			continue
		}
		row := act[b*GH : (b+1)*GH]
		ig, fg, gg, og := row[:H], row[H:2*H], row[2*H:3*H], row[3*H:]
		di, df, dgg, do := dgr[:H], dgr[H:2*H], dgr[2*H:3*H], dgr[3*H:]
		dhr, dcr, cpr, tcr := dh[o:o+H], dc[o:o+H], cp[o:o+H], tc[o:o+H]
		for j := u0; j < u1; j++ {
			t := tcr[j]
			dct := dcr[j] + dhr[j]*og[j]*(1-t*t)
			do[j] = dhr[j] * t * og[j] * (1 - og[j])
			di[j] = dct * gg[j] * ig[j] * (1 - ig[j])
			dgg[j] = dct * ig[j] * (1 - gg[j]*gg[j])
			df[j] = dct * cpr[j] * fg[j] * (1 - fg[j])
			dcr[j] = dct * fg[j]
		}
		clear(dhp[o+u0 : o+u1])
	}
}

func backGRUUnits(act, aux, hp, dh, dg, dgh, dhp []float32, B, H, u0, u1 int, active []bool) {
	GH := 3 * H
	for b := 0; b < B; b++ {
		o := b * H
		dgr, dghr := dg[b*GH:(b+1)*GH], dgh[b*GH:(b+1)*GH]
		if active != nil && !active[b] {
			for g := 0; g < 3; g++ {
				clear(dgr[g*H+u0 : g*H+u1])
				clear(dghr[g*H+u0 : g*H+u1])
			}
			copy(dhp[o+u0:o+u1], dh[o+u0:o+u1])
			continue
		}
		row := act[b*GH : (b+1)*GH]
		r, z, n := row[:H], row[H:2*H], row[2*H:]
		dr, dz, dn := dgr[:H], dgr[H:2*H], dgr[2*H:]
		dhr, hpr, hn, dhpr := dh[o:o+H], hp[o:o+H], aux[o:o+H], dhp[o:o+H]
		dhn := dghr[2*H:]
		for j := u0; j < u1; j++ {
			g := dhr[j]
			dnp := g * (1 - z[j]) * (1 - n[j]*n[j])
			dn[j] = dnp
			dz[j] = g * (hpr[j] - n[j]) * z[j] * (1 - z[j])
			dr[j] = dnp * hn[j] * r[j] * (1 - r[j])
			dhn[j] = dnp * r[j]
			dhpr[j] = g * z[j]
		}
		copy(dghr[u0:u1], dgr[u0:u1])
		copy(dghr[H+u0:H+u1], dgr[H+u0:H+u1])
	}
}
