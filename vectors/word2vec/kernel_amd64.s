//go:build amd64 && !purego

#include "textflag.h"

// func updateAVX2(s float32, h, out, acc *float32, n int)
// acc += s*out; out += s*h (using out's old value for acc).
TEXT ·updateAVX2(SB), NOSPLIT, $0-40
	VBROADCASTSS s+0(FP), Y0
	MOVQ h+8(FP), SI
	MOVQ out+16(FP), DI
	MOVQ acc+24(FP), DX
	MOVQ n+32(FP), CX

upd16:
	CMPQ CX, $16
	JL   upd8
	VMOVUPS (DI), Y1
	VMOVUPS 32(DI), Y2
	VMOVUPS (DX), Y3
	VMOVUPS 32(DX), Y4
	VFMADD231PS Y1, Y0, Y3
	VFMADD231PS Y2, Y0, Y4
	VFMADD231PS (SI), Y0, Y1
	VFMADD231PS 32(SI), Y0, Y2
	VMOVUPS Y3, (DX)
	VMOVUPS Y4, 32(DX)
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  upd16

upd8:
	CMPQ CX, $8
	JL   updtail
	VMOVUPS (DI), Y1
	VMOVUPS (DX), Y3
	VFMADD231PS Y1, Y0, Y3
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS Y3, (DX)
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP  upd8

updtail:
	TESTQ CX, CX
	JE    upddone
	VMOVSS (DI), X1
	VMOVSS (DX), X3
	VFMADD231SS X1, X0, X3
	VFMADD231SS (SI), X0, X1
	VMOVSS X3, (DX)
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	ADDQ $4, DX
	DECQ CX
	JMP  updtail

upddone:
	VZEROUPPER
	RET
