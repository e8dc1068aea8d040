//go:build !purego

package gemm

//go:generate sh -c "cd asm && go run . -out ../kernel_amd64.s -stubs ../kernel_amd64.go -pkg gemm"

import "golang.org/x/sys/cpu"

var (
	avx512Impl = &impl{
		name: "avx512",
		mr:   14, nr: 32,
		mc: 420, kc: 256, nc: 3072,
		kernel:     kernelAVX512_14x32,
		direct:     true,
		gemvT:      gemvTWith(gemvTAVX512),
		gemvN:      gemvNWith(gemvNAVX512),
		transpose8: transpose8AVX,
		tiles:      []*impl{avx512Wide},
	}
	avx2Impl = &impl{
		name: "avx2",
		mr:   6, nr: 16,
		mc: 288, kc: 256, nc: 3072,
		kernel:     kernelAVX2_6x16,
		direct:     true,
		gemvT:      gemvTWith(gemvTAVX2),
		gemvN:      gemvNWith(gemvNAVX2),
		transpose8: transpose8AVX,
		tiles:      []*impl{avx2Wide},
	}
)

// available lists the assembly kernel sets the CPU supports, then pure Go.
func available() []*impl {
	var l []*impl
	if cpu.X86.HasAVX512F {
		l = append(l, avx512Impl, avx512Wide)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		l = append(l, avx2Impl, avx2Wide)
	}
	return append(l, genericImpl)
}

// gemvNWith completes an assembly gemvN, which leaves the last columns of
// y that do not fill a vector, with the Go kernel.
func gemvNWith(f func(m []float32, ld int, x, y []float32) int) func(m []float32, ld int, x, y []float32) {
	return func(m []float32, ld int, x, y []float32) {
		done := f(m, ld, x, y)
		if done < len(y) {
			gemvNGo(m[done:], ld, x, y[done:])
		}
	}
}

// gemvTWith completes an assembly gemvT, which leaves the last elements of
// x that do not fill a vector, in Go.
func gemvTWith(f func(m []float32, ld int, x, y []float32) int) func(m []float32, ld int, x, y []float32) {
	return func(m []float32, ld int, x, y []float32) {
		kv := f(m, ld, x, y)
		if kv == len(x) {
			return
		}
		xt := x[kv:]
		for i := range y {
			row := m[i*ld+kv : i*ld+len(x)]
			s := y[i]
			for p, v := range row {
				s += v * xt[p]
			}
			y[i] = s
		}
	}
}

// avx512Wide is the AVX-512 tile for C whose rows are a multiple of 8 but
// not of 14, such as batch-32 recurrent steps.
var avx512Wide = &impl{
	name: "avx512-8x48",
	mr:   8, nr: 48,
	mc: 416, kc: 256, nc: 3072,
	kernel:     kernelAVX512_8x48,
	gemvT:      gemvTWith(gemvTAVX512),
	gemvN:      gemvNWith(gemvNAVX512),
	transpose8: transpose8AVX,
}

// avx2Wide is the AVX2 tile for C whose rows are a multiple of 4 but not
// of 6, such as batch-32 recurrent steps.
var avx2Wide = &impl{
	name: "avx2-4x24",
	mr:   4, nr: 24,
	mc: 288, kc: 256, nc: 3072,
	kernel:     kernelAVX2_4x24,
	gemvT:      gemvTWith(gemvTAVX2),
	gemvN:      gemvNWith(gemvNAVX2),
	transpose8: transpose8AVX,
}
