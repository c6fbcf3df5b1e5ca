package reports

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// newScaleWarehouse fills the marts with n streams of 45 minutes each (50
// hosts, 20 merchants, two drops and ten redemptions per stream, one
// experiment per 100 streams), generated in SQL.
func newScaleWarehouse(b testing.TB, n int) *sql.DB {
	b.Helper()
	db := openDB(b)
	createMarts(b, db)
	createExperimentResults(b, db)
	mustExec(b, db, `insert into stream_kpis
        select 's' || i, 'h' || (i % 50), 'm' || (i % 20), 'tiktok',
            timestamp '2026-01-01 18:00:00' + to_hours(i * 7), timestamp '2026-01-01 18:45:00' + to_hours(i * 7), 45,
            1000 + i % 700, 'unique', 300 + i % 200, 250.5,
            80 + i % 60, 70 + i % 50, (80 + i % 60) / (1000 + i % 700),
            8 + i % 9, 5 + i % 5, 3 + i % 4,
            (400 + (i % 300))::decimal(18,2), 300, (100 + (i % 300))::decimal(18,2),
            (8 + i % 9) / (80 + i % 60), (8 + i % 9) / (1000 + i % 700),
            (400 + (i % 300)) / (1000 + i % 700), (400 + (i % 300)) / (8 + i % 9),
            50, 50 / (8 + i % 9), (400 + (i % 300)) / 50, 40, 0.3, 'USD',
            'Stream number ' || i, 'America/New_York', 'exp' || (i // 100), chr(65 + (i % 2)::integer), 'offer amount', 'h' || (i % 50)
        from range(?) t(i)`, n)
	mustExec(b, db, `insert into stream_minute
        select 's' || i, m, timestamp '2026-01-01 18:00:00' + to_hours(i * 7) + to_minutes(m),
            300 + 10 * m, 10 + m % 7, 3 + m % 5, m % 3, (13 + m % 7 + m % 5 + m % 3) / (300 + 10 * m) * 100,
            m % 6, (m % 9 = 0)::integer, ((m % 9 = 0)::integer * 50)::decimal(18,2),
            m between 10 and 14 or m between 30 and 34, m in (4, 17, 33)
        from range(?) t(i), range(45) u(m)`, n)
	mustExec(b, db, `insert into drop_performance
        select 'd' || i || '-' || k, 's' || i, 'CODE' || k,
            timestamp '2026-01-01 18:00:00' + to_hours(i * 7) + to_minutes(10 + 20 * k),
            timestamp '2026-01-01 18:00:00' + to_hours(i * 7) + to_minutes(15 + 20 * k),
            10, 7, 0.7, null, 1, 1, 0, 5, 300
        from range(?) t(i), range(2) u(k)`, n)
	mustExec(b, db, `insert into coupon_reconciliation
        select 'm' || (i % 20), 'o' || i || '-' || r, 'CODE' || (r % 2), 'd' || i || '-' || (r % 2), 's' || i,
            timestamp '2026-01-01 18:00:00' + to_hours(i * 7) + to_minutes(9 + 2 * r),
            case when r = 0 then 'before_window' when r = 9 then 'after_window' else 'in_window' end,
            r, r < 5, 40, 4, 4, 0
        from range(?) t(i), range(10) u(r)`, n)
	mustExec(b, db, `insert into experiment_results
        select 'exp' || e, 'offer amount', metric, 'B', 'A', 50, 100, 200, 0.5, 0.1, 0.2, -0.1, 0.5, 0.2, 0.4, false,
            'randomisation_log_ratio', 0.3, 12, null
        from range(?) t(e), (values ('rpv'), ('cvr_click'), ('ctr'), ('aov')) v(metric)`, (n+99)/100)
	buildBaselines(b, db)
	return db
}

// BenchmarkWriteStreamReports writes the reports of 1,000 streams (plus the
// index, 10 experiment and 20 merchant pages) and reports stream reports per
// second. Target: at least 50/s.
//
//	go test ./reports -run '^$' -bench WriteStreamReports -benchtime 3x
func BenchmarkWriteStreamReports(b *testing.B) {
	requireBundle(b)
	const streams = 1000
	db := newScaleWarehouse(b, streams)
	out := b.TempDir()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		res, err := Write(context.Background(), db, Options{Out: out, Now: testNow, Currency: "USD"})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Files) < streams {
			b.Fatalf("wrote %d files; want at least %d", len(res.Files), streams)
		}
	}
	b.ReportMetric(float64(streams*b.N)/time.Since(start).Seconds(), "reports/s")
}
