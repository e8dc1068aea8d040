package lm

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/recurrent-go/recurrent/text"
)

// PlotFile is the loss-curve image RunSummary writes into the checkpoint
// directory.
const PlotFile = "loss.png"

// WritePlot draws the training and validation loss (nats per token)
// against the epoch and writes it as a PNG to path, atomically. Points
// without a training loss (a validation before any step) are skipped on the
// training curve.
func WritePlot(path string, hist []Point, title string) error {
	if len(hist) == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "loss (nats/token)"
	p.Add(plotter.NewGrid())
	var train, valid plotter.XYs
	for _, h := range hist {
		if h.TrainLoss != 0 {
			train = append(train, plotter.XY{X: h.Epoch, Y: h.TrainLoss})
		}
		valid = append(valid, plotter.XY{X: h.Epoch, Y: h.ValidLoss})
	}
	for _, c := range []struct {
		name  string
		xys   plotter.XYs
		color color.Color
	}{{"train", train, color.RGBA{R: 31, G: 119, B: 180, A: 255}}, {"validation", valid, color.RGBA{R: 214, G: 39, B: 40, A: 255}}} {
		if len(c.xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(c.xys)
		if err != nil {
			return fmt.Errorf("loss plot: %w", err)
		}
		l.Color, pts.Color = c.color, c.color
		l.Width = vg.Points(1.5)
		pts.Radius = vg.Points(2)
		p.Add(l, pts)
		p.Legend.Add(c.name, l, pts)
	}
	p.Legend.Top = true
	wt, err := p.WriterTo(16*vg.Centimeter, 10*vg.Centimeter, "png")
	if err != nil {
		return fmt.Errorf("loss plot: %w", err)
	}
	if err := text.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("loss plot %s: %w", filepath.Clean(path), err)
	}
	return nil
}
