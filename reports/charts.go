package reports

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// chart is one chart on a page: go-echarts builds its options, we marshal them
// with encoding/json (which escapes <, > and & inside strings, so no data can
// close the script element) and our template draws the container, the alt text
// and the data table that stands in for the chart without script or in print.
type chart struct {
	ID      string // a valid JS identifier, unique per page, derived from report and chart name
	Title   string
	Alt     string
	Height  int
	Options template.JS
	Table   dataTable
	Static  bool // shown as its table only (page.Static)
}

type dataTable struct {
	Caption string
	Head    []string
	Rows    [][]string
}

// Palette: all of them reach at least 3:1 against white, as WCAG asks of graphics.
const (
	colViewers    = "#1f5fa8"
	colEngagement = "#c25e00"
	colClicks     = "#2e7d32"
	colOrders     = "#7b1fa2"
	colDropFill   = "rgba(245, 176, 0, 0.18)"
	colDropText   = "#6b4e00"
	colText       = "#1b1b1b"
	colMuted      = "#555555"
)

// chartID derives a chart id from the report kind and the chart name (both ours,
// never from data) and an index, so it is stable and a valid JS identifier.
func chartID(report, name string, i int) string {
	id := "chart_" + report + "_" + name
	if i >= 0 {
		id += fmt.Sprintf("_%d", i)
	}
	var b strings.Builder
	for _, r := range id {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

type echartsOptions interface {
	Validate()
	JSON() map[string]any
}

// finish validates a go-echarts chart, adds the options go-echarts has no field
// for, and marshals the result with encoding/json.
func finish(c echartsOptions, patches ...func(m map[string]any) error) (template.JS, error) {
	c.Validate()
	m := c.JSON()
	delete(m, "toolbox") // no toolbox component in our bundle
	delete(m, "color")
	m["animation"] = false
	m["useUTC"] = true // time axes show UTC, never the viewer's zone
	m["color"] = []string{colViewers, colEngagement, colClicks, colOrders, "#00838f", "#ad1457", "#5d4037"}
	m["textStyle"] = map[string]any{"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "color": colText}
	if t, ok := m["tooltip"].(opts.Tooltip); ok {
		// richText draws the tooltip on the canvas: no data ever reaches innerHTML.
		m["tooltip"] = map[string]any{"show": true, "trigger": orDefault(t.Trigger, "item"), "renderMode": "richText", "confine": true}
	}
	for _, p := range patches {
		if err := p(m); err != nil {
			return "", err
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("marshal chart options: %w", err)
	}
	// json.Marshal escapes <, >, &, U+2028 and U+2029: the result is inert inside
	// a <script type="application/json"> element.
	return template.JS(b), nil
}

// seriesOption sets an option of series i that go-echarts has no field for.
func seriesOption(i int, key string, value any) func(m map[string]any) error {
	return func(m map[string]any) error {
		b, err := json.Marshal(m["series"])
		if err != nil {
			return err
		}
		var series []map[string]any
		if err := json.Unmarshal(b, &series); err != nil {
			return err
		}
		if i >= len(series) {
			return fmt.Errorf("chart has no series %d", i)
		}
		series[i][key] = value
		m["series"] = series
		return nil
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func withSeries(f func(s *charts.SingleSeries)) charts.SeriesOpts {
	return charts.WithSeriesOpts(f)
}

// dropSpan gives the first and last minute (as category labels) a drop window covers.
func dropSpan(d drop, started time.Time, last int64) (string, string, bool) {
	if !d.StartsAt.Valid || !d.EndsAt.Valid || started.IsZero() {
		return "", "", false
	}
	from := int64(math.Floor(d.StartsAt.Time.Sub(started).Minutes()))
	to := int64(math.Ceil(d.EndsAt.Time.Sub(started).Minutes())) - 1
	if from < 0 {
		from = 0
	}
	if to > last {
		to = last
	}
	if to < from || from > last {
		return "", "", false
	}
	return minuteClock(from), minuteClock(to), true
}

func dropName(d drop) string {
	if d.CouponCode != "" {
		return d.CouponCode
	}
	return d.ID
}

func minuteChart(report string, s *stream, cur string) (chart, error) {
	cats := make([]string, len(s.Minutes))
	viewers := make([]opts.LineData, len(s.Minutes))
	engagement := make([]opts.BarData, len(s.Minutes))
	clicks := make([]opts.BarData, len(s.Minutes))
	orders := make([]opts.LineData, len(s.Minutes))
	var peaks []opts.MarkPointNameCoordItem
	var peakNames []string
	tbl := dataTable{
		Caption: "Per minute (" + "offset from the start of the stream)",
		Head:    []string{"Minute", "Viewers", "Likes", "Comments", "Shares", "Engagement", "Clicks", "Orders", "Revenue", "In a drop", "Peak"},
	}
	var last int64
	label := map[string]string{} // mm:ss → the category label (a partial last minute says so)
	for i, m := range s.Minutes {
		cats[i] = minuteLabel(m)
		label[minuteClock(m.Minute)] = cats[i]
		viewers[i] = opts.LineData{Value: chartValue(m.Viewers)}
		engagement[i] = opts.BarData{Value: chartValue(m.Engagement)}
		clicks[i] = opts.BarData{Value: chartValue(m.Clicks)}
		orders[i] = opts.LineData{Value: chartValue(m.Orders)}
		if m.IsPeak {
			peaks = append(peaks, opts.MarkPointNameCoordItem{
				Name:       "Peak " + cats[i],
				Coordinate: []any{cats[i], chartValue(m.Engagement)},
				Value:      cats[i],
				Symbol:     "pin",
				SymbolSize: 44,
				Label:      &opts.Label{Show: opts.Bool(true), FontSize: 11, Color: "#ffffff"},
				ItemStyle:  &opts.ItemStyle{Color: "#a33b00"},
			})
			peakNames = append(peakNames, cats[i])
		}
		last = m.Minute
		tbl.Rows = append(tbl.Rows, []string{cats[i], fmtNumber(m.Viewers, 0), fmtCount(m.Likes), fmtCount(m.Comments),
			fmtCount(m.Shares), fmtPctPoints(m.Engagement), fmtCount(m.Clicks), fmtCount(m.Orders),
			fmtMoney(m.Revenue, cur), yesNo(m.InDrop), yesNo(m.IsPeak)})
	}
	var areas [][]opts.MarkAreaData
	var dropNames []string
	for _, d := range s.Drops {
		from, to, ok := dropSpan(d, s.StartedAt.Time, last)
		if !ok {
			continue
		}
		areas = append(areas, []opts.MarkAreaData{{Name: dropName(d), XAxis: label[from]}, {XAxis: label[to]}})
		dropNames = append(dropNames, dropName(d)+" "+clock(d.StartsAt.Time.Sub(s.StartedAt.Time))+"–"+clock(d.EndsAt.Time.Sub(s.StartedAt.Time)))
	}
	// Drop windows are shaded in both grids and named above the upper one,
	// each on a bar series: the same category axis in both panels, so the
	// shading covers the same minutes above and below.
	areaStyle := charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{
		ItemStyle: &opts.ItemStyle{Color: colDropFill},
		Label:     &opts.Label{Show: opts.Bool(true), Color: colDropText, Position: "top", FontSize: 11, FontWeight: "bold"},
	})
	areaStyleQuiet := charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{
		ItemStyle: &opts.ItemStyle{Color: colDropFill},
		Label:     &opts.Label{Show: opts.Bool(false)},
	})

	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(
			opts.Grid{Left: "48", Right: "48", Top: "84", Height: "42%"},
			opts.Grid{Left: "48", Right: "48", Top: "72%", Bottom: "44"},
		),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", GridIndex: 0, AxisLabel: &opts.AxisLabel{Show: opts.Bool(false)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "Viewers", GridIndex: 0}),
	)
	bar.SetXAxis(cats)
	bar.ExtendXAxis(opts.XAxis{Type: "category", GridIndex: 1, Data: cats, Name: "minutes into the stream (mm:ss)", NameLocation: "middle", NameGap: 28})
	bar.ExtendYAxis(
		opts.YAxis{Type: "value", Name: "Engagement %", GridIndex: 0, Position: "right", SplitLine: &opts.SplitLine{Show: opts.Bool(false)}},
		opts.YAxis{Type: "value", Name: "Clicks, orders", GridIndex: 1, MinInterval: 1},
	)
	bar.AddSeries("Engagement rate %", engagement,
		withSeries(func(x *charts.SingleSeries) { x.YAxisIndex = 1; x.Color = colEngagement }),
		charts.WithMarkPointNameCoordItemOpts(peaks...),
		charts.WithMarkAreaData(areas...), areaStyle,
	)
	bar.AddSeries("Clicks", clicks,
		withSeries(func(x *charts.SingleSeries) { x.XAxisIndex = 1; x.YAxisIndex = 2; x.Color = colClicks }),
		charts.WithMarkAreaData(areas...), areaStyleQuiet,
	)
	line := charts.NewLine()
	line.AddSeries("Viewers", viewers,
		withSeries(func(x *charts.SingleSeries) { x.Color = colViewers; x.ShowSymbol = opts.Bool(false) }),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 2}),
	)
	line.AddSeries("Orders", orders,
		withSeries(func(x *charts.SingleSeries) {
			x.XAxisIndex = 1
			x.YAxisIndex = 2
			x.Color = colOrders
			x.Symbol = "circle"
		}),
	)
	bar.Overlap(line)
	o, err := finish(bar)
	if err != nil {
		return chart{}, err
	}
	alt := fmt.Sprintf("Chart of the stream minute by minute over %d minutes: viewers as a line, engagement rate as bars, clicks and orders below.", len(s.Minutes))
	if len(dropNames) > 0 {
		alt += " Shaded drop windows: " + strings.Join(dropNames, ", ") + "."
	}
	if len(peakNames) > 0 {
		alt += " Peak engagement at " + strings.Join(peakNames, ", ") + "."
	}
	if note := partialNote(s); note != "" {
		alt += " " + note
	}
	return chart{ID: chartID(report, "minutes", -1), Title: "Viewers, engagement, clicks and orders per minute", Alt: alt, Height: 460, Options: o, Table: tbl}, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func funnelChart(report string, s *stream) (chart, error) {
	f := charts.NewFunnel()
	f.SetGlobalOptions(
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
	)
	f.AddSeries("Funnel", []opts.FunnelData{
		{Name: "Viewers " + fmtCount(s.Viewers), Value: chartValue(s.Viewers)},
		{Name: "Clicks " + fmtCount(s.Clicks), Value: chartValue(s.Clicks)},
		{Name: "Orders " + fmtCount(s.Orders), Value: chartValue(s.Orders)},
	},
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{b}", Color: colText, FontSize: 13}),
		charts.WithItemStyleOpts(opts.ItemStyle{BorderColor: "#ffffff", BorderWidth: 1}),
		withSeries(func(x *charts.SingleSeries) { x.Sort = "none"; x.Left = "4%"; x.Top = "8"; x.Bottom = "8" }),
	)
	// Orders are a small share of viewers: a minimum width keeps every step visible;
	// the labels and the table carry the numbers.
	o, err := finish(f, seriesOption(0, "minSize", "12%"), seriesOption(0, "width", "58%"), seriesOption(0, "gap", 2))
	if err != nil {
		return chart{}, err
	}
	tbl := dataTable{
		Caption: "Funnel",
		Head:    []string{"Step", "Count", "Rate from the step before"},
		Rows: [][]string{
			{"Viewers (" + viewerBasisWords(s.ViewerBasis) + ")", fmtCount(s.Viewers), ""},
			{"Clicks", fmtCount(s.Clicks), fmtPct(s.CTR) + " click-through"},
			{"Orders", fmtCount(s.Orders), fmtPct(s.CVRClick) + " of clicks"},
		},
	}
	alt := fmt.Sprintf("Funnel: %s viewers, %s clicks (%s click-through), %s orders (%s of clicks).",
		fmtCount(s.Viewers), fmtCount(s.Clicks), fmtPct(s.CTR), fmtCount(s.Orders), fmtPct(s.CVRClick))
	return chart{ID: chartID(report, "funnel", -1), Title: "Viewers, clicks and orders", Alt: alt, Height: 240, Options: o, Table: tbl}, nil
}

func viewerBasisWords(b string) string {
	switch b {
	case "unique":
		return "unique viewers"
	case "peak_concurrent":
		return "peak concurrent viewers"
	}
	return orDash(b)
}

func revenueChart(report string, s *stream, cur string) (chart, error) {
	b := charts.NewBar()
	b.SetGlobalOptions(
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(opts.Grid{Left: "64", Right: "16", Top: "36", Bottom: "32"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "Revenue (" + cur + ")"}),
	)
	b.SetXAxis([]string{"During", "After"})
	b.AddSeries("Revenue", []opts.BarData{
		{Value: chartValue(s.RevenueDuring), ItemStyle: &opts.ItemStyle{Color: colViewers},
			Label: &opts.Label{Show: opts.Bool(true), Position: "top", Color: colText, Formatter: fmtMoney(s.RevenueDuring, cur)}},
		{Value: chartValue(s.RevenueAfter), ItemStyle: &opts.ItemStyle{Color: colClicks},
			Label: &opts.Label{Show: opts.Bool(true), Position: "top", Color: colText, Formatter: fmtMoney(s.RevenueAfter, cur)}},
	},
		withSeries(func(x *charts.SingleSeries) { x.BarMaxWidth = "96" }),
	)
	o, err := finish(b)
	if err != nil {
		return chart{}, err
	}
	tbl := dataTable{
		Caption: "Revenue during and after the stream",
		Head:    []string{"When", "Orders", "Revenue"},
		Rows: [][]string{
			{"During the stream", fmtCount(s.OrdersDuring), fmtMoney(s.RevenueDuring, cur)},
			{"After the stream (attribution window)", fmtCount(s.OrdersAfter), fmtMoney(s.RevenueAfter, cur)},
		},
	}
	alt := fmt.Sprintf("Bar chart: %s revenue during the stream, %s after it.", fmtMoney(s.RevenueDuring, cur), fmtMoney(s.RevenueAfter, cur))
	return chart{ID: chartID(report, "revenue", -1), Title: "Revenue of orders placed during and after the stream", Alt: alt, Height: 240, Options: o, Table: tbl}, nil
}

// revenueByChart draws a merchant's net revenue per stream or per drop as
// horizontal bars, largest first, the value written at each bar.
func revenueByChart(report, name, title, what string, labels []string, rows []revenueBy, cur string) (chart, error) {
	type bar struct {
		label string
		r     revenueBy
	}
	bars := make([]bar, len(rows))
	for i := range rows {
		bars[i] = bar{labels[i], rows[i]}
	}
	sort.SliceStable(bars, func(i, j int) bool { return bars[i].r.NetRevenue.Float64 > bars[j].r.NetRevenue.Float64 })
	tbl := dataTable{Caption: title, Head: []string{what, "Redemptions", "Net revenue"}}
	var cats []string
	var data []opts.BarData
	// The axis lists from the top: the largest bar first.
	for i := len(bars) - 1; i >= 0; i-- {
		b := bars[i]
		cats = append(cats, clipLabel(b.label, 22))
		data = append(data, opts.BarData{Value: chartValue(b.r.NetRevenue),
			Label: &opts.Label{Show: opts.Bool(true), Position: "right", Color: colText, Formatter: fmtMoney(b.r.NetRevenue, cur)}})
	}
	for _, b := range bars {
		tbl.Rows = append(tbl.Rows, []string{b.label, fmt.Sprint(b.r.Redemptions), fmtMoney(b.r.NetRevenue, cur)})
	}
	c := charts.NewBar()
	c.SetGlobalOptions(
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(opts.Grid{Left: "150", Right: "80", Top: "8", Bottom: "28"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: cur, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: cats, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", FontSize: 11, Width: 140, Overflow: "truncate"}}),
	)
	c.AddSeries("Net revenue", data, withSeries(func(x *charts.SingleSeries) { x.Color = colViewers; x.BarMaxWidth = "28" }))
	o, err := finish(c)
	if err != nil {
		return chart{}, err
	}
	alt := fmt.Sprintf("Bar chart: %s, %d bars, largest first.", title, len(bars))
	return chart{ID: chartID(report, name, -1), Title: title, Alt: alt, Height: 40 + 34*len(bars), Options: o, Table: tbl}, nil
}

// clipLabel shortens a chart label to n characters with an ellipsis.
func clipLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// clampLift keeps a relative lift at −100 % or above (liftBound).
func clampLift(v sql.NullFloat64) sql.NullFloat64 {
	if v.Valid && v.Float64 < -1 {
		v.Float64 = -1
	}
	return v
}

func pctValue(v sql.NullFloat64) any {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return "-"
	}
	return math.Round(v.Float64*1000) / 10
}

func liftChart(report string, e *experiment) (chart, error) {
	var cats []string
	var boxes []opts.KlineData
	var points []opts.ScatterData
	tbl := dataTable{Caption: "Relative lift against the control with its interval", Head: []string{"Metric", "Variant", "Lift", "Interval"}}
	for _, x := range e.Rows {
		cat := metricShort(x.Metric) + " · " + x.Variant
		cats = append(cats, cat)
		// A bound below −100 % is drawn at −100 % (liftBound).
		lo, hi := pctValue(clampLift(x.CILow)), pctValue(clampLift(x.CIHigh))
		boxes = append(boxes, opts.KlineData{Name: cat, Value: []any{lo, hi, lo, hi}})
		points = append(points, opts.ScatterData{Name: cat, Value: pctValue(x.LiftRel)})
		ci := dash
		if x.CILow.Valid {
			ci = ciText(x)
		}
		tbl.Rows = append(tbl.Rows, []string{metricLabel(x.Metric), x.Variant, fmtSignedPct(x.LiftRel), ci})
	}
	k := charts.NewKLine()
	k.SetGlobalOptions(
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(opts.Grid{Left: "56", Right: "24", Top: "40", Bottom: "104"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", Rotate: 35, FontSize: 11}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "Lift %"}),
	)
	k.SetXAxis(cats)
	k.AddSeries("Interval", boxes,
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "rgba(31, 95, 168, 0.25)", Color0: "rgba(31, 95, 168, 0.25)", BorderColor: colViewers, BorderColor0: colViewers}),
		withSeries(func(x *charts.SingleSeries) { x.BarMaxWidth = "40" }),
	)
	sc := charts.NewScatter()
	sc.AddSeries("Lift", points,
		withSeries(func(x *charts.SingleSeries) { x.Color = colEngagement; x.SymbolSize = 12 }),
		charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "no change", YAxis: 0}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"}, LineStyle: &opts.LineStyle{Color: colMuted, Type: "dashed"}}),
	)
	k.Overlap(sc)
	o, err := finish(k)
	if err != nil {
		return chart{}, err
	}
	alt := "Chart of the relative lift of each variant against the control, per metric, with its interval: "
	var parts []string
	for _, r := range tbl.Rows {
		parts = append(parts, r[0]+" "+r[1]+" "+r[2]+" ("+r[3]+")")
	}
	alt += strings.Join(parts, "; ") + "."
	return chart{ID: chartID(report, "lift", -1), Title: "Lift with intervals", Alt: alt, Height: 380, Options: o, Table: tbl}, nil
}

var statusOrder = []string{"in_window", "over_quantity", "before_window", "after_window", "duplicate", "void", "unknown_code"}

func statusWords(s string) string {
	switch s {
	case "in_window":
		return "in window"
	case "over_quantity":
		return "over the cap"
	case "before_window":
		return "before the window"
	case "after_window":
		return "after the window"
	case "void":
		return "void"
	case "duplicate":
		return "duplicate"
	case "unknown_code":
		return "unknown code"
	}
	return s
}

// timelineChart shows one drop: its window shaded on a UTC time axis and each
// redemption of its code as a point on the row of its status. The axis spans
// the window with a margin and the redemptions near it; redemptions far from
// the window (more than six hours) are counted in the alt text and listed in
// the table, not drawn, so the window stays readable.
func timelineChart(report string, i int, d drop, rows []redemption, cur string, loc *time.Location) (chart, int, error) {
	const reach = 6 * time.Hour
	byStatus := map[string][]opts.ScatterData{}
	tbl := dataTable{Caption: "Redemptions of " + dropName(d) + " (times in " + loc.String() + ")", Head: []string{"Redeemed", "Order", "Status", "Net revenue"}}
	lo, hi := d.StartsAt.Time, d.EndsAt.Time
	hasWindow := d.StartsAt.Valid && d.EndsAt.Valid
	outside := 0
	for _, x := range rows {
		if !x.RedeemedAt.Valid {
			continue
		}
		tbl.Rows = append(tbl.Rows, []string{fmtTimeIn(x.RedeemedAt, loc), orderWords(x.OrderName.String, x.OrderID), statusWords(x.Status), fmtMoney(x.NetRevenue, cur)})
		t := x.RedeemedAt.Time
		if hasWindow && (t.Before(d.StartsAt.Time.Add(-reach)) || t.After(d.EndsAt.Time.Add(reach))) {
			outside++
			continue
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if hi.IsZero() || t.After(hi) {
			hi = t
		}
		byStatus[x.Status] = append(byStatus[x.Status], opts.ScatterData{Name: orderWords(x.OrderName.String, x.OrderID), Value: []any{wallMillis(t, loc), statusWords(x.Status)}})
	}
	pad := hi.Sub(lo) / 8
	if pad < 5*time.Minute {
		pad = 5 * time.Minute
	}
	// Rows: in window always, then every status that has a point.
	var cats []string
	for _, st := range statusOrder {
		if st == "in_window" || len(byStatus[st]) > 0 {
			cats = append(cats, statusWords(st))
		}
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: "{a}: order {b}"}),
		charts.WithGridOpts(opts.Grid{Left: "132", Right: "24", Top: "24", Bottom: "44"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "time", Min: wallMillis(lo.Add(-pad), loc), Max: wallMillis(hi.Add(pad), loc),
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), HideOverlap: opts.Bool(true), ShowMinLabel: opts.Bool(false), ShowMaxLabel: opts.Bool(false)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: cats, Inverse: opts.Bool(true)}),
	)
	colors := map[string]string{"in_window": colClicks, "over_quantity": colEngagement, "before_window": colViewers,
		"after_window": colViewers, "duplicate": colOrders, "void": colMuted, "unknown_code": "#ad1457"}
	for _, st := range statusOrder {
		pts := byStatus[st]
		if st != "in_window" && len(pts) == 0 {
			continue
		}
		so := []charts.SeriesOpts{withSeries(func(x *charts.SingleSeries) { x.Color = colors[st]; x.SymbolSize = 10 })}
		// The in-window series always exists (possibly empty) and carries the shaded window.
		if st == "in_window" && hasWindow {
			so = append(so,
				charts.WithMarkAreaData([]opts.MarkAreaData{{Name: dropName(d) + " window", XAxis: wallMillis(d.StartsAt.Time, loc)}, {XAxis: wallMillis(d.EndsAt.Time, loc)}}),
				charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{
					ItemStyle: &opts.ItemStyle{Color: colDropFill},
					Label:     &opts.Label{Show: opts.Bool(true), Color: colDropText, Position: "top", FontSize: 11, FontWeight: "bold"},
				}))
		}
		sc.AddSeries(statusWords(st), pts, so...)
	}
	// Local wall-clock times on a UTC axis; a new day reads "4 Nov", not "4".
	o, err := finish(sc, func(m map[string]any) error {
		if xs, ok := m["xAxis"].([]opts.XAxis); ok && len(xs) > 0 {
			m["xAxis"] = []map[string]any{{"type": "time", "min": xs[0].Min, "max": xs[0].Max, "name": "time in " + loc.String(),
				"nameLocation": "middle", "nameGap": 26,
				"axisLabel": map[string]any{"show": true, "hideOverlap": true, "showMinLabel": false, "showMaxLabel": false,
					"formatter": map[string]any{"day": "{d} {MMM}", "hour": "{HH}:{mm}", "minute": "{HH}:{mm}", "second": "{HH}:{mm}:{ss}"}}}}
		}
		return nil
	})
	if err != nil {
		return chart{}, 0, err
	}
	alt := fmt.Sprintf("Timeline of drop %s: window %s to %s shaded, %d redemptions plotted by status.",
		dropName(d), fmtTimeIn(d.StartsAt, loc), fmtTimeIn(d.EndsAt, loc), len(tbl.Rows)-outside)
	if outside > 0 {
		alt += " " + plural(outside, "more redemption lies", "more redemptions lie") + " more than six hours from the window and only in the table."
	}
	return chart{ID: chartID(report, "drop", i), Title: "Timeline", Alt: alt, Height: 80 + 34*len(cats), Options: o, Table: tbl}, outside, nil
}
