//go:build !purego

#include "textflag.h"

// Int8 row kernels: rows of an int8 matrix (stride bytes apart, stride a
// positive multiple of 64, zero-padded) against one quantized vector,
// four rows at a time, then one at a time. Each row's products are summed
// exactly in int32 lanes, the lanes of four rows reduced together with
// VPHADDD, and the sums turned to float32 and scaled:
// y[i] = float32(sum_i - comp[i]) * scale[i] * sx.

// func int8RowsVNNI(w *int8, stride, rows int, x *uint8, comp *int32, scale *float32, sx float32, y *float32)
// x holds the vector's codes plus 128 as unsigned bytes (VPDPBUSD's first
// operand); comp[i] = 128 * sum_k w[i,k] removes the offset.
TEXT ·int8RowsVNNI(SB), NOSPLIT, $0-64
	MOVQ w+0(FP), SI
	MOVQ stride+8(FP), DX
	MOVQ rows+16(FP), CX
	MOVQ x+24(FP), DI
	MOVQ comp+32(FP), R8
	MOVQ scale+40(FP), R9
	VBROADCASTSS sx+48(FP), X15
	MOVQ y+56(FP), R10

vnni4:
	CMPQ CX, $4
	JLT  vnni1
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	LEAQ (SI)(DX*1), R12
	LEAQ (SI)(DX*2), R13
	LEAQ (R12)(DX*2), R14
	XORQ AX, AX

vnni4k:
	VMOVDQU64 (DI)(AX*1), Z4
	VPDPBUSD  (SI)(AX*1), Z4, Z0
	VPDPBUSD  (R12)(AX*1), Z4, Z1
	VPDPBUSD  (R13)(AX*1), Z4, Z2
	VPDPBUSD  (R14)(AX*1), Z4, Z3
	ADDQ      $64, AX
	CMPQ      AX, DX
	JLT       vnni4k

	VEXTRACTI64X4 $1, Z0, Y4
	VPADDD        Y4, Y0, Y0
	VEXTRACTI64X4 $1, Z1, Y5
	VPADDD        Y5, Y1, Y1
	VEXTRACTI64X4 $1, Z2, Y6
	VPADDD        Y6, Y2, Y2
	VEXTRACTI64X4 $1, Z3, Y7
	VPADDD        Y7, Y3, Y3
	VPHADDD       Y1, Y0, Y0
	VPHADDD       Y3, Y2, Y2
	VPHADDD       Y2, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSUBD        (R8), X0, X0
	VCVTDQ2PS     X0, X0
	VMULPS        (R9), X0, X0
	VMULPS        X15, X0, X0
	VMOVUPS       X0, (R10)

	LEAQ (R14)(DX*1), SI
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	SUBQ $4, CX
	JMP  vnni4

vnni1:
	TESTQ CX, CX
	JZ    vnnidone
	VPXORD Z0, Z0, Z0
	XORQ   AX, AX

vnni1k:
	VMOVDQU64 (DI)(AX*1), Z4
	VPDPBUSD  (SI)(AX*1), Z4, Z0
	ADDQ      $64, AX
	CMPQ      AX, DX
	JLT       vnni1k

	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD        Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0xb1, X0, X1
	VPADDD        X1, X0, X0
	VMOVD         (R8), X1
	VPSUBD        X1, X0, X0
	VCVTDQ2PS     X0, X0
	VMULSS        (R9), X0, X0
	VMULSS        X15, X0, X0
	VMOVSS        X0, (R10)

	ADDQ DX, SI
	ADDQ $4, R8
	ADDQ $4, R9
	ADDQ $4, R10
	DECQ CX
	JMP  vnni1

vnnidone:
	VZEROUPPER
	RET

// func int8RowsAVX2(w *int8, stride, rows int, x *int16, scale *float32, sx float32, y *float32)
// x holds the vector's codes widened to int16; the weights are widened
// with VPMOVSXBW and multiplied and pair-summed with VPMADDWD.
TEXT ·int8RowsAVX2(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), SI
	MOVQ stride+8(FP), DX
	MOVQ rows+16(FP), CX
	MOVQ x+24(FP), DI
	MOVQ scale+32(FP), R9
	VBROADCASTSS sx+40(FP), X15
	MOVQ y+48(FP), R10

avx4:
	CMPQ CX, $4
	JLT  avx1
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	LEAQ (SI)(DX*1), R12
	LEAQ (SI)(DX*2), R13
	LEAQ (R12)(DX*2), R14
	XORQ AX, AX

avx4k:
	VMOVDQU   (DI)(AX*2), Y4
	VPMOVSXBW (SI)(AX*1), Y5
	VPMADDWD  Y4, Y5, Y5
	VPADDD    Y5, Y0, Y0
	VPMOVSXBW (R12)(AX*1), Y6
	VPMADDWD  Y4, Y6, Y6
	VPADDD    Y6, Y1, Y1
	VPMOVSXBW (R13)(AX*1), Y7
	VPMADDWD  Y4, Y7, Y7
	VPADDD    Y7, Y2, Y2
	VPMOVSXBW (R14)(AX*1), Y8
	VPMADDWD  Y4, Y8, Y8
	VPADDD    Y8, Y3, Y3
	ADDQ      $16, AX
	CMPQ      AX, DX
	JLT       avx4k

	VPHADDD      Y1, Y0, Y0
	VPHADDD      Y3, Y2, Y2
	VPHADDD      Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VCVTDQ2PS    X0, X0
	VMULPS       (R9), X0, X0
	VMULPS       X15, X0, X0
	VMOVUPS      X0, (R10)

	LEAQ (R14)(DX*1), SI
	ADDQ $16, R9
	ADDQ $16, R10
	SUBQ $4, CX
	JMP  avx4

avx1:
	TESTQ CX, CX
	JZ    avxdone
	VPXOR Y0, Y0, Y0
	XORQ  AX, AX

avx1k:
	VMOVDQU   (DI)(AX*2), Y4
	VPMOVSXBW (SI)(AX*1), Y5
	VPMADDWD  Y4, Y5, Y5
	VPADDD    Y5, Y0, Y0
	ADDQ      $16, AX
	CMPQ      AX, DX
	JLT       avx1k

	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xb1, X0, X1
	VPADDD       X1, X0, X0
	VCVTDQ2PS    X0, X0
	VMULSS       (R9), X0, X0
	VMULSS       X15, X0, X0
	VMOVSS       X0, (R10)

	ADDQ DX, SI
	ADDQ $4, R9
	ADDQ $4, R10
	DECQ CX
	JMP  avx1

avxdone:
	VZEROUPPER
	RET
