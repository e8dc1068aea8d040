//go:build !purego

#include "textflag.h"

// func sgdAVX512(w, grad *float32, lr, wd float64, n int)
// SGDUpdate on n elements (a multiple of 16), 16 a step as two halves of 8
// widened to float64, each operation the Go loop's (sgdGo) in its order:
// no fused multiply-add.
TEXT ·sgdAVX512(SB), NOSPLIT, $0-40
	MOVQ         w+0(FP), DI
	MOVQ         grad+8(FP), SI
	VBROADCASTSD lr+16(FP), Z20
	VBROADCASTSD wd+24(FP), Z21
	MOVQ         n+32(FP), CX
	XORQ         AX, AX
	SHRQ         $4, CX
	JZ           done

loop:
	VCVTPS2PD (DI)(AX*4), Z0   // w, elements 0-7
	VCVTPS2PD 32(DI)(AX*4), Z1 // w, elements 8-15
	VCVTPS2PD (SI)(AX*4), Z2   // g
	VCVTPS2PD 32(SI)(AX*4), Z3
	VMULPD    Z0, Z21, Z4      // wd*w
	VMULPD    Z1, Z21, Z5
	VADDPD    Z4, Z2, Z2       // g + wd*w
	VADDPD    Z5, Z3, Z3
	VMULPD    Z2, Z20, Z2      // lr*g
	VMULPD    Z3, Z20, Z3
	VSUBPD    Z2, Z0, Z0       // w - lr*g
	VSUBPD    Z3, Z1, Z1
	VCVTPD2PS Z0, Y0
	VCVTPD2PS Z1, Y1
	VMOVUPS   Y0, (DI)(AX*4)
	VMOVUPS   Y1, 32(DI)(AX*4)
	ADDQ      $16, AX
	DECQ      CX
	JNZ       loop

done:
	VZEROUPPER
	RET
