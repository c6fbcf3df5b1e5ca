package reports

type expIndexRow struct {
	Link, ID, Variable, Headline string
}

type merchantIndexRow struct {
	Link, CSV, ID, Redemptions, Net string
}

// creatorIndexRow is a creator's statement on the index: the money by
// state in the statement's currency (one row per currency).
type creatorIndexRow struct {
	Link, Affiliate, Currency, Pending, Approved, Paid, NextPayout string
}

type indexView struct {
	Streams     streamTable
	Experiments []expIndexRow
	Merchants   []merchantIndexRow
	Creators    []creatorIndexRow
	HasExp      bool
}

func (r *renderer) indexPage() ([]byte, error) {
	v := &indexView{HasExp: r.w.hasExp}
	// Newest first; stream_kpis came sorted by started_at, stream_id.
	for i := len(r.w.streams) - 1; i >= 0; i-- {
		v.Streams.Rows = append(v.Streams.Rows, r.armStream(r.w.streams[i], r.files.stream(r.w.streams[i].ID)))
	}
	for _, t := range r.w.streamTotals {
		cur := r.currency(t.Currency)
		label := "All " + plural(int(t.Streams), "stream", "streams")
		if len(r.w.streamTotals) > 1 {
			label += " in " + cur
		}
		v.Streams.Totals = append(v.Streams.Totals, totalStreams{Label: label, Viewers: fmtCount(t.Viewers),
			Orders: fmtCount(t.Orders), Revenue: fmtMoney(t.Revenue, cur)})
	}
	for _, c := range r.creators {
		for _, b := range c.Balances {
			m := r.money(b)
			v.Creators = append(v.Creators, creatorIndexRow{Link: r.files.statement(c.Affiliate), Affiliate: c.Affiliate,
				Currency: m.Currency, Pending: m.Pending, Approved: m.Approved, Paid: m.Paid, NextPayout: m.NextPayout})
		}
	}
	for _, e := range r.w.experiments {
		v.Experiments = append(v.Experiments, expIndexRow{Link: r.files.experiment(e.ID), ID: e.ID, Variable: orDash(e.TestedVariable), Headline: headline(e)})
	}
	for _, m := range r.w.merchants {
		row := merchantIndexRow{Link: r.files.merchant(m.ID), CSV: r.files.merchantCSV(m.ID), ID: orDefault(m.ID, "(no merchant id)"), Redemptions: "0", Net: dash}
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
