package seq2seq

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"path/filepath"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/recurrent-go/recurrent/text"
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
	face := basicfont.Face7x13
	left := len("output")
	for _, t := range am.Output {
		left = max(left, len(heatRunes(t)))
	}
	// Source labels of one character stand upright; longer ones are
	// rotated to read upwards, like matplotlib's rotation=90.
	labelH := 0
	for _, t := range am.Source {
		if n := len(heatRunes(t)); n == 1 {
			labelH = max(labelH, ch)
		} else {
			labelH = max(labelH, n*cw)
		}
	}
	left = left*cw + 2*hmPad
	titleH := ch + hmPad                // the "source" title's line
	top := titleH + labelH + hmPad + ch // and the "output" title's line
	gridW, gridH := len(am.Source)*hmCell, len(am.Output)*hmCell
	scaleX := left + gridW + 2*hmPad
	scaleH := max(3*hmCell, min(gridH, 200))
	W := scaleX + max(scaleW+5+3*cw, len("weight")*cw) + hmPad
	H := top + max(gridH, scaleH) + hmPad
	if int64(W)*int64(H) > MaxHeatmapPixels {
		return fmt.Errorf("seq2seq: a heat map of %d output by %d source tokens is %dx%d pixels, over the %d million a map may have (a shorter source, or a smaller maximum output length)",
			len(am.Output), len(am.Source), W, H, MaxHeatmapPixels/1000000)
	}
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.Black, Face: face}
	grey := &font.Drawer{Dst: img, Src: image.NewUniform(color.Gray{100}), Face: face}
	// Axis titles: "source" over the columns, "output" over the row labels.
	drawText(grey, left, hmPad+ch-2, "source ->")
	drawText(grey, hmPad, top-4, "output")
	drawSourceLabels(img, d, am.Source, left, titleH+labelH)
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
		drawText(d, hmPad, top+i*hmCell+hmCell/2+ch/2-2, string(heatRunes(t)))
		for j := range am.Source {
			v := 0.0
			if j < len(am.Weights[i]) {
				v = float64(am.Weights[i][j])
			}
			r := image.Rect(left+j*hmCell+1, top+i*hmCell+1, left+(j+1)*hmCell, top+(i+1)*hmCell)
			draw.Draw(img, r, &image.Uniform{heatColor(v)}, image.Point{}, draw.Src)
		}
	}
	drawText(grey, scaleX-2, top-4, "weight")
	drawScale(img, d, scaleX, top, scaleH)
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("seq2seq: attention png: %w", err)
	}
	return nil
}

// MaxHeatmapPixels bounds the image WritePNG draws, 4 bytes a pixel
// (256 MB): a line of 1,000 characters that a model never ends asked for
// 4 GB, and translate run --attention-png died out of memory.
var MaxHeatmapPixels int64 = 1 << 26

// The heat map's geometry in pixels.
const (
	hmCell, hmPad = 22, 8
	cw, ch        = 7, 13 // basicfont.Face7x13 glyph box
	scaleW        = 14    // colour bar width
)

// heatRunes is a label cut to 24 characters (the last one "~").
func heatRunes(t string) []rune {
	r := []rune(t)
	if len(r) > 24 {
		r = append(r[:23], '~')
	}
	return r
}

func drawText(dr *font.Drawer, x, baseline int, s string) {
	dr.Dot = fixed.P(x, baseline)
	dr.DrawString(s)
}

// drawSourceLabels labels the columns from x = left, their bottom at y =
// bottom: one character upright, longer labels turned to read upwards.
func drawSourceLabels(img *image.RGBA, d *font.Drawer, source []string, left, bottom int) {
	for j, t := range source {
		rs := heatRunes(t)
		for k, r := range rs {
			if r == ' ' {
				rs[k] = '_' // make spaces visible
			}
		}
		if len(rs) == 1 {
			drawText(d, left+j*hmCell+(hmCell-cw)/2, bottom-2, string(rs))
			continue
		}
		// Draw the label flat, then copy it turned a quarter left, its
		// end at the top and its start just above the column.
		flat := image.NewAlpha(image.Rect(0, 0, len(rs)*cw, ch))
		(&font.Drawer{Dst: flat, Src: image.Opaque, Face: d.Face, Dot: fixed.P(0, ch-2)}).DrawString(string(rs))
		x0, y0 := left+j*hmCell+(hmCell-ch)/2, bottom-1
		for py := 0; py < ch; py++ {
			for px := 0; px < len(rs)*cw; px++ {
				if flat.AlphaAt(px, py).A > 0 {
					img.Set(x0+py, y0-px, color.Black)
				}
			}
		}
	}
}

// drawScale draws the colour scale at (scaleX, top), scaleH high: 1 at
// the top, 0 at the bottom, ticks at 0, 0.5 and 1.
func drawScale(img *image.RGBA, d *font.Drawer, scaleX, top, scaleH int) {
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
		drawText(d, scaleX+scaleW+5, min(max(y+ch/2-2, top+ch-3), top+scaleH+2), tick.label)
	}
}

// ErrNoAttention is the error of asking for the attention weights of a
// model without attention.
var ErrNoAttention = errors.New("the model has no attention to export")

// Heatmaps draws the attention of numbered lines as PNG heat maps
// Dir/line-NNNN.png (NNNN the 1-based line number, zero-padded to at least
// four digits and to the digits of the line count). The zero value (no
// Dir) draws nothing.
type Heatmaps struct {
	Dir    string
	digits int
}

// NewHeatmaps creates dir (nothing when dir is "") for the heat maps of
// lines lines of m's translations; a model without attention is
// ErrNoAttention.
func NewHeatmaps(m *Model, dir string, lines int) (Heatmaps, error) {
	if dir == "" {
		return Heatmaps{}, nil
	}
	if m.AttentionKind() == AttentionNone {
		return Heatmaps{}, ErrNoAttention
	}
	if err := text.MkdirAll(dir); err != nil {
		return Heatmaps{}, err
	}
	return Heatmaps{Dir: dir, digits: max(4, len(strconv.Itoa(lines)))}, nil
}

// Write draws the attention of hypothesis h of line i (0-based), source
// src, atomically.
func (hm Heatmaps) Write(m *Model, i int, src string, h Hypothesis) error {
	if hm.Dir == "" {
		return nil
	}
	am, err := m.AttentionMapOf(src, h)
	if err != nil {
		return err
	}
	return text.WriteFileAtomic(filepath.Join(hm.Dir, fmt.Sprintf("line-%0*d.png", hm.digits, i+1)), am.WritePNG)
}

// WriteFiles writes the map as indented JSON to jsonPath and as a PNG heat
// map to pngPath, each atomically and only when its path is set.
func (am AttentionMap) WriteFiles(jsonPath, pngPath string) error {
	if jsonPath != "" {
		if err := text.WriteFileAtomic(jsonPath, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", " ")
			return enc.Encode(am)
		}); err != nil {
			return err
		}
	}
	if pngPath == "" {
		return nil
	}
	return text.WriteFileAtomic(pngPath, am.WritePNG)
}
