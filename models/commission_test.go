package models_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postlive/postlive/models"
)

// The commission workspace (models/testdata/commission, see its README): a
// network report for merchant m1 (and one m2 order) with a commission
// column, a shop export without one, and two later downloads of the network
// report in which n7 is approved and n8 reversed.
func commissionFiles() []importSpec {
	d := filepath.Join("testdata", "commission")
	return []importSpec{
		{filepath.Join(d, "streams.csv"), "streams", ""},
		{filepath.Join(d, "drops.csv"), "drops", ""},
		{filepath.Join(d, "links.csv"), "links", ""},
		{filepath.Join(d, "network.csv"), "orders", ""},
		{filepath.Join(d, "shop.csv"), "orders", ""},
	}
}

var (
	night1 = time.Date(2026, 11, 8, 3, 0, 0, 0, time.UTC)
	night2 = time.Date(2026, 11, 12, 3, 0, 0, 0, time.UTC)
	night3 = time.Date(2026, 11, 15, 3, 0, 0, 0, time.UTC)
)

// commissionWorkspace imports the files over three nights and builds with
// commission_rates: {m1: 0.08} and the given leak settings.
func commissionWorkspace(t *testing.T, s models.Settings) *sql.DB {
	t.Helper()
	w := newTestWorkspace(t)
	d := filepath.Join("testdata", "commission")
	w.importAt(night1, commissionFiles()...)
	w.importAt(night2, importSpec{filepath.Join(d, "network-update.csv"), "orders", ""})
	w.importAt(night3, importSpec{filepath.Join(d, "network-update-2.csv"), "orders", ""})
	s.CommissionRates = map[string]float64{"m1": 0.08}
	res, db := w.build(s)
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	return db
}

// TestCommissionReconciliationByHand checks every reason, the rate
// precedence and the gap of each order against values worked out by hand.
func TestCommissionReconciliationByHand(t *testing.T) {
	db := commissionWorkspace(t, models.Settings{})
	c := byKey(rows(t, db, "select * from commission_reconciliation"), "order_id")
	if len(c) != 15 {
		t.Errorf("commission_reconciliation has %d orders; want 15 (n1–n13, s1, s2; n14 is neither credited nor reported)", len(c))
	}
	if _, ok := c["n14"]; ok {
		t.Errorf("n14 (before S1 started, nothing reported) is in commission_reconciliation")
	}
	cases := []struct {
		order string
		want  map[string]string
	}{
		// n1: D1 has no rate → S1's 0.10 × 100.00 = 10.00; reported 10.00.
		{"n1", map[string]string{"stream_id": "S1", "drop_id": "D1", "affiliate_id": "a1", "commission_rate": "0.1", "rate_source": "stream",
			"net_revenue": "100.00", "commission_expected": "10.00", "commission_reported": "10.00", "commission_gap": "0.00", "reason": "ok"}},
		// n2, partial refund: 0.10 × (80.00 − 30.00) = 5.00, what the network paid.
		{"n2", map[string]string{"order_net_revenue": "80.00", "refunded": "30.00", "net_revenue": "50.00",
			"commission_expected": "5.00", "commission_reported": "5.00", "commission_gap": "0.00", "reason": "ok"}},
		// n3: 9.00 / 60.00 = 0.15, a clean rate other than 0.10 → rate_mismatch; gap 9.00 − 6.00.
		{"n3", map[string]string{"commission_expected": "6.00", "commission_reported": "9.00", "commission_gap": "3.00",
			"reported_rate": "0.15", "reason": "rate_mismatch"}},
		// n4: 0.10 × 47.30 = 4.73; 5.00 / 47.30 = 0.10571, nearest half percent 0.105 gives
		// 4.97, 0.03 from 5.00 → not a rate: amount_mismatch, gap 0.27.
		{"n4", map[string]string{"commission_expected": "4.73", "commission_gap": "0.27", "reported_rate": "0.1057", "reason": "amount_mismatch"}},
		// n5: the network file reports commissions but not n5's: −4.00 missing.
		{"n5", map[string]string{"commission_expected": "4.00", "commission_reported": "NULL", "commission_gap": "-4.00",
			"reason": "missing_in_report", "source_reports_commission": "true"}},
		// n6: 0.10 × 33.33 = 3.333 → 3.33; 3.34 is a cent off: rounding, ok.
		{"n6", map[string]string{"commission_expected": "3.33", "commission_gap": "0.01", "reason": "ok"}},
		// n7: drop D2's 0.15 beats S1's 0.10: 0.15 × 200.00 = 30.00. Pending on night 1,
		// approved on night 2.
		{"n7", map[string]string{"drop_id": "D2", "commission_rate": "0.15", "rate_source": "drop", "commission_expected": "30.00",
			"reason": "ok", "status": "approved", "pending_first_seen_at": "2026-11-08T03:00:00Z",
			"approved_first_seen_at": "2026-11-12T03:00:00Z", "status_first_seen_at": "2026-11-12T03:00:00Z"}},
		// n8: approved on night 1 (a payout period that has closed), reversed on night 2; the
		// network still lists 5.00 → reported_on_reversed, expected 0.00, gap +5.00. Both
		// first-seen dates are kept.
		{"n8", map[string]string{"stream_id": "S1", "status": "reversed", "is_void": "true", "is_reversed": "true",
			"is_attributable": "false", "commission_expected": "0.00", "commission_reported": "5.00", "commission_gap": "5.00",
			"reason": "reported_on_reversed", "approved_first_seen_at": "2026-11-08T03:00:00Z",
			"reversed_first_seen_at": "2026-11-12T03:00:00Z", "is_reversed_after_approval": "true"}},
		// n9: no code, no tracking id, outside every stream: reported 7.00 on an order no
		// stream is credited with.
		{"n9", map[string]string{"stream_id": "NULL", "affiliate_id": "NULL", "commission_expected": "0.00",
			"commission_reported": "7.00", "commission_gap": "7.00", "reason": "not_attributed"}},
		// n10: SAVE10 on 11-07 19:02 matches S1 (until 11-07 19:30) and S2 (started 19:00):
		// the later-started S2 wins; its drop with the code is D3 (the earliest upcoming);
		// neither D3 nor S2 has a rate → commission_rates.m1 0.08 × 75.00 = 6.00.
		{"n10", map[string]string{"stream_id": "S2", "drop_id": "D3", "commission_rate": "0.08", "rate_source": "merchant_config",
			"commission_expected": "6.00", "reason": "ok"}},
		// n11, n12: S2, 0.08 × 50.00 = 4.00 and 0.08 × 25.00 = 2.00.
		{"n11", map[string]string{"stream_id": "S2", "drop_id": "D3", "commission_expected": "4.00", "reason": "ok"}},
		{"n12", map[string]string{"stream_id": "S2", "drop_id": "D3", "commission_expected": "2.00", "reason": "ok"}},
		// n13: m2's S3 has no rate, m2 none in config: nothing to expect against 4.00.
		{"n13", map[string]string{"stream_id": "S3", "affiliate_id": "a2", "commission_rate": "NULL", "rate_source": "NULL",
			"commission_expected": "NULL", "commission_gap": "NULL", "reason": "no_rate"}},
		// s1, s2: the shop export has no commission column: not a gap.
		{"s1", map[string]string{"stream_id": "S3", "commission_expected": "NULL", "reason": "not_reported_by_source", "commission_gap": "NULL"}},
		{"s2", map[string]string{"stream_id": "S1", "drop_id": "D1", "commission_expected": "1.00", "commission_reported": "NULL",
			"reason": "not_reported_by_source", "commission_gap": "NULL", "source_reports_commission": "false"}},
	}
	for _, tc := range cases {
		check(t, tc.order, c[tc.order], tc.want)
	}

	// stream_kpis counts n8 as S1's reversed order; S2 and S3 have none.
	k := byKey(rows(t, db, "select * from stream_kpis"), "stream_id")
	for id, want := range map[string]string{"S1": "1", "S2": "0", "S3": "0"} {
		check(t, id, k[id], map[string]string{"orders_reversed": want})
	}

	tot := rows(t, db, "select * from commission_totals order by merchant_id, affiliate_id nulls last")
	if len(tot) != 3 {
		t.Fatalf("commission_totals has %d rows; want 3: %v", len(tot), tot)
	}
	// a1 × m1: n1–n8, n10–n12, s2 = 12 orders.
	// expected 10 + 5 + 6 + 4.73 + 4 + 3.33 + 30 + 0 + 6 + 4 + 2 + 1 = 76.06
	// reported 10 + 5 + 9 + 5 + 3.34 + 30 + 5 + 6 + 4 + 2 = 79.34 (n5, s2 none)
	// gap 3.00 + 0.27 − 4.00 + 0.01 + 5.00 = 4.28 (s2 none)
	// basis (not void) 100 + 50 + 60 + 47.30 + 40 + 33.33 + 200 + 75 + 50 + 25 + 10 = 690.63
	check(t, "a1 × m1", tot[0], map[string]string{"affiliate_id": "a1", "merchant_id": "m1", "currency": "USD", "orders": "12",
		"orders_void": "1", "orders_reversed": "1", "orders_reversed_after_approval": "1", "commission_basis": "690.63",
		"commission_expected": "76.06", "commission_reported": "79.34", "commission_gap": "4.28",
		"orders_ok": "7", "orders_rate_mismatch": "1", "orders_amount_mismatch": "1", "orders_missing_in_report": "1",
		"orders_reported_on_reversed": "1", "orders_not_reported_by_source": "1", "orders_no_rate": "0", "orders_not_attributed": "0"})
	// m1 without affiliate: n9 alone.
	check(t, "no affiliate × m1", tot[1], map[string]string{"affiliate_id": "NULL", "merchant_id": "m1", "orders": "1",
		"commission_expected": "0.00", "commission_reported": "7.00", "commission_gap": "7.00", "orders_not_attributed": "1"})
	// a2 × m2: s1 and n13, no rate: expected and gap NULL, reported 4.00, basis 90 + 40.
	check(t, "a2 × m2", tot[2], map[string]string{"affiliate_id": "a2", "merchant_id": "m2", "orders": "2",
		"commission_basis": "130.00", "commission_expected": "NULL", "commission_reported": "4.00", "commission_gap": "NULL",
		"orders_no_rate": "1", "orders_not_reported_by_source": "1"})
}

// TestOrderStatusHistory: every status an order carried, with the night its
// import first carried it.
func TestOrderStatusHistory(t *testing.T) {
	db := commissionWorkspace(t, models.Settings{})
	h := rows(t, db, "select * from order_status_history where order_id in ('n1', 'n7', 'n8') order by order_id, status_seq")
	want := []map[string]string{
		// n1 unchanged on nights 1 and 3: one row, first seen night 1, last seen night 3.
		{"order_id": "n1", "status": "approved", "status_seq": "1", "previous_status": "NULL", "first_seen_at": "2026-11-08T03:00:00Z",
			"last_seen_at": "2026-11-15T03:00:00Z", "is_current": "true", "stream_id": "S1", "affiliate_id": "a1"},
		{"order_id": "n7", "status": "pending", "status_seq": "1", "first_seen_at": "2026-11-08T03:00:00Z", "is_current": "false"},
		{"order_id": "n7", "status": "approved", "status_seq": "2", "previous_status": "pending", "first_seen_at": "2026-11-12T03:00:00Z", "is_current": "true"},
		{"order_id": "n8", "status": "approved", "status_seq": "1", "first_seen_at": "2026-11-08T03:00:00Z", "last_seen_at": "2026-11-08T03:00:00Z", "is_current": "false"},
		// reversed on night 2 and listed again on night 3: first seen stays night 2.
		{"order_id": "n8", "status": "reversed", "status_seq": "2", "previous_status": "approved", "first_seen_at": "2026-11-12T03:00:00Z",
			"last_seen_at": "2026-11-15T03:00:00Z", "is_current": "true", "stream_id": "S1"},
	}
	if len(h) != len(want) {
		t.Fatalf("history of n1, n7, n8 has %d rows; want %d: %v", len(h), len(want), h)
	}
	for i, w := range want {
		check(t, "history row "+w["order_id"]+" "+w["status"], h[i], w)
	}
	// import_seq of the first sighting: night 1 imported streams, drops, links, network,
	// shop (1–5), night 2 the update (6), night 3 the second update (7).
	check(t, "n8 reversed import", h[4], map[string]string{"import_seq": "6"})
	// "orders reversed since": n8 on 11-12 counts from 11-10 on, not from 11-13.
	for _, tc := range []struct{ since, want string }{{"2026-11-10", "1"}, {"2026-11-13", "0"}} {
		n := rows(t, db, "select count(*) as n from order_status_history where status = 'reversed' and first_seen_at >= ?::timestamp", tc.since)
		if n[0]["n"] != tc.want {
			t.Errorf("orders reversed since %s = %s; want %s", tc.since, n[0]["n"], tc.want)
		}
	}
}

// TestCouponLeaksByHand checks each leak signal, the click rule and the code
// shared by two streams.
func TestCouponLeaksByHand(t *testing.T) {
	db := commissionWorkspace(t, models.Settings{})
	r := byKey(rows(t, db, "select * from coupon_reconciliation"), "order_id")
	cases := []struct {
		order string
		want  map[string]string
	}{
		// n3: in D1's window, but the network file records tracking ids and n3 has
		// none of S1's (TRK-S1, TRK-VIP): no click.
		{"n3", map[string]string{"drop_id": "D1", "status": "in_window", "has_click": "false", "leak_signal": "no_click",
			"commission_reason": "rate_mismatch", "commission_expected": "6.00"}},
		// n1 came through L1 (TRK-S1): a click, no signal.
		{"n1", map[string]string{"has_click": "true", "leak_signal": "NULL", "commission_reason": "ok"}},
		// s2: the shop export records no tracking ids: unknown, not a signal.
		{"s2", map[string]string{"drop_id": "D1", "has_click": "NULL", "leak_signal": "NULL", "commission_reason": "not_reported_by_source"}},
		// n14: VIP15 at 18:30, before S1 and D2's window (19:20): before_window.
		{"n14", map[string]string{"drop_id": "D2", "status": "before_window", "leak_signal": "before_window", "credited_stream_id": "NULL"}},
		// n10, the code shared by two streams: the redemption belongs to D1 (the SAVE10
		// drop that started latest at or before 11-07 19:02) and is after its window,
		// 47 h 47 min after it closed — but the order is credited to S2, so the code
		// was used through S2: no leak signal for D1.
		{"n10", map[string]string{"drop_id": "D1", "status": "after_window", "credited_stream_id": "S2", "leak_signal": "NULL",
			"commission_expected": "6.00", "commission_reason": "ok"}},
		// n11 is in D3's window; n12 on 11-09 12:00 is ≥ D3's end 11-07 19:10 + 24 h.
		{"n11", map[string]string{"drop_id": "D3", "status": "in_window", "has_click": "true", "leak_signal": "NULL"}},
		{"n12", map[string]string{"drop_id": "D3", "status": "after_window", "leak_signal": "long_after_window", "credited_stream_id": "S2"}},
		// n8 is void now: no signal, its commission reason and both status dates shown.
		{"n8", map[string]string{"status": "void", "leak_signal": "NULL", "commission_reason": "reported_on_reversed",
			"order_status": "reversed", "approved_first_seen_at": "2026-11-08T03:00:00Z", "reversed_first_seen_at": "2026-11-12T03:00:00Z"}},
	}
	for _, tc := range cases {
		check(t, tc.order, r[tc.order], tc.want)
	}

	// Per drop, defaults (3 redemptions and 10 %): nothing is leaked.
	// D1 counts n1–n6, s2 (in window) and n10 (after) = 8; n8 is void. Signals: n3 → 1/8.
	// D2: n7 (click TRK-VIP) and n14 (before) → 1/2, discount 5.00, net 20.00, no commission row.
	// D3: n11 and n12 (long after) → 1/2, discount 2.50, net 25.00, expected 2.00.
	// D4: s1 (shop: click unknown) and n13 (no click) → 1/2, discount 4.00, net 40.00, no rate.
	l := byKey(rows(t, db, "select * from coupon_leaks"), "drop_id")
	check(t, "D1", l["D1"], map[string]string{"redemptions": "8", "no_click": "1", "click_unknown": "1", "before_window": "0",
		"long_after_window": "0", "leak_redemptions": "1", "leak_share": "0.125", "is_leaked": "false",
		"first_leak_at": "2026-11-05T19:08:00Z", "leak_after_at": "2026-11-06T19:15:00Z"})
	check(t, "D2", l["D2"], map[string]string{"redemptions": "2", "before_window": "1", "leak_redemptions": "1", "leak_share": "0.5",
		"leak_discount": "5.00", "leak_net_revenue": "20.00", "leak_commission_expected": "0.00", "is_leaked": "false"})
	check(t, "D3", l["D3"], map[string]string{"redemptions": "2", "long_after_window": "1", "leak_discount": "2.50",
		"leak_net_revenue": "25.00", "leak_commission_expected": "2.00", "is_leaked": "false"})
	check(t, "D4", l["D4"], map[string]string{"redemptions": "2", "no_click": "1", "click_unknown": "1", "leak_discount": "4.00",
		"leak_net_revenue": "40.00", "leak_commission_expected": "0.00", "is_leaked": "false"})

	// A stricter configuration: 1 redemption and half of them flag D2, D3 and D4
	// (1/2 each) but not D1 (1/8). leak_after 72h: n12 (40 h 50 min after D3) is no
	// longer long after, but it carries no tracking id in a file that records them,
	// so its signal becomes no_click and D3 stays at 1/2.
	db = commissionWorkspace(t, models.Settings{LeakMinRedemptions: 1, LeakShare: 0.5, LeakAfter: 72 * time.Hour})
	l = byKey(rows(t, db, "select * from coupon_leaks"), "drop_id")
	for id, want := range map[string]string{"D1": "false", "D2": "true", "D3": "true", "D4": "true"} {
		check(t, id+" strict", l[id], map[string]string{"is_leaked": want})
	}
	check(t, "D3 strict", l["D3"], map[string]string{"long_after_window": "0", "no_click": "1", "leak_after_at": "2026-11-10T19:10:00Z"})
	r = byKey(rows(t, db, "select * from coupon_reconciliation"), "order_id")
	check(t, "n13 strict", r["n13"], map[string]string{"leak_signal": "no_click", "code_leaked": "true"})
}

// TestCommissionDataTestsFail: the data tests of the new marts catch a
// totals row that does not add up and a reason outside the documented set.
func TestCommissionDataTestsFail(t *testing.T) {
	w := newTestWorkspace(t)
	w.importAt(night1, commissionFiles()...)
	fsys := editedSQL(t, map[string]func(string) string{
		// one cent too much expected for every group
		"marts/commission_totals.sql": func(s string) string {
			return strings.Replace(s, "cast(sum(commission_expected) as decimal(18, 2)) as commission_expected",
				"cast(sum(commission_expected) + 0.01 as decimal(18, 2)) as commission_expected", 1)
		},
		"marts/commission_reconciliation.sql": func(s string) string {
			return strings.Replace(s, "else 'amount_mismatch'", "else 'unexplained'", 1)
		},
	})
	res, err := models.Build(context.Background(), models.Options{Workspace: w.dir, Warehouse: filepath.Join(w.dir, "warehouse.duckdb"),
		SQL: fsys, Settings: withDefaults(models.Settings{})})
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]int64{}
	for _, f := range res.Failed() {
		failed[f.Name] = f.Failures
	}
	// The totals rows a1 × m1 and m1 without affiliate (a2 × m2 expects
	// nothing: NULL + 0.01 stays NULL); n4 is the one amount_mismatch.
	want := map[string]int64{"money_commission_totals_add_up": 2, "accepted_values_commission_reason": 1}
	for name, n := range want {
		if failed[name] != n {
			t.Errorf("data test %s: %d offending rows; want %d (failed: %v)", name, failed[name], n, failed)
		}
	}
	if len(failed) != len(want) {
		t.Errorf("failed data tests %v; want only %v", failed, want)
	}
}
