//go:build !purego

#include "textflag.h"

// AVX2+FMA vector kernels. Every function processes 8 float32 lanes per
// step (32 per step in the memory-bound ones) and finishes the last 1..7
// elements with VMASKMOVPS, which never touches memory outside the mask.

// C8 defines a 32-byte read-only constant holding v in all 8 lanes.
#define C8(name, v) DATA name<>+0(SB)/4, $v; DATA name<>+4(SB)/4, $v; DATA name<>+8(SB)/4, $v; DATA name<>+12(SB)/4, $v; DATA name<>+16(SB)/4, $v; DATA name<>+20(SB)/4, $v; DATA name<>+24(SB)/4, $v; DATA name<>+28(SB)/4, $v; GLOBL name<>(SB), RODATA|NOPTR, $32

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
DATA vmask<>+0(SB)/8, $0xffffffffffffffff
DATA vmask<>+8(SB)/8, $0xffffffffffffffff
DATA vmask<>+16(SB)/8, $0xffffffffffffffff
DATA vmask<>+24(SB)/8, $0xffffffffffffffff
DATA vmask<>+32(SB)/8, $0
DATA vmask<>+40(SB)/8, $0
DATA vmask<>+48(SB)/8, $0
DATA vmask<>+56(SB)/8, $0
GLOBL vmask<>(SB), RODATA|NOPTR, $64

// LOADMASK sets ymask to select the first rem lanes; it clobbers rem and tmp.
#define LOADMASK(rem, tmp, ymask) LEAQ vmask<>+32(SB), tmp; SHLQ $2, rem; SUBQ rem, tmp; VMOVDQU (tmp), ymask

// EXP computes x = exp(x) in place; n, t, s are scratch. Cody-Waite
// reduction x = n*ln2 + r with |r| <= ln2/2, a degree-7 Taylor polynomial
// for exp(r) (truncation error 5e-9), and scaling by 2^n as two factors
// 2^(n>>1) * 2^(n-(n>>1)), so that results in the subnormal range round
// once and large x overflows to +Inf. The clamps keep NaN (VMAXPS/VMINPS
// return their second source when either is NaN).
#define EXP(x, n, t, s) \
	VMOVUPS vexplo<>(SB), t; \
	VMAXPS x, t, x; \
	VMOVUPS vexphi<>(SB), t; \
	VMINPS x, t, x; \
	VMULPS vlog2e<>(SB), x, n; \
	VROUNDPS $0, n, n; \
	VFNMADD231PS vln2hi<>(SB), n, x; \
	VFNMADD231PS vln2lo<>(SB), n, x; \
	VMOVUPS vc7<>(SB), t; \
	VFMADD213PS vc6<>(SB), x, t; \
	VFMADD213PS vc5<>(SB), x, t; \
	VFMADD213PS vc4<>(SB), x, t; \
	VFMADD213PS vc3<>(SB), x, t; \
	VFMADD213PS vc2<>(SB), x, t; \
	VFMADD213PS vone<>(SB), x, t; \
	VFMADD213PS vone<>(SB), x, t; \
	VCVTPS2DQ n, n; \
	VPSRAD $1, n, s; \
	VPSUBD s, n, n; \
	VPADDD vbias<>(SB), s, s; \
	VPSLLD $23, s, s; \
	VPADDD vbias<>(SB), n, n; \
	VPSLLD $23, n, n; \
	VMULPS s, t, t; \
	VMULPS n, t, x

// SIGMOID computes x = 1/(1+exp(-x)) in place with e = exp(-|x|):
// 1/(1+e) for x >= 0 and e/(1+e) for x < 0, so neither side cancels.
#define SIGMOID(x, a, n, t, s, d) \
	VORPS vsign<>(SB), x, a; \
	EXP(a, n, t, s); \
	VADDPS vone<>(SB), a, d; \
	VMOVUPS vone<>(SB), t; \
	VDIVPS d, t, d; \
	VMULPS d, a, a; \
	VBLENDVPS x, a, d, x

// TANH computes x = tanh(x) in place as sign(x) * e/(e+2) with
// e = expm1(2|x|) = 2^n*expm1(r) + (2^n-1), expm1(r) from a degree-7 Taylor
// polynomial, so small |x| keeps full relative accuracy. |x| is clamped to
// 10, where tanh is 1 in float32; NaN passes through the clamp.
#define TANH(x, a, n, t, s) \
	VANDPS vabs<>(SB), x, a; \
	VMOVUPS vten<>(SB), t; \
	VMINPS a, t, a; \
	VADDPS a, a, a; \
	VMULPS vlog2e<>(SB), a, n; \
	VROUNDPS $0, n, n; \
	VFNMADD231PS vln2hi<>(SB), n, a; \
	VFNMADD231PS vln2lo<>(SB), n, a; \
	VMOVUPS vc7<>(SB), t; \
	VFMADD213PS vc6<>(SB), a, t; \
	VFMADD213PS vc5<>(SB), a, t; \
	VFMADD213PS vc4<>(SB), a, t; \
	VFMADD213PS vc3<>(SB), a, t; \
	VFMADD213PS vc2<>(SB), a, t; \
	VFMADD213PS vone<>(SB), a, t; \
	VMULPS a, t, t; \
	VCVTPS2DQ n, n; \
	VPADDD vbias<>(SB), n, n; \
	VPSLLD $23, n, n; \
	VSUBPS vone<>(SB), n, s; \
	VFMADD213PS s, n, t; \
	VADDPS vtwo<>(SB), t, a; \
	VDIVPS a, t, t; \
	VANDPS vsign<>(SB), x, x; \
	VORPS t, x, x

// HSUMPS leaves the sum of the 8 lanes of Y(y) in the low lane of X(y).
#define HSUMPS(y, x, xt) \
	VEXTRACTF128 $1, y, xt; \
	VADDPS xt, x, x; \
	VMOVHLPS x, x, xt; \
	VADDPS xt, x, x; \
	VMOVSHDUP x, xt; \
	VADDSS xt, x, x

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

// func axpyAVX2(alpha float32, x, y []float32)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Y15
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI
	XORQ AX, AX
axpy32:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $32
	JLT  axpy8
	VMOVUPS (DI)(AX*4), Y0
	VMOVUPS 32(DI)(AX*4), Y1
	VMOVUPS 64(DI)(AX*4), Y2
	VMOVUPS 96(DI)(AX*4), Y3
	VFMADD231PS (SI)(AX*4), Y15, Y0
	VFMADD231PS 32(SI)(AX*4), Y15, Y1
	VFMADD231PS 64(SI)(AX*4), Y15, Y2
	VFMADD231PS 96(SI)(AX*4), Y15, Y3
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ $32, AX
	JMP  axpy32
axpy8:
	CMPQ DX, $8
	JLT  axpytail
	VMOVUPS (DI)(AX*4), Y0
	VFMADD231PS (SI)(AX*4), Y15, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	SUBQ $8, DX
	JMP  axpy8
axpytail:
	TESTQ DX, DX
	JZ    axpydone
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (DI)(AX*4), Y14, Y0
	VMASKMOVPS (SI)(AX*4), Y14, Y1
	VFMADD231PS Y1, Y15, Y0
	VMASKMOVPS Y0, Y14, (DI)(AX*4)
axpydone:
	VZEROUPPER
	RET

// func scaleAVX2(alpha float32, x []float32)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y15
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	XORQ AX, AX
scale32:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $32
	JLT  scale8
	VMULPS (SI)(AX*4), Y15, Y0
	VMULPS 32(SI)(AX*4), Y15, Y1
	VMULPS 64(SI)(AX*4), Y15, Y2
	VMULPS 96(SI)(AX*4), Y15, Y3
	VMOVUPS Y0, (SI)(AX*4)
	VMOVUPS Y1, 32(SI)(AX*4)
	VMOVUPS Y2, 64(SI)(AX*4)
	VMOVUPS Y3, 96(SI)(AX*4)
	ADDQ $32, AX
	JMP  scale32
scale8:
	CMPQ DX, $8
	JLT  scaletail
	VMULPS (SI)(AX*4), Y15, Y0
	VMOVUPS Y0, (SI)(AX*4)
	ADDQ $8, AX
	SUBQ $8, DX
	JMP  scale8
scaletail:
	TESTQ DX, DX
	JZ    scaledone
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (SI)(AX*4), Y14, Y0
	VMULPS Y0, Y15, Y0
	VMASKMOVPS Y0, Y14, (SI)(AX*4)
scaledone:
	VZEROUPPER
	RET

// BINARY defines func name(dst, a, b []float32) computing
// dst[i] = a[i] op b[i] with the 3-operand AVX instruction op.
#define BINARY(name, op) \
TEXT name(SB), NOSPLIT, $0-72; \
	MOVQ dst_base+0(FP), DI; \
	MOVQ dst_len+8(FP), CX; \
	MOVQ a_base+24(FP), SI; \
	MOVQ b_base+48(FP), BX; \
	XORQ AX, AX; \
loop32: \
	MOVQ CX, DX; \
	SUBQ AX, DX; \
	CMPQ DX, $32; \
	JLT  loop8; \
	VMOVUPS (SI)(AX*4), Y0; \
	VMOVUPS 32(SI)(AX*4), Y1; \
	VMOVUPS 64(SI)(AX*4), Y2; \
	VMOVUPS 96(SI)(AX*4), Y3; \
	op (BX)(AX*4), Y0, Y0; \
	op 32(BX)(AX*4), Y1, Y1; \
	op 64(BX)(AX*4), Y2, Y2; \
	op 96(BX)(AX*4), Y3, Y3; \
	VMOVUPS Y0, (DI)(AX*4); \
	VMOVUPS Y1, 32(DI)(AX*4); \
	VMOVUPS Y2, 64(DI)(AX*4); \
	VMOVUPS Y3, 96(DI)(AX*4); \
	ADDQ $32, AX; \
	JMP  loop32; \
loop8: \
	CMPQ DX, $8; \
	JLT  tail; \
	VMOVUPS (SI)(AX*4), Y0; \
	op (BX)(AX*4), Y0, Y0; \
	VMOVUPS Y0, (DI)(AX*4); \
	ADDQ $8, AX; \
	SUBQ $8, DX; \
	JMP  loop8; \
tail: \
	TESTQ DX, DX; \
	JZ    done; \
	LOADMASK(DX, R8, Y14); \
	VMASKMOVPS (SI)(AX*4), Y14, Y0; \
	VMASKMOVPS (BX)(AX*4), Y14, Y1; \
	op Y1, Y0, Y0; \
	VMASKMOVPS Y0, Y14, (DI)(AX*4); \
done: \
	VZEROUPPER; \
	RET

// func addAVX2(dst, a, b []float32)
BINARY(·addAVX2, VADDPS)

// func mulAVX2(dst, a, b []float32)
BINARY(·mulAVX2, VMULPS)

// func mulAddAVX2(dst, a, b []float32)
TEXT ·mulAddAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), BX
	XORQ AX, AX
muladd16:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $16
	JLT  muladd8
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS 32(SI)(AX*4), Y1
	VMOVUPS (DI)(AX*4), Y2
	VMOVUPS 32(DI)(AX*4), Y3
	VFMADD231PS (BX)(AX*4), Y0, Y2
	VFMADD231PS 32(BX)(AX*4), Y1, Y3
	VMOVUPS Y2, (DI)(AX*4)
	VMOVUPS Y3, 32(DI)(AX*4)
	ADDQ $16, AX
	JMP  muladd16
muladd8:
	CMPQ DX, $8
	JLT  muladdtail
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS (DI)(AX*4), Y2
	VFMADD231PS (BX)(AX*4), Y0, Y2
	VMOVUPS Y2, (DI)(AX*4)
	ADDQ $8, AX
	SUBQ $8, DX
	JMP  muladd8
muladdtail:
	TESTQ DX, DX
	JZ    muladddone
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (SI)(AX*4), Y14, Y0
	VMASKMOVPS (BX)(AX*4), Y14, Y1
	VMASKMOVPS (DI)(AX*4), Y14, Y2
	VFMADD231PS Y1, Y0, Y2
	VMASKMOVPS Y2, Y14, (DI)(AX*4)
muladddone:
	VZEROUPPER
	RET

// func addScalarAVX2(dst, x []float32, c float32)
TEXT ·addScalarAVX2(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VBROADCASTSS c+48(FP), Y15
	XORQ AX, AX
adds8:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $8
	JLT  addstail
	VADDPS (SI)(AX*4), Y15, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP  adds8
addstail:
	TESTQ DX, DX
	JZ    addsdone
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (SI)(AX*4), Y14, Y0
	VADDPS Y0, Y15, Y0
	VMASKMOVPS Y0, Y14, (DI)(AX*4)
addsdone:
	VZEROUPPER
	RET

// func dotAVX2(x, y []float32) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ AX, AX
dot32:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $32
	JLT  dot8
	VMOVUPS (SI)(AX*4), Y4
	VMOVUPS 32(SI)(AX*4), Y5
	VMOVUPS 64(SI)(AX*4), Y6
	VMOVUPS 96(SI)(AX*4), Y7
	VFMADD231PS (DI)(AX*4), Y4, Y0
	VFMADD231PS 32(DI)(AX*4), Y5, Y1
	VFMADD231PS 64(DI)(AX*4), Y6, Y2
	VFMADD231PS 96(DI)(AX*4), Y7, Y3
	ADDQ $32, AX
	JMP  dot32
dot8:
	CMPQ DX, $8
	JLT  dottail
	VMOVUPS (SI)(AX*4), Y4
	VFMADD231PS (DI)(AX*4), Y4, Y0
	ADDQ $8, AX
	SUBQ $8, DX
	JMP  dot8
dottail:
	TESTQ DX, DX
	JZ    dotsum
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (SI)(AX*4), Y14, Y4
	VMASKMOVPS (DI)(AX*4), Y14, Y5
	VFMADD231PS Y5, Y4, Y1
dotsum:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUMPS(Y0, X0, X1)
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

// func sumSquaresAVX2(x []float32) float64
TEXT ·sumSquaresAVX2(SB), NOSPLIT, $0-32
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX
ss16:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $16
	JLT  ss8
	VCVTPS2PD (SI)(AX*4), Y4
	VCVTPS2PD 16(SI)(AX*4), Y5
	VCVTPS2PD 32(SI)(AX*4), Y6
	VCVTPS2PD 48(SI)(AX*4), Y7
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	VFMADD231PD Y6, Y6, Y2
	VFMADD231PD Y7, Y7, Y3
	ADDQ $16, AX
	JMP  ss16
ss8:
	CMPQ DX, $8
	JLT  sstail
	VCVTPS2PD (SI)(AX*4), Y4
	VCVTPS2PD 16(SI)(AX*4), Y5
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	ADDQ $8, AX
	SUBQ $8, DX
sstail:
	TESTQ DX, DX
	JZ    sssum
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (SI)(AX*4), Y14, Y4
	VEXTRACTF128 $1, Y4, X5
	VCVTPS2PD X4, Y4
	VCVTPS2PD X5, Y5
	VFMADD231PD Y4, Y4, Y2
	VFMADD231PD Y5, Y5, Y3
sssum:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	HSUMPD(Y0, X0, X1)
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func maxAVX2(x []float32) float32
// NaN elements are ignored: VMAXPS returns its second source (the running
// maximum) when the first (the data) is NaN.
TEXT ·maxAVX2(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VMOVUPS vninf<>(SB), Y0
	VMOVUPS Y0, Y1
	VMOVUPS Y0, Y2
	VMOVUPS Y0, Y3
	XORQ AX, AX
max32:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $32
	JLT  max8
	VMOVUPS (SI)(AX*4), Y4
	VMOVUPS 32(SI)(AX*4), Y5
	VMOVUPS 64(SI)(AX*4), Y6
	VMOVUPS 96(SI)(AX*4), Y7
	VMAXPS Y0, Y4, Y0
	VMAXPS Y1, Y5, Y1
	VMAXPS Y2, Y6, Y2
	VMAXPS Y3, Y7, Y3
	ADDQ $32, AX
	JMP  max32
max8:
	CMPQ DX, $8
	JLT  maxtail
	VMOVUPS (SI)(AX*4), Y4
	VMAXPS Y0, Y4, Y0
	ADDQ $8, AX
	SUBQ $8, DX
	JMP  max8
maxtail:
	TESTQ DX, DX
	JZ    maxred
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (SI)(AX*4), Y14, Y4
	VMOVUPS vninf<>(SB), Y5
	VBLENDVPS Y14, Y4, Y5, Y4
	VMAXPS Y1, Y4, Y1
maxred:
	VMAXPS Y1, Y0, Y0
	VMAXPS Y3, Y2, Y2
	VMAXPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VMAXPS X1, X0, X0
	VMOVSHDUP X0, X1
	VMAXSS X1, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// UNARY defines func name(dst, x []float32) computing dst = f(x) with the
// in-place macro body, which takes its input and leaves its result in Y0
// and may use Y1..Y5 as scratch.
#define UNARY(name, body) \
TEXT name(SB), NOSPLIT, $0-48; \
	MOVQ dst_base+0(FP), DI; \
	MOVQ dst_len+8(FP), CX; \
	MOVQ x_base+24(FP), SI; \
	XORQ AX, AX; \
loop: \
	MOVQ CX, DX; \
	SUBQ AX, DX; \
	CMPQ DX, $8; \
	JLT  tail; \
	VMOVUPS (SI)(AX*4), Y0; \
	body; \
	VMOVUPS Y0, (DI)(AX*4); \
	ADDQ $8, AX; \
	JMP  loop; \
tail: \
	TESTQ DX, DX; \
	JZ    done; \
	LOADMASK(DX, R8, Y14); \
	VMASKMOVPS (SI)(AX*4), Y14, Y0; \
	body; \
	VMASKMOVPS Y0, Y14, (DI)(AX*4); \
done: \
	VZEROUPPER; \
	RET

// func expAVX2(dst, x []float32)
UNARY(·expAVX2, EXP(Y0, Y1, Y2, Y3))

// func sigmoidAVX2(dst, x []float32)
UNARY(·sigmoidAVX2, SIGMOID(Y0, Y1, Y2, Y3, Y4, Y5))

// func tanhAVX2(dst, x []float32)
UNARY(·tanhAVX2, TANH(Y0, Y1, Y2, Y3, Y4))

// func expShiftSumAVX2(dst, x []float32, shift float32) float64
// dst[i] = exp(x[i]-shift); returns the sum of dst, accumulated in float64.
TEXT ·expShiftSumAVX2(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VBROADCASTSS shift+48(FP), Y15
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	XORQ AX, AX
ess8:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $8
	JLT  esstail
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS Y15, Y0, Y0
	EXP(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)(AX*4)
	ACCPD(Y0, X0, Y8, Y9, Y4, Y5, X5)
	ADDQ $8, AX
	JMP  ess8
esstail:
	TESTQ DX, DX
	JZ    esssum
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (SI)(AX*4), Y14, Y0
	VSUBPS Y15, Y0, Y0
	EXP(Y0, Y1, Y2, Y3)
	VMASKMOVPS Y0, Y14, (DI)(AX*4)
	VANDPS Y14, Y0, Y0
	ACCPD(Y0, X0, Y8, Y9, Y4, Y5, X5)
esssum:
	VADDPD Y9, Y8, Y8
	HSUMPD(Y8, X8, X9)
	VMOVSD X8, ret+56(FP)
	VZEROUPPER
	RET

// func sumExpShiftAVX2(x []float32, shift float32) float64
// Returns the sum of exp(x[i]-shift), accumulated in float64.
TEXT ·sumExpShiftAVX2(SB), NOSPLIT, $0-40
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VBROADCASTSS shift+24(FP), Y15
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	XORQ AX, AX
se8:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $8
	JLT  setail
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS Y15, Y0, Y0
	EXP(Y0, Y1, Y2, Y3)
	ACCPD(Y0, X0, Y8, Y9, Y4, Y5, X5)
	ADDQ $8, AX
	JMP  se8
setail:
	TESTQ DX, DX
	JZ    sesum
	LOADMASK(DX, R8, Y14)
	VMASKMOVPS (SI)(AX*4), Y14, Y0
	VSUBPS Y15, Y0, Y0
	EXP(Y0, Y1, Y2, Y3)
	VANDPS Y14, Y0, Y0
	ACCPD(Y0, X0, Y8, Y9, Y4, Y5, X5)
sesum:
	VADDPD Y9, Y8, Y8
	HSUMPD(Y8, X8, X9)
	VMOVSD X8, ret+32(FP)
	VZEROUPPER
	RET
