package email

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/postlive/postlive/reports"
)

// The per-minute chart is drawn at twice the size it is shown at (ChartWidth ×
// ChartHeight CSS pixels), so it stays sharp on high-density screens. It is
// laid out for a phone: 360 CSS px is what a 390 px screen leaves it, and
// every text on it is at least minChartText CSS px there (1 point = 1 CSS
// px at chartDPI).
const (
	ChartWidth   = 360
	ChartHeight  = 300
	chartDPI     = 144 // 2 device pixels per CSS pixel (72 points per inch)
	minChartText = 11
)

// Colours: those of the HTML report's chart (reports/charts.go), each at least
// 3:1 against white.
var (
	colViewers  = color.RGBA{0x1f, 0x5f, 0xa8, 0xff}
	colClicks   = color.RGBA{0x2e, 0x7d, 0x32, 0xff}
	colOrders   = color.RGBA{0x7b, 0x1f, 0xa2, 0xff}
	colPeak     = color.RGBA{0xa3, 0x3b, 0x00, 0xff}
	colText     = color.RGBA{0x1b, 0x1b, 0x1b, 0xff}
	colGrid     = color.RGBA{0xe3, 0xe3, 0xe3, 0xff}
	colDropFill = color.NRGBA{0xf5, 0xb0, 0x00, 0x40} // the report's rgba(245, 176, 0, .18), a little stronger for print
	colDropText = color.RGBA{0x6b, 0x4e, 0x00, 0xff}
)

// sans is the chart's typeface: Liberation Sans, embedded with gonum/plot,
// so the PNG does not depend on the fonts of the machine.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func textStyle(size vg.Length, c color.Color, xa draw.XAlignment, ya draw.YAlignment) draw.TextStyle {
	return draw.TextStyle{Color: c, Font: font.From(sans, size), XAlign: xa, YAlign: ya, Handler: plot.DefaultTextHandler}
}

// MinuteChart draws a stream's minutes as a PNG: viewers per minute on top
// (peak moments marked with a triangle and their mm:ss), clicks (bars) and
// orders (points) per minute below, drop windows shaded in both panels and
// named on top, a legend above. The same minutes give the same bytes. ok is
// false when the stream has no minutes (there is nothing to draw).
func MinuteChart(s reports.Stream) (png []byte, ok bool, err error) {
	if len(s.Minutes) == 0 {
		return nil, false, nil
	}
	last := s.Minutes[len(s.Minutes)-1].Minute + 1
	top, bottom := plot.New(), plot.New()
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = 0, float64(last)
		p.Y.Min = 0
		p.X.Tick.Marker = minuteTicks(last)
		p.Y.Tick.Marker = countTicks{}
		p.X.Padding, p.Y.Padding = 0, 0
		for _, a := range []*plot.Axis{&p.X, &p.Y} {
			a.Label.TextStyle.Font = font.From(sans, 12)
			a.Tick.Label.Font = font.From(sans, minChartText)
			a.Color, a.Label.TextStyle.Color, a.Tick.Label.Color, a.Tick.Color = colText, colText, colText, colText
		}
		grid := plotter.NewGrid()
		grid.Vertical.Color, grid.Horizontal.Color = nil, colGrid
		p.Add(grid)
	}
	top.Y.Label.Text = "viewers"
	bottom.Y.Label.Text = "clicks, orders"
	bottom.X.Label.Text = "minutes into the stream"
	top.HideX()

	var windows []dropWindow
	for _, d := range s.Drops {
		if math.IsNaN(d.From) || math.IsNaN(d.To) || d.To <= 0 || d.From >= float64(last) {
			continue
		}
		windows = append(windows, dropWindow{from: math.Max(d.From, 0), to: math.Min(d.To, float64(last)), name: d.Name})
	}
	top.Add(&shade{windows: windows, named: true})
	bottom.Add(&shade{windows: windows})

	var viewers, orders plotter.XYs
	var peaks []peak
	var clicks []bar
	ymaxTop, ymaxBottom := 0.0, 0.0
	for _, m := range s.Minutes {
		x := float64(m.Minute) + 0.5
		if !math.IsNaN(m.Viewers) {
			viewers = append(viewers, plotter.XY{X: x, Y: m.Viewers})
			ymaxTop = math.Max(ymaxTop, m.Viewers)
		}
		if !math.IsNaN(m.Clicks) {
			clicks = append(clicks, bar{x: float64(m.Minute), h: m.Clicks})
			ymaxBottom = math.Max(ymaxBottom, m.Clicks)
		}
		if !math.IsNaN(m.Orders) && m.Orders > 0 {
			orders = append(orders, plotter.XY{X: x, Y: m.Orders})
			ymaxBottom = math.Max(ymaxBottom, m.Orders)
		}
		if m.IsPeak {
			v := m.Viewers
			if math.IsNaN(v) {
				v = 0
			}
			peaks = append(peaks, peak{x: x, y: v, label: m.Clock})
		}
	}
	// Headroom above the data for the drop names and peak labels.
	top.Y.Max = niceMax(ymaxTop * 1.6)
	bottom.Y.Max = niceMax(ymaxBottom * 1.1)

	var legend []legendItem
	if len(viewers) > 0 {
		l, err := plotter.NewLine(viewers)
		if err != nil {
			return nil, false, err
		}
		l.Color, l.Width = colViewers, vg.Points(1.6)
		top.Add(l)
		legend = append(legend, legendItem{"viewers", l})
	}
	if len(peaks) > 0 {
		pk := &peakMarks{peaks: peaks}
		top.Add(pk)
		legend = append(legend, legendItem{"peak moment", pk})
	}
	if len(clicks) > 0 {
		b := &bars{bars: clicks, color: colClicks}
		bottom.Add(b)
		legend = append(legend, legendItem{"clicks", b})
	}
	if len(orders) > 0 {
		sc, err := plotter.NewScatter(orders)
		if err != nil {
			return nil, false, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: colOrders, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
		bottom.Add(sc)
		legend = append(legend, legendItem{"orders", sc})
	}
	if len(windows) > 0 {
		legend = append(legend, legendItem{"drop window", &shade{}})
	}

	img := vgimg.NewWith(vgimg.UseWH(vg.Points(ChartWidth), vg.Points(ChartHeight)), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	legendHeight := float64(legendRows(legend, vg.Points(ChartWidth-8)) * 16)
	drawLegend(draw.Crop(dc, vg.Points(8), 0, vg.Points(ChartHeight-legendHeight), 0), legend)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(10)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, draw.Crop(dc, 0, 0, 0, -vg.Points(legendHeight+2)))
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, false, fmt.Errorf("encode chart png: %w", err)
	}
	return buf.Bytes(), true, nil
}

type legendItem struct {
	label string
	thumb plot.Thumbnailer
}

var legendStyle = textStyle(minChartText, colText, draw.XLeft, draw.YCenter)

// legendWidth is the width of one legend entry: swatch, gap, label, space.
func legendWidth(it legendItem) vg.Length {
	return vg.Points(15) + legendStyle.Width(it.label) + vg.Points(12)
}

// legendRows is how many rows of width the legend takes.
func legendRows(items []legendItem, width vg.Length) int {
	rows, x := 1, vg.Length(0)
	for _, it := range items {
		w := legendWidth(it)
		if x > 0 && x+w > width {
			rows, x = rows+1, 0
		}
		x += w
	}
	return rows
}

// drawLegend writes the legend in rows of 16 points from the top of c: a
// swatch, then its label, wrapping where the next entry would not fit.
func drawLegend(c draw.Canvas, items []legendItem) {
	x := c.Min.X
	mid := c.Max.Y - vg.Points(8)
	for _, it := range items {
		w := legendWidth(it)
		if x > c.Min.X && x+w > c.Max.X {
			x, mid = c.Min.X, mid-vg.Points(16)
		}
		sw := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: x, Y: mid - vg.Points(4)}, Max: vg.Point{X: x + vg.Points(12), Y: mid + vg.Points(4)}}}
		it.thumb.Thumbnail(&sw)
		c.FillText(legendStyle, vg.Point{X: x + vg.Points(15), Y: mid}, it.label)
		x += w
	}
}

// minuteTicks labels the x axis every 5, 10, 15, 30 or 60 minutes with the
// minutes into the stream (0, 10, 20, …; not a clock time).
func minuteTicks(last int64) plot.Ticker {
	step := int64(5)
	for _, s := range []int64{5, 10, 15, 30, 60} {
		step = s
		if last/s <= 6 {
			break
		}
	}
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		for m := int64(0); m <= last; m += step {
			ts = append(ts, plot.Tick{Value: float64(m), Label: fmt.Sprint(m)})
		}
		return ts
	})
}

// countTicks labels a count axis with whole numbers at a round step.
type countTicks struct{}

func (countTicks) Ticks(min, max float64) []plot.Tick {
	step := tickStep(max)
	var ts []plot.Tick
	for v := 0.0; v <= max+step/1e6; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: groupThousands(int64(math.Round(v)))})
	}
	return ts
}

// tickStep is 1, 2 or 5 × 10^k giving at most 5 intervals up to max.
func tickStep(max float64) float64 {
	if max <= 0 {
		return 1
	}
	for p := 1.0; ; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if max/(m*p) <= 5 {
				return m * p
			}
		}
	}
}

// niceMax rounds an axis maximum up to a whole tick step (at least 1).
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	step := tickStep(v)
	return math.Ceil(v/step) * step
}

func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "−" + groupThousands(-n)
	}
	var b []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

type dropWindow struct {
	from, to float64
	name     string
}

// shade fills the drop windows over the whole height of the data area and,
// when named, writes each drop's name at its top.
type shade struct {
	windows []dropWindow
	named   bool
}

func (s *shade) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	sty := textStyle(minChartText, colDropText, draw.XLeft, draw.YTop)
	for _, w := range s.windows {
		x0, x1 := tx(w.from), tx(w.to)
		c.FillPolygon(colDropFill, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
		if s.named && w.name != "" {
			c.FillText(sty, vg.Point{X: x0 + vg.Points(2), Y: c.Max.Y - vg.Points(2)}, w.name)
		}
	}
}

// Thumbnail draws the legend's swatch.
func (s *shade) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(colDropFill, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

type bar struct{ x, h float64 }

// bars draws one bar per minute, filling 70 % of the minute.
type bars struct {
	bars  []bar
	color color.Color
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for _, r := range b.bars {
		if r.h <= 0 {
			continue
		}
		x0, x1 := tx(r.x+0.15), tx(r.x+0.85)
		y0, y1 := ty(0), ty(r.h)
		c.FillPolygon(b.color, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	}
}

func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, r := range b.bars {
		xmin, xmax = math.Min(xmin, r.x), math.Max(xmax, r.x+1)
		ymax = math.Max(ymax, r.h)
	}
	return xmin, xmax, 0, ymax
}

func (b *bars) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.color, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

type peak struct {
	x, y  float64
	label string
}

// peakMarks marks the peak moments with a triangle above the viewers line and
// their offset (mm:ss) above it.
type peakMarks struct{ peaks []peak }

var peakGlyph = draw.GlyphStyle{Color: colPeak, Radius: vg.Points(3.5), Shape: draw.PyramidGlyph{}}

func (pk *peakMarks) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	sty := textStyle(minChartText, colPeak, draw.XCenter, draw.YBottom)
	var prevX vg.Length
	var prevRaised bool
	for i, m := range pk.peaks {
		pt := vg.Point{X: tx(m.x), Y: ty(m.y) + vg.Points(7)}
		c.DrawGlyph(peakGlyph, pt)
		lift := vg.Points(4.5)
		// Peaks at least 2 minutes apart can still be close on a long
		// stream: lift every other crowded label above its neighbour.
		raised := i > 0 && pt.X-prevX < sty.Width(m.label)+vg.Points(2) && !prevRaised
		if raised {
			lift += vg.Points(minChartText + 2)
		}
		c.FillText(sty, vg.Point{X: pt.X, Y: pt.Y + lift}, m.label)
		prevX, prevRaised = pt.X, raised
	}
}

func (pk *peakMarks) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(peakGlyph, c.Center())
}
