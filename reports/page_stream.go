package reports

import (
	"database/sql"
	"fmt"
	"strings"
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
	Summary                                           string // the verdict in one sentence
	PlatformName                                      string // "TikTok"
	Minutes, Funnel, Revenue                          *chart
	Moments                                           []Moment
	MomentsNote                                       string // why there are no moments
	PartialNote                                       string // the last bar is a partial minute
	DayGrainedNote                                    string // revenue known only by its day
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

// needed says how many earlier streams stream_baselines needs before it
// flags a change (its min_streams), as " (3 needed to judge)"; empty when
// the mart does not say.
func needed(b baseline) string {
	if !b.MinStreams.Valid {
		return ""
	}
	return " (" + fmt.Sprint(b.MinStreams.Int64) + " needed to judge)"
}

// tiles formats a stream's KPIs against the host's usual range
// (stream_baselines): an arrow and a colour only for a value outside it
// (flag above or below), never for a change inside it or with too few
// earlier streams.
func (r *renderer) tiles(s *stream, cur string) []tile {
	var out []tile
	on := platformName(s.Platform)
	for _, k := range kpis {
		t := tile{Label: k.label, Note: k.note, Value: k.format(s.kpi(k.key), cur), Tone: "none"}
		if k.key == "viewers" && s.ViewerBasis != "" {
			t.Note = viewerBasisWords(s.ViewerBasis)
		}
		b, ok := s.Baselines[k.key]
		usual := ""
		if b.UsualLow.Valid && b.UsualHigh.Valid {
			usual = k.format(b.UsualLow, cur) + "–" + k.format(b.UsualHigh, cur)
		}
		if ok && b.Baseline.Valid {
			what := "streams on " + on
			if b.Comparison == "similar_length" {
				what = "streams on " + on + " of similar length"
			}
			t.Basis = "Compared with the host's " + fmt.Sprint(b.Streams) + " earlier " + what + ": median " + k.format(b.Baseline, cur)
			if usual != "" {
				t.Basis += ", usual range " + usual + " (95% prediction interval)"
			}
			t.Basis += "."
		}
		switch {
		case !ok || !b.Baseline.Valid:
			t.Change = "no earlier " + on + " streams"
		case b.Flag == "too_few" || b.Flag == "no_value":
			t.Change = "median of " + fmt.Sprint(b.Streams) + " earlier: " + k.format(b.Baseline, cur) + needed(b)
			if b.Flag == "no_value" {
				t.Change = "median of " + fmt.Sprint(b.Streams) + " earlier: " + k.format(b.Baseline, cur)
			}
		case b.Flag == "within":
			t.Tone = "flat"
			t.Change = "usual for you (" + usual + ")"
		default: // above, below
			up := b.Flag == "above"
			t.Arrow, t.Tone = "▼", "good"
			if up {
				t.Arrow = "▲"
			}
			if up == k.lowerIsBetter {
				t.Tone = "bad"
			}
			change := "above"
			if !up {
				change = "below"
			}
			if b.ChangeRel.Valid {
				change = k.change(b, cur) + ", " + change
			}
			t.Change = change + " your usual " + usual
		}
		out = append(out, t)
	}
	return out
}

// summary is the verdict on a stream in one sentence, from its KPIs against
// the host's usual range: which of them fell outside it, else that it was a
// usual stream, else why there is nothing to judge yet.
func (r *renderer) summary(s *stream) string {
	on := platformName(s.Platform)
	var above, below []string
	judged, earlier := false, int64(0)
	var need baseline // min_streams of the mart
	for _, k := range kpis {
		b, ok := s.Baselines[k.key]
		if !ok {
			continue
		}
		earlier = max(earlier, b.Streams)
		if b.MinStreams.Valid {
			need.MinStreams = b.MinStreams
		}
		switch b.Flag {
		case "above", "below":
			judged = true
			name := k.label
			if k.key != "ctr" && k.key != "aov" && k.key != "cpa" && k.key != "roas" && k.key != "rpv" {
				name = strings.ToLower(name)
			}
			if b.Flag == "above" {
				above = append(above, name)
			} else {
				below = append(below, name)
			}
		case "within":
			judged = true
		}
	}
	switch {
	case len(above) > 0 || len(below) > 0:
		var parts []string
		if len(above) > 0 {
			parts = append(parts, capitalise(listWords(above))+" above")
		}
		if len(below) > 0 {
			w := listWords(below) + " below"
			if len(parts) == 0 {
				w = capitalise(w)
			}
			parts = append(parts, w)
		}
		return strings.Join(parts, ", ") + " your usual range for " + on + " streams; the rest as usual."
	case judged:
		return "A usual stream for you on " + on + ": every number within your usual range."
	case earlier == 0:
		return "Your first stream on " + on + ", so nothing to compare it with yet."
	}
	if !need.MinStreams.Valid {
		return fmt.Sprintf("Too early to judge: %s on %s before this one.", plural(int(earlier), "earlier stream", "earlier streams"), on)
	}
	return fmt.Sprintf("Too early to judge: %s on %s before this one, and %d are needed.", plural(int(earlier), "earlier stream", "earlier streams"), on, need.MinStreams.Int64)
}

// platformWords is a stream's platform for a table cell: as people write
// it, "—" when unknown.
func platformWords(p string) string {
	if p == "" {
		return dash
	}
	return platformName(p)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// listWords joins "a", "b" and "c" as "a, b and c".
func listWords(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// streamPage renders a stream's report from in alone (r.page()).
func (r *renderer) streamPage(in streamInput) ([]byte, error) {
	s := in.Stream
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
	v.DayGrainedNote = dayGrainedNote(s, cur)
	v.MerchantLink = in.MerchantFile
	v.When = fmtWhen(s.StartedAt, loc)
	if s.EndedAt.Valid {
		v.When += " – " + s.EndedAt.Time.In(loc).Format("15:04 MST")
	}
	v.Tiles = r.tiles(s, cur)
	v.Summary = r.summary(s)
	v.PlatformName = platformName(s.Platform)
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
	if in.Experiment != nil {
		v.Experiment = r.verdict(in.Experiment, in.ExperimentFile, cur)
	}
	if s.Tier != "" {
		v.Tier = s.Tier + " creator"
		if s.Followers.Valid {
			v.Tier += ", " + fmtCount(s.Followers) + " followers"
		}
	}
	v.HasCompliance = in.HasCompliance
	for _, c := range s.Compliance {
		v.Compliance = append(v.Compliance, complianceView(c))
	}
	p.File = in.File
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
	case "info":
		row.Result, row.Class = "ℹ for information", "flat"
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

// dayGrainedNote says how much of the stream's revenue comes from orders
// whose export gives only a day (Amazon's Fee-Orders): it counts in the
// total, and the part that cannot be put before or after the stream's end
// is in neither bar. Empty when there is none.
func dayGrainedNote(s *stream, cur string) string {
	if !s.RevenueDayGrained.Valid || s.RevenueDayGrained.Float64 == 0 {
		return ""
	}
	note := fmtMoney(s.RevenueDayGrained, cur) + " of this stream's revenue comes from orders the export dates by day only, without a time."
	if s.RevenueTimingUnknown.Valid && s.RevenueTimingUnknown.Float64 != 0 {
		note += " " + fmtMoney(s.RevenueTimingUnknown, cur) + " of it cannot be placed before or after the stream ended, so it is in the total but in neither bar."
	}
	return note
}
