package models_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postlive/postlive/models"
)

func statementFile(name string) string { return filepath.Join("testdata", "statement", name) }

func night(m time.Month, d int) time.Time { return time.Date(2026, m, d, 3, 0, 0, 0, time.UTC) }

// statementWorkspace imports models/testdata/statement as five nightly runs
// (its README tells the story): the plan and October's orders on 10-06, a3
// cancelled on 10-20, November's orders on 11-13, n2 refunded and e2 partly
// refunded on 11-25, and on 12-20 (after November closed on 12-16) a1 and b1
// reversed, n1 partly refunded and December's d1.
func statementWorkspace(t *testing.T) *testWorkspace {
	w := newTestWorkspace(t)
	w.importAt(night(10, 6),
		importSpec{statementFile("streams.csv"), "streams", ""},
		importSpec{statementFile("drops.csv"), "drops", ""},
		importSpec{statementFile("orders-1006.csv"), "orders", ""},
	)
	w.importAt(night(10, 20), importSpec{statementFile("orders-1020.csv"), "orders", ""})
	w.importAt(night(11, 13), importSpec{statementFile("orders-1113.csv"), "orders", ""})
	w.importAt(night(11, 25), importSpec{statementFile("orders-1125.csv"), "orders", ""})
	w.importAt(night(12, 20), importSpec{statementFile("orders-1220.csv"), "orders", ""})
	return w
}

// paid records a payment of lines (line id → amount) as
// `postlive payouts --mark-paid` would.
func paid(id string, on, recorded time.Time, affiliate, currency, period string, lines map[string]string) []models.Payment {
	var out []models.Payment
	for l, amount := range lines {
		out = append(out, models.Payment{ID: id, PaidOn: on, Affiliate: affiliate, Currency: currency, Period: period,
			LineID: l, Amount: amount, Reference: "WISE " + id, RecordedAt: recorded})
	}
	return out
}

// octoberPaid is October paid to ana on 2026-11-20: 50.00 + 20.00 + 10.00.
var octoberPaid = paid("2026-11-20/ana/USD", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
	"ana", "USD", "2026-10", map[string]string{"flat_fee:S1:close": "50.00", "commission:m1:a1:close": "20.00", "commission:m1:a2:close": "10.00"})

func statementRows(t *testing.T, w *testWorkspace, s models.Settings) (balances, lines map[string]map[string]string, reversals map[string]map[string]string) {
	t.Helper()
	if s.PayoutCloseAfter == 0 {
		s.PayoutCloseAfter = 15 * 24 * time.Hour
	}
	res, db := w.build(s)
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	balances = map[string]map[string]string{}
	for _, r := range rows(t, db, "select * from creator_balances") {
		balances[r["affiliate_id"]+" "+r["currency"]] = r
	}
	lines = map[string]map[string]string{}
	for _, r := range rows(t, db, "select * from creator_statement") {
		lines[r["line_id"]+" "+r["payment_id"]] = r
	}
	return balances, lines, byKey(rows(t, db, "select * from creator_reversals"), "reversal_id")
}

// TestCreatorStatementByHand checks money by state against
// models/testdata/statement (README): rates 10 % (m1, USD) and 8 % (m2, EUR),
// payouts.close_after 15d, so October closes 11-16, November 12-16, December
// 2027-01-16.
func TestCreatorStatementByHand(t *testing.T) {
	w := statementWorkspace(t)

	// As of the 12-20 import, October paid on 11-20.
	b, l, rv := statementRows(t, w, models.Settings{Payments: octoberPaid})
	// ana USD:
	//   paid      October: flat fee S1 50.00 + a1 10 % × 200 = 20.00 + a2
	//             10 % × 100 = 10.00 (pending at the close, paid like
	//             approved) = 80.00; a3 (cancelled on 10-20, before the close)
	//             earns nothing
	//   approved  November (closed 12-16, not paid): n1 10 % × 300 = 30.00
	//             (its refund came after the close); n2 refunded in full on
	//             11-25: nothing; deductions known since 12-20: a1 reversed
	//             −20.00, n1 refunded 50 → 10 % × 250 = 25.00: −5.00; so
	//             30 − 20 − 5 = 5.00
	//   pending   December: d1 10 % × 400 = 40.00, clears 2027-01-16
	//   total     80 + 5 + 40 = 125.00 = payouts 80 (Oct) + 30 (Nov) + 15 (Dec:
	//             40 − 20 − 5)
	//   next      5.00, due since November closed on 12-16
	//   reversed  −25.00 (the two clawbacks); withdrawn before their month
	//             closed: a3 −8.00 (10 % × 80), n2 −15.00 (10 % × 150) = −23.00
	check(t, "ana USD", b["ana USD"], map[string]string{
		"paid": "80.00", "approved": "5.00", "pending": "40.00", "total": "125.00",
		"approved_since": "2026-12-16T00:00:00Z", "pending_clears_at": "2027-01-16T00:00:00Z",
		"next_payout_amount": "5.00", "next_payout_at": "2026-12-16T00:00:00Z", "next_payout_is_due": "true",
		"last_paid_at": "2026-11-20T00:00:00Z", "last_payment_amount": "80.00", "last_payment_reference": "WISE 2026-11-20/ana/USD",
		"reversed": "-25.00", "withdrawn": "-23.00", "reversals": "4", "as_of": "2026-12-20T03:00:00Z",
	})
	// ana EUR: November: flat fee S3 30.00 + e1 8 % × 250 = 20.00 + e2 8 % ×
	// (100 − 40 refunded on 11-25) = 4.80 → 54.80 approved, the next payout;
	// e2's refund took 8 % × 40 = 3.20 before the close.
	check(t, "ana EUR", b["ana EUR"], map[string]string{
		"paid": "0.00", "approved": "54.80", "pending": "0.00", "total": "54.80",
		"next_payout_amount": "54.80", "next_payout_is_due": "true", "withdrawn": "-3.20", "reversed": "0.00",
	})
	// ben: November b1 10 % × 300 = 30.00 approved, b1 reversed on 12-20:
	// −30.00 due at once → approved 0.00, nothing to pay, no later earnings.
	check(t, "ben USD", b["ben USD"], map[string]string{
		"approved": "0.00", "pending": "0.00", "paid": "0.00", "total": "0.00",
		"next_payout_amount": "NULL", "next_payout_at": "NULL", "next_payout_is_due": "false", "reversed": "-30.00",
	})
	check(t, "a1 paid in October", l["commission:m1:a1:close 2026-11-20/ana/USD"], map[string]string{
		"state": "paid", "amount": "20.00", "paid_at": "2026-11-20T00:00:00Z", "code": "OCT", "order_status": "reversed",
	})
	check(t, "a1's clawback", l["commission:m1:a1:7 NULL"], map[string]string{
		"state": "approved", "amount": "-20.00", "period": "2026-12", "is_reversal": "true", "reversal_reason": "reversal",
		"clears_at": "2026-12-20T03:00:00Z",
	})
	check(t, "d1", l["commission:m1:d1:close NULL"], map[string]string{
		"state": "pending", "amount": "40.00", "clears_at": "2027-01-16T00:00:00Z", "order_status": "pending", "code": "DEC", "rate": "0.1",
	})
	check(t, "n1's partial refund", rv["commission:m1:n1:7"], map[string]string{
		"reason": "partial_refund", "stage": "after_close", "amount": "-5.00", "amount_before": "30.00", "amount_after": "25.00",
		"payout_period": "2026-12", "source_period": "2026-11",
	})
	check(t, "a3 cancelled before the close", rv["withdrawn:m1:a3:4"], map[string]string{
		"reason": "cancellation", "stage": "before_close", "in_payout": "false", "amount": "-8.00",
		"reversed_at": "2026-10-20T03:00:00Z", "payout_period": "NULL",
	})
	check(t, "n2 refunded before the close", rv["withdrawn:m1:n2:6"], map[string]string{"reason": "refund", "amount": "-15.00"})
	check(t, "e2 partly refunded before the close", rv["withdrawn:m2:e2:6"], map[string]string{
		"reason": "partial_refund", "amount": "-3.20", "currency": "EUR",
	})

	// November paid on 12-22 (as --mark-paid 2026-11 records it: what was due):
	// ana USD 30 − 20 − 5 = 5.00; ana EUR 54.80; ben 30 − 30 = 0.00 (settled,
	// nothing sent).
	on, at := time.Date(2026, 12, 22, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 22, 10, 0, 0, 0, time.UTC)
	payments := slices.Concat(octoberPaid,
		paid("2026-12-22/ana/USD", on, at, "ana", "USD", "2026-11", map[string]string{
			"commission:m1:n1:close": "30.00", "commission:m1:a1:7": "-20.00", "commission:m1:n1:7": "-5.00"}),
		paid("2026-12-22/ana/EUR", on, at, "ana", "EUR", "2026-11", map[string]string{
			"flat_fee:S3:close": "30.00", "commission:m2:e1:close": "20.00", "commission:m2:e2:close": "4.80"}),
		paid("2026-12-22/ben/USD", on, at, "ben", "USD", "2026-11", map[string]string{
			"commission:m1:b1:close": "30.00", "commission:m1:b1:7": "-30.00"}),
	)
	b, l, _ = statementRows(t, w, models.Settings{Payments: payments})
	// ana USD: paid 80 + 5 = 85.00; nothing approved; December's 40.00 is the
	// next payout, on 2027-01-16 when December closes (not due yet).
	check(t, "ana USD after November's payment", b["ana USD"], map[string]string{
		"paid": "85.00", "approved": "0.00", "pending": "40.00", "total": "125.00",
		"next_payout_amount": "40.00", "next_payout_at": "2027-01-16T00:00:00Z", "next_payout_is_due": "false",
		"last_paid_at": "2026-12-22T00:00:00Z", "last_payment_amount": "5.00", "as_of": "2026-12-22T10:00:00Z",
	})
	check(t, "ana EUR after November's payment", b["ana EUR"], map[string]string{
		"paid": "54.80", "approved": "0.00", "next_payout_amount": "NULL", "last_payment_amount": "54.80",
	})
	check(t, "ben after November's settlement", b["ben USD"], map[string]string{"paid": "0.00", "approved": "0.00", "last_payment_amount": "0.00"})
	check(t, "a1's clawback, deducted on 12-22", l["commission:m1:a1:7 2026-12-22/ana/USD"], map[string]string{
		"state": "paid", "amount": "-20.00", "paid_at": "2026-12-22T00:00:00Z",
	})

	// A paid line worth more today (October's fee raised to 60.00 by a
	// campaign after it was paid) and a recorded payment of a line that no
	// longer exists (25.00 for flat_fee:S9:close): paid stays what was paid,
	// the differences await payout. ana USD: paid 85 + 25 = 110.00; approved
	// 60 − 50 = 10.00 less the 25.00 to recover = −15.00; pending 40.00; total
	// 135.00 = payouts (Oct 90 + Nov 30 + Dec 15). Next payout: −15 + 40 =
	// 25.00 when December closes.
	changed := slices.Concat(payments, paid("2026-11-20/ana/USD", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), "ana", "USD", "2026-10", map[string]string{"flat_fee:S9:close": "25.00"}))
	b, l, _ = statementRows(t, w, models.Settings{Payments: changed,
		Campaigns: []models.CampaignSetting{{ID: "oct", Streams: []string{"S1"}, FlatFee: "60.00"}}})
	check(t, "ana USD with a changed and a vanished line", b["ana USD"], map[string]string{
		"paid": "110.00", "approved": "-15.00", "pending": "40.00", "total": "135.00",
		"next_payout_amount": "25.00", "next_payout_at": "2027-01-16T00:00:00Z", "next_payout_is_due": "false",
	})
	check(t, "S1's fee: what was paid", l["flat_fee:S1:close 2026-11-20/ana/USD"], map[string]string{"state": "paid", "amount": "50.00"})
	check(t, "S1's fee: the raise", l["flat_fee:S1:close NULL"], map[string]string{"state": "approved", "amount": "10.00"})
	check(t, "S9: paid", l["flat_fee:S9:close 2026-11-20/ana/USD"], map[string]string{"state": "paid", "amount": "25.00", "period": "2026-10"})
	check(t, "S9: to recover", l["flat_fee:S9:close NULL"], map[string]string{"state": "approved", "amount": "-25.00",
		"detail": "paid for line flat_fee:S9:close, which no longer exists"})
}

// TestCreatorStatementDataTestFails shows money_creator_states_add_up catch
// a statement that counts a paid line twice: creator_statement without the
// payment subtracted from the line's unpaid rest. October's three paid lines
// (50.00, 20.00, 10.00) then show 160.00 where payouts owes 80.00.
func TestCreatorStatementDataTestFails(t *testing.T) {
	w := statementWorkspace(t)
	fsys := editedSQL(t, map[string]func(string) string{
		"marts/creator_statement.sql": func(s string) string {
			return strings.ReplaceAll(s, "lines.amount - coalesce(covered.covered, 0)", "lines.amount")
		},
	})
	res, err := models.Build(context.Background(), models.Options{Workspace: w.dir, Warehouse: filepath.Join(w.dir, "warehouse.duckdb"),
		SQL: fsys, Settings: withDefaults(models.Settings{AttributionWindow: 48 * time.Hour, DuplicateWindow: 30 * time.Second,
			PayoutCloseAfter: 15 * 24 * time.Hour, Payments: octoberPaid})})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	var sample [][]string
	for _, f := range res.Failed() {
		failed = append(failed, fmt.Sprintf("%s:%d", f.Name, f.Failures))
		if f.Name == "money_creator_states_add_up" {
			sample = f.Sample
		}
	}
	// 3 lines + ana USD 2026-10 + ana USD's total in creator_balances
	if !slices.Contains(failed, "money_creator_states_add_up:5") {
		t.Fatalf("failed data tests %v; want money_creator_states_add_up with 5 offending rows", failed)
	}
	var got []string
	for _, r := range sample {
		got = append(got, strings.Join(r, " "))
	}
	for _, want := range []string{"line flat_fee:S1:close 50.00 100.00", "affiliate x period x currency ana 2026-10 USD 80.00 160.00"} {
		if !slices.Contains(got, want) {
			t.Errorf("offending rows %q lack %q", got, want)
		}
	}
}
