//go:build !purego

#include "textflag.h"

// The arguments (defined before any TEXT, where vet's asmdecl check reads
// them): func backLSTMRowAVX2(act, dg, dh, dc, cp, tc *float32, stride, n int)
// and func backGRURowAVX2(act, dg, dhn, dh, hp, hn, dhp *float32, stride, n int).
#define LSTMROWARGS MOVQ act+0(FP), SI; MOVQ dg+8(FP), DI; MOVQ dh+16(FP), DX; MOVQ dc+24(FP), R9; MOVQ cp+32(FP), R10; MOVQ tc+40(FP), R11; MOVQ stride+48(FP), BX; MOVQ n+56(FP), CX
#define GRUROWARGS MOVQ act+0(FP), SI; MOVQ dg+8(FP), DI; MOVQ dhn+16(FP), R8; MOVQ dh+24(FP), R9; MOVQ hp+32(FP), R10; MOVQ hn+40(FP), R11; MOVQ dhp+48(FP), R12; MOVQ stride+56(FP), BX; MOVQ n+64(FP), CX

// Fused cell-row backward kernels (AVX2, 8 lanes): one pass over a row's
// units computing every gate gradient in registers, each product and sum
// rounded in the order of backLSTMRowLoop / backGRURowLoop (no fused
// multiply-add). n is a multiple of 8; the caller does the tail.
// Gate blocks of a row lie stride bytes apart (act: the gates, dg: their
// gradients).

#define ONES(y) MOVL $0x3f800000, AX; MOVD AX, X15; VPBROADCASTD X15, y

// ROWS sets Y15 to 1 and CX to the number of 8-unit blocks, leaving for
// done when there is none.
#define ROWS(done) ONES(Y15); SHRQ $3, CX; JZ done

// TANHGRAD sets d = (x*a)*(1-t*t), the gradient through a tanh output t
// (Y15 holds 1; Y11 scratch).
#define TANHGRAD(x, a, t, d) VMULPS a, x, d; VMULPS t, t, Y11; VSUBPS Y11, Y15, Y11; VMULPS Y11, d, d

// SIGGRAD stores ((x*a)*s)*(1-s) to m, the gradient through a sigmoid
// gate s (Y15 holds 1; Y10, Y11 scratch).
#define SIGGRAD(x, a, s, m) VMULPS a, x, Y10; VMULPS s, Y10, Y10; VSUBPS s, Y15, Y11; VMULPS Y11, Y10, Y10; VMOVUPS Y10, m

// func backLSTMRowAVX2(act, dg, dh, dc, cp, tc *float32, stride, n int)
// act: ig, fg, gg, og at 0, stride, 2*stride, 3*stride; dg: di, df, dgg, do likewise.
TEXT ·backLSTMRowAVX2(SB), NOSPLIT, $0-64
	LSTMROWARGS
	LEAQ (BX)(BX*2), R8
	ROWS(lstmdone)

lstmloop:
	VMOVUPS (SI), Y0         // ig
	VMOVUPS (SI)(BX*1), Y1   // fg
	VMOVUPS (SI)(BX*2), Y2   // gg
	VMOVUPS (SI)(R8*1), Y3   // og
	VMOVUPS (DX), Y4         // dh
	VMOVUPS (R9), Y5         // dc
	VMOVUPS (R10), Y6        // cp
	VMOVUPS (R11), Y7        // tc
	// dct = dc + (dh*og)*(1 - tc*tc)
	TANHGRAD(Y4, Y3, Y7, Y9)
	VADDPS  Y9, Y5, Y5
	// do = ((dh*tc)*og)*(1-og), di = ((dct*gg)*ig)*(1-ig)
	SIGGRAD(Y4, Y7, Y3, (DI)(R8*1))
	SIGGRAD(Y5, Y2, Y0, (DI))
	// dgg = (dct*ig)*(1-gg*gg)
	TANHGRAD(Y5, Y0, Y2, Y10)
	VMOVUPS Y10, (DI)(BX*2)
	// df = ((dct*cp)*fg)*(1-fg)
	SIGGRAD(Y5, Y6, Y1, (DI)(BX*1))
	// dc = dct*fg
	VMULPS  Y1, Y5, Y5
	VMOVUPS Y5, (R9)
	ADDQ    $32, SI; ADDQ $32, DI; ADDQ $32, DX; ADDQ $32, R9; ADDQ $32, R10; ADDQ $32, R11
	DECQ    CX
	JNZ     lstmloop

lstmdone:
	VZEROUPPER
	RET

// func backGRURowAVX2(act, dg, dhn, dh, hp, hn, dhp *float32, stride, n int)
// act: r, z, n at 0, stride, 2*stride; dg: dr, dz, dn likewise.
TEXT ·backGRURowAVX2(SB), NOSPLIT, $0-72
	GRUROWARGS
	ROWS(grudone)

gruloop:
	VMOVUPS (SI), Y0         // r
	VMOVUPS (SI)(BX*1), Y1   // z
	VMOVUPS (SI)(BX*2), Y2   // n
	VMOVUPS (R9), Y3         // g = dh
	VMOVUPS (R10), Y4        // hp
	VMOVUPS (R11), Y5        // hn
	// dn = (g*(1-z))*(1-n*n)
	VSUBPS  Y1, Y15, Y6
	TANHGRAD(Y3, Y6, Y2, Y8)
	VMOVUPS Y8, (DI)(BX*2)
	// dz = ((g*(hp-n))*z)*(1-z)
	VSUBPS  Y2, Y4, Y9
	VMULPS  Y9, Y3, Y9
	VMULPS  Y1, Y9, Y9
	VMULPS  Y6, Y9, Y9
	VMOVUPS Y9, (DI)(BX*1)
	// dr = ((dn*hn)*r)*(1-r)
	SIGGRAD(Y8, Y5, Y0, (DI))
	// dhn = dn*r, dhp = g*z
	VMULPS  Y0, Y8, Y10
	VMOVUPS Y10, (R8)
	VMULPS  Y1, Y3, Y10
	VMOVUPS Y10, (R12)
	ADDQ    $32, SI; ADDQ $32, DI; ADDQ $32, R8; ADDQ $32, R9; ADDQ $32, R10; ADDQ $32, R11; ADDQ $32, R12
	DECQ    CX
	JNZ     gruloop

grudone:
	VZEROUPPER
	RET
