package reports

import ()

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
