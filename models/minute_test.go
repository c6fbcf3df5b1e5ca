package models_test

import (
	"database/sql"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The per-minute table test: every metrics feed postlive reads × the cases
// that move a value from one minute to another or from 0 to unknown, run
// through the real import and the real build (DuckDB) on
// models/testdata/minute (see its README for the files). Each stream is
// <feed>-<case>; the expected rows are worked out by hand from
// docs/metrics.md § Per minute and docs/formats.md, the arithmetic in the
// comments. The whole stream_minute of each feed is also kept as a golden
// file (testdata/minute/golden/<feed>.golden, refreshed with
// `go test ./models -run StreamMinuteFeeds -update`).

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// null marks an expected NULL.
var null = math.NaN()

// minuteWant is one expected row of stream_minute.
type minuteWant struct {
	viewers, likes, comments, shares, rate float64 // null: NULL
	peak                                   bool
}

// minuteCase is one stream of the table: its start (minute m starts at
// start + m min), the length of its last minute when that is cut short by
// ended_at (0: whole minutes) and its minutes.
type minuteCase struct {
	stream string
	start  string
	last   float64
	want   []minuteWant
}

// counterless is n minutes without any engagement: what a feed that reports
// no counters (or only session totals) gives.
func counterless(viewers ...float64) []minuteWant {
	var out []minuteWant
	for _, v := range viewers {
		out = append(out, minuteWant{viewers: v, likes: null, comments: null, shares: null, rate: null})
	}
	return out
}

var minuteCases = []minuteCase{
	// ---- generic samples, interval counters (gen.csv) ----
	// 20:00:00–20:03:00. The sample at 19:59:50 is before the start and the one
	// at 20:03:00 at ended_at: neither counts. m0: 20:00:00 (100; 10, 2, 0) and
	// 20:00:30 (200; 20, 3, 1): viewers (100+200)/2 = 150, rate (30+5+1)/150 =
	// 24 %. m1: 20:01:59 (300; 30): 30/300 = 10 %. m2: no sample: viewers NULL,
	// counters 0 (the feed reports them), rate NULL. Peaks: m0; m1 is 1 minute
	// from it and m2 has no rate.
	{"gen-aligned", "2026-11-10T20:00:00Z", 0, []minuteWant{
		{150, 30, 5, 1, 36.0 / 150 * 100, true},
		{300, 30, 0, 0, 30.0 / 300 * 100, false},
		{null, 0, 0, 0, null, false},
	}},
	// 21:00:30–21:03:30: minutes start at :30, not on the clock minute. 21:00:00
	// is before the start. m0 [21:00:30, 21:01:30): 21:00:30 (100; 4) and
	// 21:01:00 (200; 6): 150, 10/150. m1: 21:01:30 (300; comments 3) and
	// 21:02:29 (100; likes 1): 200, 4/200 = 2 %. m2: 21:02:30 (50; shares 2) and
	// 21:03:29 (150): 100, 2/100 = 2 %. Peaks m0, then m2 (m1 is too close).
	{"gen-mid", "2026-11-10T21:00:30Z", 0, []minuteWant{
		{150, 10, 0, 0, 10.0 / 150 * 100, true},
		{200, 1, 3, 0, 4.0 / 200 * 100, false},
		{100, 0, 0, 2, 2.0 / 100 * 100, true},
	}},
	// 01:59 EDT–01:02 EST on 2026-11-01 (05:59Z–06:02Z): the local clock goes
	// back from 01:59:59 to 01:00:00 inside minute 1. m0: 05:59:10 (100; 2) and
	// 05:59:50 (300; 2): 200, 4/200 = 2 %. m1: 01:00:20-05:00 = 06:00:20Z (400;
	// comments 4): 4/400 = 1 %. m2: 01:01:40-05:00 (250; 5): 2 %. Peaks m0 (the
	// earlier of the two 2 %), then m2.
	{"gen-dst", "2026-11-01T05:59:00Z", 0, []minuteWant{
		{200, 4, 0, 0, 4.0 / 200 * 100, true},
		{400, 0, 4, 0, 4.0 / 400 * 100, false},
		{250, 5, 0, 0, 5.0 / 250 * 100, true},
	}},
	// like, comment and share cells empty: unknown, not 0; no rate, no moment.
	{"gen-nocount", "2026-11-10T22:00:00Z", 0, counterless(100, 200, 300)},
	// counters reported as 0: rate 0 where viewers are known, no moment (0 %
	// is not a peak), m2 without a sample: 0 counts, rate NULL.
	{"gen-zero", "2026-11-10T23:00:00Z", 0, []minuteWant{
		{100, 0, 0, 0, 0, false},
		{200, 0, 0, 0, 0, false},
		{null, 0, 0, 0, null, false},
	}},
	// 19:00:00–19:02:20: minute 2 is cut at ended_at (20 s); the sample at
	// 19:02:30 lies after the end. m0 1/100, m1 2/100, m2 3/50 = 6 %. Peaks m2,
	// then m0.
	{"gen-partial", "2026-11-10T19:00:00Z", 20, []minuteWant{
		{100, 1, 0, 0, 1.0 / 100 * 100, true},
		{100, 2, 0, 0, 2.0 / 100 * 100, false},
		{50, 3, 0, 0, 3.0 / 50 * 100, true},
	}},

	// ---- generic samples, cumulative counters (cum.csv) ----
	// Running totals (likes, comments, shares): 20:00:00 (10, 2, 0) counts
	// whole: 10, 2, 0. 20:00:30 (30, 2, 1): 20, 0, 1. 20:01:10 (empty, 5, 1):
	// likes unknown, 3, 0. 20:01:40 (45, 5, 1): likes 45−30 = 15 (against the
	// last value, skipping the empty cell), 0, 0. 20:02:10 (5, 1, 1): likes and
	// comments fell — a reset counts the new value: 5, 1, 0. 20:02:50 (9, 1, 1):
	// 4, 0, 0. m0: viewers 150, 30+2+1 = 33 → 22 %; m1: 300, 15+3 = 18 → 6 %;
	// m2: 200, 9+1 = 10 → 5 %.
	{"cum-aligned", "2026-11-11T20:00:00Z", 0, []minuteWant{
		{150, 30, 2, 1, 33.0 / 150 * 100, true},
		{300, 15, 3, 0, 18.0 / 300 * 100, false},
		{200, 9, 1, 0, 10.0 / 200 * 100, true},
	}},
	// 21:00:30–21:03:30. The sample at 21:00:20 (likes 3) is before the start:
	// it counts in no minute but is the previous value of the next. Likes:
	// 21:00:40 5−3 = 2, 21:01:20 7, 21:01:35 8, 21:02:40 0, 21:03:20 6.
	// m0 [21:00:30, 21:01:30): 2+7 = 9; m1: 8; m2: 0+6 = 6; viewers 100.
	{"cum-mid", "2026-11-11T21:00:30Z", 0, []minuteWant{
		{100, 9, 0, 0, 9, true},
		{100, 8, 0, 0, 8, false},
		{100, 6, 0, 0, 6, true},
	}},
	// Deltas follow UTC order across the DST change: 05:59:30Z likes 4 (first,
	// whole), 06:00:30Z (01:00:30-05:00) 10−4 = 6, 06:01:30Z 14−10 = 4.
	// m0 4/100 = 4 %, m1 6/200 = 3 %, m2 4/200 = 2 %. Peaks m0, m2.
	{"cum-dst", "2026-11-01T05:59:00Z", 0, []minuteWant{
		{100, 4, 0, 0, 4, true},
		{200, 6, 0, 0, 6.0 / 200 * 100, false},
		{200, 4, 0, 0, 4.0 / 200 * 100, true},
	}},
	{"cum-nocount", "2026-11-11T22:00:00Z", 0, counterless(100, 300, 200)},
	// totals 50, 7, 2 from before the start (22:59:50) never move: every delta
	// is 0, rate 0, no moment.
	{"cum-zero", "2026-11-11T23:00:00Z", 0, []minuteWant{
		{100, 0, 0, 0, 0, false},
		{100, 0, 0, 0, 0, false},
		{100, 0, 0, 0, 0, false},
	}},
	// likes 2 (whole), 6−2 = 4, 7−6 = 1 in the 20 s of minute 2; 19:02:40 (20)
	// is after the end. Peaks: m1 (4 %) only — m0 and m2 are 1 minute from it.
	{"cum-partial", "2026-11-11T19:00:00Z", 20, []minuteWant{
		{100, 2, 0, 0, 2, false},
		{100, 4, 0, 0, 4, true},
		{100, 1, 0, 0, 1, false},
	}},

	// ---- YouTube Analytics by livestreamPosition (yt.csv) ----
	// Position p is the interval [start + p min, +1 min), placed whole in the
	// stream minute holding its middle. Plan start 20:00:00: p0–p2 → m0–m2;
	// averageConcurrentViewers 150.4 and 99.5 are rounded (150, 100); p3's
	// middle 20:03:30 is past the last minute: dropped. YouTube reports no
	// likes, comments or shares: NULL, never 0.
	{"yt-aligned", "2026-11-12T20:00:00Z", 0, counterless(120, 150, 100)},
	// actualStartTime 21:00:20, plan 21:00:30: p0 covers [21:00:20, 21:01:20),
	// middle 21:00:50 → m0 (not dropped for starting before the plan); p1 → m1,
	// p2 → m2; p3's middle 21:03:50 → no minute.
	{"yt-mid", "2026-11-12T21:00:30Z", 0, counterless(11, 22, 33)},
	// actualStartTime 00:59:00-05:00 = 05:59Z, the plan's 01:59:00-04:00.
	{"yt-dst", "2026-11-01T05:59:00Z", 0, counterless(7, 8, 9)},
	// position 1 missing: viewers NULL in m1.
	{"yt-nocount", "2026-11-12T22:00:00Z", 0, counterless(40, null, 60)},
	// 0 viewers: no rate (no denominator), and no counters anyway.
	{"yt-zero", "2026-11-12T23:00:00Z", 0, counterless(0, 0, 0)},
	// p2 covers [19:02, 19:03), its middle 19:02:30 lies in the last (20 s)
	// minute's stretch of the spine: m2 = 7.
	{"yt-partial", "2026-11-12T19:00:00Z", 20, counterless(5, 6, 7)},

	// ---- TikTok per-minute sales JSON (ttm-*.json) ----
	// intervals carry GMV and orders only: no viewers, no counters — every
	// engagement column NULL and no moment, whatever the timing (the
	// platform's per-minute orders stay in stream_metrics; stream_minute's
	// orders are attributed orders).
	{"ttm-aligned", "2026-11-13T20:00:00Z", 0, counterless(null, null, null)},
	{"ttm-mid", "2026-11-13T21:00:30Z", 0, counterless(null, null, null)},
	{"ttm-dst", "2026-11-01T05:59:00Z", 0, counterless(null, null, null)},
	{"ttm-nocount", "2026-11-13T22:00:00Z", 0, counterless(null, null, null)},
	{"ttm-zero", "2026-11-13T23:00:00Z", 0, counterless(null, null, null)},
	{"ttm-partial", "2026-11-13T19:00:00Z", 20, counterless(null, null, null)},

	// ---- TikTok LIVE session export (tts.csv) ----
	// one row per session with totals (likes 1500, comments 80, …): never a
	// minute's activity, so the minutes stay unknown, even where the totals
	// are 0 (tts-zero).
	{"tts-aligned", "2026-11-14T20:00:00Z", 0, counterless(null, null, null)},
	{"tts-mid", "2026-11-14T21:00:30Z", 0, counterless(null, null, null)},
	{"tts-dst", "2026-11-01T05:59:00Z", 0, counterless(null, null, null)},
	{"tts-nocount", "2026-11-14T22:00:00Z", 0, counterless(null, null, null)},
	{"tts-zero", "2026-11-14T23:00:00Z", 0, counterless(null, null, null)},
	{"tts-partial", "2026-11-14T19:00:00Z", 20, counterless(null, null, null)},

	// ---- live events (ev.jsonl) ----
	// 20:00:00–20:03:00. 19:59:58 (viewers 90) and 20:03:00 (50 likes) are
	// outside. m0: like 5 at 20:00:00.000, viewers 148 and 159 → mean 153.5
	// (not rounded), comments alice and bob at the same instant = 2, the
	// host's message not counted; shares 0 (the feed has share events):
	// 7/153.5. m1: viewers 160, likes 3+2 (same instant) = 5, share 1, the join
	// not counted: 6/160 = 3.75 %. m2: viewers 100, like 1 at 20:02:59.999:
	// 1 %. Peaks m0, m2.
	{"ev-aligned", "2026-11-15T20:00:00Z", 0, []minuteWant{
		{153.5, 5, 2, 0, 7 / 153.5 * 100, true},
		{160, 5, 0, 1, 6.0 / 160 * 100, false},
		{100, 1, 0, 0, 1, true},
	}},
	// The stream starts at 21:00:30: the events of 21:00:05 and 21:00:20 are
	// before it (bucketed by clock minute they would pull minute 0's viewers
	// to (999+160+180)/3 and its likes to 17+10+14). m0 [21:00:30, 21:01:30):
	// viewers 160, 180 → 170, likes 10+14 = 24, comments 0, shares NULL (no
	// share event in this feed): 24/170. m1: 120, likes 3: 2.5 %. m2: 90,
	// comment 1: 1/90. 21:03:40 is after the end.
	{"ev-mid", "2026-11-15T21:00:30Z", 0, []minuteWant{
		{170, 24, 0, null, 24.0 / 170 * 100, true},
		{120, 3, 0, null, 3.0 / 120 * 100, false},
		{90, 0, 1, null, 1.0 / 90 * 100, true},
	}},
	// offsets change from -04:00 to -05:00 inside the stream: 01:00:10-05:00 is
	// 06:00:10Z, minute 1. Only likes and viewers are in the feed. m0 3/100,
	// m1 4/200, m2 6/300; peaks m0, then m2 (2 % like m1, 2 minutes from m0).
	{"ev-dst", "2026-11-01T05:59:00Z", 0, []minuteWant{
		{100, 3, null, null, 3, true},
		{200, 4, null, null, 2, false},
		{300, 6, null, null, 2, true},
	}},
	// viewer counts only: m0 (100+101)/2 = 100.5, m1 50, m2 none.
	{"ev-nocount", "2026-11-15T22:00:00Z", 0, counterless(100.5, 50, null)},
	// a like event with count 0 makes likes reported (0); comments: no
	// audience message, but the feed's chat (one host message) says there
	// were none: 0; shares never appear: NULL. Rate 0, no moment.
	{"ev-zero", "2026-11-15T23:00:00Z", 0, []minuteWant{
		{100, 0, 0, null, 0, false},
		{100, 0, 0, null, 0, false},
		{null, 0, 0, null, null, false},
	}},
	// m2 holds the 20 s up to 19:02:20: viewers 40, likes 2 → 5 %; the 30
	// likes at 19:02:25 are after the end. Peaks m2, then m0 (2 %).
	{"ev-partial", "2026-11-15T19:00:00Z", 20, []minuteWant{
		{100, 2, null, null, 2, true},
		{100, 4, null, null, 4, false},
		{40, 2, null, null, 2.0 / 40 * 100, true},
	}},

	// ---- chat export (chat.csv) with viewer samples without counters ----
	// No metrics source reports comments, so comments are the audience's chat
	// messages (comment, question; not the host's, not pinned notes or
	// reactions); likes and shares stay NULL. m0: ann and bo (same second),
	// cy's question = 3 over 200 viewers = 1.5 %; m1: a host comment, a pinned
	// note, a reaction = 0; m2: ed 1/50 = 2 %. Peaks m2, m0.
	{"chat-aligned", "2026-11-16T20:00:00Z", 0, []minuteWant{
		{200, null, 3, null, 3.0 / 200 * 100, true},
		{100, null, 0, null, 0, false},
		{50, null, 1, null, 1.0 / 50 * 100, true},
	}},
	// 21:00:20 before the start; m0: 21:01:00, 21:01:29; m1: 21:01:31; m2:
	// 21:03:29; 21:03:31 after the end.
	{"chat-mid", "2026-11-16T21:00:30Z", 0, []minuteWant{
		{100, null, 2, null, 2, true},
		{100, null, 1, null, 1, false},
		{100, null, 1, null, 1, true},
	}},
	// m0 05:59:50Z; m1 06:00:05Z, 06:00:06Z (01:00:0x-05:00); m2 06:01:55Z.
	// Peak m1 only: m0 and m2 are 1 minute from it.
	{"chat-dst", "2026-11-01T05:59:00Z", 0, []minuteWant{
		{100, null, 1, null, 1, false},
		{100, null, 2, null, 2, true},
		{100, null, 1, null, 1, false},
	}},
	// chat but no viewer counts: comments known, rate unknown, no moment.
	{"chat-nocount", "2026-11-16T22:00:00Z", 0, []minuteWant{
		{null, null, 1, null, null, false},
		{null, null, 0, null, null, false},
		{null, null, 1, null, null, false},
	}},
	// only the host wrote: 0 comments, rate 0, no moment.
	{"chat-zero", "2026-11-16T23:00:00Z", 0, []minuteWant{
		{100, null, 0, null, 0, false},
		{100, null, 0, null, 0, false},
		{100, null, 0, null, 0, false},
	}},
	// m2 (20 s): 19:02:15 and 19:02:19; 19:02:25 is after the end.
	{"chat-partial", "2026-11-16T19:00:00Z", 20, []minuteWant{
		{100, null, 1, null, 1, true},
		{100, null, 0, null, 0, false},
		{100, null, 2, null, 2, true},
	}},
}

// minuteFeeds names each feed's file prefix in the golden files.
var minuteFeeds = []string{"gen", "cum", "yt", "ttm", "tts", "ev", "chat"}

func minuteFiles(t *testing.T) []importSpec {
	d := filepath.Join("testdata", "minute")
	specs := []importSpec{
		{filepath.Join(d, "streams.csv"), "streams", ""},
		{filepath.Join(d, "drops.csv"), "drops", ""},
		{filepath.Join(d, "gen.csv"), "stream_metrics", ""},
		{filepath.Join(d, "cum.csv"), "stream_metrics", ""},
		{filepath.Join(d, "yt.csv"), "stream_metrics", ""},
		{filepath.Join(d, "tts.csv"), "stream_metrics", ""},
		{filepath.Join(d, "ev.jsonl"), "stream_metrics", ""},
		{filepath.Join(d, "chat.csv"), "chat", ""},
		{filepath.Join(d, "chat-viewers.csv"), "stream_metrics", ""},
		{filepath.Join(d, "clicks.csv"), "clicks", ""},
		{filepath.Join(d, "orders.csv"), "orders", ""},
	}
	ttm, err := filepath.Glob(filepath.Join(d, "ttm-*.json"))
	if err != nil || len(ttm) != 6 {
		t.Fatalf("testdata/minute: %d TikTok per-minute files (%v); want 6", len(ttm), err)
	}
	for _, f := range ttm {
		specs = append(specs, importSpec{f, "stream_metrics", ""})
	}
	return specs
}

func TestStreamMinuteFeeds(t *testing.T) {
	w := newTestWorkspace(t)
	// the session export's Launched Time has no offset
	w.zones = map[string]string{"tiktok-live": "UTC"}
	w.importFiles(minuteFiles(t)...)
	res, db := w.build(settingsDefault())
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}

	for _, c := range minuteCases {
		t.Run(c.stream, func(t *testing.T) {
			got := rows(t, db, "select * from stream_minute where stream_id = ? order by minute", c.stream)
			if len(got) != len(c.want) {
				t.Fatalf("%s has %d minutes; want %d", c.stream, len(got), len(c.want))
			}
			start, err := time.Parse(time.RFC3339, c.start)
			if err != nil {
				t.Fatal(err)
			}
			for m, want := range c.want {
				g := got[m]
				at := start.Add(time.Duration(m) * time.Minute).Format(time.RFC3339)
				seconds := 60.0
				if m == len(c.want)-1 && c.last > 0 {
					seconds = c.last
				}
				if g["minute"] != strconv.Itoa(m) || g["minute_at"] != at {
					t.Errorf("row %d: minute %s at %s; want %d at %s", m, g["minute"], g["minute_at"], m, at)
				}
				for _, f := range []struct {
					col  string
					want float64
				}{{"duration_s", seconds}, {"viewers", want.viewers}, {"likes", want.likes}, {"comments", want.comments},
					{"shares", want.shares}, {"engagement_rate", want.rate}} {
					if !sameValue(g[f.col], f.want) {
						t.Errorf("minute %d %s = %s; want %s", m, f.col, g[f.col], fmtWant(f.want))
					}
				}
				if g["is_peak"] != strconv.FormatBool(want.peak) {
					t.Errorf("minute %d is_peak = %s; want %t", m, g["is_peak"], want.peak)
				}
			}
		})
	}

	// The cut at ended_at makes the minutes add up to the stream's *_during
	// totals. gen-partial (19:00:00–19:02:20): clicks at 19:00:20 (m0) and
	// 19:02:15 (m2) are during, 19:02:25 after; orders o1 19:02:19 (40.00, m2)
	// during, o2 19:02:21 (15.00) after. Drop D1 (19:01–19:05) covers m1, m2;
	// D2 of cum-partial starts at 19:02:25, after that stream ended at
	// 19:02:20: no minute of it is in the drop.
	t.Run("partial minute adds up", func(t *testing.T) {
		sums := rows(t, db, `select sum(m.clicks) as clicks, sum(m.orders) as orders, sum(m.revenue) as revenue,
			any_value(k.clicks_during) as clicks_during, any_value(k.orders_during) as orders_during,
			any_value(k.revenue_during) as revenue_during, any_value(k.clicks) as clicks_all, any_value(k.orders) as orders_all
			from stream_minute m join stream_kpis k using (stream_id) where stream_id = 'gen-partial'`)[0]
		check(t, "gen-partial", sums, map[string]string{"clicks": "2", "clicks_during": "2", "clicks_all": "3",
			"orders": "1", "orders_during": "1", "orders_all": "2", "revenue": "40.00", "revenue_during": "40.00"})
		m := rows(t, db, "select minute, clicks, orders, in_drop from stream_minute where stream_id = 'gen-partial' order by minute")
		check(t, "gen-partial m2", m[2], map[string]string{"clicks": "1", "orders": "1", "in_drop": "true"})
		check(t, "gen-partial m1", m[1], map[string]string{"in_drop": "true"})
		check(t, "gen-partial m0", m[0], map[string]string{"in_drop": "false"})
		late := rows(t, db, "select bool_or(in_drop) as any_in_drop from stream_minute where stream_id = 'cum-partial'")[0]
		check(t, "cum-partial", late, map[string]string{"any_in_drop": "false"})
	})

	// Live events are stream_kpis's viewer samples too: ev-aligned's peak is
	// its largest viewer event inside or outside the minutes (160), the
	// average the mean of all its viewer events: (90+148+159+160+100)/5 = 131.4.
	t.Run("live events feed stream_kpis", func(t *testing.T) {
		k := rows(t, db, "select peak_concurrent, avg_concurrent from stream_kpis where stream_id = 'ev-aligned'")[0]
		check(t, "ev-aligned", k, map[string]string{"peak_concurrent": "160", "avg_concurrent": "131.4"})
	})

	for _, feed := range minuteFeeds {
		t.Run("golden/"+feed, func(t *testing.T) {
			got := minuteGolden(t, db, feed)
			path := filepath.Join("testdata", "minute", "golden", feed+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./models -run StreamMinuteFeeds -update)", err)
			}
			if got != string(want) {
				t.Errorf("stream_minute of the %s feed differs from %s:\n%s", feed, path, lineDiff(string(want), got))
			}
		})
	}
}

// minuteGolden renders every stream_minute row of a feed's streams.
func minuteGolden(t *testing.T, db *sql.DB, feed string) string {
	t.Helper()
	cols := []string{"stream_id", "minute", "minute_at", "duration_s", "viewers", "likes", "comments", "shares",
		"engagement_rate", "clicks", "orders", "revenue", "in_drop", "is_peak"}
	var b strings.Builder
	b.WriteString(strings.Join(cols, "\t") + "\n")
	for _, r := range rows(t, db, "select * from stream_minute where stream_id like ? order by stream_id, minute", feed+"-%") {
		vals := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = r[c]
		}
		b.WriteString(strings.Join(vals, "\t") + "\n")
	}
	return b.String()
}

// sameValue compares a cell with an expected number (NaN: NULL) to 1e-9.
func sameValue(cell string, want float64) bool {
	if math.IsNaN(want) {
		return cell == "NULL"
	}
	got, err := strconv.ParseFloat(cell, 64)
	return err == nil && math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func fmtWant(v float64) string {
	if math.IsNaN(v) {
		return "NULL"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// lineDiff lists the lines of want missing from got (-) and those of got
// not in want (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
