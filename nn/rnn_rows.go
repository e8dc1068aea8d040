package nn

import "github.com/recurrent-go/recurrent/tensor"

// backLSTMRow is backLSTMUnits for one row's units: from the gates ig,
// fg, gg, og, dh, the cell gradient dc (updated to the previous step's),
// the previous cell cp and tc = tanh(c) it sets the gate gradients
//
//	dct = dc + dh*og*(1-tc*tc)
//	do = dh*tc*og*(1-og), di = dct*gg*ig*(1-ig), dgg = dct*ig*(1-gg*gg),
//	df = dct*cp*fg*(1-fg), dc = dct*fg
//
// each product and sum rounded in the order written (left to right, no
// fused multiply-add), and clears dhp, which it may use as scratch. From
// vectorRowMin units on it runs as whole-slice vector passes
// (backLSTMRowVec), below as an element loop (backLSTMRowLoop); both give
// the same bits.
func backLSTMRow(ig, fg, gg, og, di, df, dgg, do, dh, dc, cp, tc, dhp []float32) {
	if len(dc) < vectorRowMin {
		backLSTMRowLoop(ig, fg, gg, og, di, df, dgg, do, dh, dc, cp, tc, dhp)
		return
	}
	backLSTMRowVec(ig, fg, gg, og, di, df, dgg, do, dh, dc, cp, tc, dhp)
}

// vectorRowMin is the number of units from which the cell-row kernels run
// as vector passes: below it the calls cost more than the element loop
// (BenchmarkBackLSTMRow: slower at 32 units, about 2x faster at 128).
const vectorRowMin = 64

// backLSTMRowVec is backLSTMRow as vector passes.
func backLSTMRowVec(ig, fg, gg, og, di, df, dgg, do, dh, dc, cp, tc, dhp []float32) {
	tensor.Mul(do, tc, tc)
	oneMinus(do, do)
	mulChain(dgg, dh, og, do)
	tensor.Add(dc, dc, dgg) // dct, kept in dc
	oneMinus(di, og)
	mulChain(do, dh, tc, og, di)
	oneMinus(df, ig)
	mulChain(di, dc, gg, ig, df)
	tensor.Mul(dgg, gg, gg)
	oneMinus(dgg, dgg)
	mulChain(df, dc, ig) // scratch: dct*ig
	tensor.Mul(dgg, df, dgg)
	oneMinus(dhp, fg) // scratch: 1-fg
	mulChain(df, dc, cp, fg, dhp)
	tensor.Mul(dc, dc, fg)
	clear(dhp)
}

// mulChain sets dst = ((f[0]*f[1])*f[2])*... elementwise, rounding each
// product in turn. dst may be f[0] or f[1] but no later factor.
func mulChain(dst []float32, f ...[]float32) {
	tensor.Mul(dst, f[0], f[1])
	for _, g := range f[2:] {
		tensor.Mul(dst, dst, g)
	}
}

// oneMinus sets dst = 1 - x as -x + 1 (the same rounding; negation is
// exact). dst may be x.
func oneMinus(dst, x []float32) {
	copy(dst, x)
	tensor.Scale(-1, dst)
	tensor.AddScalar(dst, dst, 1)
}

// backGRURow is backGRUUnits' arithmetic for one row's units: from the
// gates r, z, n, the state gradient dh, the previous state hp and
// hn = W_hn h + b_hn it sets
//
//	dn = dh*(1-z)*(1-n*n), dz = dh*(hp-n)*z*(1-z), dr = dn*hn*r*(1-r),
//	dhn = dn*r, dhp = dh*z
//
// rounded in the order written (left to right, no fused multiply-add),
// as vector passes from vectorRowMin units on (backGRURowVec: 1-x as -x+1
// and hp-n as hp+(-n), exact), else as an element loop (backGRURowLoop).
func backGRURow(r, z, n, dr, dz, dn, dhn, dh, hp, hn, dhp []float32) {
	if len(dh) < vectorRowMin {
		backGRURowLoop(r, z, n, dr, dz, dn, dhn, dh, hp, hn, dhp)
		return
	}
	backGRURowVec(r, z, n, dr, dz, dn, dhn, dh, hp, hn, dhp)
}

// backGRURowVec is backGRURow as vector passes.
func backGRURowVec(r, z, n, dr, dz, dn, dhn, dh, hp, hn, dhp []float32) {
	tensor.Mul(dhp, dh, z)
	oneMinus(dr, z) // 1-z until dr's own turn
	tensor.Mul(dz, n, n)
	oneMinus(dz, dz)
	mulChain(dn, dh, dr, dz)
	copy(dhn, n) // scratch: hp-n as hp+(-n)
	tensor.Scale(-1, dhn)
	tensor.Add(dhn, hp, dhn)
	mulChain(dz, dh, dhn, z, dr)
	oneMinus(dhn, r) // scratch: 1-r
	mulChain(dr, dn, hn, r, dhn)
	tensor.Mul(dhn, dn, r)
}

// backLSTMRowLoop is backLSTMRow element by element.
func backLSTMRowLoop(ig, fg, gg, og, di, df, dgg, do, dh, dc, cp, tc, dhp []float32) {
	for j := range dc {
		t := tc[j]
		// float32(...) rounds each product before the sum that follows,
		// as the vector kernels do (a GOAMD64=v3 build would otherwise fuse
		// them into FMAs).
		dct := dc[j] + float32(dh[j]*og[j]*(1-float32(t*t)))
		do[j] = dh[j] * t * og[j] * (1 - og[j])
		di[j] = dct * gg[j] * ig[j] * (1 - ig[j])
		dgg[j] = dct * ig[j] * (1 - float32(gg[j]*gg[j]))
		df[j] = dct * cp[j] * fg[j] * (1 - fg[j])
		dc[j] = dct * fg[j]
	}
	clear(dhp)
}

// backGRURowLoop is backGRURow element by element.
func backGRURowLoop(r, z, n, dr, dz, dn, dhn, dh, hp, hn, dhp []float32) {
	for j := range dh {
		g := dh[j]
		dnp := g * (1 - z[j]) * (1 - n[j]*n[j])
		dn[j] = dnp
		dz[j] = g * (hp[j] - n[j]) * z[j] * (1 - z[j])
		dr[j] = dnp * hn[j] * r[j] * (1 - r[j])
		dhn[j] = dnp * r[j]
		dhp[j] = g * z[j]
	}
}
