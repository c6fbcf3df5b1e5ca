package reports

import (
	"database/sql"
	"math"
	"testing"
	"time"
)

// TestStreamBaselines checks sql/marts/stream_baselines.sql against values
// computed independently with numpy and scipy (testdata/baselines_vectors.py):
// a stream is compared with the same host's earlier streams on the same
// platform, of similar length where at least 3 are, the latest 10 of them;
// the usual range is the 95 % prediction interval of those values and a
// change is flagged only outside it, and only from 3 earlier streams on.
func TestStreamBaselines(t *testing.T) {
	db := openDB(t)
	createMarts(t, db)
	start := time.Date(2026, 10, 1, 19, 0, 0, 0, time.UTC)
	day := func(i int) time.Time { return start.Add(time.Duration(i) * 24 * time.Hour) }
	add := func(id, host, platform string, at time.Time, minutes, revenue float64, rpv any) {
		mustExec(t, db, `insert into stream_kpis (stream_id, affiliate_id, platform, started_at, duration_min, viewers, ctr, orders, cvr_click, revenue, rpv, aov, cpa, roas)
            values (?, ?, ?, ?, ?, 10, 0.1, 1, 0.5, ?, ?, 1, 0, null)`, id, host, platform, at, minutes, revenue, rpv)
	}
	// Host a on TikTok, 30 minutes: revenue 100, 110, 90, 105, 95, then 300, then 80.
	for i, rev := range []float64{100, 110, 90, 105, 95} {
		var rpv any = rev / 10
		if i == 1 {
			rpv = nil
		}
		add("a"+string(rune('1'+i)), "a", "tiktok", day(i), 30, rev, rpv)
	}
	add("ay", "a", "youtube", day(5), 30, 5, 0.5)                     // another platform: never compared
	add("along", "a", "tiktok", day(5).Add(time.Hour), 90, 1000, 100) // 3× as long
	add("a6", "a", "tiktok", day(6), 30, 300, 30)
	add("a7", "a", "tiktok", day(7), 31, 80, 8)
	// Another host in between must not count for host a.
	add("b1", "b", "tiktok", day(2).Add(time.Hour), 30, 99999, 1)
	// Host c: twelve streams, revenue 1..12.
	for i := 1; i <= 12; i++ {
		add("c"+itoa(i), "c", "tiktok", day(i), 30, float64(i), 1)
	}
	buildBaselines(t, db)

	nf := func(f float64) sql.NullFloat64 { return sql.NullFloat64{Float64: f, Valid: true} }
	null := sql.NullFloat64{}
	type want struct {
		stream, kpi         string
		baseline            sql.NullFloat64
		streams             int64
		comparison, flag    string
		low, high, relative sql.NullFloat64
	}
	for _, tc := range []want{
		{"a1", "revenue", null, 0, "", "too_few", null, null, null},
		{"a2", "revenue", nf(100), 1, "same_platform", "too_few", null, null, nf(0.1)},
		{"a3", "revenue", nf(105), 2, "same_platform", "too_few", nf(0), nf(215.0389608743635), nf(90.0/105 - 1)},
		{"a6", "revenue", nf(100), 5, "similar_length", "above", nf(75.95528006685748), nf(124.04471993314252), nf(2)},
		{"along", "revenue", nf(100), 5, "same_platform", "above", nf(75.95528006685748), nf(124.04471993314252), nf(9)},
		{"a7", "revenue", nf(102.5), 6, "similar_length", "within", nf(0), nf(360.88589411757346), nf(80/102.5 - 1)},
		{"a6", "rpv", nf(9.75), 4, "similar_length", "above", nf(7.453267211203251), nf(12.04673278879675), nf(30/9.75 - 1)}, // a2's rpv is NULL: 4 values
		{"ay", "revenue", null, 0, "", "too_few", null, null, null},
		{"b1", "revenue", null, 0, "", "too_few", null, null, null},
		{"c12", "revenue", nf(6.5), 10, "similar_length", "within", nf(0), nf(13.683313757717634), nf(12/6.5 - 1)},
		{"a7", "roas", null, 0, "", "no_value", null, null, null},
	} {
		var base, low, high, rel sql.NullFloat64
		var n int64
		var comparison sql.NullString
		var flag string
		err := db.QueryRow(`select baseline, baseline_streams, comparison, flag, usual_low, usual_high, change_rel
			from stream_baselines where stream_id = ? and kpi = ?`, tc.stream, tc.kpi).Scan(&base, &n, &comparison, &flag, &low, &high, &rel)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.stream, tc.kpi, err)
		}
		if !sameNull(base, tc.baseline) || n != tc.streams || comparison.String != tc.comparison || flag != tc.flag || !sameNull(rel, tc.relative) {
			t.Errorf("stream_baselines(%s, %s) = baseline %v, n %d, %q, flag %q, change_rel %v; want %v, %d, %q, %q, %v",
				tc.stream, tc.kpi, base, n, comparison.String, flag, rel, tc.baseline, tc.streams, tc.comparison, tc.flag, tc.relative)
		}
		if tc.low.Valid && (!sameNull(low, tc.low) || !sameNull(high, tc.high)) {
			t.Errorf("stream_baselines(%s, %s) usual range = %v – %v; want %v – %v", tc.stream, tc.kpi, low, high, tc.low, tc.high)
		}
	}
	var rows int
	if err := db.QueryRow(`select count(*) from stream_baselines`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if want := (7 + 2 + 1 + 12) * 9; rows != want {
		t.Errorf("stream_baselines has %d rows; want one per stream and kpi, %d", rows, want)
	}
}

func sameNull(a, b sql.NullFloat64) bool {
	if a.Valid != b.Valid {
		return false
	}
	return !a.Valid || math.Abs(a.Float64-b.Float64) < 1e-9*math.Max(1, math.Abs(b.Float64))
}
