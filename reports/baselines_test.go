package reports

import (
	"database/sql"
	"math"
	"testing"
	"time"
)

// TestStreamBaselines checks sql/marts/stream_baselines.sql: the baseline of a
// stream is the median over the same host's previous five streams (not the
// stream itself, not a sixth earlier one, not another host's), NULL values are
// skipped, and the relative change is NULL when the baseline is 0 or NULL.
func TestStreamBaselines(t *testing.T) {
	db := openDB(t)
	mustExec(t, db, martDDL)
	start := time.Date(2026, 10, 1, 19, 0, 0, 0, time.UTC)
	// Host a: revenue 100, 200, …, 700 on seven days; rpv NULL on day 3; cpa 0 on days 1-6.
	for i := 0; i < 7; i++ {
		var rpv any = float64(i + 1)
		if i == 2 {
			rpv = nil
		}
		mustExec(t, db, `insert into stream_kpis (stream_id, affiliate_id, started_at, viewers, ctr, orders, cvr_click, revenue, rpv, aov, cpa, roas)
            values (?, 'a', ?, 10, 0.1, 1, 0.5, ?, ?, 1, ?, null)`,
			"a"+string(rune('1'+i)), start.Add(time.Duration(i)*24*time.Hour), float64(100*(i+1)), rpv, float64(0))
	}
	// Host b streams in between must not count for host a.
	mustExec(t, db, `insert into stream_kpis (stream_id, affiliate_id, started_at, revenue) values ('b1', 'b', ?, 99999)`, start.Add(36*time.Hour))
	buildBaselines(t, db)

	type want struct {
		stream, kpi string
		baseline    sql.NullFloat64
		streams     int64
		changeRel   sql.NullFloat64
	}
	for _, tc := range []want{
		{"a1", "revenue", sql.NullFloat64{}, 0, sql.NullFloat64{}},
		{"a2", "revenue", nf(100), 1, nf(1)},
		{"a3", "revenue", nf(150), 2, nf(1)},
		{"a6", "revenue", nf(300), 5, nf(1)},       // median of 100..500
		{"a7", "revenue", nf(400), 5, nf(0.75)},    // median of 200..600: a1 is the sixth back
		{"a7", "rpv", nf(4.5), 4, nf(7.0/4.5 - 1)}, // days 2,4,5,6 (day 3 NULL): median of 2,4,5,6
		{"a7", "cpa", nf(0), 5, sql.NullFloat64{}}, // baseline 0: no relative change
		{"a7", "roas", sql.NullFloat64{}, 0, sql.NullFloat64{}},
		{"b1", "revenue", sql.NullFloat64{}, 0, sql.NullFloat64{}},
	} {
		var base, rel sql.NullFloat64
		var n int64
		err := db.QueryRow(`select baseline, baseline_streams, change_rel from stream_baselines where stream_id = ? and kpi = ?`,
			tc.stream, tc.kpi).Scan(&base, &n, &rel)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.stream, tc.kpi, err)
		}
		if !sameNull(base, tc.baseline) || n != tc.streams || !sameNull(rel, tc.changeRel) {
			t.Errorf("stream_baselines(%s, %s) = baseline %v, streams %d, change_rel %v; want %v, %d, %v",
				tc.stream, tc.kpi, base, n, rel, tc.baseline, tc.streams, tc.changeRel)
		}
	}
	var rows int
	if err := db.QueryRow(`select count(*) from stream_baselines`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 8*9 {
		t.Errorf("stream_baselines has %d rows; want one per stream and kpi, %d", rows, 8*9)
	}
}

func sameNull(a, b sql.NullFloat64) bool {
	if a.Valid != b.Valid {
		return false
	}
	return !a.Valid || math.Abs(a.Float64-b.Float64) < 1e-9
}
