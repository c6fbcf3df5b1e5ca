package reports

import (
	"bytes"
	"database/sql"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // stream time zones display the same on machines without zoneinfo
)

var pageTemplate = template.Must(template.New("page.html.tmpl").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).ParseFS(templateFiles, "templates/*.tmpl"))

// page is what templates/page.html.tmpl renders.
type page struct {
	Title     string
	Kind      string // stream, experiment, merchant, index, statement
	Generated string
	CSP       string
	Bundle    template.JS // empty on pages without charts
	Init      template.JS
	Sort      template.JS
	Charts    []chart

	Stream     *streamView
	Experiment *experimentView
	Merchant   *merchantView
	Index      *indexView
	Statement  *statementView // statement.go
}

var (
	initHash = cspHash(initCharts)
	sortHash = cspHash(sortTables)
)

type renderer struct {
	opt    Options
	w      *warehouse
	bundle template.JS
	locs   map[string]*time.Location
}

func (r *renderer) loc(tz string) *time.Location {
	if l, ok := r.locs[tz]; ok {
		return l
	}
	l := time.UTC
	if tz != "" {
		if x, err := time.LoadLocation(tz); err == nil {
			l = x
		}
	}
	r.locs[tz] = l
	return l
}

func (r *renderer) currency(c string) string {
	if c == "" {
		return r.opt.Currency
	}
	return c
}

func (r *renderer) render(p *page) ([]byte, error) {
	p.Generated = r.opt.Now.UTC().Format("2 Jan 2006 15:04 UTC")
	p.Sort = sortTables
	hashes := []string{sortHash}
	if len(p.Charts) > 0 {
		p.Bundle = r.bundle
		p.Init = initCharts
		hashes = append(hashes, bundleCSP, initHash)
	}
	// No network at all: nothing may be fetched, only our own inline scripts run.
	p.CSP = "default-src 'none'; script-src " + strings.Join(hashes, " ") +
		"; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ---- stream report ----

type tile struct {
	Label, Value, Note string
	Change, Arrow      string
	Tone               string // good, bad, flat, none
	Basis              string
}

type dropRow struct {
	Name, ID, Window, Limit, Redeemed, SellThrough, SoldOut string
	Before, After, Over, Bonus, Revenue                     string
}

type verdictView struct {
	ID, Link, Variable, Variant, Control string
	Headline                             string
	Lines                                []string
	Warnings                             []string
}

// complianceRow is one compliance check as the stream report shows it.
type complianceRow struct {
	Label, Result, Class, Detail string
}

type streamView struct {
	ID, Title, Host, Platform, Merchant, MerchantLink string
	When, Duration, ViewerBasis, Currency             string
	Tier                                              string // "micro creator, 48,200 followers"
	HasCompliance                                     bool
	Compliance                                        []complianceRow
	Tiles                                             []tile
	Minutes, Funnel, Revenue                          *chart
	Moments                                           []Moment
	MomentsNote                                       string // why there are no moments
	PartialNote                                       string // the last bar is a partial minute
	Drops                                             []dropRow
	Experiment                                        *verdictView
	ExperimentID, Variant                             string
}

type kpiDef struct {
	key, label, note string
	lowerIsBetter    bool
	format           func(v sql.NullFloat64, cur string) string
	change           func(b baseline, cur string) string
}

func relChange(b baseline, _ string) string { return fmtSignedPct(b.ChangeRel) }

var kpis = []kpiDef{
	{key: "viewers", label: "Viewers", format: func(v sql.NullFloat64, _ string) string { return fmtCount(v) }, change: relChange},
	{key: "ctr", label: "CTR", note: "clicks per viewer", format: func(v sql.NullFloat64, _ string) string { return fmtPct(v) }, change: relChange},
	{key: "orders", label: "Orders", format: func(v sql.NullFloat64, _ string) string { return fmtCount(v) }, change: relChange},
	{key: "cvr_click", label: "Conversion", note: "orders per click", format: func(v sql.NullFloat64, _ string) string { return fmtPct(v) }, change: relChange},
	{key: "revenue", label: "Revenue", format: fmtMoney, change: relChange},
	{key: "rpv", label: "RPV", note: "revenue per viewer", format: fmtMoney, change: relChange},
	{key: "aov", label: "AOV", note: "average order value", format: fmtMoney, change: relChange},
	{key: "cpa", label: "CPA", note: "ad spend per order", lowerIsBetter: true, format: fmtMoney, change: relChange},
	{key: "roas", label: "ROAS", note: "revenue per ad spend", format: func(v sql.NullFloat64, _ string) string { return fmtTimes(v) }, change: relChange},
}

func (s *stream) kpi(key string) sql.NullFloat64 {
	switch key {
	case "viewers":
		return s.Viewers
	case "ctr":
		return s.CTR
	case "orders":
		return s.Orders
	case "cvr_click":
		return s.CVRClick
	case "revenue":
		return s.Revenue
	case "rpv":
		return s.RPV
	case "aov":
		return s.AOV
	case "cpa":
		return s.CPA
	case "roas":
		return s.ROAS
	}
	return sql.NullFloat64{}
}

func (r *renderer) tiles(s *stream, cur string) []tile {
	var out []tile
	for _, k := range kpis {
		t := tile{Label: k.label, Note: k.note, Value: k.format(s.kpi(k.key), cur), Tone: "none"}
		if k.key == "viewers" && s.ViewerBasis != "" {
			t.Note = viewerBasisWords(s.ViewerBasis)
		}
		b, ok := s.Baselines[k.key]
		switch {
		case !ok || !b.Baseline.Valid:
			t.Change = "no earlier streams to compare"
		case !b.ChangeRel.Valid || !b.ChangeAbs.Valid:
			t.Change = "median of last " + fmt.Sprint(b.Streams) + ": " + k.format(b.Baseline, cur)
		default:
			d := b.ChangeAbs.Float64
			switch {
			case math.Abs(b.ChangeRel.Float64) < 0.0005 || d == 0:
				t.Arrow, t.Tone = "→", "flat"
			case d > 0:
				t.Arrow, t.Tone = "▲", "good"
			default:
				t.Arrow, t.Tone = "▼", "good"
			}
			if t.Tone == "good" && (d < 0) != k.lowerIsBetter {
				t.Tone = "bad"
			}
			t.Change = k.change(b, cur) + " vs median of last " + fmt.Sprint(b.Streams)
			t.Basis = "median of the host's previous " + fmt.Sprint(b.Streams) + " streams: " + k.format(b.Baseline, cur)
		}
		out = append(out, t)
	}
	return out
}

func (r *renderer) streamPage(s *stream) ([]byte, error) {
	cur := r.currency(s.Currency)
	loc := r.loc(s.Timezone)
	v := &streamView{
		ID: s.ID, Title: orDefault(s.Title, s.ID), Host: orDash(s.Host), Platform: orDash(s.Platform),
		Merchant: s.Merchant, Currency: cur, ViewerBasis: viewerBasisWords(s.ViewerBasis),
		Duration: fmtNumber(s.DurationMin, 0) + " min", ExperimentID: s.ExperimentID, Variant: s.Variant,
	}
	if v.Host == dash && s.Affiliate != "" {
		v.Host = s.Affiliate
	}
	if s.Merchant != "" {
		v.MerchantLink = merchantFile(s.Merchant)
	}
	v.When = fmtWhen(s.StartedAt, loc)
	if s.EndedAt.Valid {
		v.When += " – " + s.EndedAt.Time.In(loc).Format("15:04 MST")
	}
	v.Tiles = r.tiles(s, cur)
	var p page
	add := func(c chart, err error) (*chart, error) {
		if err != nil {
			return nil, err
		}
		p.Charts = append(p.Charts, c)
		return &p.Charts[len(p.Charts)-1], nil
	}
	var err error
	if len(s.Minutes) > 0 {
		if _, err = add(minuteChart("stream", s, cur)); err != nil {
			return nil, err
		}
	}
	if _, err = add(funnelChart("stream", s)); err != nil {
		return nil, err
	}
	if _, err = add(revenueChart("stream", s, cur)); err != nil {
		return nil, err
	}
	// p.Charts is complete: point the view at its elements.
	for i := range p.Charts {
		switch p.Charts[i].ID {
		case chartID("stream", "minutes", -1):
			v.Minutes = &p.Charts[i]
		case chartID("stream", "funnel", -1):
			v.Funnel = &p.Charts[i]
		case chartID("stream", "revenue", -1):
			v.Revenue = &p.Charts[i]
		}
	}
	v.Moments, v.MomentsNote, v.PartialNote = moments(s), momentsNote(s), partialNote(s)
	v.Drops = dropRows(s, cur, loc)
	if e := r.w.experiment(s.ExperimentID); e != nil {
		v.Experiment = r.verdict(e, cur)
	}
	if s.Tier != "" {
		v.Tier = s.Tier + " creator"
		if s.Followers.Valid {
			v.Tier += ", " + fmtCount(s.Followers) + " followers"
		}
	}
	v.HasCompliance = r.w.hasCompliance
	for _, c := range s.Compliance {
		v.Compliance = append(v.Compliance, complianceView(c))
	}
	p.Title = v.Title + " — stream report"
	p.Kind = "stream"
	p.Stream = v
	return r.render(&p)
}

// complianceView names a stream_compliance check and its result in words.
func complianceView(c complianceCheck) complianceRow {
	row := complianceRow{Label: c.Check, Detail: c.Detail}
	switch c.Check {
	case "disclosure":
		row.Label = "Affiliate disclosure early in the stream"
	case "min_length":
		row.Label = "Stream length"
	case "drop_window":
		row.Label = "Codes redeemed inside their drop windows"
	}
	switch c.Status {
	case "pass":
		row.Result, row.Class = "✓ passed", "good"
	case "fail":
		row.Result, row.Class = "✗ failed", "bad"
	default:
		row.Result, row.Class = "not checked", "flat"
	}
	return row
}

// windowWords gives a drop window as offsets into the stream and local clock times.
func windowWords(d drop, started sql.NullTime, loc *time.Location) string {
	if !d.StartsAt.Valid || !d.EndsAt.Valid {
		return dash
	}
	s := d.StartsAt.Time.In(loc).Format("15:04") + "–" + d.EndsAt.Time.In(loc).Format("15:04 MST")
	if started.Valid {
		s = clock(d.StartsAt.Time.Sub(started.Time)) + "–" + clock(d.EndsAt.Time.Sub(started.Time)) + " into the stream (" + s + ")"
	}
	return s
}

// ---- experiments ----

func metricLabel(m string) string {
	switch m {
	case "rpv":
		return "revenue per viewer"
	case "cvr_click":
		return "conversion (orders per click)"
	case "ctr":
		return "click-through rate"
	case "aov":
		return "average order value"
	}
	return m
}

func metricShort(m string) string {
	switch m {
	case "rpv":
		return "RPV"
	case "cvr_click":
		return "Conversion"
	case "ctr":
		return "CTR"
	case "aov":
		return "AOV"
	}
	return m
}

func metricValue(metric string, v sql.NullFloat64, cur string) string {
	switch metric {
	case "rpv", "aov":
		return fmtMoney(v, cur)
	case "ctr", "cvr_click":
		return fmtPct(v)
	}
	return fmtNumber(v, 3)
}

func metricDiff(metric string, v sql.NullFloat64, cur string) string {
	if !v.Valid {
		return dash
	}
	switch metric {
	case "ctr", "cvr_click":
		s := fixed(v.Float64*100, 2) + " pp"
		if v.Float64 > 0 {
			s = "+" + s
		}
		return s
	}
	s := metricValue(metric, v, cur)
	if v.Float64 > 0 {
		s = "+" + s
	}
	return s
}

// sentence says in plain words what one row of experiment_results means.
func sentence(x expRow) string {
	name := metricLabel(x.Metric)
	if !x.LiftRel.Valid {
		s := fmt.Sprintf("On %s, %s cannot be compared with %s yet", name, x.Variant, x.Control)
		if x.Warning != "" {
			s += " (see the warnings)"
		}
		return s + "."
	}
	dir := "higher"
	if x.LiftRel.Float64 < 0 {
		dir = "lower"
	}
	amount := strings.TrimPrefix(fmtSignedPct(sql.NullFloat64{Float64: math.Abs(x.LiftRel.Float64), Valid: true}), "+")
	interval := ""
	if x.CILow.Valid && x.CIHigh.Valid {
		interval = fmt.Sprintf("%s %s to %s, ", intervalName(x), fmtSignedPct(x.CILow), fmtSignedPct(x.CIHigh))
	}
	p := x.PValueAdjusted
	pName := "adjusted p"
	if !p.Valid {
		p, pName = x.PValue, "p"
	}
	if x.Significant.Valid && x.Significant.Bool {
		return fmt.Sprintf("On %s, %s is %s %s than %s (%s%s %s): a clear difference.",
			name, x.Variant, amount, dir, x.Control, interval, pName, fmtP(p))
	}
	s := fmt.Sprintf("On %s, %s is %s %s than %s so far (%s%s %s), which is not a clear difference yet.",
		name, x.Variant, amount, dir, x.Control, interval, pName, fmtP(p))
	if x.MDERel.Valid {
		s += " With the streams so far, only a change of about " + strings.TrimPrefix(fmtPct(x.MDERel), "+") + " would show clearly"
		if x.StreamsNeeded.Valid && x.StreamsNeeded.Float64 > 0 {
			s += "; " + needWords(x)
		}
		s += "."
	} else if x.StreamsNeeded.Valid && x.StreamsNeeded.Float64 > 0 {
		s += " " + strings.ToUpper(needWords(x)[:1]) + needWords(x)[1:] + "."
	}
	return s
}

// needWords says how many streams per arm the power analysis asks for.
func needWords(x expRow) string {
	if x.TargetLiftRel.Valid {
		return fmt.Sprintf("detecting a %s change needs about %s streams per arm", strings.TrimPrefix(fmtPct(x.TargetLiftRel), "+"), fmtCount(x.StreamsNeeded))
	}
	return fmt.Sprintf("the power analysis asks for about %s streams per arm", fmtCount(x.StreamsNeeded))
}

// intervalName is "95% interval" when the mart says alpha, else "interval".
func intervalName(x expRow) string {
	if x.Alpha.Valid && x.Alpha.Float64 > 0 && x.Alpha.Float64 < 1 {
		return strings.TrimSuffix(strings.TrimSuffix(fixed((1-x.Alpha.Float64)*100, 1), "0"), ".") + "% interval"
	}
	return "interval"
}

// headline is the verdict in one line, on the primary metric (is_primary when
// the mart has it, else revenue per viewer, else the first metric).
func headline(e *experiment) string {
	var rows []expRow
	for _, x := range e.Rows {
		if x.IsPrimary.Valid && x.IsPrimary.Bool {
			rows = append(rows, x)
		}
	}
	if len(rows) == 0 {
		for _, x := range e.Rows {
			if x.Metric == "rpv" {
				rows = append(rows, x)
			}
		}
	}
	if len(rows) == 0 && len(e.Rows) > 0 {
		for _, x := range e.Rows {
			if x.Metric == e.Rows[0].Metric {
				rows = append(rows, x)
			}
		}
	}
	var won, lost []string
	metric := ""
	for _, x := range rows {
		metric = x.Metric
		if x.Significant.Valid && x.Significant.Bool && x.LiftRel.Valid {
			if x.LiftRel.Float64 > 0 {
				won = append(won, x.Variant)
			} else {
				lost = append(lost, x.Variant)
			}
		}
	}
	name := metricLabel(metric)
	switch {
	case len(won) > 0:
		return fmt.Sprintf("%s beats %s on %s.", strings.Join(won, " and "), e.Control, name)
	case len(lost) > 0:
		return fmt.Sprintf("%s does worse than %s on %s.", strings.Join(lost, " and "), e.Control, name)
	}
	return fmt.Sprintf("No clear winner yet on %s.", name)
}

func (r *renderer) verdict(e *experiment, cur string) *verdictView {
	v := &verdictView{ID: e.ID, Link: experimentFile(e.ID), Variable: orDash(e.TestedVariable), Control: orDash(e.Control), Headline: headline(e)}
	seen := map[string]bool{}
	for _, x := range e.Rows {
		v.Lines = append(v.Lines, sentence(x))
		for _, w := range splitWarnings(x.Warning) {
			if !seen[w] {
				seen[w] = true
				v.Warnings = append(v.Warnings, w)
			}
		}
	}
	sort.Strings(v.Warnings)
	return v
}

func splitWarnings(w string) []string {
	var out []string
	for _, part := range strings.Split(w, ";") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

type expTableRow struct {
	Metric, Variant, Streams, Value, LiftAbs, LiftRel, CI, P, PAdj, Significant string
	Control, ControlStreams, ControlValue, Power, CS                            string
	Method, MDE, StreamsNeeded, Warning                                         string
}

type armStream struct {
	Link, Title, Variant, Date, DateKey, Host, Viewers, Orders, Revenue, RPV, RevenueKey, RPVKey string
}

type experimentView struct {
	HasControl, HasCS, HasPower    bool
	ID, Variable, Control, Methods string
	Verdict                        *verdictView
	Rows                           []expTableRow
	Lift                           *chart
	Streams                        []armStream
}

func (r *renderer) experimentPage(e *experiment) ([]byte, error) {
	cur := r.opt.Currency
	for _, s := range e.Streams {
		if s.Currency != "" {
			cur = s.Currency
			break
		}
	}
	v := &experimentView{ID: e.ID, Variable: orDash(e.TestedVariable), Control: orDash(e.Control), Verdict: r.verdict(e, cur)}
	for _, x := range e.Rows {
		sig := "no"
		if x.Significant.Valid && x.Significant.Bool {
			sig = "yes"
		} else if !x.Significant.Valid {
			sig = dash
		}
		ci := dash
		if x.CILow.Valid && x.CIHigh.Valid {
			ci = fmtSignedPct(x.CILow) + " to " + fmtSignedPct(x.CIHigh)
		}
		v.Rows = append(v.Rows, expTableRow{Metric: metricLabel(x.Metric), Variant: x.Variant, Streams: fmtCount(x.Streams),
			Value: metricValue(x.Metric, x.Value, cur), LiftAbs: metricDiff(x.Metric, x.LiftAbs, cur), LiftRel: fmtSignedPct(x.LiftRel),
			CI: ci, P: fmtP(x.PValue), PAdj: fmtP(x.PValueAdjusted), Significant: sig, Method: orDash(x.Method),
			MDE: fmtPct(x.MDERel), StreamsNeeded: fmtCount(x.StreamsNeeded), Warning: orDash(x.Warning),
			Control: x.Control, ControlStreams: fmtCount(x.ControlStreams), ControlValue: metricValue(x.Metric, x.ControlValue, cur),
			Power: fmtPct(x.Power)})
		if x.CSLow.Valid || x.CSHigh.Valid {
			v.Rows[len(v.Rows)-1].CS = fmtSignedPct(x.CSLow) + " to " + fmtSignedPct(x.CSHigh)
			v.HasCS = true
		}
		if x.ControlValue.Valid || x.ControlStreams.Valid {
			v.HasControl = true
		}
		if x.Power.Valid {
			v.HasPower = true
		}
	}
	methods := map[string]bool{}
	var ms []string
	for _, x := range e.Rows {
		if x.Method != "" && !methods[x.Method] {
			methods[x.Method] = true
			ms = append(ms, x.Method)
		}
	}
	sort.Strings(ms)
	v.Methods = orDash(strings.Join(ms, ", "))
	var p page
	c, err := liftChart("experiment", e)
	if err != nil {
		return nil, err
	}
	p.Charts = append(p.Charts, c)
	v.Lift = &p.Charts[0]
	for _, s := range e.Streams {
		v.Streams = append(v.Streams, r.armStream(s))
	}
	sort.SliceStable(v.Streams, func(i, j int) bool { return v.Streams[i].Variant < v.Streams[j].Variant })
	p.Title = "Experiment " + e.ID
	p.Kind = "experiment"
	p.Experiment = v
	return r.render(&p)
}

func (r *renderer) armStream(s *stream) armStream {
	cur := r.currency(s.Currency)
	loc := r.loc(s.Timezone)
	return armStream{Link: streamFile(s.ID), Title: orDefault(s.Title, s.ID), Variant: orDash(s.Variant),
		Date: fmtDate(s.StartedAt, loc), DateKey: sortTime(s.StartedAt), Host: orDash(orDefault(s.Host, s.Affiliate)),
		Viewers: fmtCount(s.Viewers), Orders: fmtCount(s.Orders), Revenue: fmtMoney(s.Revenue, cur), RPV: fmtMoney(s.RPV, cur),
		RevenueKey: sortNum(s.Revenue), RPVKey: sortNum(s.RPV)}
}

// ---- merchant report ----

type reconRow struct {
	RedeemedAt, RedeemedKey, OrderID, Code, DropID, StreamID, StreamLink, Status, StatusClass string
	Rank, RankKey, Bonus, Net, NetKey, Expected, ExpectedKey, Reported, ReportedKey           string
	Gap, GapKey, Reason, Leak                                                                 string
}

type commTotalRow struct {
	Affiliate, Orders, Expected, Reported, Gap, Gaps string
}

type gapRow struct {
	OrderedAt, OrderedKey, OrderID, Affiliate, StreamID, StreamLink, Status string
	Net, NetKey, Rate, Expected, ExpectedKey, Reported, ReportedKey         string
	Gap, GapKey, Reason, Dates                                              string
}

type leakRow struct {
	Code, DropID, StreamLink, Window, Redemptions, Before, LongAfter, NoClick string
	Share, Discount, Commission, Flag, FlagClass                              string
}

type reversalRow struct {
	FirstSeen, FirstSeenKey, OrderID, Was, StreamID, StreamLink, Affiliate, Net string
}

type totalRow struct {
	Status, Redemptions, Net, Expected, Reported, Gap string
}

type dropTimeline struct {
	Name, ID, StreamLink, StreamTitle, Window, Summary string
	Chart                                              *chart
}

type merchantView struct {
	ID, CSV, Currency string
	Drops             []dropTimeline
	Rows              []reconRow
	Totals            []totalRow
	All               *totalRow

	HasCommission    bool
	CommissionTotals []commTotalRow
	Gaps             []gapRow
	GapNote          string
	HasLeaks         bool
	Leaks            []leakRow
	LeakNote         string
	HasHistory       bool
	ReversalNote     string
	Reversals        []reversalRow
}

func (r *renderer) merchantPage(m *merchant) ([]byte, error) {
	cur := r.currency(m.Currency)
	v := &merchantView{ID: orDefault(m.ID, "(no merchant id)"), CSV: merchantCSVFile(m.ID), Currency: cur}
	byDrop := map[string][]redemption{}
	for _, x := range m.Rows {
		if x.DropID != "" {
			byDrop[x.DropID] = append(byDrop[x.DropID], x)
		}
		row := reconRow{RedeemedAt: fmtTimeUTC(x.RedeemedAt), RedeemedKey: sortTime(x.RedeemedAt), OrderID: x.OrderID,
			Code: x.CouponCode, DropID: orDash(x.DropID), StreamID: x.StreamID, Status: statusWords(x.Status),
			StatusClass: "st-" + cssToken(x.Status), Rank: fmtCount(x.RankInWindow), RankKey: sortNum(x.RankInWindow),
			Net: fmtMoney(x.NetRevenue, cur), NetKey: sortNum(x.NetRevenue),
			Expected: fmtMoney(x.CommissionExpected, cur), ExpectedKey: sortNum(x.CommissionExpected),
			Reported: fmtMoney(x.CommissionReported, cur), ReportedKey: sortNum(x.CommissionReported),
			Gap: fmtMoney(x.CommissionGap, cur), GapKey: sortNum(x.CommissionGap),
			Reason: orDash(reasonWords(x.CommissionReason.String)), Leak: orDash(leakWords(x.LeakSignal.String))}
		switch {
		case !x.BonusEligible.Valid:
			row.Bonus = dash
		case x.BonusEligible.Bool:
			row.Bonus = "yes"
		default:
			row.Bonus = "no"
		}
		if _, ok := r.w.byID[x.StreamID]; ok {
			row.StreamLink = streamFile(x.StreamID)
		}
		v.Rows = append(v.Rows, row)
	}
	for _, t := range m.Totals {
		tr := totalRow{Status: statusWords(t.Status), Redemptions: fixed(float64(t.Redemptions), 0), Net: fmtMoney(t.NetRevenue, cur),
			Expected: fmtMoney(t.CommissionExpected, cur), Reported: fmtMoney(t.CommissionReported, cur), Gap: fmtMoney(t.Gap, cur)}
		if t.Status == "" {
			tr.Status = "all"
			v.All = &tr
			continue
		}
		v.Totals = append(v.Totals, tr)
	}
	r.commissionSections(m, v, cur)
	var p page
	var far []int
	for i, d := range m.Drops {
		c, outside, err := timelineChart("merchant", i, d, byDrop[d.ID], cur)
		if err != nil {
			return nil, err
		}
		p.Charts = append(p.Charts, c)
		far = append(far, outside)
	}
	for i, d := range m.Drops {
		t := dropTimeline{Name: dropName(d), ID: d.ID, Chart: &p.Charts[i],
			Window: fmtTimeUTC(d.StartsAt) + " – " + fmtTimeUTC(d.EndsAt), Summary: dropSummary(d)}
		if far[i] > 0 {
			t.Summary += " " + plural(far[i], "redemption more than six hours from the window is not drawn; it is", "redemptions more than six hours from the window are not drawn; they are") + " in the table below."
		}
		if s, ok := r.w.byID[d.StreamID]; ok {
			t.StreamLink = streamFile(d.StreamID)
			t.StreamTitle = orDefault(s.Title, s.ID)
		}
		v.Drops = append(v.Drops, t)
	}
	p.Title = "Merchant " + v.ID + " — coupon reconciliation"
	p.Kind = "merchant"
	p.Merchant = v
	return r.render(&p)
}

// reversalWindow is how far back the merchant report counts recent reversals.
const reversalWindow = 7 * 24 * time.Hour

// commissionSections fills the commission, reversal and leaked-code sections
// of a merchant page from the marts that hold them.
func (r *renderer) commissionSections(m *merchant, v *merchantView, cur string) {
	link := func(id string) string {
		if _, ok := r.w.byID[id]; ok {
			return streamFile(id)
		}
		return ""
	}
	v.HasCommission = r.w.hasCommission
	for _, t := range m.CommissionTotals {
		c := r.currency(t.Currency)
		v.CommissionTotals = append(v.CommissionTotals, commTotalRow{Affiliate: orDefault(t.Affiliate, "(no stream credited)"),
			Orders: fixed(float64(t.Orders), 0), Expected: fmtMoney(t.Expected, c), Reported: fmtMoney(t.Reported, c),
			Gap: fmtMoney(t.Gap, c), Gaps: fixed(float64(t.Gaps), 0)})
	}
	for _, g := range m.Gaps {
		c := r.currency(g.Currency)
		row := gapRow{OrderedAt: fmtTimeUTC(g.OrderedAt), OrderedKey: sortTime(g.OrderedAt), OrderID: g.OrderID,
			Affiliate: orDash(g.Affiliate), StreamID: orDash(g.StreamID), StreamLink: link(g.StreamID), Status: g.Status,
			Net: fmtMoney(g.NetRevenue, c), NetKey: sortNum(g.NetRevenue), Rate: fmtRate(g.Rate),
			Expected: fmtMoney(g.Expected, c), ExpectedKey: sortNum(g.Expected),
			Reported: fmtMoney(g.Reported, c), ReportedKey: sortNum(g.Reported),
			Gap: fmtMoney(g.Gap, c), GapKey: sortNum(g.Gap), Reason: reasonWords(g.Reason)}
		if g.Reason == "rate_mismatch" {
			row.Reason += " (" + fmtRate(g.ReportedRate) + " reported)"
		}
		if g.ReversedFirstSeen.Valid {
			row.Dates = "reversed " + fmtTimeUTC(g.ReversedFirstSeen)
			if g.ApprovedFirstSeen.Valid {
				row.Dates = "approved " + fmtTimeUTC(g.ApprovedFirstSeen) + ", " + row.Dates
			}
		}
		v.Gaps = append(v.Gaps, row)
	}
	switch {
	case len(v.Gaps) > 0:
	case len(m.CommissionTotals) == 0:
		v.GapNote = "No order of this merchant is credited to a stream or carries a reported commission."
	default:
		v.GapNote = "Every reported commission matches the expected one to the cent (± 0.01)."
		reported := false
		for _, t := range m.CommissionTotals {
			reported = reported || t.Reported.Valid
		}
		if !reported {
			v.GapNote = "No import reports commissions for this merchant (a shop's own order export has none), so there is nothing to compare yet; import the network's report to reconcile."
		}
	}

	v.HasLeaks = r.w.hasLeaks
	flagged := 0
	for _, l := range m.Leaks {
		row := leakRow{Code: l.CouponCode, DropID: l.DropID, StreamLink: link(l.StreamID),
			Window:      fmtTimeUTC(l.StartsAt) + " – " + fmtTimeUTC(l.EndsAt),
			Redemptions: fmtCount(l.Redemptions), Before: fmtCount(l.BeforeWindow), LongAfter: fmtCount(l.LongAfter),
			NoClick: fmtCount(l.NoClick), Share: fmtPct(l.LeakShare), Discount: fmtMoney(l.LeakDiscount, cur),
			Commission: fmtMoney(l.LeakCommission, cur), Flag: "signals", FlagClass: "st-signals"}
		if l.IsLeaked {
			row.Flag, row.FlagClass = "leaked", "st-leaked"
			flagged++
		}
		v.Leaks = append(v.Leaks, row)
	}
	if len(m.Leaks) == 0 {
		v.LeakNote = "No redemption of this merchant's codes carries a leak signal."
	} else {
		v.LeakNote = plural(len(m.Leaks), "code has", "codes have") + " redemptions with leak signals; " +
			plural(flagged, "is", "are") + " flagged as leaked."
	}

	v.HasHistory = r.w.hasHistory
	since := r.opt.Now.Add(-reversalWindow)
	recent := 0
	for _, x := range m.Reversals {
		if x.FirstSeenAt.Valid && !x.FirstSeenAt.Time.Before(since) {
			recent++
		}
		v.Reversals = append(v.Reversals, reversalRow{FirstSeen: fmtTimeUTC(x.FirstSeenAt), FirstSeenKey: sortTime(x.FirstSeenAt),
			OrderID: x.OrderID, Was: orDash(x.PreviousStatus), StreamID: orDash(x.StreamID), StreamLink: link(x.StreamID),
			Affiliate: orDash(x.Affiliate), Net: fmtMoney(x.NetRevenue, r.currency(x.Currency))})
	}
	switch {
	case len(m.Reversals) == 0:
		v.ReversalNote = "No order of this merchant has been reversed."
	default:
		v.ReversalNote = plural(recent, "order", "orders") + " reversed in the 7 days up to " + r.opt.Now.UTC().Format("2 Jan 2006 15:04 UTC") +
			" (by the import that first carried the reversal); " + plural(len(m.Reversals), "order", "orders") + " reversed in all."
	}
}

// reasonWords says a commission reason (docs/reconciliation.md) in words.
func reasonWords(s string) string {
	switch s {
	case "ok":
		return "ok"
	case "missing_in_report":
		return "missing in the report"
	case "reported_on_reversed":
		return "reported on a reversed order"
	case "rate_mismatch":
		return "different rate"
	case "amount_mismatch":
		return "amount differs"
	case "not_attributed":
		return "not credited to a stream"
	case "not_reported_by_source":
		return "not reported by the export"
	case "no_rate":
		return "no rate known"
	}
	return s
}

// leakWords says a leak signal in words.
func leakWords(s string) string {
	switch s {
	case "before_window":
		return "before the window"
	case "long_after_window":
		return "long after the window"
	case "no_click":
		return "no click from the stream"
	}
	return s
}

// fmtRate writes a commission rate as a percentage with up to two decimals.
func fmtRate(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	s := strconv.FormatFloat(v.Float64*100, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// dropSummary says in words what drop_performance holds for a drop.
func dropSummary(d drop) string {
	s := fmtCount(d.RedemptionsInWindow) + " redeemed in the window"
	if d.QuantityLimit.Valid {
		s += fmt.Sprintf(" (limit %s, sell-through %s, %s over the cap)", fmtCount(d.QuantityLimit), fmtPct(d.SellThrough), fmtCount(d.OverQuantity))
	} else {
		s += " (no quantity limit)"
	}
	s += fmt.Sprintf("; %s before and %s after the window.", fmtCount(d.BeforeWindow), fmtCount(d.AfterWindow))
	if d.SoldOutAt.Valid && d.StartsAt.Valid {
		s += " Sold out " + durationWords(d.SoldOutAt.Time.Sub(d.StartsAt.Time)) + " after the window opened."
	}
	if d.Bonus.Valid && d.Bonus.Float64 > 0 {
		s += " Bonuses owed: " + fmtCount(d.Bonus) + "."
	}
	return s
}

func cssToken(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c == '_' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ---- index ----

type expIndexRow struct {
	Link, ID, Variable, Headline string
}

type merchantIndexRow struct {
	Link, CSV, ID, Redemptions, Net string
}

type indexView struct {
	Streams     []armStream
	Experiments []expIndexRow
	Merchants   []merchantIndexRow
	HasExp      bool
}

func (r *renderer) indexPage() ([]byte, error) {
	v := &indexView{HasExp: r.w.hasExp}
	// Newest first; stream_kpis came sorted by started_at, stream_id.
	for i := len(r.w.streams) - 1; i >= 0; i-- {
		v.Streams = append(v.Streams, r.armStream(r.w.streams[i]))
	}
	for _, e := range r.w.experiments {
		v.Experiments = append(v.Experiments, expIndexRow{Link: experimentFile(e.ID), ID: e.ID, Variable: orDash(e.TestedVariable), Headline: headline(e)})
	}
	for _, m := range r.w.merchants {
		row := merchantIndexRow{Link: merchantFile(m.ID), CSV: merchantCSVFile(m.ID), ID: orDefault(m.ID, "(no merchant id)"), Redemptions: "0", Net: dash}
		for _, t := range m.Totals {
			if t.Status == "" {
				row.Redemptions = fixed(float64(t.Redemptions), 0)
				row.Net = fmtMoney(t.NetRevenue, r.currency(m.Currency))
			}
		}
		v.Merchants = append(v.Merchants, row)
	}
	p := page{Title: "postlive reports", Kind: "index", Index: v}
	return r.render(&p)
}
