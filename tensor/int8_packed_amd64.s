//go:build !purego

#include "textflag.h"

// ZERO16 clears the accumulators Z0..Z15.
#define ZERO16 VPXORQ Z0, Z0, Z0; VMOVDQA64 Z0, Z1; VMOVDQA64 Z0, Z2; VMOVDQA64 Z0, Z3; \
	VMOVDQA64 Z0, Z4; VMOVDQA64 Z0, Z5; VMOVDQA64 Z0, Z6; VMOVDQA64 Z0, Z7; \
	VMOVDQA64 Z0, Z8; VMOVDQA64 Z0, Z9; VMOVDQA64 Z0, Z10; VMOVDQA64 Z0, Z11; \
	VMOVDQA64 Z0, Z12; VMOVDQA64 Z0, Z13; VMOVDQA64 Z0, Z14; VMOVDQA64 Z0, Z15

// Packed rows (VNNI): 32 weight rows against 8 vectors with no horizontal
// sums. The weights are stored as blocks of 16 rows, each block [K/4][16
// rows][4 bytes] of w+128 (Int8Matrix.pk), so a 64-byte load holds four
// consecutive k of 16 rows and one VPDPBUSD adds a broadcast group of four
// codes of a vector into the 16 rows' int32 lanes. The exact sum
// sum_k (w+128) x carries 128 * sum_k x, removed per vector (xsum), then
// the sums are converted and scaled as the row kernels do, so every result
// equals int8RowsVNNI's bit for bit.

// NEXTX sets cur to prev + xs (AX) when nv (CX) > v, else to prev: vectors
// past nv repeat the last one (their results are written twice, equal).
#define NEXTX(prev, cur, v) LEAQ (prev)(AX*1), DX; MOVQ prev, cur; CMPQ CX, $v; CMOVQGT DX, cur

// DOTP adds vector v's broadcast codes (xr at (xp)(AX)) times the two
// blocks in Z16 and Z17 to accumulators a0 and a1.
#define DOTP(xp, xr, a0, a1) VPBROADCASTD (xp)(AX*1), xr; VPDPBUSD xr, Z16, a0; VPDPBUSD xr, Z17, a1

// STOREP removes vector v's offset from accumulators a0, a1 (rows DI/4
// and 16 on), converts, scales, adds the bias (under mask K3: none when
// bias is nil) and stores them to y[v][rows] (vectors past nv: the last
// one's).
#define STOREP(v, a0, a1) \
	MOVQ         $v, AX; \
	MOVQ         nv+40(FP), CX; \
	DECQ         CX; \
	CMPQ         AX, CX; \
	CMOVQGT      CX, AX; \
	MOVQ         xsum+48(FP), CX; \
	VPBROADCASTD (CX)(AX*4), Z26; \
	MOVQ         sx+56(FP), CX; \
	VBROADCASTSS (CX)(AX*4), Z27; \
	IMULQ        ldy+80(FP), AX; \
	MOVQ         y+72(FP), CX; \
	LEAQ         (CX)(AX*4), CX; \
	ADDQ         DI, CX; \
	MOVQ         scale+64(FP), AX; \
	ADDQ         DI, AX; \
	VPSUBD       Z26, a0, a0; \
	VPSUBD       Z26, a1, a1; \
	VCVTDQ2PS    a0, a0; \
	VCVTDQ2PS    a1, a1; \
	VMULPS       (AX), a0, a0; \
	VMULPS       64(AX), a1, a1; \
	VMULPS       Z27, a0, a0; \
	VMULPS       Z27, a1, a1; \
	MOVQ         bias+88(FP), AX; \
	ADDQ         DI, AX; \
	VADDPS       (AX), a0, K3, a0; \
	VADDPS       64(AX), a1, K3, a1; \
	VMOVUPS      a0, (CX); \
	VMOVUPS      a1, 64(CX)

// func int8Packed32x8VNNI(p *uint8, stride, pairs int, x *int8, xs, nv int, xsum *int32, sx *float32, scale *float32, y *float32, ldy int, bias *float32)
// p: pairs*2 packed blocks of 16 rows (stride bytes per row); x: nv (1 to
// 8) vectors of codes xs bytes apart, with sums xsum and scales sx;
// scale: the rows' scales; y: vector v's results at y + v*ldy (floats);
// bias: the rows' biases, or nil.
TEXT ·int8Packed32x8VNNI(SB), NOSPLIT, $0-96
	// K3 enables the bias; without one its loads (all masked, which
	// cannot fault) read the scales instead.
	MOVQ    bias+88(FP), AX
	XORL    CX, CX
	MOVL    $0xffff, DX
	TESTQ   AX, AX
	CMOVLNE DX, CX
	KMOVW   CX, K3
	JNZ     biased
	MOVQ    scale+64(FP), AX
	MOVQ    AX, bias+88(FP)

biased:
	MOVQ x+24(FP), R8
	MOVQ xs+32(FP), AX
	MOVQ nv+40(FP), CX
	NEXTX(R8, R9, 1)
	NEXTX(R9, R10, 2)
	NEXTX(R10, R11, 3)
	NEXTX(R11, R12, 4)
	NEXTX(R12, R13, 5)
	NEXTX(R13, R14, 6)
	NEXTX(R14, R15, 7)
	MOVQ p+0(FP), SI
	MOVQ stride+8(FP), BX
	SHLQ $4, BX               // bytes per block of 16 rows
	MOVQ pairs+16(FP), DX
	XORQ DI, DI               // 4 * the first row of the pair

pair:
	MOVQ stride+8(FP), CX
	ZERO16
	XORQ AX, AX

kpack:
	VMOVDQU64 (SI), Z16
	VMOVDQU64 (SI)(BX*1), Z17
	DOTP(R8, Z18, Z0, Z1)
	DOTP(R9, Z19, Z2, Z3)
	DOTP(R10, Z20, Z4, Z5)
	DOTP(R11, Z21, Z6, Z7)
	DOTP(R12, Z22, Z8, Z9)
	DOTP(R13, Z23, Z10, Z11)
	DOTP(R14, Z24, Z12, Z13)
	DOTP(R15, Z25, Z14, Z15)
	ADDQ $64, SI
	ADDQ $4, AX
	CMPQ AX, CX
	JLT  kpack

	STOREP(0, Z0, Z1)
	STOREP(1, Z2, Z3)
	STOREP(2, Z4, Z5)
	STOREP(3, Z6, Z7)
	STOREP(4, Z8, Z9)
	STOREP(5, Z10, Z11)
	STOREP(6, Z12, Z13)
	STOREP(7, Z14, Z15)
	ADDQ BX, SI
	ADDQ $128, DI
	DECQ DX
	JNZ  pair
	VZEROUPPER
	RET
