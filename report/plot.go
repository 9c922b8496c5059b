package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// Colours of the two models compared in every figure: the reference (HH)
// in blue, the LIF construction in red, differences in grey.
const (
	colorRef  = 0x1f77b4
	colorTest = 0xd62728
	colorDiff = 0x505050
)

func rgb(c uint32) color.Color {
	return color.RGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: 255}
}

// saveGrid draws plots stacked in one column into path; the format (PNG or
// SVG) follows the file extension. Width and height are per figure.
func saveGrid(path string, plots []*plot.Plot, w, h vg.Length) error {
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(150))}
	case ".svg":
		c = vgsvg.New(w, h)
	default:
		return fmt.Errorf("%s: figures are .png or .svg", path)
	}
	grid := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(grid, tiles, draw.New(c))
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	return atomicfile.Write(path, func(wr io.Writer) error {
		_, err := c.WriteTo(wr)
		return err
	})
}

func xy(t, v []float64) plotter.XYs {
	n := min(len(t), len(v))
	pts := make(plotter.XYs, n)
	for i := range n {
		pts[i].X, pts[i].Y = t[i], v[i]
	}
	return pts
}

func line(p *plot.Plot, pts plotter.XYs, c uint32, label string, dashed bool) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color = rgb(c)
	l.Width = vg.Points(1)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	}
	p.Add(l)
	if label != "" {
		p.Legend.Add(label, l)
	}
	return nil
}

// VoltageOverlay draws two voltage traces on a common time grid (ms, mV)
// over each other, with their difference b − a in a panel below.
func VoltageOverlay(path, title string, t, a, b []float64, labelA, labelB string) error {
	top := plot.New()
	top.Title.Text = title
	top.Y.Label.Text = "V (mV)"
	top.Legend.Top = true
	if err := line(top, xy(t, a), colorRef, labelA, false); err != nil {
		return err
	}
	if err := line(top, xy(t, b), colorTest, labelB, true); err != nil {
		return err
	}
	diff := make([]float64, min(len(a), len(b)))
	for i := range diff {
		diff[i] = b[i] - a[i]
	}
	bottom := plot.New()
	bottom.X.Label.Text = "time (ms)"
	bottom.Y.Label.Text = labelB + " − " + labelA + " (mV)"
	if err := line(bottom, xy(t, diff), colorDiff, "", false); err != nil {
		return err
	}
	return saveGrid(path, []*plot.Plot{top, bottom}, 18*vg.Centimeter, 14*vg.Centimeter)
}

// RasterRow is one line of a raster plot: a label and spike times (ms).
type RasterRow struct {
	Label string
	Times []float64
	Test  bool // drawn in the second model's colour
}

// Raster draws one row of spike ticks per RasterRow, top to bottom, over
// [0, duration] ms.
func Raster(path, title string, rows []RasterRow, duration float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (ms)"
	p.X.Min, p.X.Max = 0, duration
	n := len(rows)
	ticks := make([]plot.Tick, n)
	for i, r := range rows {
		y := float64(n - 1 - i)
		ticks[i] = plot.Tick{Value: y, Label: r.Label}
		if len(r.Times) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(r.Times))
		for k, t := range r.Times {
			pts[k].X, pts[k].Y = t, y
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		s.GlyphStyle.Shape = draw.BoxGlyph{}
		s.GlyphStyle.Radius = vg.Points(1.6)
		s.GlyphStyle.Color = rgb(colorRef)
		if r.Test {
			s.GlyphStyle.Color = rgb(colorTest)
		}
		p.Add(s)
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.8, float64(n)-0.2
	h := vg.Length(max(6, 0.45*float64(n)+3)) * vg.Centimeter
	return saveGrid(path, []*plot.Plot{p}, 18*vg.Centimeter, h)
}

// GroupedBars draws, for each category, one bar per series side by side.
func GroupedBars(path, title, ylabel string, categories []string, series []string, values [][]float64) error {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	w := vg.Points(18)
	colors := []uint32{colorRef, colorTest, colorDiff, 0x2ca02c}
	for s, name := range series {
		if len(values[s]) != len(categories) {
			return fmt.Errorf("%s: series %q has %d values for %d categories", path, name, len(values[s]), len(categories))
		}
		bars, err := plotter.NewBarChart(plotter.Values(values[s]), w)
		if err != nil {
			return err
		}
		bars.Color = rgb(colors[s%len(colors)])
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(2*s-len(series)+1) / 2
		p.Add(bars)
		p.Legend.Add(name, bars)
	}
	p.NominalX(categories...)
	top := 0.0
	for _, vs := range values {
		for _, v := range vs {
			top = max(top, v)
		}
	}
	p.Y.Min, p.Y.Max = 0, 1.45*top+1 // headroom for the legend
	return saveGrid(path, []*plot.Plot{p}, 16*vg.Centimeter, 10*vg.Centimeter)
}

// Series is one named curve of a LinePanels figure.
type Series struct {
	Name string
	X, Y []float64
}

// LinePanels draws one panel per title, each with its curves (with point
// markers), sharing the axis labels.
func LinePanels(path string, titles []string, xlabel, ylabel string, panels [][]Series) error {
	if len(titles) != len(panels) {
		return fmt.Errorf("%s: %d titles for %d panels", path, len(titles), len(panels))
	}
	colors := []uint32{colorRef, colorTest, 0x2ca02c, 0xff7f0e, 0x9467bd, colorDiff}
	var plots []*plot.Plot
	for i, curves := range panels {
		p := plot.New()
		p.Title.Text = titles[i]
		p.X.Label.Text = xlabel
		p.Y.Label.Text = ylabel
		p.Legend.Top = true
		p.Legend.Left = true
		lo, hi := math.Inf(1), math.Inf(-1)
		var ticks []plot.Tick
		for k, c := range curves {
			for _, y := range c.Y {
				lo, hi = min(lo, y), max(hi, y)
			}
			if k == 0 {
				for _, x := range c.X {
					ticks = append(ticks, plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', 4, 64)})
				}
			}
			pts := xy(c.X, c.Y)
			if err := line(p, pts, colors[k%len(colors)], c.Name, false); err != nil {
				return err
			}
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			sc.Color = rgb(colors[k%len(colors)])
			p.Add(sc)
		}
		if len(ticks) > 0 {
			p.X.Tick.Marker = plot.ConstantTicks(ticks)
		}
		if hi >= lo {
			// Room above the curves for the legend.
			span := max(hi-lo, 1)
			p.Y.Min, p.Y.Max = lo-0.1*span, hi+(0.15+0.12*float64(len(curves)))*span*2
		}
		plots = append(plots, p)
	}
	return saveGrid(path, plots, 16*vg.Centimeter, 9*vg.Centimeter)
}

// Trajectories draws each series as a line through its points, in one
// panel with automatic ticks (an information plane: one run per series,
// one point per epoch); logX puts x on a logarithmic scale (all x > 0).
func Trajectories(path, title, xlabel, ylabel string, curves []Series, logX bool) error {
	colors := []uint32{colorRef, colorTest, 0x2ca02c, 0xff7f0e, 0x9467bd, colorDiff}
	p := plot.New()
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = false // the runs start at the bottom right and climb to the top left
	p.Legend.Left = true
	for k, c := range curves {
		if len(c.X) != len(c.Y) {
			return fmt.Errorf("%s: series %q has %d x and %d y values", path, c.Name, len(c.X), len(c.Y))
		}
		pts := xy(c.X, c.Y)
		if err := line(p, pts, colors[k%len(colors)], c.Name, false); err != nil {
			return err
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.Color = rgb(colors[k%len(colors)])
		p.Add(sc)
	}
	return saveGrid(path, []*plot.Plot{p}, 16*vg.Centimeter, 11*vg.Centimeter)
}

// BarPanels draws one bar chart per title, stacked, each with its own
// scale: values[i][j] is category j's bar in panel i.
func BarPanels(path string, titles []string, ylabel string, categories []string, values [][]float64) error {
	if len(titles) != len(values) {
		return fmt.Errorf("%s: %d titles for %d panels", path, len(titles), len(values))
	}
	var plots []*plot.Plot
	for i, vs := range values {
		if len(vs) != len(categories) {
			return fmt.Errorf("%s: panel %q has %d values for %d categories", path, titles[i], len(vs), len(categories))
		}
		p := plot.New()
		p.Title.Text = titles[i]
		p.Y.Label.Text = ylabel
		bars, err := plotter.NewBarChart(plotter.Values(vs), vg.Points(28))
		if err != nil {
			return err
		}
		bars.Color = rgb([]uint32{colorRef, colorTest}[i%2])
		bars.LineStyle.Width = 0
		p.Add(bars)
		p.NominalX(categories...)
		lo, hi := 0.0, 0.0
		for _, v := range vs {
			lo, hi = min(lo, v), max(hi, v)
		}
		p.Y.Min, p.Y.Max = lo*1.1, hi*1.1+1e-9
		plots = append(plots, p)
	}
	return saveGrid(path, plots, 16*vg.Centimeter, 7*vg.Centimeter)
}

// Band is a curve with a shaded band of ± SD around it.
type Band struct {
	Name        string
	X, Mean, SD []float64
}

// Bands draws each band's mean as a line over its ±SD region, in one
// panel (learning curves: mean ± 1 s.d. over runs).
func Bands(path, title, xlabel, ylabel string, bands []Band) error {
	colors := []uint32{colorRef, colorTest, 0x2ca02c, 0xff7f0e, 0x9467bd, colorDiff}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = false // learning curves rise: the bottom right is free
	for k, b := range bands {
		if len(b.X) != len(b.Mean) || len(b.X) != len(b.SD) {
			return fmt.Errorf("%s: band %q has %d x, %d means and %d deviations", path, b.Name, len(b.X), len(b.Mean), len(b.SD))
		}
		if len(b.X) == 0 {
			continue
		}
		c := colors[k%len(colors)]
		poly := make(plotter.XYs, 0, 2*len(b.X))
		for i := range b.X {
			poly = append(poly, plotter.XY{X: b.X[i], Y: b.Mean[i] + b.SD[i]})
		}
		for i := len(b.X) - 1; i >= 0; i-- {
			poly = append(poly, plotter.XY{X: b.X[i], Y: b.Mean[i] - b.SD[i]})
		}
		fill, err := plotter.NewPolygon(poly)
		if err != nil {
			return err
		}
		col := color.NRGBA(rgb(c).(color.RGBA))
		col.A = 60 // a light band under the mean's line
		fill.Color = col
		fill.LineStyle.Width = 0
		p.Add(fill)
		if err := line(p, xy(b.X, b.Mean), c, b.Name, false); err != nil {
			return err
		}
	}
	return saveGrid(path, []*plot.Plot{p}, 16*vg.Centimeter, 10*vg.Centimeter)
}

// TimePanels draws one panel per title, stacked, each with its series as
// lines over a shared x label (a trajectory over time), automatic ticks.
func TimePanels(path string, titles []string, xlabel string, panels [][]Series) error {
	if len(titles) != len(panels) {
		return fmt.Errorf("%s: %d titles for %d panels", path, len(titles), len(panels))
	}
	colors := []uint32{colorRef, colorTest, 0x2ca02c}
	var plots []*plot.Plot
	for i, curves := range panels {
		p := plot.New()
		p.Title.Text = titles[i]
		p.X.Label.Text = xlabel
		p.Legend.Top = true
		for k, c := range curves {
			if err := line(p, xy(c.X, c.Y), colors[k%len(colors)], c.Name, false); err != nil {
				return err
			}
		}
		plots = append(plots, p)
	}
	return saveGrid(path, plots, 16*vg.Centimeter, vg.Length(len(plots))*6*vg.Centimeter)
}
