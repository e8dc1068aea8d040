//go:build amd64 && !purego

#include "textflag.h"

// func scoresAVX512(a, b, s *float32, m, n, dp int)
// s[i*n+j] = a[i,:]·b[j,:]; rows of dp floats, dp a multiple of 16; m, n >= 1.
TEXT ·scoresAVX512(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), R8
	MOVQ s+16(FP), DI
	MOVQ m+24(FP), R9
	MOVQ n+32(FP), R10
	MOVQ dp+40(FP), R11
	SHLQ $2, R11 // row bytes

srow:
	MOVQ R8, DX   // b row
	MOVQ R10, R12 // columns left

scol:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	XORQ   AX, AX // byte offset in the rows

schunk2:
	LEAQ        128(AX), BX
	CMPQ        BX, R11
	JGT         schunk1
	VMOVUPS     (SI)(AX*1), Z2
	VMOVUPS     64(SI)(AX*1), Z3
	VFMADD231PS (DX)(AX*1), Z2, Z0
	VFMADD231PS 64(DX)(AX*1), Z3, Z1
	MOVQ        BX, AX
	JMP         schunk2

schunk1:
	CMPQ        AX, R11
	JGE         sreduce
	VMOVUPS     (SI)(AX*1), Z2
	VFMADD231PS (DX)(AX*1), Z2, Z0

sreduce:
	VADDPS        Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VHADDPS       X0, X0, X0
	VHADDPS       X0, X0, X0
	VMOVSS        X0, (DI)
	ADDQ          $4, DI
	ADDQ          R11, DX
	DECQ          R12
	JNZ           scol
	ADDQ          R11, SI
	DECQ          R9
	JNZ           srow
	VZEROUPPER
	RET

// func gemmAVX512(a *float32, lda int, b, c *float32, m, k, dp int)
// c[i,:] = sum_j a[i*lda+j] * b[j,:] for i < m, j < k; rows of b and c have
// dp floats, a multiple of 16; m, k >= 1.
TEXT ·gemmAVX512(SB), NOSPLIT, $0-56
	MOVQ a+0(FP), SI
	MOVQ lda+8(FP), R8
	SHLQ $2, R8
	MOVQ b+16(FP), R9
	MOVQ c+24(FP), DI
	MOVQ m+32(FP), R10
	MOVQ k+40(FP), R11
	MOVQ dp+48(FP), R12
	SHLQ $2, R12 // row bytes

grow:
	XORQ AX, AX // byte offset in the rows

ggrp4:
	LEAQ   256(AX), BX
	CMPQ   BX, R12
	JGT    ggrp1
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ   SI, CX  // a[i, j]
	MOVQ   R9, DX  // b row j
	MOVQ   R11, R13

g4j:
	VBROADCASTSS (CX), Z8
	VFMADD231PS  (DX)(AX*1), Z8, Z0
	VFMADD231PS  64(DX)(AX*1), Z8, Z1
	VFMADD231PS  128(DX)(AX*1), Z8, Z2
	VFMADD231PS  192(DX)(AX*1), Z8, Z3
	ADDQ         $4, CX
	ADDQ         R12, DX
	DECQ         R13
	JNZ          g4j
	VMOVUPS      Z0, (DI)(AX*1)
	VMOVUPS      Z1, 64(DI)(AX*1)
	VMOVUPS      Z2, 128(DI)(AX*1)
	VMOVUPS      Z3, 192(DI)(AX*1)
	MOVQ         BX, AX
	JMP          ggrp4

ggrp1:
	CMPQ   AX, R12
	JGE    growdone
	VXORPS Z0, Z0, Z0
	MOVQ   SI, CX
	MOVQ   R9, DX
	MOVQ   R11, R13

g1j:
	VBROADCASTSS (CX), Z8
	VFMADD231PS  (DX)(AX*1), Z8, Z0
	ADDQ         $4, CX
	ADDQ         R12, DX
	DECQ         R13
	JNZ          g1j
	VMOVUPS      Z0, (DI)(AX*1)
	ADDQ         $64, AX
	JMP          ggrp1

growdone:
	ADDQ R8, SI
	ADDQ R12, DI
	DECQ R10
	JNZ  grow
	VZEROUPPER
	RET
