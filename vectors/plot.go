package vectors

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	rtext "github.com/recurrent-go/recurrent/text"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Project2D returns the coordinates of words on the first two principal
// components of their unit vectors ([len(words), 2] as pairs), and which
// words were unknown (and left out). At least two known words are needed;
// with one usable dimension the second coordinate is 0.
func (x *Index) Project2D(words []string) (known []string, xy [][2]float64, missing []string, err error) {
	var rows []float32
	for _, w := range words {
		i, ok := x.Lookup(w)
		if !ok {
			missing = append(missing, w)
			continue
		}
		known = append(known, w)
		rows = append(rows, x.UnitVec(i)...)
	}
	if len(known) < 2 {
		return nil, nil, missing, fmt.Errorf("project: need at least two known words, have %d (unknown: %q)", len(known), missing)
	}
	d := x.V.Dim
	k := min(2, d)
	comps, _, err := PCA(rows, len(known), d, k)
	if err != nil {
		return nil, nil, missing, err
	}
	mean := make([]float64, d)
	for i := range known {
		for j := 0; j < d; j++ {
			mean[j] += float64(rows[i*d+j]) / float64(len(known))
		}
	}
	xy = make([][2]float64, len(known))
	for i := range known {
		for c := 0; c < k; c++ {
			var s float64
			for j := 0; j < d; j++ {
				s += (float64(rows[i*d+j]) - mean[j]) * float64(comps[c*d+j])
			}
			xy[i][c] = s
		}
	}
	return known, xy, missing, nil
}

// SavePlot draws labelled points xy (one per label) and writes the image
// to path, atomically; the extension picks the format (.png, .svg, .pdf,
// .jpg, ...), and "-" writes a PNG to standard output. Width and height are
// in centimetres.
func SavePlot(path, title string, labels []string, xy [][2]float64, width, height float64) error {
	return rtext.Stdio{}.WriteFile(path, func(w io.Writer) error {
		return WritePlot(w, PlotFormat(path), title, labels, xy, width, height)
	})
}

// PlotJob says what PlotFiles draws and where.
type PlotJob struct {
	Words []string // the words to place
	// Out is the image file ("-": a PNG on standard output; else the
	// extension picks the format, see PlotFormat).
	Out   string
	Title string // default "PCA of " and the vector file's base name
	// Width and Height are the image's size in centimetres.
	Width, Height float64
}

// PlotSummary is the report of PlotFiles.
type PlotSummary struct {
	Ignored []string `json:"ignored"` // the unknown words, left out
	Out     string   `json:"out"`
	Words   []string `json:"words"` // the words plotted
}

// PlotFiles reads the vectors of src through in (words are looked up with
// the case-insensitive fallback of Index.IgnoreCase), draws the words of
// job on the first two principal components of their vectors (see
// Project2D and WritePlot) and writes the image to job.Out through in.
func PlotFiles(in rtext.Stdio, src Source, job PlotJob) (*PlotSummary, error) {
	if err := checkPlotSize(job.Width, job.Height); err != nil {
		return nil, err
	}
	v, err := src.Read(in)
	if err != nil {
		return nil, err
	}
	known, xy, missing, err := NewIndex(v).IgnoreCase().Project2D(job.Words)
	if err != nil {
		return nil, err
	}
	if job.Title == "" {
		job.Title = "PCA of " + filepath.Base(src.Path)
	}
	err = in.WriteFile(job.Out, func(w io.Writer) error {
		return WritePlot(w, PlotFormat(job.Out), job.Title, known, xy, job.Width, job.Height)
	})
	if err != nil {
		return nil, err
	}
	return &PlotSummary{Ignored: append([]string{}, missing...), Out: job.Out, Words: known}, nil
}

// WriteText writes where the plot went and how many words it shows.
func (s *PlotSummary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "wrote %s (%d words)\n", s.Out, len(s.Words))
	return err
}

// PlotFormat returns the image format for path, its extension without the
// dot ("png" for "-", standard output).
func PlotFormat(path string) string {
	if path == "-" {
		return "png"
	}
	return strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
}

// MaxPlotCM bounds a plot's width and height in centimetres (at the PNG
// resolution, 200 cm is some 7,500 pixels).
const MaxPlotCM = 200

// checkPlotSize refuses a width or height (in centimetres) that is not in
// (0, MaxPlotCM]: the image library panics on NaN and non-positive sizes.
func checkPlotSize(width, height float64) error {
	for _, s := range []struct {
		name string
		cm   float64
	}{{"width", width}, {"height", height}} {
		if !(s.cm > 0 && s.cm <= MaxPlotCM) {
			return fmt.Errorf("plot: %s %v cm must be in (0, %d]", s.name, s.cm, MaxPlotCM)
		}
	}
	return nil
}

// WritePlot draws labelled points xy (one per label) and writes the image
// to w in format (png, svg, pdf, jpg, ...). Width and height are in
// centimetres.
func WritePlot(w io.Writer, format, title string, labels []string, xy [][2]float64, width, height float64) error {
	if err := checkPlotSize(width, height); err != nil {
		return err
	}
	if len(labels) != len(xy) {
		return fmt.Errorf("plot: %d labels for %d points", len(labels), len(xy))
	}
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = "PC 1"
	p.Y.Label.Text = "PC 2"
	pts := make(plotter.XYs, len(xy))
	for i, c := range xy {
		pts[i].X, pts[i].Y = c[0], c[1]
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	sc.GlyphStyle.Radius = vg.Points(3)
	lab := &wordLabels{xys: pts, labels: labels, style: text.Style{
		Font:    font.From(plotter.DefaultFont, vg.Points(9)),
		Handler: plot.DefaultTextHandler,
	}, radius: sc.GlyphStyle.Radius}
	p.Add(plotter.NewGrid(), sc, lab)
	// Leave room for labels beside the outermost points.
	dx, dy := p.X.Max-p.X.Min, p.Y.Max-p.Y.Min
	p.X.Min, p.X.Max = p.X.Min-0.12*dx, p.X.Max+0.12*dx
	p.Y.Min, p.Y.Max = p.Y.Min-0.05*dy, p.Y.Max+0.05*dy
	wd, ht := vg.Length(width)*vg.Centimeter, vg.Length(height)*vg.Centimeter
	var wt io.WriterTo
	if format == "png" {
		// PNG at 150 dpi rather than the default 96 keeps labels legible.
		c := vgimg.NewWith(vgimg.UseWH(wd, ht), vgimg.UseDPI(150))
		p.Draw(draw.New(c))
		wt = vgimg.PngCanvas{Canvas: c}
	} else {
		var err error
		if wt, err = p.WriterTo(wd, ht, format); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// wordLabels draws one label per point, each placed at draw time on the
// side of its point (right, left, above, below, diagonals) that overlaps
// the fewest points and already placed labels.
type wordLabels struct {
	xys    plotter.XYs
	labels []string
	style  text.Style
	radius vg.Length
}

// Plot implements plot.Plotter.
func (l *wordLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	pts := make([]vg.Point, len(l.xys))
	var taken []vg.Rectangle
	for i, xy := range l.xys {
		pts[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		r := l.radius
		taken = append(taken, vg.Rectangle{Min: vg.Point{X: pts[i].X - r, Y: pts[i].Y - r}, Max: vg.Point{X: pts[i].X + r, Y: pts[i].Y + r}})
	}
	overlap := func(a, b vg.Rectangle) vg.Length {
		w := min(a.Max.X, b.Max.X) - max(a.Min.X, b.Min.X)
		h := min(a.Max.Y, b.Max.Y) - max(a.Min.Y, b.Min.Y)
		if w <= 0 || h <= 0 {
			return 0
		}
		return w * h
	}
	pad := l.radius + vg.Points(2)
	for i, label := range l.labels {
		w, h := l.style.Width(label), l.style.Height(label)
		// Bottom-left corners of the candidate boxes, relative to the point.
		cands := []vg.Point{
			{X: pad, Y: -h / 3}, {X: -pad - w, Y: -h / 3}, {X: -w / 2, Y: pad}, {X: -w / 2, Y: -pad - h},
			{X: pad, Y: pad / 2}, {X: pad, Y: -pad/2 - h}, {X: -pad - w, Y: pad / 2}, {X: -pad - w, Y: -pad/2 - h},
		}
		best, bestCost := vg.Rectangle{}, vg.Length(-1)
		for _, off := range cands {
			min := pts[i].Add(off)
			box := vg.Rectangle{Min: min, Max: vg.Point{X: min.X + w, Y: min.Y + h}}
			var cost vg.Length
			for _, t := range taken {
				cost += overlap(box, t)
			}
			// Leaving the data area costs as much as covering the label.
			if !c.Contains(box.Min) || !c.Contains(box.Max) {
				cost += w * h
			}
			if bestCost < 0 || cost < bestCost {
				best, bestCost = box, cost
			}
			if cost == 0 {
				break
			}
		}
		taken = append(taken, best)
		c.FillText(l.style, best.Min, label)
	}
}
