package ingest

import (
	"context"
	"io/fs"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The TikTok Seller Center LIVE list export (Analytics › LIVE, "LIVE
// Analysis"; XLSX, or CSV), see ../shared/reference/formats.md §5a and
// docs/formats.md § tiktok-live. Two rows stand above the header; one row
// per LIVE session; headers may be Indonesian; the currency is in the
// header (`Revenue (Rp)`); rates carry `%`; numbers may be display-formatted
// (1.74K, 3RB). Each session becomes one stream_metrics row with
// granularity "session" at its launch time, carrying the session's totals
// in the session columns. The export names no stream id: a `stream_id`
// column wins when the user adds one, else the session is matched to the
// plan's stream (streams already imported) by its launch time.

func init() {
	register(&Format{
		Name: "tiktok-live", Kind: "stream_metrics", Preamble: 2,
		Identify: []string{"launched time|waktu live|start time", "duration|durasi", "pcu|penonton tertinggi", "comments|komentar"},
		Doc:      "TikTok Seller Center LIVE export (2 preamble rows, one row per session; XLSX or CSV; Indonesian headers)",
		read:     readTikTokLive,
	})
}

// tiktokLiveCols are the aliases (English, Indonesian) of each column.
var tiktokLiveCols = map[string][]string{
	"launched":      {"Launched Time", "Waktu Live", "Start time"},
	"duration":      {"Duration", "Durasi"},
	"creator":       {"Creator ID", "Creator", "Kreator"},
	"nickname":      {"Nickname", "Nama panggilan"},
	"revenue":       {"Revenue", "Penghasilan", "Attributed GMV"},
	"orders":        {"Orders Paid", "Pesanan Dibayar", "Attributed orders"},
	"viewers":       {"Viewers", "Penonton"},
	"views":         {"Views", "Live Stream Dilihat"},
	"acu":           {"ACU", "Rata-rata Penonton (ACU)", "Rata-rata Penonton"},
	"pcu":           {"PCU", "Penonton Tertinggi (PCU)", "Penonton Tertinggi"},
	"comments":      {"Comments", "Komentar"},
	"shares":        {"Shares", "Live Dibagikan"},
	"likes":         {"Likes"},
	"follows":       {"New Followers", "Pengikut Baru"},
	"impressions":   {"Product Impressions", "Produk Dilihat"},
	"productClicks": {"Product Clicks", "Klik Produk"},
	"stream":        {"stream_id"},
}

// tiktokLiveStamps: `2026/11/05/ 19:00` (sic, §5a), Excel serials in XLSX.
var tiktokLiveStamps = stampRules{local: []string{"2006/01/02/ 15:04", "2006/01/02 15:04", "2006/01/02/ 15:04:05", "2006/01/02 15:04:05"},
	excel: true, expect: "2026/11/05/ 19:00 (the export's layout)"}

func readTikTokLive(rd *reader) error {
	h := rd.csv.hdr
	col := map[string]int{}
	for k, aliases := range tiktokLiveCols {
		col[k] = h.index(aliases...)
	}
	if err := rd.requireCols(map[string]int{"Launched Time": col["launched"]}); err != nil {
		return err
	}
	cur := rd.headerCurrency(col["revenue"])
	plan := newStreamMatcher(rd)
	rec := NewRecord(StreamMetrics)
	for rd.csv.Next() {
		if rj := rd.csv.Err(); rj != nil {
			rd.rejectCSV(*rj)
			continue
		}
		rec.Reset()
		rec.Line = rd.csv.line
		start, err := rd.stamp(rd.csv.Field(col["launched"]), tiktokLiveStamps)
		if err != nil {
			rd.rejectCSV(rd.cellErr(col["launched"], err))
			continue
		}
		rec.SetTime("ts", start)
		rec.SetString("granularity", "session")
		if v := rd.cell(col["duration"]); v != "" {
			d, err := parseDurationCell(v)
			if err != nil {
				rd.rejectCSV(rd.cellErr(col["duration"], err))
				continue
			}
			rec.SetInt("duration_s", d)
		}
		var bad *Reject
		for _, f := range []struct{ key, dst string }{
			{"viewers", "unique_viewers"}, {"views", "views"}, {"acu", "avg_viewers"}, {"pcu", "peak_viewers"},
			{"comments", "total_comments"}, {"shares", "total_shares"}, {"likes", "total_likes"},
			{"follows", "total_follows"}, {"impressions", "product_impressions"}, {"productClicks", "total_product_clicks"},
			{"orders", "orders"},
		} {
			v := rd.cell(col[f.key])
			if v == "" {
				continue // not exported: NULL, never 0
			}
			n, err := parseCount(v)
			if err != nil {
				rj := rd.cellErr(col[f.key], err)
				bad = &rj
				break
			}
			rec.SetInt(f.dst, n)
		}
		if bad != nil {
			rd.rejectCSV(*bad)
			continue
		}
		if v := rd.cell(col["revenue"]); v != "" {
			cents, err := rd.amount(v)
			if err == nil && len(cur) != 3 {
				err = valueErr("has no currency", "keep the currency in the header, e.g. Revenue (Rp) or Revenue ($)")
			}
			if err != nil {
				rd.rejectCSV(rd.cellErr(col["revenue"], err))
				continue
			}
			rec.SetMoney("revenue", cents)
			rec.SetString("currency", cur)
		}
		id := rd.cell(col["stream"])
		if id == "" {
			var why string
			id, why = plan.match(start, rd.cell(col["creator"]), rd.cell(col["nickname"]))
			if id == "" {
				rd.rejectCSV(rd.cellErr(col["launched"], valueErr(why, "import the stream plan (streams) first, or add a stream_id column naming the plan's stream")))
				continue
			}
		}
		rec.SetString("stream_id", id)
		if err := rd.write(rec); err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}

var durationParts = regexp.MustCompile(`(\d+)\s*(jam|menit|detik|h|m|s)`)

// parseDurationCell reads a duration as seconds: "3600", "01:02:03",
// "1h2m3s", "45m", "1 jam 5 menit".
func parseDurationCell(s string) (int64, error) {
	s = strings.ToLower(exportCell(s))
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 0 && n < 1e9 {
		return int64(math.Round(n)), nil
	}
	if p := strings.Split(s, ":"); len(p) == 3 || len(p) == 2 {
		var total int64
		for _, x := range p {
			n, err := strconv.Atoi(x)
			if err != nil || n < 0 || n > 1e6 {
				total = -1
				break
			}
			total = total*60 + int64(n)
		}
		if total >= 0 {
			if len(p) == 2 {
				total *= 60 // hh:mm
			}
			return total, nil
		}
	}
	if m := durationParts.FindAllStringSubmatch(s, -1); m != nil && strings.TrimSpace(durationParts.ReplaceAllString(s, "")) == "" {
		var total int64
		for _, x := range m {
			n, _ := strconv.ParseInt(x[1], 10, 64)
			if n > 1e6 {
				return 0, valueErr("is not a duration", "write seconds (3600), hh:mm:ss or 1h2m3s")
			}
			switch x[2] {
			case "h", "jam":
				total += n * 3600
			case "m", "menit":
				total += n * 60
			default:
				total += n
			}
		}
		return total, nil
	}
	return 0, valueErr("is not a duration", "write seconds (3600), hh:mm:ss or 1h2m3s")
}

// planStream is a stream of the plan as far as matching needs it.
type planStream struct {
	id, affiliate, platform string
	start, end              time.Time
	seq                     int64
}

// streamMatcher finds the plan's stream a platform session belongs to.
type streamMatcher struct {
	streams []planStream
	loaded  bool
	rd      *reader
}

func newStreamMatcher(rd *reader) *streamMatcher { return &streamMatcher{rd: rd} }

// sessionLead is how long before a stream's planned start a session may
// launch and still belong to it.
const sessionLead = 30 * time.Minute

// match returns the stream whose window [start − 30 min, end) holds the
// session's launch and whose platform is TikTok or unset; with several, the
// one whose affiliate is the creator, else the nearest start. "" and why
// when none or a tie.
func (m *streamMatcher) match(t time.Time, creator, nickname string) (string, string) {
	if !m.loaded {
		m.load()
	}
	if len(m.streams) == 0 {
		return "", "matches no stream: the lake holds no stream plan"
	}
	var best []planStream
	for _, s := range m.streams {
		if p := strings.ToLower(s.platform); p != "" && !strings.Contains(p, "tiktok") {
			continue
		}
		if t.Before(s.start.Add(-sessionLead)) || !t.Before(s.end) {
			continue
		}
		best = append(best, s)
	}
	if len(best) > 1 {
		var mine []planStream
		for _, s := range best {
			if s.affiliate != "" && (strings.EqualFold(s.affiliate, creator) || strings.EqualFold(s.affiliate, nickname)) {
				mine = append(mine, s)
			}
		}
		if len(mine) > 0 {
			best = mine
		}
	}
	switch len(best) {
	case 0:
		return "", "matches no stream of the plan (a TikTok stream running then, or starting within 30 minutes)"
	case 1:
		return best[0].id, ""
	}
	near := best[0]
	tie := false
	for _, s := range best[1:] {
		d, dn := absDur(s.start.Sub(t)), absDur(near.start.Sub(t))
		switch {
		case d < dn:
			near, tie = s, false
		case d == dn:
			tie = true
		}
	}
	if tie {
		return "", "matches several streams of the plan equally well"
	}
	return near.id, ""
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// load reads the streams in the lake (the newest import of each id).
func (m *streamMatcher) load() {
	m.loaded = true
	if m.rd.lake == nil {
		return
	}
	byID := map[string]planStream{}
	root := m.rd.lake.TableDir(Streams.Name)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".parquet" || d.Name() == "_schema.parquet" || strings.Contains(d.Name(), ".tmp-") {
			return nil
		}
		rows, err := readRows(context.Background(), p, Streams)
		if err != nil {
			return nil
		}
		for _, r := range rows {
			get := func(c string) Value { return r[Streams.Col(c)] }
			s := planStream{id: get("stream_id").S, affiliate: get("affiliate_id").S, platform: get("platform").S,
				start: time.UnixMicro(get("started_at").I), end: time.UnixMicro(get("ended_at").I), seq: get("import_seq").I}
			if old, ok := byID[s.id]; !ok || s.seq >= old.seq {
				byID[s.id] = s
			}
		}
		return nil
	})
	for _, s := range byID {
		m.streams = append(m.streams, s)
	}
}
