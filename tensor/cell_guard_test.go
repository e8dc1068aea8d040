package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestCellsWriteOnlyTheirUnits: the fused cell kernels (AVX-512 with its
// masked tail, AVX2 with the Go tail, or Go alone) write the n units of
// each gate block and of each state slice and nothing past them: every
// slice is a window of a larger array whose other values are sentinels
// that must survive, at unit counts on both sides of the 8- and 16-lane
// blocks. The gaps between gate blocks are sentinels too.
func TestCellsWriteOnlyTheirUnits(t *testing.T) {
	defer func(v bool) { cellAVX512 = v }(cellAVX512)
	sentinel := float32(math.Float32frombits(0x7fc0beef)) // a NaN no kernel produces
	for _, wide := range []bool{cellAVX512, false} {
		cellAVX512 = wide
		rng := rand.New(rand.NewPCG(11, 12))
		for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 33} {
			const pad = 17 // more than a vector past the last unit
			// window returns a slice of n values starting pad into an
			// array of sentinels, filled with random values.
			type array struct {
				v      []float32
				stride int
			}
			var arrays []array
			window := func(blocks, stride int) []float32 {
				a := make([]float32, pad+(blocks-1)*stride+n+pad)
				for i := range a {
					a[i] = sentinel
				}
				for b := range blocks {
					for j := range n {
						a[pad+b*stride+j] = 2*rng.Float32() - 1
					}
				}
				arrays = append(arrays, array{a, stride})
				return a[pad : pad+(blocks-1)*stride+n]
			}
			check := func(name string) {
				t.Helper()
				for k, a := range arrays {
					for i, v := range a.v {
						if math.Float32bits(v) == math.Float32bits(sentinel) {
							continue
						}
						// The units of the window's blocks are the kernel's.
						if j := i - pad; j >= 0 && i < len(a.v)-pad && j%a.stride < n {
							continue
						}
						t.Fatalf("avx512=%v %s n=%d: array %d: value %d of %d (not a unit of a block) overwritten with %v", wide, name, n, k, i, len(a.v), v)
					}
				}
			}
			gs, hs := n+3, n+5
			gates, hw := window(4, gs), window(4, hs)
			cp, c, tc, h := window(1, n), window(1, n), window(1, n), window(1, n)
			LSTMCell(gates, gs, hw, hs, cp, c, tc, h)
			check(fmt.Sprintf("LSTM gs=%d hs=%d", gs, hs))
			for _, bias := range []bool{true, false} {
				arrays = nil
				gates, hw := window(3, gs), window(3, hs)
				var bhn []float32
				if bias {
					bhn = window(1, n)
				}
				hp, hn, h := window(1, n), window(1, n), window(1, n)
				GRUCell(gates, gs, hw, hs, bhn, hp, hn, h)
				check(fmt.Sprintf("GRU bias=%v", bias))
			}
		}
	}
}
