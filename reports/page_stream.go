package reports

import (
	"database/sql"
	"fmt"
	"math"
	"time"
)

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
		v.MerchantLink = r.files.merchant(s.Merchant)
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
