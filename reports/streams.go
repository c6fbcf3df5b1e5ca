package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// Stream is one stream's report in the form other presentations of it need
// (the e-mail of package reports/email): the values already formatted exactly
// as the HTML report shows them, the per-minute series as numbers for a
// static chart, and the name of the full report file. Like the HTML report it
// only presents mart values; nothing here is computed.
type Stream struct {
	ID          string
	AffiliateID string
	Title       string // the stream's title, else its id
	Host        string // the host's name, else the affiliate id
	Platform    string // "—" when unknown
	// PlatformName is the platform as people write it ("TikTok").
	PlatformName string
	Merchant     string
	Currency     string
	// StartedAt is the start in UTC (zero when the mart has none).
	StartedAt time.Time
	// When is the start and end in the stream's own time zone, e.g.
	// "Mon 2 Nov 2026, 19:00 EST – 19:45 EST"; Date is the start's date
	// ("2 Nov 2026"), Duration e.g. "45 min".
	When, Date, Duration string
	ViewerBasis          string // "unique viewers" or "peak concurrent viewers"

	// Summary is the verdict on the stream in one sentence, against the
	// host's usual range ("Revenue above your usual range for TikTok
	// streams; the rest as usual.").
	Summary string
	Tiles   []Tile
	Minutes []Minute
	Moments []Moment
	// MomentsNote says why there are no moments to clip ("" when there are):
	// "Engagement not reported by YouTube: …".
	MomentsNote string
	// PartialNote says that the chart's last bar is a partial minute ("" when
	// the stream ends on a whole minute).
	PartialNote string
	Drops       []Drop

	// ExperimentID and Variant name the experiment the stream belongs to;
	// Verdict is that experiment's result in one line ("" without results).
	ExperimentID, Variant, Verdict string

	// File is the name Write gives the full report, stream-<id>.html.
	File string

	// NothingYet says the marts hold nothing for the stream yet: no
	// viewers, clicks or orders and no minutes (a planned stream whose
	// exports have not arrived). There is nothing to send about it.
	NothingYet bool
}

// Tile is one KPI tile: label, value, note and the value against the host's
// usual range (stream_baselines). Tone is good or bad (with Arrow ▲ or ▼)
// only outside that range; flat within it; none with too few streams.
type Tile struct {
	Label, Value, Note, Change, Arrow, Tone string
}

// Minute is one minute of a stream. Viewers, Clicks and Orders are NaN where
// stream_minute has NULL.
type Minute struct {
	Minute                  int64
	Clock                   string // offset from the start, mm:ss
	Viewers, Clicks, Orders float64
	InDrop, IsPeak          bool
}

// Moment is a peak minute worth clipping.
type Moment struct {
	Clock, Engagement, Viewers, Likes, Clicks string
}

// Drop is one flash drop of the stream with its results from
// drop_performance. From and To are the window as minutes from the start of
// the stream (NaN when unknown), for shading a chart.
type Drop struct {
	ID, Name, Window                      string
	Limit, Redeemed, SellThrough, SoldOut string
	Before, After, Over, Bonus, Revenue   string
	From, To                              float64
	StartsAt, EndsAt                      time.Time // UTC; zero when unknown
}

// Streams is the stream reports of a warehouse, loaded once: the list for
// presenting them elsewhere and the full pages to attach.
type Streams struct {
	r          *renderer
	list       []Stream
	byID       map[string]*stream
	statements *Statements
}

// LoadStreams reads the marts from db, as Write does, and prepares every
// stream's report. opt.Out is not used; opt.Now and opt.Currency mean what
// they mean for Write, so Page returns the bytes Write writes.
func LoadStreams(ctx context.Context, db *sql.DB, opt Options) (*Streams, error) {
	if opt.Currency == "" {
		return nil, errors.New("reports: no currency given (report.currency; its default is in workspace/keys.go)")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	bundle, err := echartsBundle()
	if err != nil {
		return nil, err
	}
	w, err := load(ctx, db, true)
	if err != nil {
		return nil, err
	}
	r := newRenderer(opt, w, bundle)
	_, statements, err := r.statements(ctx, db)
	if err != nil {
		return nil, err
	}
	out := &Streams{r: r, byID: w.byID, statements: statements}
	for _, s := range w.streams {
		out.list = append(out.list, r.streamSummary(s))
	}
	return out, nil
}

// Statement is the creator statement of affiliate, with its page, as Write
// writes it; nil when the warehouse has none for it.
func (s *Streams) Statement(affiliate string) *Statement { return s.statements.Statement(affiliate) }

// All lists the streams in the order of stream_kpis: by start, then id.
func (s *Streams) All() []Stream { return s.list }

// Page renders the full HTML report of stream id, byte for byte what Write
// writes to stream-<id>.html with the same Options.
func (s *Streams) Page(id string) ([]byte, error) {
	st := s.byID[id]
	if st == nil {
		return nil, errors.New("reports: no stream " + id + " in stream_kpis")
	}
	b, err := s.r.page().streamPage(s.r.streamIn(st))
	if err != nil {
		return nil, fmt.Errorf("stream report %s: %w", id, err)
	}
	return b, nil
}

// Attachment renders the report of stream id to attach to an e-mail: the
// page Write writes, without the chart library (each chart shown as its
// table), so a message carries no copy of it.
func (s *Streams) Attachment(id string) ([]byte, error) {
	st := s.byID[id]
	if st == nil {
		return nil, errors.New("reports: no stream " + id + " in stream_kpis")
	}
	r := s.r.page()
	r.static = true
	b, err := r.streamPage(s.r.streamIn(st))
	if err != nil {
		return nil, fmt.Errorf("stream report %s: %w", id, err)
	}
	return b, nil
}

func (r *renderer) streamSummary(s *stream) Stream {
	cur := r.currency(s.Currency)
	loc := r.loc(s.Timezone)
	out := Stream{
		ID: s.ID, AffiliateID: s.Affiliate, Title: orDefault(s.Title, s.ID), Host: orDefault(s.Host, s.Affiliate),
		Platform: orDash(s.Platform), PlatformName: platformName(s.Platform), Merchant: s.Merchant, Currency: cur,
		When: fmtWhen(s.StartedAt, loc), Date: fmtDate(s.StartedAt, loc), Duration: fmtNumber(s.DurationMin, 0) + " min",
		ViewerBasis: viewerBasisWords(s.ViewerBasis), ExperimentID: s.ExperimentID, Variant: s.Variant,
		File: r.files.stream(s.ID),
	}
	if s.StartedAt.Valid {
		out.StartedAt = s.StartedAt.Time.UTC()
	}
	if s.EndedAt.Valid {
		out.When += " – " + s.EndedAt.Time.In(loc).Format("15:04 MST")
	}
	out.Summary = r.summary(s)
	none := func(v sql.NullFloat64) bool { return !v.Valid || v.Float64 == 0 }
	out.NothingYet = none(s.Viewers) && none(s.Clicks) && none(s.Orders) && len(s.Minutes) == 0
	for _, t := range r.tiles(s, cur) {
		out.Tiles = append(out.Tiles, Tile{Label: t.Label, Value: t.Value, Note: t.Note, Change: t.Change, Arrow: t.Arrow, Tone: t.Tone})
	}
	num := func(v sql.NullFloat64) float64 {
		if !v.Valid {
			return math.NaN()
		}
		return v.Float64
	}
	for _, m := range s.Minutes {
		out.Minutes = append(out.Minutes, Minute{Minute: m.Minute, Clock: minuteClock(m.Minute),
			Viewers: num(m.Viewers), Clicks: num(m.Clicks), Orders: num(m.Orders), InDrop: m.InDrop, IsPeak: m.IsPeak})
	}
	out.Moments, out.MomentsNote, out.PartialNote = moments(s), momentsNote(s), partialNote(s)
	for i, d := range dropRows(s, cur, loc) {
		src := s.Drops[i]
		x := Drop{ID: d.ID, Name: d.Name, Window: d.Window, Limit: d.Limit, Redeemed: d.Redeemed, SellThrough: d.SellThrough,
			SoldOut: d.SoldOut, Before: d.Before, After: d.After, Over: d.Over, Bonus: d.Bonus, Revenue: d.Revenue,
			From: math.NaN(), To: math.NaN()}
		if src.StartsAt.Valid && src.EndsAt.Valid {
			x.StartsAt, x.EndsAt = src.StartsAt.Time.UTC(), src.EndsAt.Time.UTC()
			if s.StartedAt.Valid {
				x.From = src.StartsAt.Time.Sub(s.StartedAt.Time).Minutes()
				x.To = src.EndsAt.Time.Sub(s.StartedAt.Time).Minutes()
			}
		}
		out.Drops = append(out.Drops, x)
	}
	if e := r.w.experiment(s.ExperimentID); e != nil {
		out.Verdict = headline(e)
	}
	return out
}

// moments lists a stream's peak minutes, what to clip.
func moments(s *stream) []Moment {
	var out []Moment
	for _, m := range s.Minutes {
		if m.IsPeak {
			out = append(out, Moment{Clock: minuteClock(m.Minute), Engagement: fmtPctPoints(m.Engagement),
				Viewers: fmtNumber(m.Viewers, 0), Likes: fmtCount(m.Likes), Clicks: fmtCount(m.Clicks)})
		}
	}
	return out
}

// momentsNote says why a stream has no moments to clip, from what its minutes
// leave unknown (docs/metrics.md § Moments to clip); "" when it has moments.
func momentsNote(s *stream) string {
	if len(s.Minutes) == 0 {
		return "No per-minute data for this stream, so no moments to clip."
	}
	var reported, rated bool
	for _, m := range s.Minutes {
		if m.IsPeak {
			return ""
		}
		reported = reported || m.Likes.Valid || m.Comments.Valid || m.Shares.Valid
		rated = rated || m.Engagement.Valid
	}
	switch {
	case !reported:
		return "Engagement not reported by " + platformName(s.Platform) +
			": no likes, comments or shares per minute, so no moments to clip."
	case !rated:
		return "No engagement rate: " + platformName(s.Platform) +
			" reported no viewers per minute, so no moments to clip."
	}
	return "No likes, comments or shares in any minute, so no moments to clip."
}

// minuteLabel names a minute on a chart: its mm:ss offset, and for a last
// minute cut short by ended_at how long it is ("44:00 (partial, 15 s)").
func minuteLabel(m minute) string {
	c := minuteClock(m.Minute)
	if m.DurationS.Valid && m.DurationS.Float64 < 60 {
		return c + " (partial, " + fmtNumber(m.DurationS, 0) + " s)"
	}
	return c
}

// partialNote says that the last bar of the minute chart is a partial minute,
// "" when the stream ends on a whole minute.
func partialNote(s *stream) string {
	if len(s.Minutes) == 0 {
		return ""
	}
	m := s.Minutes[len(s.Minutes)-1]
	if !m.DurationS.Valid || m.DurationS.Float64 >= 60 {
		return ""
	}
	return "The last bar, " + minuteClock(m.Minute) + ", is a partial minute: the stream ended " +
		fmtNumber(m.DurationS, 0) + " s into it, and it counts only those seconds."
}

// platformName is a stream platform as people write it.
func platformName(p string) string {
	switch p {
	case "":
		return "the platform"
	case "youtube":
		return "YouTube"
	case "tiktok":
		return "TikTok"
	case "instagram":
		return "Instagram"
	case "facebook":
		return "Facebook"
	case "amazon_live":
		return "Amazon Live"
	}
	return p
}

// dropRows formats a stream's drops, one row per drop in s.Drops' order.
func dropRows(s *stream, cur string, loc *time.Location) []dropRow {
	var out []dropRow
	for _, d := range s.Drops {
		row := dropRow{Name: dropName(d), ID: d.ID, Limit: fmtCount(d.QuantityLimit), Redeemed: fmtCount(d.RedemptionsInWindow),
			SellThrough: fmtPct(d.SellThrough), Before: fmtCount(d.BeforeWindow), After: fmtCount(d.AfterWindow),
			Over: fmtCount(d.OverQuantity), Bonus: fmtCount(d.Bonus), Revenue: fmtMoney(d.RevenueInWindow, cur)}
		row.Window = windowWords(d, s.StartedAt, loc)
		switch {
		case d.SoldOutAt.Valid && d.StartsAt.Valid:
			row.SoldOut = "after " + durationWords(d.SoldOutAt.Time.Sub(d.StartsAt.Time))
		case d.QuantityLimit.Valid:
			row.SoldOut = "did not sell out"
		default:
			row.SoldOut = "no quantity limit"
		}
		out = append(out, row)
	}
	return out
}
