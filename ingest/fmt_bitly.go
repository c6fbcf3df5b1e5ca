package ingest

import (
	"strconv"
	"strings"
	"time"
)

// Bitly click counts per link and time bucket (the link_engagements export
// or the /v4/bitlinks/{bitlink}/clicks rows as CSV: id, date, clicks), see
// ../shared/reference/formats.md §4a and docs/formats.md § bitly. Bitly
// exposes no per-click log, so each row is an aggregated click row
// (is_aggregated = true, click_count = clicks) without visitor_key: the
// duplicate and bot rules do not apply to it (Bitly filters bots itself).

func init() {
	register(&Format{
		Name: "bitly", Kind: "clicks",
		Identify: []string{"id|bitlink|link", "date", "clicks"},
		Doc:      "Bitly clicks per link per time bucket (id, date, clicks); aggregated click rows",
		read:     readBitly,
	})
}

var bitlyStamps = stampRules{local: []string{"2006-01-02"}, expect: "2026-11-05T19:00:00+0000"}

func readBitly(rd *reader) error {
	h := rd.csv.hdr
	link, date, clicks := h.index("id", "bitlink", "link"), h.index("date"), h.index("clicks")
	long := h.index("long_url", "long url", "destination", "url")
	rec := NewRecord(Clicks)
	for rd.csv.Next() {
		if rj := rd.csv.Err(); rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		rec.Reset()
		rec.Line = rd.csv.line
		id := rd.cell(link)
		if id == "" {
			rd.rejectCSV(rd.cellErr(link, valueErr("is empty", "every row names its bitlink, like bit.ly/3xYz")))
			continue
		}
		var ts time.Time
		raw := rd.cell(date)
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n > 1e8 && n < 1e11 {
			ts = time.Unix(n, 0).UTC() // Unix seconds, as the export API takes them
		} else if ts, err = rd.stamp(raw, bitlyStamps); err != nil {
			rd.rejectCSV(rd.cellErr(date, err))
			continue
		}
		if rd.cell(clicks) == "" {
			rd.rejectCSV(rd.cellErr(clicks, valueErr("is empty", "every bucket has its click count (0 when none)")))
			continue
		}
		n, err := parseCount(rd.csv.Field(clicks))
		if err != nil {
			rd.rejectCSV(rd.cellErr(clicks, err))
			continue
		}
		if n == 0 {
			rd.accept(1) // an empty bucket: read, valid, nothing to write
			continue
		}
		id = strings.TrimPrefix(strings.TrimPrefix(id, "https://"), "http://")
		rec.SetString("click_id", "bitly:"+id+":"+ts.Format(time.RFC3339))
		rec.SetTime("ts", ts)
		rec.SetString("link_id", id)
		if u := rd.cell(long); u != "" {
			rec.SetString("url", u)
			m := parseUTM(u, rd.opt.StreamParam)
			rec.SetString("utm_source", m.source)
			rec.SetString("utm_medium", m.medium)
			rec.SetString("utm_campaign", m.campaign)
			rec.SetString("utm_content", m.content)
			rec.SetString("utm_term", m.term)
			rec.SetString("stream_id", m.stream)
		}
		rec.SetBool("is_bot", false)
		rec.SetBool("is_aggregated", true)
		rec.SetInt("click_count", n)
		if err := rd.write(rec); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}
