//go:build !purego

package gemm

//go:generate sh -c "cd asm && go run . -out ../kernel_amd64.s -stubs ../kernel_amd64.go -pkg gemm"

import "golang.org/x/sys/cpu"

// The assembly kernel sets: for each instruction set a main tile, used
// directly on unpacked B, and a wide tile for C whose rows the main tile's
// mr does not divide.
var (
	avx512Impl = avx512Tile("avx512", 14, 32, 420, kernelAVX512_14x32).withWide(avx512Wide)
	avx2Impl   = avx2Tile("avx2", 6, 16, 288, kernelAVX2_6x16).withWide(avx2Wide)

	// avx512Wide is for C whose rows are a multiple of 8 but not of 14,
	// such as batch-32 recurrent steps.
	avx512Wide = avx512Tile("avx512-8x48", 8, 48, 416, kernelAVX512_8x48)
	// avx2Wide is for C whose rows are a multiple of 4 but not of 6, such
	// as batch-32 recurrent steps.
	avx2Wide = avx2Tile("avx2-4x24", 4, 24, 288, kernelAVX2_4x24)
)

// avx512Tile is the AVX-512 kernel set around the mr x nr micro-kernel
// kernel, with row blocks of mc.
func avx512Tile(name string, mr, nr, mc int, kernel microKernel) *impl {
	return &impl{
		name: name,
		mr:   mr, nr: nr,
		mc: mc, kc: 256, nc: 3072,
		kernel:     kernel,
		gemvT:      gemvTWith(gemvTAVX512),
		gemvN:      gemvNWith(gemvNAVX512),
		transpose8: transpose8AVX,
	}
}

// avx2Tile is avx512Tile for AVX2 with FMA.
func avx2Tile(name string, mr, nr, mc int, kernel microKernel) *impl {
	im := avx512Tile(name, mr, nr, mc, kernel)
	im.gemvT, im.gemvN = gemvTWith(gemvTAVX2), gemvNWith(gemvNAVX2)
	return im
}

// withWide makes im a main kernel set: it runs directly on unpacked B and
// hands C whose rows mr does not divide to wide.
func (im *impl) withWide(wide *impl) *impl {
	im.direct = true
	im.tiles = []*impl{wide}
	return im
}

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
