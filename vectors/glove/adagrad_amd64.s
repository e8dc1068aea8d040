//go:build amd64 && !purego

#include "textflag.h"

// func adagradAVX2(s float32, w, wt, gw, gwt *float32, n int)
// n is a multiple of 8. With t1 = s*wt, t2 = s*w:
// w -= t1/sqrt(gw); wt -= t2/sqrt(gwt); gw += t1*t1; gwt += t2*t2.
TEXT ·adagradAVX2(SB), NOSPLIT, $0-48
	VBROADCASTSS s+0(FP), Y0
	MOVQ w+8(FP), SI
	MOVQ wt+16(FP), DI
	MOVQ gw+24(FP), R8
	MOVQ gwt+32(FP), R9
	MOVQ n+40(FP), CX

loop:
	CMPQ CX, $8
	JL   done
	VMOVUPS (SI), Y1
	VMOVUPS (DI), Y2
	VMULPS  Y2, Y0, Y3
	VMULPS  Y1, Y0, Y4
	VMOVUPS (R8), Y5
	VMOVUPS (R9), Y6
	VSQRTPS Y5, Y7
	VSQRTPS Y6, Y8
	VDIVPS  Y7, Y3, Y9
	VDIVPS  Y8, Y4, Y10
	VSUBPS  Y9, Y1, Y1
	VSUBPS  Y10, Y2, Y2
	VFMADD231PS Y3, Y3, Y5
	VFMADD231PS Y4, Y4, Y6
	VMOVUPS Y1, (SI)
	VMOVUPS Y2, (DI)
	VMOVUPS Y5, (R8)
	VMOVUPS Y6, (R9)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, R9
	SUBQ $8, CX
	JMP  loop

done:
	VZEROUPPER
	RET
