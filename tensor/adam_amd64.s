//go:build !purego

#include "textflag.h"

// func adamAVX512(w, grad, m, v *float32, k *AdamConsts, n int)
// AdamUpdate on n elements (a multiple of 16), 16 a step, each operation
// the Go loop's (adamGo) in its order: no fused multiply-add.
TEXT ·adamAVX512(SB), NOSPLIT, $0-48
	MOVQ k+32(FP), DX
	VBROADCASTSS 0(DX), Z20  // B1
	VBROADCASTSS 4(DX), Z21  // C1
	VBROADCASTSS 8(DX), Z22  // B2
	VBROADCASTSS 12(DX), Z23 // C2
	VBROADCASTSS 16(DX), Z24 // Step
	VBROADCASTSS 20(DX), Z25 // InvBc2
	VBROADCASTSS 24(DX), Z26 // Eps
	VBROADCASTSS 28(DX), Z27 // WD
	VBROADCASTSS 32(DX), Z28 // Dec
	MOVBLZX 36(DX), BX       // Decoupled
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+40(FP), CX
	XORQ AX, AX
	SHRQ $4, CX
	JZ   done

loop:
	VMOVUPS (DI)(AX*4), Z0 // w
	VMOVUPS (SI)(AX*4), Z1 // g
	TESTQ   BX, BX
	JZ      coupled
	VMULPS  Z28, Z0, Z0    // w = w*Dec
	JMP     moments

coupled:
	VMULPS Z0, Z27, Z2 // WD*w
	VADDPS Z2, Z1, Z1  // g = g + WD*w

moments:
	VMULPS  (R8)(AX*4), Z20, Z2 // B1*m
	VMULPS  Z1, Z21, Z3         // C1*g
	VADDPS  Z3, Z2, Z2          // m
	VMULPS  (R9)(AX*4), Z22, Z3 // B2*v
	VMULPS  Z1, Z23, Z4         // C2*g
	VMULPS  Z1, Z4, Z4          // (C2*g)*g
	VADDPS  Z4, Z3, Z3          // v
	VMOVUPS Z2, (R8)(AX*4)
	VMOVUPS Z3, (R9)(AX*4)
	VSQRTPS Z3, Z3
	VMULPS  Z25, Z3, Z3         // sqrt(v)*InvBc2
	VADDPS  Z26, Z3, Z3         // + Eps
	VMULPS  Z2, Z24, Z2         // Step*m
	VDIVPS  Z3, Z2, Z2          // (Step*m) / (...)
	VSUBPS  Z2, Z0, Z0          // w - ...
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
