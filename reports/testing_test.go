package reports

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/marcboeker/go-duckdb"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testNow is the injected clock of every test report.
var testNow = time.Date(2026, 11, 6, 7, 30, 0, 0, time.UTC)

// createMarts creates the marts every report reads, with the columns the
// fixtures fill, typed as the models build them (see mart).
func createMarts(t testing.TB, db *sql.DB) {
	t.Helper()
	mart(t, db, "stream_kpis", "stream_id", "affiliate_id", "merchant_id", "platform", "started_at", "ended_at",
		"duration_min", "viewers", "viewer_basis", "peak_concurrent", "avg_concurrent", "clicks", "clicks_during", "ctr",
		"orders", "orders_during", "orders_after", "revenue", "revenue_during", "revenue_after", "cvr_click", "cvr_viewer",
		"rpv", "aov", "ad_spend", "cpa", "roas", "commission", "new_customer_share", "currency", "title", "timezone",
		"experiment_id", "variant", "tested_variable", "host")
	mart(t, db, "stream_minute", "stream_id", "minute", "minute_at", "viewers", "likes", "comments", "shares",
		"engagement_rate", "clicks", "orders", "revenue", "in_drop", "is_peak")
	mart(t, db, "drop_performance", "drop_id", "stream_id", "coupon_code", "starts_at", "ends_at", "quantity_limit",
		"redemptions_in_window", "sell_through", "sold_out_at", "before_window", "after_window", "over_quantity",
		"bonus_awarded", "revenue_in_window")
	mart(t, db, "coupon_reconciliation", "merchant_id", "order_id", "coupon_code", "drop_id", "stream_id", "redeemed_at",
		"status", "rank_in_window", "bonus_eligible", "net_revenue", "commission_expected", "commission_reported",
		"commission_gap")
}

// createExperimentResults creates experiment_results with the columns of
// the contract, typed as the models build them.
func createExperimentResults(t testing.TB, db *sql.DB) {
	t.Helper()
	mart(t, db, "experiment_results", "experiment_id", "tested_variable", "metric", "variant", "control", "streams",
		"numerator", "denominator", "value", "lift_abs", "lift_rel", "ci_low", "ci_high", "p_value", "p_value_adjusted",
		"significant", "method", "mde_rel", "streams_needed", "warning")
}

// fixture says how to fill the test warehouse.
type fixture struct {
	// text maps every text value that comes from input (ids, titles, codes, hosts,
	// variants, warnings) before it is stored; nil keeps them.
	text func(string) string
	// noExperiments leaves experiment_results out of the warehouse.
	noExperiments bool
	// contractOnly gives experiment_results and coupon_reconciliation only the
	// columns of the contract, without the extras the real marts add
	// (control_value, alpha, power, …; commission_reason, leak_signal, …), and
	// leaves out the commission, leak and status-history marts,
	// stream_compliance and stream_kpis' follower tiers.
	contractOnly bool
}

func (f fixture) t(s string) string {
	if f.text == nil {
		return s
	}
	return f.text(s)
}

func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database, shared by every query
	t.Cleanup(func() { db.Close() })
	attachSample(t, db)
	return db
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", firstLine(q), err)
	}
}

func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		return q[:i]
	}
	return q
}

// buildBaselines materialises sql/marts/stream_baselines.sql the way the model
// runner does, so the tests exercise the real model.
func buildBaselines(t testing.TB, db *sql.DB) {
	t.Helper()
	q, err := os.ReadFile(filepath.Join("..", "sql", "marts", "stream_baselines.sql"))
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "create table stream_baselines as "+string(q))
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// newTestWarehouse builds an in-memory DuckDB with small hand-made marts:
// host h1 with five streams (the last, s5, has four before it and a rich
// minute series with two drops), host h2 with one stream; merchant m1 with
// redemptions in every status; experiment exp1 (variants A and B).
func newTestWarehouse(t testing.TB, f fixture) *sql.DB {
	t.Helper()
	db := openDB(t)
	createMarts(t, db)

	type kpiRow struct {
		id, host, title, exp, variant string
		start                         string
		minutes                       int
		viewers, clicks, orders       int64
		revenue, during, spend        float64
	}
	streams := []kpiRow{
		{"s1", "h1", "Autumn knitwear live", "exp1", "A", "2026-10-01T19:00:00Z", 30, 900, 60, 6, 240, 180, 40},
		{"s2", "h1", "Boots & bags", "exp1", "B", "2026-10-08T19:00:00Z", 30, 1100, 80, 9, 405, 300, 40},
		{"s3", "h1", "Flash Friday", "exp1", "A", "2026-10-15T19:00:00Z", 30, 1000, 70, 7, 280, 200, 0},
		{"s4", "h1", "Cosy home edit", "exp1", "B", "2026-10-22T19:00:00Z", 30, 1200, 96, 12, 600, 420, 50},
		{"s5", "h1", "Winter coats: first look", "exp1", "B", "2026-11-05T19:00:00Z", 40, 1500, 150, 15, 900, 700, 60},
		{"s6", "h2", "Gadget hour", "", "", "2026-11-04T18:00:00Z", 20, 0, 0, 0, 0, 0, 0},
	}
	for _, s := range streams {
		start := ts(s.start)
		end := start.Add(time.Duration(s.minutes) * time.Minute)
		ratio := func(n, d float64) any {
			if d == 0 {
				return nil
			}
			return n / d
		}
		var exp, variant, tested any
		if s.exp != "" {
			exp, variant, tested = f.t(s.exp), f.t(s.variant), f.t("offer amount")
		}
		viewers := any(s.viewers)
		basis := "unique"
		if s.viewers == 0 {
			viewers, basis = nil, "peak_concurrent"
		}
		mustExec(t, db, `insert into stream_kpis values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.t(s.id), f.t(s.host), f.t("m1"), f.t("tiktok"), start, end, float64(s.minutes),
			viewers, basis, s.viewers/3, float64(s.viewers)/4,
			s.clicks, s.clicks*4/5, ratio(float64(s.clicks), float64(s.viewers)),
			s.orders, s.orders*2/3, s.orders-s.orders*2/3,
			s.revenue, s.during, s.revenue-s.during,
			ratio(float64(s.orders), float64(s.clicks)), ratio(float64(s.orders), float64(s.viewers)),
			ratio(s.revenue, float64(s.viewers)), ratio(s.revenue, float64(s.orders)),
			s.spend, ratio(s.spend, float64(s.orders)), ratio(s.revenue, s.spend), s.revenue*0.1,
			0.4, "USD",
			f.t(s.title), "America/New_York", exp, variant, tested, f.t(s.host))
	}

	// Minutes: a deterministic shape for every stream; s5 gets three peaks.
	for _, s := range streams {
		start := ts(s.start)
		for m := 0; m < s.minutes; m++ {
			viewers := float64(200 + 30*m - m*m/2)
			if s.viewers == 0 {
				viewers = 0
			}
			likes := int64(10 + (m*7)%23)
			comments := int64(3 + (m*5)%11)
			shares := int64(m % 4)
			var eng any
			if viewers > 0 {
				eng = float64(likes+comments+shares) / viewers * 100
			}
			clicks := int64((m * 3) % 9)
			orders := int64(0)
			if m%6 == 5 {
				orders = 1
			}
			inDrop := (m >= 10 && m < 15) || (m >= 25 && m < 30)
			isPeak := s.id == "s5" && (m == 3 || m == 12 || m == 27)
			mustExec(t, db, `insert into stream_minute values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				f.t(s.id), m, start.Add(time.Duration(m)*time.Minute), viewers, likes, comments, shares, eng,
				clicks, orders, float64(orders)*60, inDrop, isPeak)
		}
	}

	// Drops: two in s5 (one sold out with a cap, one without a limit), one in s1.
	s5 := ts("2026-11-05T19:00:00Z")
	mustExec(t, db, `insert into drop_performance values
        (?, ?, ?, ?, ?, 5, 6, 1.0, ?, 1, 1, 1, 3, 300.00),
        (?, ?, ?, ?, ?, null, 2, null, null, 0, 0, 0, 0, 110.50),
        (?, ?, ?, ?, ?, 10, 3, 0.3, null, 0, 0, 0, 2, 120.00)`,
		f.t("d1"), f.t("s5"), f.t("COATS20"), s5.Add(10*time.Minute), s5.Add(15*time.Minute), s5.Add(13*time.Minute+30*time.Second),
		f.t("d2"), f.t("s5"), f.t("SCARF10"), s5.Add(25*time.Minute), s5.Add(30*time.Minute),
		f.t("d0"), f.t("s1"), f.t("KNIT5"), ts("2026-10-01T19:05:00Z"), ts("2026-10-01T19:10:00Z"))

	type rec struct {
		order, code, drop, stream string
		at                        time.Time
		status                    string
		rank                      any
		bonus                     any
		net, exp, rep             float64
	}
	recs := []rec{
		{"1001", "COATS20", "d1", "s5", s5.Add(9 * time.Minute), "before_window", nil, false, 50, 5, 5},
		{"1002", "COATS20", "d1", "s5", s5.Add(10*time.Minute + 20*time.Second), "in_window", 1, true, 60, 6, 6},
		{"1003", "COATS20", "d1", "s5", s5.Add(11 * time.Minute), "in_window", 2, true, 45.5, 4.55, 4},
		{"1004", "COATS20", "d1", "s5", s5.Add(11*time.Minute + 30*time.Second), "in_window", 3, true, 70, 7, 7},
		{"1005", "COATS20", "d1", "s5", s5.Add(12 * time.Minute), "in_window", 4, false, 40, 4, 0},
		{"1006", "COATS20", "d1", "s5", s5.Add(13*time.Minute + 30*time.Second), "in_window", 5, false, 44.5, 4.45, 4.45},
		{"1007", "COATS20", "d1", "s5", s5.Add(14 * time.Minute), "over_quantity", 6, false, 40, 4, 4},
		{"1008", "COATS20", "d1", "s5", s5.Add(14*time.Minute + 10*time.Second), "void", nil, false, 0, 0, 4},
		{"1009", "COATS20", "d1", "s5", s5.Add(40 * time.Minute), "after_window", nil, false, 55, 5.5, 5.5},
		{"1009", "COATS20", "d1", "s5", s5.Add(40 * time.Minute), "duplicate", nil, false, 55, 0, 0},
		{"1010", "SCARF10", "d2", "s5", s5.Add(26 * time.Minute), "in_window", 1, nil, 55.25, 5.53, 5.53},
		{"1011", "SCARF10", "d2", "s5", s5.Add(28 * time.Minute), "in_window", 2, nil, 55.25, 5.53, 7},
		{"1012", "=HYPERLINK(\"http://evil\")", "", "", s5.Add(20 * time.Minute), "unknown_code", nil, nil, 30, 0, 0},
		{"-1013", "+SUM(A1)", "", "", s5.Add(21 * time.Minute), "unknown_code", nil, nil, -12.5, 0, -1.25},
		{"1014", "@cmd", "", "", s5.Add(22 * time.Minute), "unknown_code", nil, nil, 10, 0, 0},
	}
	for _, r := range recs {
		var drop, stream any
		if r.drop != "" {
			drop, stream = f.t(r.drop), f.t(r.stream)
		}
		var rank any
		if r.rank != nil {
			rank = int64(r.rank.(int))
		}
		mustExec(t, db, `insert into coupon_reconciliation values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.t("m1"), f.t(r.order), f.t(r.code), drop, stream, r.at, r.status, rank, r.bonus,
			r.net, r.exp, r.rep, r.rep-r.exp)
	}

	if !f.contractOnly {
		commissionMarts(t, db, f)
	}

	if !f.noExperiments {
		createExperimentResults(t, db)
		type er struct {
			metric                      string
			streams                     int64
			num, den, value, labs, lrel float64
			lo, hi, p, padj             float64
			sig                         bool
			mde                         float64
			needed                      int64
			warning                     string
		}
		if !f.contractOnly {
			addColumns(t, db, "experiment_results", "control_streams", "control_value", "is_primary", "alpha", "power",
				"target_lift_rel")
		}
		for _, r := range []er{
			{"rpv", 3, 1905, 3800, 0.5013, 0.15, 0.43, 0.05, 0.81, 0.03, 0.06, false, 0.35, 40, "arms differ by weekday"},
			{"cvr_click", 3, 36, 342, 0.105, 0.005, 0.05, -0.2, 0.3, 0.62, 0.62, false, 0.5, 200, ""},
			{"ctr", 3, 342, 3800, 0.09, 0.02, 0.29, 0.1, 0.48, 0.004, 0.016, true, 0.2, 25, ""},
			{"aov", 3, 1905, 36, 52.9, 12.9, 0.32, -0.1, 0.74, 0.13, 0.26, false, 0.45, 90, ""},
		} {
			mustExec(t, db, `insert into experiment_results (experiment_id, tested_variable, metric, variant, control,
                streams, numerator, denominator, value, lift_abs, lift_rel, ci_low, ci_high, p_value, p_value_adjusted,
                significant, method, mde_rel, streams_needed, warning)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				f.t("exp1"), f.t("offer amount"), r.metric, f.t("B"), f.t("A"), r.streams, r.num, r.den, r.value,
				r.labs, r.lrel, r.lo, r.hi, r.p, r.padj, r.sig, "randomisation_log_ratio", r.mde, r.needed, nullIfEmpty(f.t(r.warning), r.warning))
		}
		if !f.contractOnly {
			mustExec(t, db, `update experiment_results set control_streams = 2, control_value = value / (1 + lift_rel),
                is_primary = metric = 'rpv', alpha = 0.05, power = 0.31, target_lift_rel = 0.10`)
			// The Bayesian decision (docs/statistics.md § The decision in
			// plain words): on rpv B is 82 % likely to be worse.
			addColumns(t, db, "experiment_results", "chance_to_beat_control", "expected_loss_variant", "expected_loss_control",
				"expected_loss_variant_per_stream", "expected_loss_control_per_stream", "prior_source", "prior_sd", "prior_experiments")
			mustExec(t, db, `update experiment_results set chance_to_beat_control = 0.18, expected_loss_variant = 0.1213,
                expected_loss_control = 0.0121, expected_loss_variant_per_stream = 540.2, expected_loss_control_per_stream = 45.1,
                prior_source = 'default', prior_sd = 0.3, prior_experiments = 2`)
		}
	}
	if !f.contractOnly {
		// Influencer tiers and compliance checks (docs/metrics.md): h1 is a
		// micro creator, h2 has no follower count.
		addColumns(t, db, "stream_kpis", "followers", "follower_tier")
		mustExec(t, db, `update stream_kpis set followers = 48200, follower_tier = 'micro' where stream_id = ?`, f.t("s5"))
		mart(t, db, "stream_compliance", "stream_id", "affiliate_id", "platform", "started_at", "check_order",
			"check_name", "status", "passed", "detail", "observed_at", "observed", "threshold")
		for _, c := range []struct {
			stream          string
			order           int
			check, status   string
			detail          string
			observed, limit any
		}{
			{"s5", 1, "disclosure", "pass", `host at 0:32 ("#ad"): ` + f.t("Quick note: #ad, I earn a commission"), 32.0, 90.0},
			{"s5", 2, "min_length", "not_checked", "no minimum length is set for tiktok", 40.0, nil},
			{"s5", 3, "drop_window", "info", "2 redemptions outside the announced window (information, not a breach): " + f.t("COATS20") + ": 1 before, 1 after the window", 2.0, 0.0},
			{"s6", 1, "disclosure", "fail", "no host message or pinned note says #ad, affiliate, commission, paid partnership, sponsored", nil, 90.0},
			{"s6", 2, "min_length", "fail", "ran 20 min; the tiktok guidance is at least 30 min", 20.0, 30.0},
			{"s6", 3, "drop_window", "not_checked", "the stream has no drops", nil, nil},
		} {
			var passed any
			switch c.status {
			case "pass":
				passed = true
			case "fail":
				passed = false
			}
			mustExec(t, db, `insert into stream_compliance values (?, ?, 'tiktok', null, ?, ?, ?, ?, ?, null, ?, ?)`,
				f.t(c.stream), f.t("h1"), c.order, c.check, c.status, passed, c.detail, c.observed, c.limit)
		}
	}
	buildBaselines(t, db)
	return db
}

// createCommissionMarts creates the commission, leak and status-history
// marts with the columns the reports read, typed as the models build them
// (the marts have more).
func createCommissionMarts(t testing.TB, db *sql.DB) {
	t.Helper()
	addColumns(t, db, "coupon_reconciliation", "order_name", "commission_reason", "order_status", "approved_first_seen_at", "reversed_first_seen_at", "credited_stream_id", "has_click", "leak_signal", "code_leaked")
	mart(t, db, "commission_totals", "affiliate_id", "merchant_id", "currency", "orders", "commission_expected",
		"commission_reported", "commission_gap", "orders_ok", "orders_missing_in_report", "orders_reported_on_reversed",
		"orders_rate_mismatch", "orders_amount_mismatch", "orders_not_attributed", "orders_not_reported_by_source",
		"orders_no_rate")
	mart(t, db, "commission_reconciliation", "merchant_id", "order_id", "order_name", "affiliate_id", "stream_id",
		"drop_id", "ordered_at", "currency", "status", "net_revenue", "commission_rate", "commission_expected",
		"commission_reported", "commission_gap", "reported_rate", "reason", "approved_first_seen_at", "reversed_first_seen_at")
	mart(t, db, "coupon_leaks", "drop_id", "stream_id", "merchant_id", "coupon_code", "starts_at", "ends_at",
		"leak_after_at", "redemptions", "before_window", "long_after_window", "no_click", "leak_redemptions", "leak_share",
		"first_leak_at", "leak_discount", "leak_net_revenue", "leak_commission_expected", "is_leaked")
	mart(t, db, "order_status_history", "merchant_id", "order_id", "order_name", "status", "previous_status",
		"first_seen_at", "stream_id", "affiliate_id", "ordered_at", "currency", "net_revenue")
}

// commissionMarts fills the commission, leak and status-history marts of
// merchant m1: host h1's orders in s5 with each kind of gap, one order no
// stream is credited with, code COATS20 (d1) leaked, and three reversals, two
// of them in the 7 days before testNow (2026-11-06 07:30).
func commissionMarts(t testing.TB, db *sql.DB, f fixture) {
	t.Helper()
	createCommissionMarts(t, db)
	s5 := ts("2026-11-05T19:00:00Z")
	m1 := f.t("m1")
	mustExec(t, db, `update coupon_reconciliation set order_name = '#' || upper(order_id)`)
	mustExec(t, db, `update coupon_reconciliation set commission_reason = case
            when status = 'duplicate' then null
            when order_id in (?, ?) then 'amount_mismatch'
            when order_id = ? then 'missing_in_report'
            when status = 'void' then 'reported_on_reversed'
            when drop_id is null then null
            else 'ok' end,
        order_status = case when status = 'void' then 'reversed' else 'approved' end,
        approved_first_seen_at = ?, credited_stream_id = stream_id,
        reversed_first_seen_at = case when status = 'void' then ?::timestamp end,
        has_click = case when order_id = ? then false when drop_id is not null then true end,
        leak_signal = case when status = 'before_window' then 'before_window'
            when status = 'after_window' then 'no_click' end,
        code_leaked = case when drop_id = ? then true when drop_id is not null then false end`,
		f.t("1003"), f.t("1011"), f.t("1005"), ts("2026-11-05T23:00:00Z"), ts("2026-11-05T23:00:00Z"),
		f.t("1009"), f.t("d1"))
	mustExec(t, db, `insert into commission_totals values
        (?, ?, 'USD', 12, 46.51, 50.98, 4.47, 7, 1, 2, 1, 1, 0, 0, 0),
        (null, ?, 'USD', 1, 0.00, 3.00, 3.00, 0, 0, 0, 0, 0, 1, 0, 0)`, f.t("h1"), m1, m1)
	type gap struct {
		order, stream, status, reason string
		at                            time.Time
		net                           float64
		rate, exp, rep, rrate         any
		approved, reversed            any
	}
	for _, g := range []gap{
		{"1003", "s5", "approved", "amount_mismatch", s5.Add(11 * time.Minute), 45.5, 0.1, 4.55, 4.0, 0.0879, nil, nil},
		{"1005", "s5", "approved", "missing_in_report", s5.Add(12 * time.Minute), 40, 0.1, 4.0, nil, nil, nil, nil},
		{"1008", "s5", "reversed", "reported_on_reversed", s5.Add(14*time.Minute + 10*time.Second), 0, 0.1, 0.0, 4.0, nil,
			ts("2026-11-05T23:00:00Z"), ts("2026-11-05T23:00:00Z")},
		{"1011", "s5", "approved", "amount_mismatch", s5.Add(28 * time.Minute), 55.25, 0.1, 5.53, 7.0, 0.1267, nil, nil},
		{"1020", "s5", "reversed", "reported_on_reversed", s5.Add(31 * time.Minute), 60, 0.1, 0.0, 6.0, 0.1,
			ts("2026-10-30T03:00:00Z"), ts("2026-11-04T03:00:00Z")},
		{"1021", "", "approved", "not_attributed", ts("2026-11-03T12:00:00Z"), 30, nil, 0.0, 3.0, 0.1, nil, nil},
		{"1022", "s5", "approved", "rate_mismatch", s5.Add(33 * time.Minute), 80, 0.1, 8.0, 12.0, 0.15, nil, nil},
	} {
		var stream, aff any
		if g.stream != "" {
			stream, aff = f.t(g.stream), f.t("h1")
		}
		var gapAmount any
		switch {
		case g.exp == nil:
		case g.rep == nil:
			gapAmount = -g.exp.(float64)
		default:
			gapAmount = g.rep.(float64) - g.exp.(float64)
		}
		mustExec(t, db, `insert into commission_reconciliation values (?, ?, ?, ?, ?, null, ?, 'USD', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m1, f.t(g.order), f.t("#"+g.order), aff, stream, g.at, g.status, g.net, g.rate, g.exp, g.rep, gapAmount,
			g.rrate, g.reason, g.approved, g.reversed)
	}
	mustExec(t, db, `insert into coupon_leaks values
        (?, ?, ?, ?, ?, ?, ?, 8, 1, 0, 1, 2, 0.25, ?, 10.50, 105.00, 10.50, true),
        (?, ?, ?, ?, ?, ?, ?, 2, 0, 0, 0, 0, 0, null, 0, 0, 0, false)`,
		f.t("d1"), f.t("s5"), m1, f.t("COATS20"), s5.Add(10*time.Minute), s5.Add(15*time.Minute), s5.Add(24*time.Hour+15*time.Minute), s5.Add(9*time.Minute),
		f.t("d2"), f.t("s5"), m1, f.t("SCARF10"), s5.Add(25*time.Minute), s5.Add(30*time.Minute), s5.Add(24*time.Hour+30*time.Minute))
	mustExec(t, db, `insert into order_status_history values
        (?, ?, ?, 'approved', null, ?, ?, ?, ?, 'USD', 0),
        (?, ?, ?, 'reversed', 'approved', ?, ?, ?, ?, 'USD', 0),
        (?, ?, ?, 'reversed', 'approved', ?, ?, ?, ?, 'USD', 60),
        (?, ?, ?, 'reversed', 'pending', ?, null, null, ?, 'USD', 25)`,
		m1, f.t("1008"), f.t("#1008"), ts("2026-11-05T23:00:00Z"), f.t("s5"), f.t("h1"), s5.Add(14*time.Minute),
		m1, f.t("1008"), f.t("#1008"), ts("2026-11-05T23:00:00Z"), f.t("s5"), f.t("h1"), s5.Add(14*time.Minute),
		m1, f.t("1020"), f.t("#1020"), ts("2026-11-04T03:00:00Z"), f.t("s5"), f.t("h1"), s5.Add(31*time.Minute),
		m1, f.t("0999"), f.t("#0999"), ts("2026-10-20T03:00:00Z"), ts("2026-10-19T12:00:00Z"))
}

func nullIfEmpty(v, orig string) any {
	if orig == "" {
		return nil
	}
	return v
}

// writeReports runs Write into a fresh temporary folder.
func writeReports(t testing.TB, db *sql.DB, out string) Result {
	t.Helper()
	if out == "" {
		out = t.TempDir()
	}
	res, err := Write(context.Background(), db, Options{Out: out, Now: testNow, Currency: "USD"})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return res
}

// requireBundle stops a test that needs the ECharts bundle when it was not built.
func requireBundle(t testing.TB) {
	t.Helper()
	if _, err := echartsBundle(); err != nil {
		t.Fatalf("%v", err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
