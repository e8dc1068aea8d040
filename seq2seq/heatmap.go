package seq2seq

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// AttentionMap is the attention of one translation: Weights[i][j] is the
// weight output step i put on source token j. Output ends with "<eos>"
// when the hypothesis finished.
type AttentionMap struct {
	Source  []string    `json:"source"`
	Output  []string    `json:"output"`
	Weights [][]float32 `json:"weights"`
}

// AttentionMapOf builds the map of hypothesis h of source line src.
func (m *Model) AttentionMapOf(src string, h Hypothesis) (AttentionMap, error) {
	if h.Attention == nil {
		return AttentionMap{}, fmt.Errorf("seq2seq: the hypothesis has no attention weights (model attention %v, or not requested)", m.attn)
	}
	am := AttentionMap{Source: SplitTokens(m.Config.Tokens, src), Weights: h.Attention}
	for _, id := range h.IDs {
		am.Output = append(am.Output, m.Tgt.Token(id))
	}
	if h.Finished {
		am.Output = append(am.Output, "<eos>")
	}
	if len(am.Output) != len(am.Weights) {
		return AttentionMap{}, fmt.Errorf("seq2seq: %d attention rows for %d output tokens", len(am.Weights), len(am.Output))
	}
	for i, row := range am.Weights {
		if len(row) < len(am.Source) {
			return AttentionMap{}, fmt.Errorf("seq2seq: attention row %d has %d weights for %d source tokens", i, len(row), len(am.Source))
		}
		am.Weights[i] = row[:len(am.Source)]
	}
	return am, nil
}

// heatColor maps a weight in [0, 1] to white (0) through dark blue (1).
func heatColor(v float64) color.RGBA {
	v = min(1, max(0, v))
	return color.RGBA{uint8(255 - 247*v), uint8(255 - 207*v), uint8(255 - 148*v), 255}
}

// WritePNG draws the map as a heat map: one row per output token, one
// column per source token, darker for more weight. The source tokens label
// the columns along the top (written downwards, spaces shown as "_") under
// the axis title "source", the output tokens label the rows on the left
// under "output", and a colour scale from 0 to 1 stands on the right.
func (am AttentionMap) WritePNG(w io.Writer) error {
	const (
		cell, pad = 22, 8
		cw, ch    = 7, 13 // basicfont.Face7x13 glyph box
		scaleW    = 14    // colour bar width
	)
	face := basicfont.Face7x13
	runes := func(t string) []rune {
		r := []rune(t)
		if len(r) > 24 {
			r = append(r[:23], '~')
		}
		return r
	}
	left := len("output")
	for _, t := range am.Output {
		left = max(left, len(runes(t)))
	}
	// Source labels of one character stand upright; longer ones are
	// rotated to read upwards, like matplotlib's rotation=90.
	labelH := 0
	for _, t := range am.Source {
		if n := len(runes(t)); n == 1 {
			labelH = max(labelH, ch)
		} else {
			labelH = max(labelH, n*cw)
		}
	}
	left = left*cw + 2*pad
	titleH := ch + pad                // the "source" title's line
	top := titleH + labelH + pad + ch // and the "output" title's line
	gridW, gridH := len(am.Source)*cell, len(am.Output)*cell
	scaleX := left + gridW + 2*pad
	scaleH := max(3*cell, min(gridH, 200))
	W := scaleX + max(scaleW+5+3*cw, len("weight")*cw) + pad
	H := top + max(gridH, scaleH) + pad
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.Black, Face: face}
	grey := &font.Drawer{Dst: img, Src: image.NewUniform(color.Gray{100}), Face: face}
	text := func(dr *font.Drawer, x, baseline int, s string) {
		dr.Dot = fixed.P(x, baseline)
		dr.DrawString(s)
	}
	// Axis titles: "source" over the columns, "output" over the row labels.
	text(grey, left, pad+ch-2, "source ->")
	text(grey, pad, top-4, "output")
	for j, t := range am.Source {
		rs := runes(t)
		for k, r := range rs {
			if r == ' ' {
				rs[k] = '_' // make spaces visible
			}
		}
		if len(rs) == 1 {
			text(d, left+j*cell+(cell-cw)/2, titleH+labelH-2, string(rs))
			continue
		}
		// Draw the label flat, then copy it turned a quarter left, its
		// end at the top and its start just above the column.
		flat := image.NewAlpha(image.Rect(0, 0, len(rs)*cw, ch))
		(&font.Drawer{Dst: flat, Src: image.Opaque, Face: face, Dot: fixed.P(0, ch-2)}).DrawString(string(rs))
		x0, y0 := left+j*cell+(cell-ch)/2, titleH+labelH-1
		for py := 0; py < ch; py++ {
			for px := 0; px < len(rs)*cw; px++ {
				if flat.AlphaAt(px, py).A > 0 {
					img.Set(x0+py, y0-px, color.Black)
				}
			}
		}
	}
	// A light frame around the grid.
	gridFrame := color.Gray{200}
	for x := left; x <= left+gridW; x++ {
		img.Set(x, top, gridFrame)
		img.Set(x, top+gridH, gridFrame)
	}
	for y := top; y <= top+gridH; y++ {
		img.Set(left, y, gridFrame)
		img.Set(left+gridW, y, gridFrame)
	}
	for i, t := range am.Output {
		text(d, pad, top+i*cell+cell/2+ch/2-2, string(runes(t)))
		for j := range am.Source {
			v := 0.0
			if j < len(am.Weights[i]) {
				v = float64(am.Weights[i][j])
			}
			r := image.Rect(left+j*cell+1, top+i*cell+1, left+(j+1)*cell, top+(i+1)*cell)
			draw.Draw(img, r, &image.Uniform{heatColor(v)}, image.Point{}, draw.Src)
		}
	}
	// Colour scale: 1 at the top, 0 at the bottom, ticks at 0, 0.5 and 1.
	text(grey, scaleX-2, top-4, "weight")
	for y := 0; y < scaleH; y++ {
		v := 1 - float64(y)/float64(scaleH-1)
		draw.Draw(img, image.Rect(scaleX, top+y, scaleX+scaleW, top+y+1), &image.Uniform{heatColor(v)}, image.Point{}, draw.Src)
	}
	frame := color.Gray{120}
	for y := top - 1; y <= top+scaleH; y++ {
		img.Set(scaleX-1, y, frame)
		img.Set(scaleX+scaleW, y, frame)
	}
	for x := scaleX - 1; x <= scaleX+scaleW; x++ {
		img.Set(x, top-1, frame)
		img.Set(x, top+scaleH, frame)
	}
	for _, tick := range []struct {
		v     float64
		label string
	}{{1, "1"}, {0.5, "0.5"}, {0, "0"}} {
		y := top + int((1-tick.v)*float64(scaleH-1))
		for x := scaleX + scaleW; x < scaleX+scaleW+4; x++ {
			img.Set(x, y, frame)
		}
		text(d, scaleX+scaleW+5, min(max(y+ch/2-2, top+ch-3), top+scaleH+2), tick.label)
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("seq2seq: attention png: %w", err)
	}
	return nil
}
