package gemm

import "testing"

// TestPick checks that every kernel set picks the register tile that pads
// C least, and that tile variants are wired up.
func TestPick(t *testing.T) {
	for _, im := range impls {
		for _, d := range [][2]int{{32, 2048}, {256, 256}, {14, 32}, {8, 48}, {100, 7}} {
			got := im.pick(d[0], d[1])
			area := padded(d[0], got.mr) * padded(d[1], got.nr)
			for _, alt := range append([]*impl{im}, im.tiles...) {
				if a := padded(d[0], alt.mr) * padded(d[1], alt.nr); a < area {
					t.Errorf("%s: pick(%d, %d) = %dx%d tile (padded area %d), %dx%d pads less (%d)",
						im.name, d[0], d[1], got.mr, got.nr, area, alt.mr, alt.nr, a)
				}
			}
		}
		if im.mc%im.mr != 0 || im.nc%im.nr != 0 {
			t.Errorf("%s: blocks %dx%d are not multiples of the %dx%d tile", im.name, im.mc, im.nc, im.mr, im.nr)
		}
	}
	// On amd64 with AVX2 the batch-32 step must use a tile that divides 32.
	for _, im := range impls {
		if (im.name == "avx512" || im.name == "avx2") && len(im.tiles) == 0 {
			t.Errorf("%s: no alternative tiles", im.name)
		}
		if len(im.tiles) > 0 {
			if got := im.pick(32, 2048); 32%got.mr != 0 {
				t.Errorf("%s: pick(32, 2048) = %dx%d, which pads 32 rows", im.name, got.mr, got.nr)
			}
		}
	}
}
