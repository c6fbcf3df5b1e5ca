package models_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/postlive/postlive/models"
)

// payoutSettings are the campaigns of models/testdata/payouts/README.md.
func payoutSettings(closeAfter time.Duration) models.Settings {
	return models.Settings{
		PayoutCloseAfter: closeAfter,
		Campaigns: []models.CampaignSetting{
			{
				ID: "wknd", Name: "Weekend", Streams: []string{"P1", "P2"}, FlatFee: "150.00", FirstNBonus: "2.00",
				Bonuses: []models.BonusTier{{RevenueOver: "1000", Amount: "50"}, {RevenueOver: "2000", Amount: "120"}},
			},
			{ID: "dec", StreamPrefix: "P4", Bonuses: []models.BonusTier{{RevenueOver: "50", Amount: "5.00"}}},
		},
	}
}

func payoutFile(name string) string { return filepath.Join("testdata", "payouts", name) }

// payoutWorkspace imports the plan and the November orders on 2026-11-21,
// o6's refund on 2026-12-10 (before November closes on 2026-12-16 with
// close_after 15d) and returns the workspace; the 2026-12-20 import (after the
// close) is left to the test.
func payoutWorkspace(t *testing.T) *testWorkspace {
	w := newTestWorkspace(t)
	w.importAt(time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC),
		importSpec{payoutFile("streams.csv"), "streams", ""},
		importSpec{payoutFile("drops.csv"), "drops", ""},
		importSpec{payoutFile("spend.csv"), "spend", ""},
		importSpec{payoutFile("orders-nov.csv"), "orders", ""},
	)
	w.importAt(time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC), importSpec{payoutFile("orders-dec10.csv"), "orders", ""})
	return w
}

func payoutRows(t *testing.T, w *testWorkspace, s models.Settings) (map[string]map[string]string, []map[string]string) {
	t.Helper()
	res, db := w.build(s)
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	payouts := map[string]map[string]string{}
	for _, r := range rows(t, db, "select * from payouts") {
		payouts[r["affiliate_id"]+"/"+r["period"]] = r
	}
	return payouts, rows(t, db, "select * from payout_lines order by line_id")
}

func linesByID(lines []map[string]string) map[string]map[string]string {
	return byKey(lines, "line_id")
}

// TestPayoutsByHand checks every payout line kind against
// models/testdata/payouts (rate 10 %, campaign wknd: flat fee 150.00 per
// stream, bonus 50 above 1,000 and 120 above 2,000 of stream revenue, 2.00 per
// first-N buyer; campaign dec (prefix P4): bonus 5.00 above 50).
func TestPayoutsByHand(t *testing.T) {
	w := payoutWorkspace(t)
	before, beforeLines := payoutRows(t, w, payoutSettings(15*24*time.Hour))

	// November, as the 12-10 import left it (the period is still open):
	// ana: flat fees P1 150.00 (the campaign's fee replaces the plan's
	//   100.00) + P3 80.00 (campaign "solo" from streams.campaign_id has no
	//   terms: the plan's fee) = 230.00;
	//   commission o1 10 % × 100 = 10.00, o2 × 500 = 50.00, o3 × 600 = 60.00,
	//   o7 × 90 = 9.00 → 129.00;
	//   performance bonus: P1 revenue 100 + 500 + 600 = 1,200 > 1,000 → 50.00
	//   (not 120: 1,200 does not pass 2,000);
	//   first-N: SHARE in DA's window (18:00–18:30), the first 2 of o1
	//   18:05, o2 18:10, o3 18:15 → o1, o2: 2 × 2.00 = 4.00;
	//   total 230 + 129 + 50 + 4 = 413.00.
	// ben: flat fee P2 150.00; commission o4 10 % × 200 = 20.00 (o4 at 18:25
	//   matches P1 and P2 by the shared code; P2 started later and wins),
	//   o5 10 % × (300 − 100 refunded) = 20.00 (partial refund), o6 refunded
	//   in full on 12-10 → void, no line; → 40.00; P2 revenue 200 + 200 = 400:
	//   no bonus; first-N: DB (started 18:20, the latest window to open
	//   before 18:25) ranks o4, o5 → 4.00; total 150 + 40 + 4 = 194.00.
	check(t, "ana 2026-11", before["ana/2026-11"], map[string]string{
		"flat_fees": "230.00", "commission": "129.00", "performance_bonus": "50.00", "first_n_bonus": "4.00",
		"clawback": "0.00", "total": "413.00", "orders": "4", "streams": "2", "currency": "USD",
		"closes_at": "2026-12-16T00:00:00Z",
	})
	check(t, "ben 2026-11", before["ben/2026-11"], map[string]string{
		"flat_fees": "150.00", "commission": "40.00", "performance_bonus": "0.00", "first_n_bonus": "4.00",
		"clawback": "0.00", "total": "194.00", "orders": "2",
	})
	// December so far: P4's flat fee (plan) 60.00 for chloe.
	check(t, "chloe 2026-12 before its orders", before["chloe/2026-12"], map[string]string{"flat_fees": "60.00", "total": "60.00"})
	if len(before) != 3 {
		t.Errorf("payouts before the December import = %v; want ana and ben in 2026-11, chloe in 2026-12", before)
	}
	bl := linesByID(beforeLines)
	check(t, "o5 line", bl["commission:m1:o5:close"], map[string]string{
		"amount": "20.00", "basis": "200.00", "rate": "0.1", "line_kind": "commission", "period": "2026-11",
		"detail": "10% of 200.00 net revenue after refunds (order o5, approved)",
	})
	check(t, "P1 bonus line", bl["performance_bonus:P1:close"], map[string]string{
		"amount": "50.00", "basis": "1200.00", "detail": "stream P1 revenue 1200.00 passed 1000.00 (campaign wknd)",
	})
	if _, ok := bl["commission:m1:o6:close"]; ok {
		t.Errorf("o6, refunded in full before the close, has a commission line")
	}

	// 2026-12-20, after November closed: o2 reversed, o8 (a November order
	// of P3) seen for the first time, o9 of December's P4.
	w.importAt(time.Date(2026, 12, 20, 3, 0, 0, 0, time.UTC), importSpec{payoutFile("orders-dec20.csv"), "orders", ""})
	after, afterLines := payoutRows(t, w, payoutSettings(15*24*time.Hour))

	// The closed November is unchanged, line by line.
	al := linesByID(afterLines)
	for id, l := range bl {
		if l["period"] != "2026-11" {
			continue
		}
		if al[id]["amount"] != l["amount"] || al[id]["period"] != "2026-11" {
			t.Errorf("closed 2026-11 line %s = %s; was %s", id, al[id]["amount"], l["amount"])
		}
	}
	check(t, "ana 2026-11 after the close", after["ana/2026-11"], map[string]string{"total": "413.00", "clawback": "0.00"})
	check(t, "ben 2026-11 after the close", after["ben/2026-11"], map[string]string{"total": "194.00"})

	// December, ana: clawbacks of o2's commission −50.00, of P1's bonus
	// (revenue 1,200 → 700, under 1,000) −50.00 and of o2's first-N bonus
	// −2.00 = −102.00; o3 moves up to rank 2 in DA: first-N +2.00; o8, a
	// November order first imported after the close: commission
	// 10 % × 40 = +4.00. Total −102 + 2 + 4 = −96.00.
	check(t, "ana 2026-12", after["ana/2026-12"], map[string]string{
		"flat_fees": "0.00", "commission": "4.00", "performance_bonus": "0.00", "first_n_bonus": "2.00",
		"clawback": "-102.00", "total": "-96.00",
	})
	// December, chloe: P4's flat fee 60.00 (plan), o9 10 % × 70 = 7.00, P4 in
	// campaign dec by prefix, revenue 70 > 50: bonus 5.00 → 72.00.
	check(t, "chloe 2026-12", after["chloe/2026-12"], map[string]string{
		"flat_fees": "60.00", "commission": "7.00", "performance_bonus": "5.00", "total": "72.00",
	})
	if _, ok := after["ben/2026-12"]; ok {
		t.Errorf("ben has a December payout: %v", after["ben/2026-12"])
	}
	for _, c := range []struct {
		id   string
		want map[string]string
	}{
		{"commission:m1:o2:6", map[string]string{"line_kind": "clawback", "amount": "-50.00", "period": "2026-12", "source_period": "2026-11",
			"earned_at": "2026-12-20T03:00:00Z",
			"detail":    "order o2 imported as reversed, 500.00 net after refunds, after 2026-11 closed: commission 50.00 → 0.00"}},
		{"performance_bonus:P1:6", map[string]string{"line_kind": "clawback", "amount": "-50.00", "basis": "700.00", "period": "2026-12"}},
		// late increases are dated by the import that showed them, like
		// clawbacks (docs/payouts.md § Line kinds): o8 was ordered on 11-21
		// 12:00, o3 redeemed in DA's window on 11-10
		{"commission:m1:o8:6", map[string]string{"line_kind": "commission", "amount": "4.00", "period": "2026-12", "source_period": "2026-11",
			"earned_at": "2026-12-20T03:00:00Z"}},
		{"first_n_bonus:DA:m1:o3:6", map[string]string{"line_kind": "first_n_bonus", "amount": "2.00", "period": "2026-12", "source_period": "2026-11",
			"earned_at": "2026-12-20T03:00:00Z"}},
		{"commission:m1:o9:close", map[string]string{"line_kind": "commission", "amount": "7.00", "period": "2026-12", "source_period": "2026-12"}},
		{"flat_fee:P4:close", map[string]string{"amount": "60.00", "campaign_id": "dec"}},
	} {
		if _, ok := al[c.id]; !ok {
			t.Errorf("no payout line %s", c.id)
			continue
		}
		check(t, c.id, al[c.id], c.want)
	}
	var firstN []string
	for _, l := range afterLines {
		if l["obligation"] == "first_n_bonus" {
			firstN = append(firstN, l["affiliate_id"]+" "+l["period"]+" "+l["order_id"]+" "+l["amount"])
		}
	}
	// the shared code: ana is paid for o1, o2 (DA) and ben for o4, o5 (DB);
	// after the close o2's bonus is clawed back and o3's paid
	want := []string{"ana 2026-11 o1 2.00", "ana 2026-11 o2 2.00", "ana 2026-12 o2 -2.00", "ana 2026-12 o3 2.00", "ben 2026-11 o4 2.00", "ben 2026-11 o5 2.00"}
	if len(firstN) != len(want) {
		t.Fatalf("first-N lines = %v; want %v", firstN, want)
	}
	got := map[string]bool{}
	for _, f := range firstN {
		got[f] = true
	}
	for _, x := range want {
		if !got[x] {
			t.Errorf("first-N lines %v lack %q", firstN, x)
		}
	}

	// With close_after 30d November closes 2026-12-31, so the 12-20 import
	// falls inside it: no clawbacks, November is simply recomputed. ana:
	// commission 10 + 60 + 9 + o8 4 = 83.00; no bonus (700); first-N o1, o3
	// 4.00; flat 230.00 → 317.00.
	late, _ := payoutRows(t, w, payoutSettings(30*24*time.Hour))
	check(t, "ana 2026-11 (close_after 30d)", late["ana/2026-11"], map[string]string{
		"commission": "83.00", "performance_bonus": "0.00", "first_n_bonus": "4.00", "clawback": "0.00", "total": "317.00",
		"closes_at": "2026-12-31T00:00:00Z",
	})
	if _, ok := late["ana/2026-12"]; ok {
		t.Errorf("close_after 30d: ana has a December payout %v", late["ana/2026-12"])
	}
}

// TestCampaignPerformanceByHand checks campaign totals, the per-creator rows
// and true CPA after all imports of models/testdata/payouts.
func TestCampaignPerformanceByHand(t *testing.T) {
	w := payoutWorkspace(t)
	w.importAt(time.Date(2026, 12, 20, 3, 0, 0, 0, time.UTC), importSpec{payoutFile("orders-dec20.csv"), "orders", ""})
	res, db := w.build(payoutSettings(15 * 24 * time.Hour))
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	cp := map[string]map[string]string{}
	for _, r := range rows(t, db, "select * from campaign_performance") {
		cp[r["campaign_id"]+"/"+r["level"]+"/"+r["affiliate_id"]] = r
	}
	// wknd today: P1 (ana) o1 100 + o3 600 = 700.00, 2 orders (o2 reversed);
	// P2 (ben) o4 200 + o5 (300 − 100) = 400.00, 2 orders (o6 refunded).
	// Owed for these streams, all periods: flat fees 150 + 150 = 300.00;
	// commission P1 10 + (50 − 50) + 60 = 70.00, P2 20 + 20 = 40.00 → 110.00;
	// bonus P1 50 − 50 = 0.00; first-N P1 2 + (2 − 2) + 2 = 4.00, P2 4.00 → 8.00.
	// Discounts of the attributed orders: o1 20 + o3 60 + o4 20 + o5 30 = 130.00.
	// Ad spend: 25.00 on P1. Cost 300 + 110 + 0 + 8 + 130 + 25 = 573.00;
	// true CPA 573 / 4 = 143.25.
	check(t, "wknd", cp["wknd/campaign/NULL"], map[string]string{
		"campaign_name": "Weekend", "streams": "2", "creators": "2", "orders": "4", "revenue": "1100.00",
		"flat_fees": "300.00", "commission": "110.00", "performance_bonus": "0.00", "first_n_bonus": "8.00",
		"creator_cost": "418.00", "discount_value": "130.00", "ad_spend": "25.00", "total_cost": "573.00",
		"true_cpa": "143.25", "revenue_share": "1", "currency": "USD",
	})
	// ana: 150 + 70 + 0 + 4 = 224 + 80 discount + 25 ad spend = 329.00 / 2 = 164.5;
	// revenue share 700 / 1,100.
	check(t, "wknd ana", cp["wknd/creator/ana"], map[string]string{
		"streams": "1", "orders": "2", "revenue": "700.00", "creator_cost": "224.00", "total_cost": "329.00",
		"true_cpa": "164.5", "revenue_share": "0.6363636363636364",
	})
	// ben: 150 + 40 + 4 = 194 + 50 discount = 244.00 / 2 = 122.
	check(t, "wknd ben", cp["wknd/creator/ben"], map[string]string{
		"creator_cost": "194.00", "total_cost": "244.00", "true_cpa": "122", "ad_spend": "0.00",
	})
	// solo (streams.campaign_id, not configured): P3 o7 90 + o8 40 = 130.00;
	// flat fee 80 + commission 9 + 4 = 93.00, discounts 9 + 4 = 13.00 → 106.00 / 2 = 53.
	check(t, "solo", cp["solo/campaign/NULL"], map[string]string{
		"campaign_name": "solo", "orders": "2", "revenue": "130.00", "creator_cost": "93.00", "total_cost": "106.00", "true_cpa": "53",
	})
	src := byKey(rows(t, db, "select stream_id, campaign_id, campaign_source from int_stream_campaigns"), "stream_id")
	for id, want := range map[string]string{"P1": "wknd config_list", "P2": "wknd config_list", "P3": "solo streams_table", "P4": "dec config_prefix"} {
		if got := src[id]["campaign_id"] + " " + src[id]["campaign_source"]; got != want {
			t.Errorf("campaign of %s = %s; want %s", id, got, want)
		}
	}
}

// TestCampaignWithoutRevenue: a campaign whose streams sold nothing has no
// revenue share, on its row and on its creators' rows (NULL, a ratio over 0),
// and its money columns are 0.00 (docs/metrics.md § Campaigns).
func TestCampaignWithoutRevenue(t *testing.T) {
	w := newTestWorkspace(t)
	plan := writeTestFile(t, "streams.csv", "stream_id,affiliate_id,started_at,ended_at,merchant_id,platform,campaign_id,currency\n"+
		"Q1,ana,2026-11-10T18:00:00Z,2026-11-10T18:30:00Z,m1,tiktok,quiet,USD\n"+
		"Q2,ben,2026-11-11T18:00:00Z,2026-11-11T18:30:00Z,m1,tiktok,quiet,USD\n")
	w.importFiles(importSpec{plan, "streams", ""})
	_, db := w.build(settingsDefault())
	rs := rows(t, db, "select * from campaign_performance where campaign_id = 'quiet' order by level, affiliate_id")
	if len(rs) != 3 {
		t.Fatalf("campaign quiet has %d rows; want 3 (campaign, ana, ben)", len(rs))
	}
	for _, r := range rs {
		check(t, "quiet "+r["level"]+" "+r["affiliate_id"], r, map[string]string{
			"revenue": "0.00", "revenue_share": "NULL", "orders": "0", "true_cpa": "NULL", "discount_value": "0.00"})
	}
}
