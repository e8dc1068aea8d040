//go:build amd64 && !purego

#include "textflag.h"

// func prefetchT0(p *float32, n int)
// Prefetches the n > 0 floats at p into the caches, one PREFETCHT0 per
// 64-byte line.
TEXT ·prefetchT0(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	SHLQ $2, CX
	ADDQ SI, CX

loop:
	PREFETCHT0 (SI)
	ADDQ $64, SI
	CMPQ SI, CX
	JL   loop
	RET
