package reports

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

type reconRow struct {
	OrderName                                                                                 string
	RedeemedAt, RedeemedKey, OrderID, Code, DropID, StreamID, StreamLink, Status, StatusClass string
	Rank, RankKey, Bonus, Net, NetKey, Expected, ExpectedKey, Reported, ReportedKey           string
	Gap, GapKey, Reason, Leak                                                                 string
}

type commTotalRow struct {
	Affiliate, Orders, Expected, Reported, Gap, Gaps string
}

type gapRow struct {
	OrderName                                                               string
	OrderedAt, OrderedKey, OrderID, Affiliate, StreamID, StreamLink, Status string
	Net, NetKey, Rate, Expected, ExpectedKey, Reported, ReportedKey         string
	Gap, GapKey, Reason, Dates                                              string
}

type leakRow struct {
	Code, DropID, StreamLink, Window, Redemptions, Before, LongAfter, NoClick string
	Share, Discount, Commission, Flag, FlagClass                              string
}

type reversalRow struct {
	OrderName                                                                   string
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
	Zone              string   // "America/Los_Angeles", the zone of every time on the page
	Revenue           []*chart // net revenue by stream and by drop
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

// merchantPage renders a merchant's report from in alone (r.page()).
func (r *renderer) merchantPage(in merchantInput) ([]byte, error) {
	m := in.Merchant
	cur := r.currency(m.Currency)
	loc := r.loc(m.Timezone)
	v := &merchantView{ID: orDefault(m.ID, "(no merchant id)"), CSV: in.CSV, Currency: cur, Zone: zoneWords(m.Timezone)}
	byDrop := map[string][]redemption{}
	for _, x := range m.Rows {
		if x.DropID != "" {
			byDrop[x.DropID] = append(byDrop[x.DropID], x)
		}
		row := reconRow{RedeemedAt: fmtTimeIn(x.RedeemedAt, loc), RedeemedKey: sortTime(x.RedeemedAt), OrderID: x.OrderID, OrderName: x.OrderName.String,
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
		row.StreamLink = in.Streams.link(x.StreamID)
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
	r.commissionSections(in, v, cur, loc)
	var p page
	var far []int
	for i, d := range m.Drops {
		c, outside, err := timelineChart("merchant", i, d, byDrop[d.ID], cur, loc)
		if err != nil {
			return nil, err
		}
		p.Charts = append(p.Charts, c)
		far = append(far, outside)
	}
	for i, d := range m.Drops {
		t := dropTimeline{Name: dropName(d), ID: d.ID, Chart: &p.Charts[i],
			Window: fmtTimeIn(d.StartsAt, loc) + " – " + fmtTimeIn(d.EndsAt, loc), Summary: dropSummary(d)}
		if far[i] > 0 {
			t.Summary += " " + plural(far[i], "redemption more than six hours from the window is not drawn; it is", "redemptions more than six hours from the window are not drawn; they are") + " in the table below."
		}
		if s, ok := in.Streams.get(d.StreamID); ok {
			t.StreamLink = s.File
			t.StreamTitle = orDefault(s.Title, s.ID)
		}
		v.Drops = append(v.Drops, t)
	}
	// Revenue by stream and by drop, after the timelines: p.Charts is not
	// grown while the drops point into it.
	if len(m.ByStream) > 0 {
		var labels []string
		for _, x := range m.ByStream {
			label := x.Key
			if s, ok := in.Streams.get(x.Key); ok {
				label = orDefault(s.Title, s.ID) + ", " + fmtDate(s.StartedAt, loc)
			}
			labels = append(labels, label)
		}
		c, err := revenueByChart("merchant", "by_stream", "Net revenue by stream", "Stream", labels, m.ByStream, cur)
		if err != nil {
			return nil, err
		}
		p.Charts = append(p.Charts, c)
	}
	if len(m.ByDrop) > 0 {
		names := map[string]string{}
		for _, d := range m.Drops {
			names[d.ID] = dropName(d) + ", " + fmtDate(d.StartsAt, loc)
		}
		var labels []string
		for _, x := range m.ByDrop {
			labels = append(labels, orDefault(names[x.Key], x.Key))
		}
		c, err := revenueByChart("merchant", "by_drop", "Net revenue by drop", "Drop", labels, m.ByDrop, cur)
		if err != nil {
			return nil, err
		}
		p.Charts = append(p.Charts, c)
	}
	// p.Charts is complete: point the drops and the revenue charts at it.
	for i := range v.Drops {
		v.Drops[i].Chart = &p.Charts[i]
	}
	for i := len(m.Drops); i < len(p.Charts); i++ {
		v.Revenue = append(v.Revenue, &p.Charts[i])
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
func (r *renderer) commissionSections(in merchantInput, v *merchantView, cur string, loc *time.Location) {
	m, link := in.Merchant, in.Streams.link
	v.HasCommission = in.HasCommission
	for _, t := range m.CommissionTotals {
		c := r.currency(t.Currency)
		v.CommissionTotals = append(v.CommissionTotals, commTotalRow{Affiliate: orDefault(t.Affiliate, "(no stream credited)"),
			Orders: fixed(float64(t.Orders), 0), Expected: fmtMoney(t.Expected, c), Reported: fmtMoney(t.Reported, c),
			Gap: fmtMoney(t.Gap, c), Gaps: fixed(float64(t.Gaps), 0)})
	}
	for _, g := range m.Gaps {
		c := r.currency(g.Currency)
		row := gapRow{OrderedAt: fmtTimeIn(g.OrderedAt, loc), OrderedKey: sortTime(g.OrderedAt), OrderID: g.OrderID, OrderName: g.OrderName,
			Affiliate: orDash(g.Affiliate), StreamID: orDash(g.StreamID), StreamLink: link(g.StreamID), Status: g.Status,
			Net: fmtMoney(g.NetRevenue, c), NetKey: sortNum(g.NetRevenue), Rate: fmtRate(g.Rate),
			Expected: fmtMoney(g.Expected, c), ExpectedKey: sortNum(g.Expected),
			Reported: fmtMoney(g.Reported, c), ReportedKey: sortNum(g.Reported),
			Gap: fmtMoney(g.Gap, c), GapKey: sortNum(g.Gap), Reason: reasonWords(g.Reason)}
		if g.Reason == "rate_mismatch" {
			row.Reason += " (" + fmtRate(g.ReportedRate) + " reported)"
		}
		if g.ReversedFirstSeen.Valid {
			row.Dates = "reversed " + fmtTimeIn(g.ReversedFirstSeen, loc)
			if g.ApprovedFirstSeen.Valid {
				row.Dates = "approved " + fmtTimeIn(g.ApprovedFirstSeen, loc) + ", " + row.Dates
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

	v.HasLeaks = in.HasLeaks
	flagged := 0
	for _, l := range m.Leaks {
		row := leakRow{Code: l.CouponCode, DropID: l.DropID, StreamLink: link(l.StreamID),
			Window:      fmtTimeIn(l.StartsAt, loc) + " – " + fmtTimeIn(l.EndsAt, loc),
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

	v.HasHistory = in.HasHistory
	since := in.Now.Add(-reversalWindow)
	recent := 0
	for _, x := range m.Reversals {
		if x.FirstSeenAt.Valid && !x.FirstSeenAt.Time.Before(since) {
			recent++
		}
		v.Reversals = append(v.Reversals, reversalRow{FirstSeen: fmtTimeIn(x.FirstSeenAt, loc), FirstSeenKey: sortTime(x.FirstSeenAt),
			OrderID: x.OrderID, OrderName: x.OrderName, Was: orDash(x.PreviousStatus), StreamID: orDash(x.StreamID), StreamLink: link(x.StreamID),
			Affiliate: orDash(x.Affiliate), Net: fmtMoney(x.NetRevenue, r.currency(x.Currency))})
	}
	switch {
	case len(m.Reversals) == 0:
		v.ReversalNote = "No order of this merchant has been reversed."
	default:
		v.ReversalNote = plural(recent, "order", "orders") + " reversed in the 7 days up to " + in.Now.UTC().Format("2 Jan 2006 15:04 UTC") +
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

// zoneWords names a time zone for a page: its IANA name, UTC when none.
func zoneWords(tz string) string {
	if tz == "" {
		return "UTC"
	}
	return tz
}

// orderWords is an order as a merchant searches for it: its name (#1001)
// with the id beside it, or the id alone.
func orderWords(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}
