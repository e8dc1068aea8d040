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
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
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

// WritePNG draws the map as a heat map: one row per output token, one
// column per source token, darker for more weight, with the tokens as
// labels (source along the top, written downwards; output on the left).
func (am AttentionMap) WritePNG(w io.Writer) error {
	const cell, pad = 20, 6
	face := basicfont.Face7x13
	cw, ch := 7, 13
	left := 0
	for _, t := range am.Output {
		left = max(left, len([]rune(t)))
	}
	top := 0
	for _, t := range am.Source {
		top = max(top, len([]rune(t)))
	}
	left = left*cw + 2*pad
	top = top*ch + 2*pad
	W := left + len(am.Source)*cell + pad
	H := top + len(am.Output)*cell + pad
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.Black, Face: face}
	for j, t := range am.Source {
		x := left + j*cell + (cell-cw)/2
		for k, r := range []rune(t) {
			if r == ' ' {
				r = '_' // make spaces visible
			}
			d.Dot = fixed.P(x, pad+(k+1)*ch-2)
			d.DrawString(string(r))
		}
	}
	for i, t := range am.Output {
		d.Dot = fixed.P(pad, top+i*cell+cell/2+ch/2-2)
		d.DrawString(t)
		for j := range am.Source {
			v := 0.0
			if j < len(am.Weights[i]) {
				v = float64(am.Weights[i][j])
			}
			v = min(1, max(0, v))
			// White (0) to dark blue (1).
			c := color.RGBA{uint8(255 - 247*v), uint8(255 - 207*v), uint8(255 - 148*v), 255}
			r := image.Rect(left+j*cell+1, top+i*cell+1, left+(j+1)*cell, top+(i+1)*cell)
			draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
		}
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("seq2seq: attention png: %w", err)
	}
	return nil
}
