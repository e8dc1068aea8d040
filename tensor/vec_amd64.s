//go:build !purego

#include "textflag.h"

// AVX2+FMA vector kernels. Every function processes 8 float32 lanes per
// step (32 per step in the memory-bound ones) and finishes the last 1..7
// elements with VMASKMOVPS, which never touches memory outside the mask.

// LSTMARGS and GRUARGS load the arguments of the fused cell kernels (defined
// at the end of the file, here so that vet's asmdecl check reads them before
// any TEXT): func (gates, hw, cp, c, tc, h *float32, gs, hs, n int)
// (LSTM) and func (gates, hw, bhn, hp, hn, h *float32, gs, hs, n int) (GRU).
#define LSTMARGS MOVQ gates+0(FP), SI; MOVQ hw+8(FP), DI; MOVQ cp+16(FP), R9; MOVQ c+24(FP), R10; MOVQ tc+32(FP), R11; MOVQ h+40(FP), R13; MOVQ gs+48(FP), BX; MOVQ hs+56(FP), DX; MOVQ n+64(FP), CX; LEAQ (BX)(BX*2), R8; LEAQ (DX)(DX*2), R12
#define GRUARGS MOVQ gates+0(FP), SI; MOVQ hw+8(FP), DI; MOVQ bhn+16(FP), R8; MOVQ hp+24(FP), R9; MOVQ hn+32(FP), R10; MOVQ h+40(FP), R11; MOVQ gs+48(FP), BX; MOVQ hs+56(FP), DX; MOVQ n+64(FP), CX

// C8 defines a 64-byte read-only constant holding v in all 16 lanes: the
// AVX2 kernels read its first 32 bytes, the AVX-512 ones all of it, so
// both run the same macros on Y or Z registers.
#define C8(name, v) DATA name<>+0(SB)/4, $v; DATA name<>+4(SB)/4, $v; DATA name<>+8(SB)/4, $v; DATA name<>+12(SB)/4, $v; DATA name<>+16(SB)/4, $v; DATA name<>+20(SB)/4, $v; DATA name<>+24(SB)/4, $v; DATA name<>+28(SB)/4, $v; DATA name<>+32(SB)/4, $v; DATA name<>+36(SB)/4, $v; DATA name<>+40(SB)/4, $v; DATA name<>+44(SB)/4, $v; DATA name<>+48(SB)/4, $v; DATA name<>+52(SB)/4, $v; DATA name<>+56(SB)/4, $v; DATA name<>+60(SB)/4, $v; GLOBL name<>(SB), RODATA|NOPTR, $64

C8(vlog2e, 0x3fb8aa3b) // log2(e)
C8(vln2hi, 0x3f317218) // float32(ln 2)
C8(vln2lo, 0xb102e308) // ln 2 - float32(ln 2)
C8(vexphi, 0x42b1999a) // 88.8: exp overflows above 88.72
C8(vexplo, 0xc2d00000) // -104: exp underflows to 0 below -103.97
C8(vc7, 0x39500d01)    // 1/5040
C8(vc6, 0x3ab60b61)    // 1/720
C8(vc5, 0x3c088889)    // 1/120
C8(vc4, 0x3d2aaaab)    // 1/24
C8(vc3, 0x3e2aaaab)    // 1/6
C8(vc2, 0x3f000000)    // 1/2
C8(vone, 0x3f800000)   // 1
C8(vtwo, 0x40000000)   // 2
C8(vten, 0x41200000)   // 10: tanh(x) rounds to 1 for x > 9.01
C8(vsign, 0x80000000)
C8(vabs, 0x7fffffff)
C8(vbias, 0x0000007f)  // float32 exponent bias
C8(vninf, 0xff800000)  // -Inf

// vmask<>+32-4*r holds a mask selecting the first r lanes (r = 0..8).
#define MASKDATA DATA vmask<>+0(SB)/8, $-1; DATA vmask<>+8(SB)/8, $-1; DATA vmask<>+16(SB)/8, $-1; DATA vmask<>+24(SB)/8, $-1; DATA vmask<>+32(SB)/8, $0; DATA vmask<>+40(SB)/8, $0; DATA vmask<>+48(SB)/8, $0; DATA vmask<>+56(SB)/8, $0
MASKDATA
GLOBL vmask<>(SB), RODATA|NOPTR, $64

// LOADMASK sets ymask to select the first rem lanes; it clobbers rem and tmp.
#define LOADMASK(rem, tmp, ymask) LEAQ vmask<>+32(SB), tmp; SHLQ $2, rem; SUBQ rem, tmp; VMOVDQU (tmp), ymask

// The macros below run on Y (AVX2) or Z (AVX-512) registers. The two
// instructions that differ are arguments: R(n) rounds n to the nearest
// integer (ties to even), BL(m, a, b, d) sets d = a where the sign of m is
// set and b elsewhere.
#define ROUNDY(n) VROUNDPS $0, n, n
#define ROUNDZ(n) VRNDSCALEPS $0, n, n
#define BLENDY(m, a, b, d) VBLENDVPS m, a, b, d
#define BLENDZ(m, a, b, d) VPMOVD2M m, K2; VBLENDMPS a, b, K2, d

// REDUCE sets n = round(a*log2(e)) and a = a - n*ln2 (Cody-Waite: ln 2
// in two parts), so that |a| <= ln2/2.
#define REDUCE(R, a, n) \
	VMULPS vlog2e<>(SB), a, n; \
	R(n); \
	VFNMADD231PS vln2hi<>(SB), n, a; \
	VFNMADD231PS vln2lo<>(SB), n, a

// EXPM1R sets t = expm1(r)/r = 1 + r/2 + r^2/6 + ... + r^6/5040 (Taylor;
// the truncation error of exp(r) = 1 + r*t is 5e-9 for |r| <= ln2/2).
#define EXPM1R(r, t) \
	VMOVUPS vc7<>(SB), t; \
	VFMADD213PS vc6<>(SB), r, t; \
	VFMADD213PS vc5<>(SB), r, t; \
	VFMADD213PS vc4<>(SB), r, t; \
	VFMADD213PS vc3<>(SB), r, t; \
	VFMADD213PS vc2<>(SB), r, t; \
	VFMADD213PS vone<>(SB), r, t

// POW2 turns the int32 lanes n into the float32 powers 2^n (n in the
// normal exponent range).
#define POW2(n) VPADDD vbias<>(SB), n, n; VPSLLD $23, n, n

// EXP computes x = exp(x) in place; n, t, s are scratch. Cody-Waite
// reduction x = n*ln2 + r with |r| <= ln2/2, a degree-7 Taylor polynomial
// for exp(r) (truncation error 5e-9), and scaling by 2^n as two factors
// 2^(n>>1) * 2^(n-(n>>1)), so that results in the subnormal range round
// once and large x overflows to +Inf. The clamps keep NaN (VMAXPS/VMINPS
// return their second source when either is NaN).
#define EXP(R, x, n, t, s) \
	VMOVUPS vexplo<>(SB), t; \
	VMAXPS x, t, x; \
	VMOVUPS vexphi<>(SB), t; \
	VMINPS x, t, x; \
	REDUCE(R, x, n); \
	EXPM1R(x, t); \
	VFMADD213PS vone<>(SB), x, t; \
	VCVTPS2DQ n, n; \
	VPSRAD $1, n, s; \
	VPSUBD s, n, n; \
	POW2(s); \
	POW2(n); \
	VMULPS s, t, t; \
	VMULPS n, t, x

// SIGMOID computes x = 1/(1+exp(-x)) in place with e = exp(-|x|):
// 1/(1+e) for x >= 0 and e/(1+e) for x < 0, so neither side cancels.
#define SIGMOID(R, BL, x, a, n, t, s, d) \
	VORPS vsign<>(SB), x, a; \
	EXP(R, a, n, t, s); \
	VADDPS vone<>(SB), a, d; \
	VMOVUPS vone<>(SB), t; \
	VDIVPS d, t, d; \
	VMULPS d, a, a; \
	BL(x, a, d, x)

// TANH computes x = tanh(x) in place as sign(x) * e/(e+2) with
// e = expm1(2|x|) = 2^n*expm1(r) + (2^n-1), expm1(r) from a degree-7 Taylor
// polynomial, so small |x| keeps full relative accuracy. |x| is clamped to
// 10, where tanh is 1 in float32; NaN passes through the clamp.
#define TANH(R, x, a, n, t, s) \
	VANDPS vabs<>(SB), x, a; \
	VMOVUPS vten<>(SB), t; \
	VMINPS a, t, a; \
	VADDPS a, a, a; \
	REDUCE(R, a, n); \
	EXPM1R(a, t); \
	VMULPS a, t, t; \
	VCVTPS2DQ n, n; \
	POW2(n); \
	VSUBPS vone<>(SB), n, s; \
	VFMADD213PS s, n, t; \
	VADDPS vtwo<>(SB), t, a; \
	VDIVPS a, t, t; \
	VANDPS vsign<>(SB), x, x; \
	VORPS t, x, x

// HREDUCE leaves OP over the 8 lanes of Y(y) (OP the packed, OPS the
// scalar instruction: a sum or a maximum) in the low lane of X(y).
#define HREDUCE(y, x, xt, OP, OPS) \
	VEXTRACTF128 $1, y, xt; \
	OP xt, x, x; \
	VMOVHLPS x, x, xt; \
	OP xt, x, x; \
	VMOVSHDUP x, xt; \
	OPS xt, x, x

// HSUMPD leaves the sum of the 4 lanes of Y(y) in the low lane of X(y).
#define HSUMPD(y, x, xt) \
	VEXTRACTF128 $1, y, xt; \
	VADDPD xt, x, x; \
	VUNPCKHPD x, x, xt; \
	VADDSD xt, x, x

// ACCPD adds the 8 float32 lanes of y to the float64 accumulators acc0
// (low 4) and acc1 (high 4); t0, t1 are scratch.
#define ACCPD(y, x, acc0, acc1, t0, t1, xt1) \
	VCVTPS2PD x, t0; \
	VADDPD t0, acc0, acc0; \
	VEXTRACTF128 $1, y, xt1; \
	VCVTPS2PD xt1, t1; \
	VADDPD t1, acc1, acc1

// The kernels. Registers: SI the first slice (x or a), DI the destination
// or second slice, BX the third, CX the length, AX the index, DX the
// count left, Y15 a broadcast scalar, Y14 the tail mask.

// STREAM runs a kernel's loops over CX elements: WIDE over blocks of W
// (8, 16 or 32) elements, ONE over blocks of 8, then TAIL once over the
// last 1..7 elements with Y14 masking them. With W = 8 no block of 8 is
// left for ONE, which is then SKIP.
#define STREAM(W, WIDE, ONE, TAIL) \
	XORQ AX, AX; \
wide: \
	MOVQ CX, DX; \
	SUBQ AX, DX; \
	CMPQ DX, $W; \
	JLT  one; \
	WIDE; \
	ADDQ $W, AX; \
	JMP  wide; \
one: \
	CMPQ DX, $8; \
	JLT  tail; \
	ONE; \
	ADDQ $8, AX; \
	SUBQ $8, DX; \
	JMP  one; \
tail: \
	TESTQ DX, DX; \
	JZ    done; \
	LOADMASK(DX, R8, Y14); \
	TAIL; \
done:

// Blocks of vectors: m(p, offset, r, t) for the vectors at the byte
// offsets of a block, with a register r (Y0..Y3) and a scratch t (Y4..Y7)
// each, and p a parameter passed through. QUAD: 32 float32s, QUADPD: 16
// float32s widened to float64, TWO: 16 float32s.
#define QUAD(m, p) m(p, 0, Y0, Y4); m(p, 32, Y1, Y5); m(p, 64, Y2, Y6); m(p, 96, Y3, Y7)
#define QUADPD(m, p) m(p, 0, Y0, Y4); m(p, 16, Y1, Y5); m(p, 32, Y2, Y6); m(p, 48, Y3, Y7)
#define TWO(m, p, s) m(p, 0, Y0, Y4); m(p, s, Y1, Y5)

// MAPW and MAP1 apply, to a block of 32 and of 8 elements, LD to every
// vector, then OP, then ST. NONE does nothing.
#define MAPW(LD, OP, ST, p) QUAD(LD, p); QUAD(OP, p); QUAD(ST, p)
#define MAP1(LD, OP, ST, p) LD(p, 0, Y0, Y4); OP(p, 0, Y0, Y4); ST(p, 0, Y0, Y4)
#define NONE(p, o, r, t)
#define SKIP

// Loads and stores of vector r (scratch t) at offset o from the index AX.
#define LDSI(p, o, r, t) VMOVUPS o(SI)(AX*4), r
#define LDDI(p, o, r, t) VMOVUPS o(DI)(AX*4), r
#define LDTSI(p, o, r, t) VMOVUPS o(SI)(AX*4), t
#define STSI(p, o, r, t) VMOVUPS r, o(SI)(AX*4)
#define STDI(p, o, r, t) VMOVUPS r, o(DI)(AX*4)

// Argument loads shared by kernels of the same leading parameters:
// ALPHAX for (alpha float32, x []float32, ...), DSTSRC for (dst, src
// []float32, ...) with src named by its _base.
#define ALPHAX VBROADCASTSS alpha+0(FP), Y15; MOVQ x_base+8(FP), SI; MOVQ x_len+16(FP), CX
#define DSTSRC(src) MOVQ dst_base+0(FP), DI; MOVQ dst_len+8(FP), CX; MOVQ src+24(FP), SI

// DONE ends a kernel.
#define DONE VZEROUPPER; RET

// RETURN4 combines the accumulators Y0..Y3 with OP, reduces them with
// HRED, stores the low lane of X0 with MOV to ret and ends the kernel.
#define RETURN4(OP, HRED, MOV, ret) \
	OP Y1, Y0, Y0; \
	OP Y3, Y2, Y2; \
	OP Y2, Y0, Y0; \
	HRED; \
	MOV X0, ret; \
	DONE

// func axpyAVX2(alpha float32, x, y []float32)
#define AXPYOP(p, o, r, t) VFMADD231PS o(SI)(AX*4), Y15, r
#define AXPYTAIL VMASKMOVPS (DI)(AX*4), Y14, Y0; VMASKMOVPS (SI)(AX*4), Y14, Y1; VFMADD231PS Y1, Y15, Y0; VMASKMOVPS Y0, Y14, (DI)(AX*4)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	ALPHAX
	MOVQ y_base+32(FP), DI
	STREAM(32, MAPW(LDDI, AXPYOP, STDI, 0), MAP1(LDDI, AXPYOP, STDI, 0), AXPYTAIL)
	DONE

// func scaleAVX2(alpha float32, x []float32)
#define SCALEOP(p, o, r, t) VMULPS o(SI)(AX*4), Y15, r
#define SCALETAIL VMASKMOVPS (SI)(AX*4), Y14, Y0; VMULPS Y0, Y15, Y0; VMASKMOVPS Y0, Y14, (SI)(AX*4)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-32
	ALPHAX
	STREAM(32, MAPW(NONE, SCALEOP, STSI, 0), MAP1(NONE, SCALEOP, STSI, 0), SCALETAIL)
	DONE

// BINARY defines func name(dst, a, b []float32) computing
// dst[i] = a[i] op b[i] with the 3-operand AVX instruction op.
#define BINOP(op, o, r, t) op o(BX)(AX*4), r, r
#define BINTAIL(op) VMASKMOVPS (SI)(AX*4), Y14, Y0; VMASKMOVPS (BX)(AX*4), Y14, Y1; op Y1, Y0, Y0; VMASKMOVPS Y0, Y14, (DI)(AX*4)
#define BINARY(name, op) \
TEXT name(SB), NOSPLIT, $0-72; \
	DSTSRC(a_base); \
	MOVQ b_base+48(FP), BX; \
	STREAM(32, MAPW(LDSI, BINOP, STDI, op), MAP1(LDSI, BINOP, STDI, op), BINTAIL(op)); \
	DONE

// func addAVX2(dst, a, b []float32)
BINARY(·addAVX2, VADDPS)

// func mulAVX2(dst, a, b []float32)
BINARY(·mulAVX2, VMULPS)

// func mulAddAVX2(dst, a, b []float32)
// dst += a*b, 16 elements a step: a in r, dst in t.
#define MULADDOP(p, o, r, t) VFMADD231PS o(BX)(AX*4), r, t
#define MULADDLD(p, o, r, t) LDDI(p, o, t, r)
#define MULADDST(p, o, r, t) STDI(p, o, t, r)
#define MULADDW TWO(LDSI, 0, 32); TWO(MULADDLD, 0, 32); TWO(MULADDOP, 0, 32); TWO(MULADDST, 0, 32)
#define MULADD1 LDSI(0, 0, Y0, Y4); MULADDLD(0, 0, Y0, Y4); MULADDOP(0, 0, Y0, Y4); MULADDST(0, 0, Y0, Y4)
#define MULADDTAIL VMASKMOVPS (SI)(AX*4), Y14, Y0; VMASKMOVPS (BX)(AX*4), Y14, Y1; VMASKMOVPS (DI)(AX*4), Y14, Y2; VFMADD231PS Y1, Y0, Y2; VMASKMOVPS Y2, Y14, (DI)(AX*4)
TEXT ·mulAddAVX2(SB), NOSPLIT, $0-72
	DSTSRC(a_base)
	MOVQ b_base+48(FP), BX
	STREAM(16, MULADDW, MULADD1, MULADDTAIL)
	DONE

// func addScalarAVX2(dst, x []float32, c float32)
#define ADDSOP(p, o, r, t) VADDPS o(SI)(AX*4), Y15, r
#define ADDSTAIL VMASKMOVPS (SI)(AX*4), Y14, Y0; VADDPS Y0, Y15, Y0; VMASKMOVPS Y0, Y14, (DI)(AX*4)
TEXT ·addScalarAVX2(SB), NOSPLIT, $0-52
	DSTSRC(x_base)
	VBROADCASTSS c+48(FP), Y15
	STREAM(8, MAP1(NONE, ADDSOP, STDI, 0), SKIP, ADDSTAIL)
	DONE

// ZERO4 clears the accumulators Y0..Y3 with the instruction z.
#define ZERO4(z) z Y0, Y0, Y0; z Y1, Y1, Y1; z Y2, Y2, Y2; z Y3, Y3, Y3

// func dotAVX2(x, y []float32) float32
#define DOTOP(p, o, r, t) VFMADD231PS o(DI)(AX*4), t, r
#define DOTTAIL VMASKMOVPS (SI)(AX*4), Y14, Y4; VMASKMOVPS (DI)(AX*4), Y14, Y5; VFMADD231PS Y5, Y4, Y1
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	ZERO4(VXORPS)
	STREAM(32, MAPW(LDTSI, DOTOP, NONE, 0), MAP1(LDTSI, DOTOP, NONE, 0), DOTTAIL)
	RETURN4(VADDPS, HREDUCE(Y0, X0, X1, VADDPS, VADDSS), VMOVSS, ret+48(FP))

// func sumSquaresAVX2(x []float32) float64
#define SSLD(p, o, r, t) VCVTPS2PD o(SI)(AX*4), t
#define SSOP(p, o, r, t) VFMADD231PD t, t, r
#define SSTAIL VMASKMOVPS (SI)(AX*4), Y14, Y4; VEXTRACTF128 $1, Y4, X5; VCVTPS2PD X4, Y4; VCVTPS2PD X5, Y5; VFMADD231PD Y4, Y4, Y2; VFMADD231PD Y5, Y5, Y3
TEXT ·sumSquaresAVX2(SB), NOSPLIT, $0-32
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	ZERO4(VXORPD)
	STREAM(16, QUADPD(SSLD, 0); QUADPD(SSOP, 0), TWO(SSLD, 0, 16); TWO(SSOP, 0, 16), SSTAIL)
	RETURN4(VADDPD, HSUMPD(Y0, X0, X1), VMOVSD, ret+24(FP))

// func maxAVX2(x []float32) float32
// NaN elements are ignored: VMAXPS returns its second source (the running
// maximum) when the first (the data) is NaN.
#define MAXOP(p, o, r, t) VMAXPS r, t, r
#define MAXTAIL VMASKMOVPS (SI)(AX*4), Y14, Y4; VMOVUPS vninf<>(SB), Y5; VBLENDVPS Y14, Y4, Y5, Y4; VMAXPS Y1, Y4, Y1
TEXT ·maxAVX2(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VMOVUPS vninf<>(SB), Y0
	VMOVUPS Y0, Y1; VMOVUPS Y0, Y2; VMOVUPS Y0, Y3
	STREAM(32, MAPW(LDTSI, MAXOP, NONE, 0), MAP1(LDTSI, MAXOP, NONE, 0), MAXTAIL)
	RETURN4(VMAXPS, HREDUCE(Y0, X0, X1, VMAXPS, VMAXSS), VMOVSS, ret+24(FP))

// UNARY defines func name(dst, x []float32) computing dst = f(x) with the
// loop LOOP: LOOPY(body) runs the in-place macro body, which takes its
// input and leaves its result in Y0 and may use Y1..Y5 as scratch.
#define UNARY1(body) VMOVUPS (SI)(AX*4), Y0; body; VMOVUPS Y0, (DI)(AX*4)
#define UNARYTAIL(body) VMASKMOVPS (SI)(AX*4), Y14, Y0; body; VMASKMOVPS Y0, Y14, (DI)(AX*4)
#define UNARY(name, LOOP) \
TEXT name(SB), NOSPLIT, $0-48; \
	DSTSRC(x_base); \
	LOOP; \
	DONE
#define LOOPY(body) STREAM(8, UNARY1(body), SKIP, UNARYTAIL(body))
// (The kernels are defined below, beside their AVX-512 versions.)

// EXPSUM runs the body of expShiftSumAVX2 and sumExpShiftAVX2: the sum of
// e = exp(x[i]-shift) (shift in Y15) accumulated in float64, each e stored
// with ST (one vector) and MST (the masked tail) first, the sum stored to
// ret.
#define EXPSUM1(ST) VMOVUPS (SI)(AX*4), Y0; VSUBPS Y15, Y0, Y0; EXP(ROUNDY, Y0, Y1, Y2, Y3); ST; ACCPD(Y0, X0, Y8, Y9, Y4, Y5, X5)
#define EXPSUMTAIL(MST) VMASKMOVPS (SI)(AX*4), Y14, Y0; VSUBPS Y15, Y0, Y0; EXP(ROUNDY, Y0, Y1, Y2, Y3); MST; VANDPS Y14, Y0, Y0; ACCPD(Y0, X0, Y8, Y9, Y4, Y5, X5)
#define EXPSUM(ST, MST, ret) \
	VXORPD Y8, Y8, Y8; \
	VXORPD Y9, Y9, Y9; \
	STREAM(8, EXPSUM1(ST), SKIP, EXPSUMTAIL(MST)); \
	VADDPD Y9, Y8, Y8; \
	HSUMPD(Y8, X8, X9); \
	VMOVSD X8, ret; \
	DONE
#define STE VMOVUPS Y0, (DI)(AX*4)
#define MSTE VMASKMOVPS Y0, Y14, (DI)(AX*4)
#define NOSTORE

// func expShiftSumAVX2(dst, x []float32, shift float32) float64
// dst[i] = exp(x[i]-shift); returns the sum of dst, accumulated in float64.
TEXT ·expShiftSumAVX2(SB), NOSPLIT, $0-64
	DSTSRC(x_base)
	VBROADCASTSS shift+48(FP), Y15
	EXPSUM(STE, MSTE, ret+56(FP))

// func sumExpShiftAVX2(x []float32, shift float32) float64
// Returns the sum of exp(x[i]-shift), accumulated in float64.
TEXT ·sumExpShiftAVX2(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VBROADCASTSS shift+24(FP), Y15
	EXPSUM(NOSTORE, NOSTORE, ret+32(FP))

// AVX-512 kernels (AVX512F+DQ): the same macros on Z registers, 16 lanes
// a step, the last 1..15 elements masked by K1, so each lane runs the
// same instructions as in the AVX2 kernels and the results are identical.

// KMASK sets k to select the first rem lanes (rem = 1..15); it clobbers CX
// and tmp.
#define KMASK(rem, tmp, k) MOVQ rem, CX; MOVL $1, tmp; SHLL CX, tmp; DECL tmp; KMOVW tmp, k

// STREAMZ runs BODY over the blocks of 16 of CX elements, then TAIL once
// over the last 1..15 with K1 selecting them.
#define STREAMZ(BODY, TAIL) \
	XORQ AX, AX; \
zloop: \
	MOVQ CX, DX; \
	SUBQ AX, DX; \
	CMPQ DX, $16; \
	JLT  ztail; \
	BODY; \
	ADDQ $16, AX; \
	JMP  zloop; \
ztail: \
	TESTQ DX, DX; \
	JZ    zdone; \
	KMASK(DX, R8, K1); \
	TAIL; \
zdone:

// LOOPZ is LOOPY for UNARY's AVX-512 kernels: the body takes its input
// and leaves its result in Z0 (scratch Z1..Z5, K2).
#define UNARYZ1(body) VMOVUPS (SI)(AX*4), Z0; body; VMOVUPS Z0, (DI)(AX*4)
#define UNARYZTAIL(body) VMOVUPS.Z (SI)(AX*4), K1, Z0; body; VMOVUPS Z0, K1, (DI)(AX*4)
#define LOOPZ(body) STREAMZ(UNARYZ1(body), UNARYZTAIL(body))

// func expAVX2(dst, x []float32) and func expAVX512(dst, x []float32)
UNARY(·expAVX2, LOOPY(EXP(ROUNDY, Y0, Y1, Y2, Y3)))
UNARY(·expAVX512, LOOPZ(EXP(ROUNDZ, Z0, Z1, Z2, Z3)))

// func sigmoidAVX2(dst, x []float32) and func sigmoidAVX512(dst, x []float32)
UNARY(·sigmoidAVX2, LOOPY(SIGMOID(ROUNDY, BLENDY, Y0, Y1, Y2, Y3, Y4, Y5)))
UNARY(·sigmoidAVX512, LOOPZ(SIGMOID(ROUNDZ, BLENDZ, Z0, Z1, Z2, Z3, Z4, Z5)))

// func tanhAVX2(dst, x []float32) and func tanhAVX512(dst, x []float32)
UNARY(·tanhAVX2, LOOPY(TANH(ROUNDY, Y0, Y1, Y2, Y3, Y4)))
UNARY(·tanhAVX512, LOOPZ(TANH(ROUNDZ, Z0, Z1, Z2, Z3, Z4)))

// ACCPDZ adds the 16 float32 lanes of Z0 to the 8 float64 lanes of Z8 as
// two blocks of 8, low half first: the order in which the AVX2 kernels add
// two consecutive blocks of 8 to Y8 (lanes 0..3) and Y9 (lanes 4..7).
#define ACCPDZ VCVTPS2PD Y0, Z4; VADDPD Z4, Z8, Z8; VEXTRACTF64X4 $1, Z0, Y5; VCVTPS2PD Y5, Z5; VADDPD Z5, Z8, Z8

// EXPSUMZ is EXPSUM on Z registers; masked-off tail lanes add +0.
#define EXPSUMZ1(ST) VMOVUPS (SI)(AX*4), Z0; VSUBPS Z15, Z0, Z0; EXP(ROUNDZ, Z0, Z1, Z2, Z3); ST; ACCPDZ
#define EXPSUMZTAIL(MST) VMOVUPS.Z (SI)(AX*4), K1, Z0; VSUBPS Z15, Z0, Z0; EXP(ROUNDZ, Z0, Z1, Z2, Z3); MST; VMOVAPS.Z Z0, K1, Z0; ACCPDZ
#define EXPSUMZ(ST, MST, ret) \
	VXORPD Y8, Y8, Y8; \
	STREAMZ(EXPSUMZ1(ST), EXPSUMZTAIL(MST)); \
	VEXTRACTF64X4 $1, Z8, Y9; \
	VADDPD Y9, Y8, Y8; \
	HSUMPD(Y8, X8, X9); \
	VMOVSD X8, ret; \
	DONE
#define STEZ VMOVUPS Z0, (DI)(AX*4)
#define MSTEZ VMOVUPS Z0, K1, (DI)(AX*4)

// func expShiftSumAVX512(dst, x []float32, shift float32) float64
TEXT ·expShiftSumAVX512(SB), NOSPLIT, $0-64
	DSTSRC(x_base)
	VBROADCASTSS shift+48(FP), Z15
	EXPSUMZ(STEZ, MSTEZ, ret+56(FP))

// func sumExpShiftAVX512(x []float32, shift float32) float64
TEXT ·sumExpShiftAVX512(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VBROADCASTSS shift+24(FP), Z15
	EXPSUMZ(NOSTORE, NOSTORE, ret+32(FP))

// Fused recurrent-cell kernels. Gate blocks lie gs bytes apart in gates
// and hs bytes apart in hw. The activations are the SIGMOID and TANH
// macros of the separate kernels, every other product and sum rounded as
// LSTMCell and GRUCell document, so the results are those of the separate
// kernels. The same bodies run on Y registers (AVX2: blocks of 8, the
// caller does the tail) and on Z registers (AVX-512: blocks of 16, then
// the last 1..15 units with K1 selecting them). LD/ST move one block:
// LDV/STV whole, LDZM/STZM masked (zeroing loads).
#define LDV(m, r) VMOVUPS m, r
#define STV(r, m) VMOVUPS r, m
#define LDZM(m, r) VMOVUPS.Z m, K1, r
#define STZM(r, m) VMOVUPS r, K1, m

// GATE sets x = ACT(gates block + hw block) and stores it to the gates block.
#define GATE(LD, ST, gm, hm, x, w, ACT) LD(gm, x); LD(hm, w); VADDPS w, x, x; ACT; ST(x, gm)

// LSTMCELL: registers V0..V9 (Y or Z), R and BL the rounding and blend
// of the width. SI gates, DI hw, BX/R8 gs/3gs, DX/R12 hs/3hs, R9 cp,
// R10 c, R11 tc, R13 h.
#define LSTMCELL(LD, ST, R, BL, V0, V1, V2, V3, V4, V5, V6, V7, V8, V9) \
	GATE(LD, ST, (SI), (DI), V0, V9, SIGMOID(R, BL, V0, V4, V5, V6, V7, V8)); \
	GATE(LD, ST, (SI)(BX*1), (DI)(DX*1), V1, V9, SIGMOID(R, BL, V1, V4, V5, V6, V7, V8)); \
	GATE(LD, ST, (SI)(BX*2), (DI)(DX*2), V2, V9, TANH(R, V2, V4, V5, V6, V7)); \
	GATE(LD, ST, (SI)(R8*1), (DI)(R12*1), V3, V9, SIGMOID(R, BL, V3, V4, V5, V6, V7, V8)); \
	LD((R9), V9); \
	VMULPS V9, V1, V4; \
	VMULPS V2, V0, V5; \
	VADDPS V5, V4, V4; \
	ST(V4, (R10)); \
	TANH(R, V4, V5, V6, V7, V8); \
	ST(V4, (R11)); \
	VMULPS V4, V3, V4; \
	ST(V4, (R13))

// GRUCELL: SI gates, DI hw, BX gs, DX hs, R8 bhn (0: none), R9 hp, R10 hn, R11 h.
#define GRUCELL(LD, ST, R, BL, V0, V1, V2, V3, V4, V5, V6, V7, V8, V9) \
	GATE(LD, ST, (SI), (DI), V0, V9, SIGMOID(R, BL, V0, V4, V5, V6, V7, V8)); \
	GATE(LD, ST, (SI)(BX*1), (DI)(DX*1), V1, V9, SIGMOID(R, BL, V1, V4, V5, V6, V7, V8)); \
	LD((DI)(DX*2), V2); \
	TESTQ R8, R8; \
	JZ 3(PC); \
	LD((R8), V9); \
	VADDPS V9, V2, V2; \
	ST(V2, (R10)); \
	VMULPS V2, V0, V3; \
	LD((SI)(BX*2), V4); \
	VADDPS V3, V4, V4; \
	TANH(R, V4, V5, V6, V7, V8); \
	ST(V4, (SI)(BX*2)); \
	LD((R9), V5); \
	VSUBPS V4, V5, V5; \
	VMULPS V5, V1, V5; \
	VADDPS V5, V4, V5; \
	ST(V5, (R11))


// Pointer steps after a block of w bytes (bhn only when given).
#define LSTMNEXT(w) ADDQ w, SI; ADDQ w, DI; ADDQ w, R9; ADDQ w, R10; ADDQ w, R11; ADDQ w, R13
#define GRUNEXT(w) ADDQ w, SI; ADDQ w, DI; ADDQ w, R9; ADDQ w, R10; ADDQ w, R11; TESTQ R8, R8; JZ 2(PC); ADDQ w, R8


// YKERNEL runs CELL on the CX units (a multiple of 8) in blocks of 8;
// ZKERNEL on blocks of 16, then on the last 1..15 units under K1.
#define YKERNEL(ARGS, CELL, NEXT, loop, done) \
	ARGS; \
	SHRQ $3, CX; \
	JZ   done; \
loop: \
	CELL(LDV, STV, ROUNDY, BLENDY, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9); \
	NEXT($32); \
	DECQ CX; \
	JNZ  loop; \
done: \
	VZEROUPPER; \
	RET
#define ZKERNEL(ARGS, CELL, NEXT, loop, tail, done) \
	ARGS; \
loop: \
	CMPQ CX, $16; \
	JLT  tail; \
	CELL(LDV, STV, ROUNDZ, BLENDZ, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9); \
	NEXT($64); \
	SUBQ $16, CX; \
	JMP  loop; \
tail: \
	TESTQ CX, CX; \
	JZ    done; \
	KMASK(CX, AX, K1); \
	CELL(LDZM, STZM, ROUNDZ, BLENDZ, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9); \
done: \
	VZEROUPPER; \
	RET

// func lstmCellAVX2(gates, hw, cp, c, tc, h *float32, gs, hs, n int)
TEXT ·lstmCellAVX2(SB), NOSPLIT, $0-72
	YKERNEL(LSTMARGS, LSTMCELL, LSTMNEXT, lstmyloop, lstmydone)

// func gruCellAVX2(gates, hw, bhn, hp, hn, h *float32, gs, hs, n int)
TEXT ·gruCellAVX2(SB), NOSPLIT, $0-72
	YKERNEL(GRUARGS, GRUCELL, GRUNEXT, gruyloop, gruydone)

// func lstmCellAVX512(gates, hw, cp, c, tc, h *float32, gs, hs, n int)
TEXT ·lstmCellAVX512(SB), NOSPLIT, $0-72
	ZKERNEL(LSTMARGS, LSTMCELL, LSTMNEXT, lstmzloop, lstmztail, lstmzdone)

// func gruCellAVX512(gates, hw, bhn, hp, hn, h *float32, gs, hs, n int)
TEXT ·gruCellAVX512(SB), NOSPLIT, $0-72
	ZKERNEL(GRUARGS, GRUCELL, GRUNEXT, gruzloop, gruztail, gruzdone)
