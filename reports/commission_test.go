package reports

import (
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
)

// TestMerchantCommissionSections: the merchant page presents the commission,
// reversal and leak marts of the test warehouse (commissionMarts) in words,
// and the CSV carries the new columns.
func TestMerchantCommissionSections(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{})
	out := t.TempDir()
	writeReports(t, db, out)
	page := readFile(t, filepath.Join(out, "merchant-m1.html"))
	for _, want := range []string{
		// commission_totals rows, the one without affiliate named
		`<td>h1</td><td class="num">12</td><td class="num">$46.51</td><td class="num">$50.98</td><td class="num">$4.47</td><td class="num">5</td>`,
		`<td>(no stream credited)</td><td class="num">1</td><td class="num">$0.00</td><td class="num">$3.00</td><td class="num">$3.00</td><td class="num">1</td>`,
		// a rate mismatch names the rate the report implies; a reversal shows both dates
		"different rate (15% reported)",
		// in the store's zone, America/New_York: 2026-10-30 03:00Z is 23:00 EDT the
		// day before, 2026-11-04 03:00Z is 22:00 EST (summer time ended on 1 Nov)
		"approved 29 Oct 2026 23:00 EDT, reversed 3 Nov 2026 22:00 EST",
		"Times in America/New_York",
		// order names beside ids
		"#1008<br><small>1008</small>",
		"missing in the report", "not credited to a stream",
		// testNow 2026-11-06 07:30 − 7 days: 1008 (11-05) and 1020 (11-04) are recent, 0999 (10-20) is not
		"2 orders reversed in the 7 days up to 6 Nov 2026 07:30 UTC (by the import that first carried the reversal); 3 orders reversed in all.",
		`<td class="st-leaked">leaked</td>`,
		"1 code has redemptions with leak signals; 1 is flagged as leaked.",
		// the redemption table's new columns
		"<td>before the window</td>", "<td>no click from the stream</td>", "<td>amount differs</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("merchant-m1.html lacks %q", want)
		}
	}
	recs := readCSVFile(t, filepath.Join(out, "merchant-m1-reconciliation.csv"))
	if got := strings.Join(recs[0], ","); got != strings.Join(csvHeader, ",") {
		t.Fatalf("CSV header = %s", got)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	byOrder := map[string][]string{}
	for _, r := range recs[1:] {
		if r[col["status"]] != "duplicate" {
			byOrder[r[col["order_id"]]] = r
		}
	}
	for _, tc := range []struct{ order, column, want string }{
		{"1001", "leak_signal", "before_window"},
		{"1001", "code_leaked", "true"},
		{"1003", "commission_reason", "amount_mismatch"},
		{"1008", "order_status", "reversed"},
		{"1008", "order_name", "#1008"},
		{"1008", "reversed_first_seen_at", "2026-11-05T23:00:00Z"},
		{"1009", "has_click", "false"},
		{"1010", "code_leaked", "false"},
		{"1012", "commission_reason", ""},
	} {
		if got := byOrder[tc.order][col[tc.column]]; got != tc.want {
			t.Errorf("CSV order %s %s = %q; want %q", tc.order, tc.column, got, tc.want)
		}
	}
}

// TestMerchantWithoutCommissionMarts: a warehouse with only the contract
// columns (built before the commission marts existed) still gives a merchant
// page and CSV, without the commission, reversal and leak sections.
func TestMerchantWithoutCommissionMarts(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{contractOnly: true})
	out := t.TempDir()
	writeReports(t, db, out)
	page := readFile(t, filepath.Join(out, "merchant-m1.html"))
	for _, absent := range []string{`id="commission"`, `id="reversals"`, `id="leaks"`} {
		if strings.Contains(page, absent) {
			t.Errorf("merchant-m1.html has %s without the mart", absent)
		}
	}
	recs := readCSVFile(t, filepath.Join(out, "merchant-m1-reconciliation.csv"))
	if len(recs[0]) != len(csvHeader) || len(recs) != 16 {
		t.Errorf("CSV has %d columns and %d rows; want %d and 16", len(recs[0]), len(recs), len(csvHeader))
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(readFile(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
