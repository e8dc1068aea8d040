package gemm

// packA packs op(A)[ic:ic+mc, pc:pc+kc] into micro-panels of mr rows, each
// laid out [kc][mr] and zero-padded past row mc.
func packA(im *impl, p *problem, ic, mc, pc, kc, mr int, dst []float32) {
	for ir := 0; ir < mc; ir += mr {
		mm := min(mr, mc-ir)
		d := dst[ir*kc : ir*kc+kc*mr]
		if p.transA {
			// op(A)[i, q] = a[q*lda + i]: each k-step of the panel is contiguous.
			packRows(p.a[pc*p.lda+ic+ir:], p.lda, kc, mm, mr, d)
		} else {
			packCols(im, p.a[(ic+ir)*p.lda+pc:], p.lda, kc, mm, mr, d)
		}
	}
}

// packB packs op(B)[pc:pc+kc, jc:jc+nc] into micro-panels of nr columns,
// each laid out [kc][nr] and zero-padded past column nc.
func packB(im *impl, p *problem, pc, kc, jc, nc, nr int, dst []float32) {
	if p.transB {
		// op(B)[q, j] = b[j*ldb + q].
		for jr := 0; jr < nc; jr += nr {
			nn := min(nr, nc-jr)
			packCols(im, p.b[(jc+jr)*p.ldb+pc:], p.ldb, kc, nn, nr, dst[jr*kc:jr*kc+kc*nr])
		}
		return
	}
	// Walk B in storage order, one row of the block at a time, scattering
	// it over the panels: sequential reads whatever the row stride.
	full := nc / nr * nr
	for q := 0; q < kc; q++ {
		src := p.b[(pc+q)*p.ldb+jc : (pc+q)*p.ldb+jc+nc]
		switch nr {
		case 48:
			for jr := 0; jr < full; jr += nr {
				*(*[48]float32)(dst[jr*kc+q*48:]) = [48]float32(src[jr:])
			}
		case 32:
			for jr := 0; jr < full; jr += nr {
				*(*[32]float32)(dst[jr*kc+q*32:]) = [32]float32(src[jr:])
			}
		case 24:
			for jr := 0; jr < full; jr += nr {
				*(*[24]float32)(dst[jr*kc+q*24:]) = [24]float32(src[jr:])
			}
		case 16:
			for jr := 0; jr < full; jr += nr {
				*(*[16]float32)(dst[jr*kc+q*16:]) = [16]float32(src[jr:])
			}
		default:
			for jr := 0; jr < full; jr += nr {
				copy(dst[jr*kc+q*nr:jr*kc+q*nr+nr], src[jr:jr+nr])
			}
		}
		if full < nc {
			d := dst[full*kc+q*nr : full*kc+q*nr+nr]
			copy(d, src[full:])
			clear(d[nc-full:])
		}
	}
}

// packRows sets d[q*w+j] = src[q*ld+j] for q < kc, j < nn, and zero for
// nn <= j < w.
func packRows(src []float32, ld, kc, nn, w int, d []float32) {
	if nn == w {
		switch w {
		case 32:
			for q := 0; q < kc; q++ {
				*(*[32]float32)(d[q*32:]) = [32]float32(src[q*ld:])
			}
			return
		case 16:
			for q := 0; q < kc; q++ {
				*(*[16]float32)(d[q*16:]) = [16]float32(src[q*ld:])
			}
			return
		case 14:
			for q := 0; q < kc; q++ {
				*(*[14]float32)(d[q*14:]) = [14]float32(src[q*ld:])
			}
			return
		case 4:
			for q := 0; q < kc; q++ {
				*(*[4]float32)(d[q*4:]) = [4]float32(src[q*ld:])
			}
			return
		case 2:
			for q := 0; q < kc; q++ {
				*(*[2]float32)(d[q*2:]) = [2]float32(src[q*ld:])
			}
			return
		}
	}
	for q := 0; q < kc; q++ {
		dq := d[q*w : q*w+w]
		copy(dq[:nn], src[q*ld:q*ld+nn])
		clear(dq[nn:])
	}
}

// packCols sets d[q*w+j] = src[j*ld+q] for q < kc, j < nn, and zero for
// nn <= j < w: a transposing copy, in 8x8 blocks when im has an assembly
// transpose, else four source rows at a time.
func packCols(im *impl, src []float32, ld, kc, nn, w int, d []float32) {
	d = d[:kc*w]
	j := 0
	if im.transpose8 != nil && nn >= 8 {
		// Blocks of 8 rows; the last block is moved back to end at row nn,
		// overlapping the one before, instead of leaving a Go remainder.
		for ; j < nn; j += 8 {
			jj := min(j, nn-8)
			s := src[jj*ld : (jj+7)*ld+kc]
			done := im.transpose8(s, ld, d[jj:], w, kc)
			for r := 0; r < 8; r++ {
				row := s[r*ld+done : r*ld+kc]
				for q, v := range row {
					d[(done+q)*w+jj+r] = v
				}
			}
		}
		j = nn
	}
	for ; j+4 <= nn; j += 4 {
		r0 := src[j*ld : j*ld+kc]
		r1 := src[(j+1)*ld : (j+1)*ld+kc]
		r2 := src[(j+2)*ld : (j+2)*ld+kc]
		r3 := src[(j+3)*ld : (j+3)*ld+kc]
		for q := range r0 {
			o := (*[4]float32)(d[q*w+j:])
			o[0], o[1], o[2], o[3] = r0[q], r1[q], r2[q], r3[q]
		}
	}
	for ; j < nn; j++ {
		r := src[j*ld : j*ld+kc]
		for q, v := range r {
			d[q*w+j] = v
		}
	}
	for ; j < w; j++ {
		for q := 0; q < kc; q++ {
			d[q*w+j] = 0
		}
	}
}
