package nn

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

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

// sharedTeam runs the time loops of the process's RNNs; teamMu is held
// while one runs. An RNN that finds it busy (another RNN, or the other
// direction of a bidirectional layer) runs the serial loop.
var (
	teamMu     sync.Mutex
	sharedTeam *stepTeam
)

// acquireTeam returns the shared team sized for tensor.Threads() with
// teamMu held, or nil (teamMu not held) with one thread or when busy.
func acquireTeam() *stepTeam {
	n := min(tensor.Threads(), runtime.GOMAXPROCS(0))
	if n < 2 || !teamMu.TryLock() {
		return nil
	}
	if sharedTeam == nil || sharedTeam.n != n {
		if sharedTeam != nil {
			sharedTeam.close()
		}
		sharedTeam = newStepTeam(n)
	}
	return sharedTeam
}

// stepTeam runs phases of equal numbers of parts on the caller and n-1
// member goroutines. Unlike
// tensor.Team, a goroutine claims a part only once the phases before it
// are done, so a goroutine that is descheduled while it waits holds no
// part back; and a member that waits longer than stepSpin leaves the Run
// to the caller (it rejoins at the next one). On a busy machine the loop
// then runs at the speed of whichever goroutines get the CPU.
type stepTeam struct {
	n int
	f func(phase, part int)
	_ [64]byte
	// job is the current Run and its next part: gen<<48 | parts<<40 |
	// total<<20 | next, so that a claim (a CAS on it) sees the Run it
	// belongs to.
	job  atomic.Uint64
	_    [56]byte
	done atomic.Int64 // parts of the current Run finished
	_    [56]byte
	// Idle members park: parked[w] set just before blocking on wake[w].
	parked []atomic.Bool
	wake   []chan struct{}
	closed atomic.Bool
	// failed holds the first panic of the current Run's parts, raised again
	// by Run in its caller once every started part has returned; later
	// parts are skipped.
	failed tensor.PartPanic
}

// stepMaxParts bounds the parts of one Run (20 bits) and of a phase (8).
const (
	stepMaxParts = 1<<20 - 1
	stepMaxPhase = 1<<8 - 1
)

// stepSpin is how long a goroutine polls for earlier phases to finish
// (a member, before leaving the Run) or a member polls for the next Run
// (before parking).
const stepSpin = 50 * time.Microsecond

func newStepTeam(n int) *stepTeam {
	st := &stepTeam{n: n, parked: make([]atomic.Bool, n), wake: make([]chan struct{}, n)}
	for w := range n {
		st.wake[w] = make(chan struct{}, 1)
	}
	for w := 1; w < n; w++ {
		go st.member(w)
	}
	return st
}

// fits reports whether Run can take phases of parts parts.
func (st *stepTeam) fits(phases, parts int) bool {
	return parts <= stepMaxPhase && phases*parts <= stepMaxParts
}

// Run calls f(p, i) for phases p < phases and parts i < parts, phase by
// phase, and returns when all have returned. It must not run concurrently
// with itself, and st.fits(phases, parts) must hold.
func (st *stepTeam) Run(phases, parts int, f func(phase, part int)) {
	if !st.fits(phases, parts) {
		// The counts would overflow their fields of the job word into the
		// generation and the part count: parts would then run twice or
		// never, silently.
		panic(fmt.Sprintf("nn: stepTeam.Run: %d phases of %d parts do not fit", phases, parts))
	}
	st.f = f
	st.done.Store(0)
	gen := (st.job.Load()>>48 + 1) & 0xffff
	st.job.Store(gen<<48 | uint64(parts)<<40 | uint64(phases*parts)<<20)
	for w := 1; w < st.n; w++ {
		if st.parked[w].CompareAndSwap(true, false) {
			st.wake[w] <- struct{}{}
		}
	}
	total := int64(phases * parts)
	st.work(gen, false)
	st.await(func() bool { return st.done.Load() == total })
	st.f = nil
	st.failed.Raise()
}

// work claims and runs the ready parts of Run gen until none is left. A
// member leaves the Run after polling stepSpin for a phase to finish; the
// caller then parks until a part finishes.
func (st *stepTeam) work(gen uint64, member bool) {
	for {
		v := st.job.Load()
		parts, total, k := int64(v>>40&0xff), int64(v>>20&0xfffff), int64(v&0xfffff)
		if v>>48 != gen || k >= total {
			return
		}
		if start := k / parts * parts; st.done.Load() < start {
			ready := func() bool { return st.done.Load() >= start || st.job.Load() != v }
			if member {
				if !poll(stepSpin, ready) {
					return
				}
			} else {
				st.await(ready)
			}
			continue
		}
		if !st.job.CompareAndSwap(v, v+1) {
			continue
		}
		st.failed.Call(func() { st.f(int(k/parts), int(k%parts)) })
		st.done.Add(1)
		if st.parked[0].CompareAndSwap(true, false) {
			st.wake[0] <- struct{}{}
		}
	}
}

// await returns once cond holds, polling it for stepSpin and then parking
// the caller until a member finishes a part.
func (st *stepTeam) await(cond func() bool) {
	for !poll(stepSpin, cond) {
		st.parked[0].Store(true)
		if cond() {
			if !st.parked[0].CompareAndSwap(true, false) {
				<-st.wake[0] // a member is sending: take its token
			}
			return
		}
		<-st.wake[0]
	}
}

// poll reports whether cond holds within about d, yielding now and then.
func poll(d time.Duration, cond func() bool) bool {
	var deadline time.Time
	for i := 1; ; i++ {
		if cond() {
			return true
		}
		if i%64 != 0 {
			continue
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(d)
		} else if time.Now().After(deadline) {
			return false
		}
		runtime.Gosched()
	}
}

// close stops the members (a team replaced for another thread count).
func (st *stepTeam) close() {
	st.closed.Store(true)
	st.job.Add(1 << 48)
	for w := 1; w < st.n; w++ {
		if st.parked[w].CompareAndSwap(true, false) {
			st.wake[w] <- struct{}{}
		}
	}
}

// member is goroutine w's loop: wait for a Run, help with it, repeat.
func (st *stepTeam) member(w int) {
	// seen starts at the generation of newStepTeam: a Run may start before
	// this goroutine does, and the member then joins it instead of waiting
	// for the next. The generation to work on is the one the wait saw
	// change, read once (see tensor.Team's member: close moves the
	// generation after it marks the team closed).
	var seen uint64
	for {
		gen := seen
		changed := func() bool { gen = st.job.Load() >> 48; return gen != seen }
		for !poll(stepSpin, changed) {
			st.parked[w].Store(true)
			if changed() && st.parked[w].CompareAndSwap(true, false) {
				break
			}
			<-st.wake[w]
		}
		if st.closed.Load() {
			return
		}
		seen = gen
		st.work(seen, true)
	}
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
	// Per call.
	out, gOut, bhn []float32
	dh             [2][]float32
	fwd, bwd       func(phase, part int)
	choice         [2]loopChoice // forward, backward
}

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
	// Parts of q units, where G*q fills whole 48-column kernel panels
	// (the forward products' width), about 2 per goroutine (at least 4
	// per goroutine for H < 64). From H = 64 to 255, q = 16 and 2 per
	// goroutine instead, so that the backward products, P columns wide,
	// pad less (LSTM H=128 on 2 threads: 4 parts of 32 units ran the
	// team's backward loop in 2.8 ms where 6 of 24, the last of 8, took
	// 4.3).
	q := 48 / G
	if 48%G != 0 {
		q = 16
	}
	want := 2 * n
	switch {
	case H < 64:
		want = 4 * n
	case H < 256:
		q = 16
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

// forwardLoop runs forwardDir's time loop, on the team or serially.
func (r *RNN) forwardLoop(dir *rnnDir, d int, out, bhn []float32) {
	tm, dt := r.teamFor(dir, d, 1)
	if tm == nil {
		r.forwardSteps(dir, d, out, bhn)
		return
	}
	defer teamMu.Unlock()
	c := &dt.choice[0]
	way := c.pick(r.aloneWay())
	start := time.Now()
	if way == loopTeam {
		if r.g*r.h*r.h > len(dt.rows) {
			dt.rows = make([]float32, r.g*r.h*r.h)
		}
		dt.out, dt.bhn = out, bhn
		tm.Run(r.t+1, len(dt.bounds)-1, dt.fwd)
		dt.out, dt.bhn = nil, nil
	} else {
		dir.alone = way == loopAlone
		r.forwardSteps(dir, d, out, bhn)
		dir.alone = false
	}
	c.record(way, time.Since(start), r.t*r.b)
}

// teamFor returns the shared team with teamMu held and dir's team memory
// when the time loop (phases: its steps plus extra) can run on it, or nil
// (teamMu not held).
func (r *RNN) teamFor(dir *rnnDir, d, extra int) (*stepTeam, *dirTeam) {
	if !r.teamable(r.b) {
		return nil, nil
	}
	tm := acquireTeam()
	if tm == nil {
		return nil, nil
	}
	dt := r.dirTeam(dir, d, tm.n, r.b)
	if !tm.fits(r.t+extra, len(dt.bounds)-1) {
		teamMu.Unlock()
		return nil, nil
	}
	return tm, dt
}

// aloneWay reports whether a time loop may run on the caller alone
// (loopAlone): when a step's recurrent product, B*G*H*H multiply-adds, is
// below aloneMaxWork, so that sharing it out gains little. At LSTM H=512
// (33.5M) the pooled products won on the whole step while the loops
// alone measured about as fast (the GEMM's workers left parked then have
// to be woken for the next batched product); at H=128 (2.1M) the caller
// alone ran the step 1.3-1.4x faster than the old choice on a loaded
// machine.
func (r *RNN) aloneWay() bool { return r.b*r.g*r.h*r.h < aloneMaxWork }

// aloneMaxWork is the largest per-step recurrent product (multiply-adds)
// whose time loop may run on the caller alone.
const aloneMaxWork = 1 << 24

// loopChoice picks the way a direction's time loop runs by the measured
// times, which depend on the machine's load: the team (loopTeam) waits
// whenever one of its goroutines is descheduled, the serial loop's
// per-step products (loopPooled) fork and join the GEMM's workers each
// step, and the serial loop on the caller alone (loopAlone) leaves the
// other threads idle. All three give the same bits.
type loopChoice struct {
	calls int
	ns    [loopWays]float64 // smoothed ns per step and row, by way
	last  [loopWays]int     // the call that last ran each way
}

// The ways of running a time loop (see loopChoice).
const (
	loopPooled = iota
	loopTeam
	loopAlone
	loopWays
)

// choiceProbe: every choiceProbe-th call runs, instead of the fastest way,
// another way to follow changes of load: the one that has waited longest
// among those that last ran at most choiceFar times the fastest's time
// and have waited choiceProbe calls, or those slower still that have
// waited choiceFarProbe calls (a team that a loaded machine makes 3x
// slower costs 2 of every 64 calls instead of 2 of 32).
const (
	choiceProbe    = 16
	choiceFarProbe = 64
	choiceFar      = 1.5
)

// pick returns the way the next call should run: each way once (the team
// first), then the fastest, or on a probe call another (see choiceProbe).
// loopAlone is one of the ways only when alone is set.
func (c *loopChoice) pick(alone bool) int {
	c.calls++
	ways := loopWays
	if !alone {
		ways = loopAlone
	}
	way := -1
	for _, w := range []int{loopTeam, loopPooled, loopAlone}[:ways] {
		if c.ns[w] == 0 {
			way = w
			break
		}
	}
	if way < 0 {
		way = 0
		for w := range ways {
			if c.ns[w] < c.ns[way] {
				way = w
			}
		}
		if c.calls%choiceProbe == 0 {
			best := way
			for w := range ways {
				wait := c.calls - c.last[w]
				due := wait >= choiceFarProbe || wait >= choiceProbe && c.ns[w] <= choiceFar*c.ns[best]
				if w != best && due && (way == best || c.last[w] < c.last[way]) {
					way = w
				}
			}
		}
	}
	c.last[way] = c.calls
	return way
}

// record adds a call's time d for n steps times rows run the way way.
func (c *loopChoice) record(way int, d time.Duration, n int) {
	v := float64(d) / float64(max(n, 1))
	if c.ns[way] == 0 {
		c.ns[way] = v
	} else {
		c.ns[way] += (v - c.ns[way]) / 4
	}
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
	r.prepStep(dir, t, u0, u1)
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

// backwardLoop runs backwardDir's time loop, on the team or serially. On
// entry dir.dh (and dir.dc) hold the gradients of the final state; on
// return dir.dh (dir.dc) those of the initial state.
func (r *RNN) backwardLoop(dir *rnnDir, d int, gOut []float32) {
	tm, dt := r.teamFor(dir, d, 2)
	if tm == nil {
		r.backwardSteps(dir, d, gOut)
		return
	}
	defer teamMu.Unlock()
	c := &dt.choice[1]
	way := c.pick(r.aloneWay())
	start := time.Now()
	if way == loopTeam {
		dt.gOut = gOut
		dt.dh = [2][]float32{dir.dh, dir.dhp}
		tm.Run(r.t+2, len(dt.bounds)-1, dt.bwd)
		// Phase k+1 leaves the gradient reaching step T-1-k's input
		// state in dh[(k+1)&1]; the last one, k = T, that of h0.
		dir.dh, dir.dhp = dt.dh[r.t&1], dt.dh[(r.t+1)&1]
		dt.gOut, dt.dh = nil, [2][]float32{}
	} else {
		dir.alone = way == loopAlone
		r.backwardSteps(dir, d, gOut)
		dir.alone = false
	}
	c.record(way, time.Since(start), r.t*r.b)
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
		if active == nil || active[b] {
			// The gate arithmetic, fused (see tensor.LSTMCell).
			tensor.LSTMCell(row[u0:], H, hwr, P, cp[o+u0:o+u1], cc[o+u0:o+u1], tc[o+u0:o+u1], hc[o+u0:o+u1])
			continue
		}
		// A padded row keeps its state; its gate inputs get hw as before.
		for g := 0; g < 4; g++ {
			seg := row[g*H+u0 : g*H+u1]
			tensor.Add(seg, seg, hwr[g*P:(g+1)*P])
		}
		copy(hc[o+u0:o+u1], hp[o+u0:o+u1])
		copy(cc[o+u0:o+u1], cp[o+u0:o+u1])
	}
}

func stepGRUUnits(a, hw, bhn, hp, hc, aux []float32, B, H, u0, u1 int, active []bool) {
	GH, P := 3*H, u1-u0
	for b := 0; b < B; b++ {
		o := b * H
		if keepInactive(active, b, hc[o+u0:o+u1], hp[o+u0:o+u1]) {
			continue
		}
		var bh []float32
		if bhn != nil {
			bh = bhn[u0:u1]
		}
		row, hwr := a[b*GH:(b+1)*GH], hw[b*3*P:(b+1)*3*P]
		tensor.GRUCell(row[u0:], H, hwr, P, bh, hp[o+u0:o+u1], aux[o+u0:o+u1], hc[o+u0:o+u1])
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
		// The fused kernel takes whole 8-unit blocks, backLSTMRow the rest.
		v0 := u0 + backLSTMRowsAsm(row[u0:], dgr[u0:], dh[o+u0:o+u1], dc[o+u0:o+u1], cp[o+u0:o+u1], tc[o+u0:o+u1], H, u1-u0)
		u := func(v []float32, g int) []float32 { return v[g*H+v0 : g*H+u1] }
		backLSTMRow(u(row, 0), u(row, 1), u(row, 2), u(row, 3), u(dgr, 0), u(dgr, 1), u(dgr, 2), u(dgr, 3),
			dh[o+v0:o+u1], dc[o+v0:o+u1], cp[o+v0:o+u1], tc[o+v0:o+u1], dhp[o+v0:o+u1])
		clear(dhp[o+u0 : o+v0])
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
		v0 := u0 + backGRURowsAsm(row[u0:], dgr[u0:], dghr[2*H+u0:], dh[o+u0:o+u1], hp[o+u0:o+u1], aux[o+u0:o+u1], dhp[o+u0:o+u1], H, u1-u0)
		u := func(v []float32, g int) []float32 { return v[g*H+v0 : g*H+u1] }
		backGRURow(u(row, 0), u(row, 1), u(row, 2), u(dgr, 0), u(dgr, 1), u(dgr, 2), u(dghr, 2),
			dh[o+v0:o+u1], hp[o+v0:o+u1], aux[o+v0:o+u1], dhp[o+v0:o+u1])
		copy(dghr[u0:u1], dgr[u0:u1])
		copy(dghr[H+u0:H+u1], dgr[H+u0:H+u1])
	}
}

// splitMin is the least work (elements) that splitRange shares out:
// below it, waking the team costs more than it saves.
const splitMin = 1 << 16

// splitRange calls f(lo, hi) on ranges covering [0, n), each index
// standing for unit elements of work, shared out on the RNNs' step team
// (see rnn_team.go) when the work is large enough and the team is free.
// Ranges are multiples of 16 except the last.
func splitRange(n, unit int, f func(lo, hi int)) {
	if n < 128 || n*unit < splitMin {
		f(0, n)
		return
	}
	tm := acquireTeam()
	if tm == nil {
		f(0, n)
		return
	}
	// At most stepMaxPhase parts, what a phase of the team holds (a team
	// of 128 goroutines or more would otherwise ask for more).
	parts := min(2*tm.n, n/64, stepMaxPhase)
	chunk := ((n+parts-1)/parts + 15) &^ 15
	parts = (n + chunk - 1) / chunk
	defer teamMu.Unlock()
	tm.Run(1, parts, func(_, p int) {
		f(p*chunk, min((p+1)*chunk, n))
	})
}
