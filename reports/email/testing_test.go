package email

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/internal/martschema"
	"github.com/postlive/postlive/reports"
)

// testNow is the injected clock (Date header, Message-ID); testAsOf the time
// of the newest import the footer shows.
var (
	testNow  = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	testAsOf = time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
)

// createMarts creates the marts the stream reports read, with the columns
// the fixture fills, typed as the models build them (package martschema:
// the sample warehouse, built through models, is attached as "sample").
func createMarts(t testing.TB, db *sql.DB) {
	t.Helper()
	martschema.Attach(t, db, sampleWarehousePath(t))
	martschema.Create(t, db, "stream_kpis", "stream_id", "affiliate_id", "merchant_id", "platform", "started_at",
		"ended_at", "duration_min", "viewers", "viewer_basis", "peak_concurrent", "avg_concurrent", "clicks", "clicks_during",
		"ctr", "orders", "orders_during", "orders_after", "revenue", "revenue_during", "revenue_after", "cvr_click",
		"cvr_viewer", "rpv", "aov", "ad_spend", "cpa", "roas", "commission", "new_customer_share", "currency", "title",
		"timezone", "experiment_id", "variant", "tested_variable", "host")
	martschema.Create(t, db, "stream_minute", "stream_id", "minute", "minute_at", "viewers", "likes", "comments", "shares",
		"engagement_rate", "clicks", "orders", "revenue", "in_drop", "is_peak")
	martschema.Create(t, db, "drop_performance", "drop_id", "stream_id", "coupon_code", "starts_at", "ends_at",
		"quantity_limit", "redemptions_in_window", "sell_through", "sold_out_at", "before_window", "after_window",
		"over_quantity", "bonus_awarded", "revenue_in_window")
	martschema.Create(t, db, "coupon_reconciliation", "merchant_id", "order_id", "coupon_code", "drop_id", "stream_id",
		"redeemed_at", "status", "rank_in_window", "bonus_eligible", "net_revenue", "commission_expected",
		"commission_reported", "commission_gap")
}

// xssTitle is s2's title: markup that must reach the HTML body escaped.
const xssTitle = `Winter <script>alert(1)</script> & "coats"`

// testStream is one row of stream_kpis; the ratios are what the mart holds.
type testStream struct {
	id, affiliate, host, title string
	start                      string
	minutes                    int
	viewers, clicks, orders    int64
	revenue, spend             float64
	withMinutes                bool
}

// The fixture: affiliate ana (host "Ana Ruiz") with s1 and, three days later,
// s2 (40 minutes, two drops, three peaks, a title full of markup); ben with s3
// (no per-minute data, a title with a line break); cleo with s4, who has no
// address in the tests.
var testStreams = []testStream{
	{"s1", "ana", "Ana Ruiz", "Glow basics", "2026-11-02T19:00:00Z", 30, 1000, 100, 10, 500, 40, true},
	{"s3", "ben", "", "Q&A\r\nBcc: victim@example.com", "2026-11-04T18:00:00Z", 20, 600, 30, 3, 120, 0, false},
	{"s2", "ana", "Ana Ruiz", xssTitle, "2026-11-05T19:00:00Z", 40, 1500, 150, 15, 900, 60, true},
	{"s4", "cleo", "", "Cleo cooks", "2026-11-06T17:00:00Z", 25, 800, 40, 4, 200, 0, true},
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		q = strings.TrimSpace(q)
		if i := strings.IndexByte(q, '\n'); i > 0 {
			q = q[:i]
		}
		t.Fatalf("%s: %v", q, err)
	}
}

// newWarehouse builds an in-memory DuckDB with the fixture's marts and
// stream_baselines materialised by the real model, sql/marts/stream_baselines.sql.
func newWarehouse(t testing.TB, streams []testStream) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	createMarts(t, db)
	for _, s := range streams {
		insertStream(t, db, s)
	}
	// s2's drops: COATS20 10:00–15:00 (limit 5, sold out 3 min 30 s after it
	// opened), SCARF10 25:00–30:00 without a limit.
	s2 := ts("2026-11-05T19:00:00Z")
	mustExec(t, db, `insert into drop_performance values
        ('d1', 's2', 'COATS20', ?, ?, 5, 6, 1.0, ?, 1, 1, 1, 3, 300.00),
        ('d2', 's2', 'SCARF10', ?, ?, null, 2, null, null, 0, 0, 0, 0, 110.50)`,
		s2.Add(10*time.Minute), s2.Add(15*time.Minute), s2.Add(13*time.Minute+30*time.Second),
		s2.Add(25*time.Minute), s2.Add(30*time.Minute))
	buildBaselines(t, db)
	return db
}

func insertStream(t testing.TB, db *sql.DB, s testStream) {
	t.Helper()
	start := ts(s.start)
	end := start.Add(time.Duration(s.minutes) * time.Minute)
	ratio := func(n, d float64) any {
		if d == 0 {
			return nil
		}
		return n / d
	}
	mustExec(t, db, `insert into stream_kpis (stream_id, affiliate_id, merchant_id, platform, started_at, ended_at, duration_min,
        viewers, viewer_basis, peak_concurrent, avg_concurrent, clicks, clicks_during, ctr, orders, orders_during, orders_after,
        revenue, revenue_during, revenue_after, cvr_click, cvr_viewer, rpv, aov, ad_spend, cpa, roas, commission,
        new_customer_share, currency, title, timezone, host)
        values (?, ?, 'm1', 'tiktok', ?, ?, ?, ?, 'unique', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0.4, 'USD', ?, 'UTC', ?)`,
		s.id, s.affiliate, start, end, float64(s.minutes), s.viewers, s.viewers/3, float64(s.viewers)/4,
		s.clicks, s.clicks, ratio(float64(s.clicks), float64(s.viewers)), s.orders, s.orders, 0,
		s.revenue, s.revenue, 0.0, ratio(float64(s.orders), float64(s.clicks)), ratio(float64(s.orders), float64(s.viewers)),
		ratio(s.revenue, float64(s.viewers)), ratio(s.revenue, float64(s.orders)),
		s.spend, ratio(s.spend, float64(s.orders)), ratio(s.revenue, s.spend), s.revenue*0.1, s.title, nullIf(s.host))
	if !s.withMinutes {
		return
	}
	for m := 0; m < s.minutes; m++ {
		viewers := float64(200 + 30*m - m*m/2)
		likes, comments, shares := int64(10+(m*7)%23), int64(3+(m*5)%11), int64(m%4)
		orders := int64(0)
		if m%6 == 5 {
			orders = 1
		}
		mustExec(t, db, `insert into stream_minute values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.id, m, start.Add(time.Duration(m)*time.Minute), viewers, likes, comments, shares,
			float64(likes+comments+shares)/viewers*100, int64((m*3)%9), orders, float64(orders)*60,
			(m >= 10 && m < 15) || (m >= 25 && m < 30), s.id == "s2" && (m == 3 || m == 12 || m == 27))
	}
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func buildBaselines(t testing.TB, db *sql.DB) {
	t.Helper()
	q, err := os.ReadFile(filepath.Join("..", "..", "sql", "marts", "stream_baselines.sql"))
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "drop table if exists stream_baselines")
	mustExec(t, db, "create table stream_baselines as "+string(q))
}

// loadStreams reads the fixture's stream reports as postlive send does.
func loadStreams(t testing.TB, db *sql.DB) *reports.Streams {
	t.Helper()
	s, err := reports.LoadStreams(context.Background(), db, reports.Options{Now: testAsOf, Currency: "USD"})
	if err != nil {
		t.Fatalf("LoadStreams: %v", err)
	}
	return s
}

func streamByID(t testing.TB, s *reports.Streams, id string) reports.Stream {
	t.Helper()
	for _, x := range s.All() {
		if x.ID == id {
			return x
		}
	}
	t.Fatalf("no stream %s", id)
	return reports.Stream{}
}

// testOptions addresses ana (two addresses) and ben; cleo has none.
func testOptions() Options {
	return Options{
		From: "postlive <reports@example.com>",
		To: map[string][]string{
			"ana": {"Ana <ana@example.com>", "agent@example.org"},
			"ben": {"ben@example.com"},
		},
		MaxStreams: 5, Now: testNow, AsOf: testAsOf,
	}
}

// SampleWarehouseBuilder is set by the external test package
// (sample_test.go): it builds the sample exports through ingest and models
// and returns the warehouse's path.
var SampleWarehouseBuilder = new(func() (string, error))

var (
	sampleOnce sync.Once
	samplePath string
	sampleErr  error
)

// sampleWarehousePath builds the sample warehouse once per test binary.
func sampleWarehousePath(t testing.TB) string {
	t.Helper()
	sampleOnce.Do(func() {
		if *SampleWarehouseBuilder == nil {
			sampleErr = errors.New("no builder (sample_test.go sets it)")
			return
		}
		samplePath, sampleErr = (*SampleWarehouseBuilder)()
	})
	if sampleErr != nil {
		t.Fatalf("build the sample warehouse: %v", sampleErr)
	}
	return samplePath
}
