// Command asm generates the amd64 GEMM kernels of package gemm with avo.
//
//	cd tensor/internal/gemm/asm && go run . -out ../kernel_amd64.s -stubs ../kernel_amd64.go -pkg gemm
//
// It is its own module so that avo's dependencies stay out of the main one.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var (
	ymm = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	zmm = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
)

// isa describes one vector width.
type isa struct {
	name  string
	regs  []VecPhysical
	bytes int // vector size in bytes
}

var (
	avx2   = isa{"AVX2", ymm, 32}
	avx512 = isa{"AVX512", zmm, 64}
)

func main() {
	ConstraintExpr("!purego")
	microKernel(avx2, 6, 2)
	microKernel(avx2, 4, 3)
	microKernel(avx512, 14, 2)
	microKernel(avx512, 8, 3)
	gemvN(avx2, 8)
	gemvN(avx512, 8)
	gemvT(avx2)
	gemvT(avx512)
	transpose8()
	Generate()
}

func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// microKernel emits an mr x (nv vectors) register-tile kernel with the
// microKernel contract of package gemm.
func microKernel(s isa, mr, nv int) {
	nr := nv * s.bytes / 4
	name := fmt.Sprintf("kernel%s_%dx%d", s.name, mr, nr)
	TEXT(name, NOSPLIT, "func(k int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)")
	Doc(fmt.Sprintf("%s computes the %dx%d tile C = alpha*A*B + beta*C from a packed panel a [k][%d] and", name, mr, nr, mr),
		fmt.Sprintf("rows of b %d floats wide, ldb floats apart (ldb = %d for a packed panel).", nr, nr))
	if mr*nv+nv+1 > len(s.regs) {
		panic("too many registers")
	}
	acc := func(i, v int) VecPhysical { return s.regs[i*nv+v] }
	breg := func(v int) VecPhysical { return s.regs[mr*nv+v] }
	t := s.regs[mr*nv+nv]

	k := Load(Param("k"), GP64())
	ap := Mem{Base: Load(Param("a").Base(), GP64())}
	bp := Load(Param("b").Base(), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)
	ldb3 := GP64()
	LEAQ(Mem{Base: ldb, Index: ldb, Scale: 2}, ldb3)
	cp := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)

	Comment("Zero the accumulators and prefetch the C tile.")
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			VXORPS(acc(i, v), acc(i, v), acc(i, v))
		}
	}
	pc := GP64()
	MOVQ(cp, pc)
	for i := 0; i < mr; i++ {
		for off := 0; off < nr*4; off += 64 {
			PREFETCHT0(Mem{Base: pc, Disp: off})
		}
		if i+1 < mr {
			ADDQ(ldc, pc)
		}
	}

	// brow addresses vector v of B row u (u < 4) of the current step group.
	brow := func(u, v int) Mem {
		m := Mem{Base: bp, Disp: v * s.bytes}
		switch u {
		case 1:
			m.Index, m.Scale = ldb, 1
		case 2:
			m.Index, m.Scale = ldb, 2
		case 3:
			m.Index, m.Scale = ldb3, 1
		}
		return m
	}
	step := func(u int) {
		for v := 0; v < nv; v++ {
			VMOVUPS(brow(u, v), breg(v))
		}
		for i := 0; i < mr; i++ {
			VBROADCASTSS(ap.Offset((u*mr+i)*4), t)
			for v := 0; v < nv; v++ {
				VFMADD231PS(breg(v), t, acc(i, v))
			}
		}
	}
	const unroll = 4
	Label(name + "_loop")
	CMPQ(k, U8(unroll))
	JL(LabelRef(name + "_tail"))
	for u := 0; u < unroll; u++ {
		step(u)
	}
	ADDQ(U32(unroll*mr*4), ap.Base)
	LEAQ(Mem{Base: bp, Index: ldb, Scale: 4}, bp)
	SUBQ(U8(unroll), k)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_tail")
	TESTQ(k, k)
	JZ(LabelRef(name + "_store"))
	step(0)
	ADDQ(U32(mr*4), ap.Base)
	ADDQ(ldb, bp)
	DECQ(k)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_store")
	alpha, beta := breg(0), breg(1)
	if nv < 2 {
		beta = t
	}
	VBROADCASTSS(paramAddr("alpha"), alpha)
	bits := GP32()
	MOVL(paramAddr("beta"), bits)
	ANDL(U32(0x7fffffff), bits)
	JZ(LabelRef(name + "_beta0"))
	VBROADCASTSS(paramAddr("beta"), beta)
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			VMULPS(alpha, acc(i, v), acc(i, v))
			VFMADD231PS(Mem{Base: cp, Disp: v * s.bytes}, beta, acc(i, v))
			VMOVUPS(acc(i, v), Mem{Base: cp, Disp: v * s.bytes})
		}
		ADDQ(ldc, cp)
	}
	VZEROUPPER()
	RET()

	Label(name + "_beta0")
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			VMULPS(alpha, acc(i, v), acc(i, v))
			VMOVUPS(acc(i, v), Mem{Base: cp, Disp: v * s.bytes})
		}
		ADDQ(ldc, cp)
	}
	VZEROUPPER()
	RET()
}

// gemvBegin starts the gemv kernel name, func(m []float32, ld int, x, y
// []float32) int, documented as computing what and returning that count,
// and loads m's base, ld in bytes, and x's base and length.
func gemvBegin(name, what string) (mp, ld, xp, xn Register) {
	TEXT(name, NOSPLIT, "func(m []float32, ld int, x, y []float32) int")
	Doc(fmt.Sprintf("%s computes %s and returns that count.", name, what))
	mp = Load(Param("m").Base(), GP64())
	ld = Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	xp = Load(Param("x").Base(), GP64())
	xn = Load(Param("x").Len(), GP64())
	return mp, ld, xp, xn
}

// gemvN emits y[j] = sum_p x[p]*m[p*ld+j] for the leading columns of y in
// blocks of nv vectors, then single vectors; it returns how many elements
// of y it wrote (a multiple of the vector length).
func gemvN(s isa, nv int) {
	lanes := s.bytes / 4
	name := "gemvN" + s.name
	mp, ld, xp, kx := gemvBegin(name, fmt.Sprintf("y[j] = sum_p x[p]*m[p*ld+j] for j below len(y) rounded down to %d", lanes))
	yp := Load(Param("y").Base(), GP64())
	n := Load(Param("y").Len(), GP64())
	done := GP64()
	XORQ(done, done)
	row, xi, cnt := GP64(), GP64(), GP64()
	t := s.regs[nv]

	block := func(label string, w int) {
		Label(name + "_" + label)
		CMPQ(n, U32(w*lanes))
		JL(LabelRef(name + "_" + label + "_end"))
		for v := 0; v < w; v++ {
			VXORPS(s.regs[v], s.regs[v], s.regs[v])
		}
		MOVQ(mp, row)
		MOVQ(xp, xi)
		MOVQ(kx, cnt)
		Label(name + "_" + label + "_inner")
		TESTQ(cnt, cnt)
		JZ(LabelRef(name + "_" + label + "_store"))
		VBROADCASTSS(Mem{Base: xi}, t)
		for v := 0; v < w; v++ {
			VFMADD231PS(Mem{Base: row, Disp: v * s.bytes}, t, s.regs[v])
		}
		ADDQ(ld, row)
		ADDQ(U8(4), xi)
		DECQ(cnt)
		JMP(LabelRef(name + "_" + label + "_inner"))
		Label(name + "_" + label + "_store")
		for v := 0; v < w; v++ {
			VMOVUPS(s.regs[v], Mem{Base: yp, Disp: v * s.bytes})
		}
		ADDQ(U32(w*s.bytes), mp)
		ADDQ(U32(w*s.bytes), yp)
		SUBQ(U32(w*lanes), n)
		ADDQ(U32(w*lanes), done)
		JMP(LabelRef(name + "_" + label))
		Label(name + "_" + label + "_end")
	}
	block("wide", nv)
	block("one", 1)
	VZEROUPPER()
	Store(done, ReturnIndex(0))
	RET()
}

// hsum reduces vector v to its lane sum in the low lane of v's XMM form.
func hsum(s isa, v, tmp VecPhysical) {
	if s.bytes == 64 {
		VEXTRACTF64X4(U8(1), v, tmp.AsY())
		VADDPS(tmp.AsY(), v.AsY(), v.AsY())
	}
	VEXTRACTF128(U8(1), v.AsY(), tmp.AsX())
	VADDPS(tmp.AsX(), v.AsX(), v.AsX())
	VMOVHLPS(v.AsX(), tmp.AsX(), tmp.AsX())
	VADDPS(tmp.AsX(), v.AsX(), v.AsX())
	VMOVSHDUP(v.AsX(), tmp.AsX())
	VADDSS(tmp.AsX(), v.AsX(), v.AsX())
}

// gemvT emits y[i] = sum_p m[i*ld+p]*x[p] over p below len(x) rounded down
// to the vector length, four rows at a time; it returns that rounded length.
func gemvT(s isa) {
	lanes := s.bytes / 4
	name := "gemvT" + s.name
	mp, ld, xp, kv := gemvBegin(name, fmt.Sprintf("y[i] = sum_p m[i*ld+p]*x[p] for p below len(x) rounded down to %d", lanes))
	ANDQ(U32(^uint32(lanes-1)), kv)
	SHLQ(U8(2), kv) // bytes
	yp := Load(Param("y").Base(), GP64())
	n := Load(Param("y").Len(), GP64())
	r := []GPVirtual{GP64(), GP64(), GP64(), GP64()}
	off := GP64()
	xv, tmp := s.regs[8], s.regs[9]

	rows := func(label string, nrow int) {
		Label(name + "_" + label)
		CMPQ(n, U8(nrow))
		JL(LabelRef(name + "_" + label + "_end"))
		MOVQ(mp, r[0])
		for i := 1; i < nrow; i++ {
			LEAQ(Mem{Base: r[i-1], Index: ld, Scale: 1}, r[i])
		}
		for i := 0; i < 2*nrow; i++ {
			VXORPS(s.regs[i], s.regs[i], s.regs[i])
		}
		XORQ(off, off)
		Label(name + "_" + label + "_inner")
		CMPQ(off, kv)
		JGE(LabelRef(name + "_" + label + "_reduce"))
		VMOVUPS(Mem{Base: xp, Index: off, Scale: 1}, xv)
		for i := 0; i < nrow; i++ {
			VFMADD231PS(Mem{Base: r[i], Index: off, Scale: 1}, xv, s.regs[i])
		}
		ADDQ(U8(s.bytes), off)
		JMP(LabelRef(name + "_" + label + "_inner"))
		Label(name + "_" + label + "_reduce")
		for i := 0; i < nrow; i++ {
			hsum(s, s.regs[i], tmp)
			VMOVSS(s.regs[i].AsX(), Mem{Base: yp, Disp: 4 * i})
		}
		if nrow == 4 {
			LEAQ(Mem{Base: mp, Index: ld, Scale: 4}, mp)
		} else {
			ADDQ(ld, mp)
		}
		ADDQ(U8(4*nrow), yp)
		SUBQ(U8(nrow), n)
		JMP(LabelRef(name + "_" + label))
		Label(name + "_" + label + "_end")
	}
	if len(r) != 4 {
		panic("gemvT is written for four rows")
	}
	rows("four", 4)
	rows("one", 1)
	VZEROUPPER()
	SHRQ(U8(2), kv)
	Store(kv, ReturnIndex(0))
	RET()
}

// transpose8 emits the transposing copy used to pack column panels:
// dst[q*w+j] = src[j*ld+q] for 8 rows j and q below kc rounded down to 8,
// one 8x8 block per iteration (unpack, shuffle, lane-permute).
func transpose8() {
	name := "transpose8AVX"
	TEXT(name, NOSPLIT, "func(src []float32, ld int, dst []float32, w int, kc int) int")
	Doc(name + " sets dst[q*w+j] = src[j*ld+q] for j < 8 and q below kc rounded down to 8, and returns that count.")
	sp := Load(Param("src").Base(), GP64())
	ld := Load(Param("ld"), GP64())
	SHLQ(U8(2), ld)
	dp := Load(Param("dst").Base(), GP64())
	w := Load(Param("w"), GP64())
	SHLQ(U8(2), w)
	kc := Load(Param("kc"), GP64())
	ANDQ(I32(-8), kc)
	cnt := GP64()
	MOVQ(kc, cnt)
	ld3, w3, s4, d4 := GP64(), GP64(), GP64(), GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	LEAQ(Mem{Base: w, Index: w, Scale: 2}, w3)
	r := ymm[0:8]
	t := ymm[8:16]
	Label(name + "_loop")
	CMPQ(cnt, U8(8))
	JL(LabelRef(name + "_done"))
	LEAQ(Mem{Base: sp, Index: ld, Scale: 4}, s4)
	rowAddr := func(base, stride, stride3 Register, i int) Mem {
		switch i {
		case 0:
			return Mem{Base: base}
		case 1:
			return Mem{Base: base, Index: stride, Scale: 1}
		case 2:
			return Mem{Base: base, Index: stride, Scale: 2}
		default:
			return Mem{Base: base, Index: stride3, Scale: 1}
		}
	}
	for i := 0; i < 8; i++ {
		base := sp
		if i >= 4 {
			base = s4
		}
		VMOVUPS(rowAddr(base, ld, ld3, i%4), r[i])
	}
	for i := 0; i < 8; i += 2 {
		VUNPCKLPS(r[i+1], r[i], t[i])
		VUNPCKHPS(r[i+1], r[i], t[i+1])
	}
	// r[0..3]: columns {0,4}, {1,5}, {2,6}, {3,7} of rows 0-3; r[4..7] rows 4-7.
	for h := 0; h < 2; h++ {
		VSHUFPS(U8(0x44), t[4*h+2], t[4*h], r[4*h])
		VSHUFPS(U8(0xEE), t[4*h+2], t[4*h], r[4*h+1])
		VSHUFPS(U8(0x44), t[4*h+3], t[4*h+1], r[4*h+2])
		VSHUFPS(U8(0xEE), t[4*h+3], t[4*h+1], r[4*h+3])
	}
	for c := 0; c < 4; c++ {
		VPERM2F128(U8(0x20), r[4+c], r[c], t[c])
		VPERM2F128(U8(0x31), r[4+c], r[c], t[4+c])
	}
	LEAQ(Mem{Base: dp, Index: w, Scale: 4}, d4)
	for c := 0; c < 8; c++ {
		base := dp
		if c >= 4 {
			base = d4
		}
		VMOVUPS(t[c], rowAddr(base, w, w3, c%4))
	}
	ADDQ(U8(32), sp)
	LEAQ(Mem{Base: d4, Index: w, Scale: 4}, dp)
	SUBQ(U8(8), cnt)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	Store(kc, ReturnIndex(0))
	RET()
}
