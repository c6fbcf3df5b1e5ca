package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// commissionWorkspace imports models/testdata/commission over three nights
// (SOURCE_DATE_EPOCH is the import clock: 2026-11-08, -12 and -15 at 03:00
// UTC) with commission_rates.m1 = 0.08 and a strict leak threshold, and
// builds it. The numbers are worked out in models/commission_test.go.
func commissionWorkspace(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), `commission_rates:
  m1: 0.08
reconciliation:
  leak_after: 24h
  leak_min_redemptions: 1
  leak_share: 0.5
`)
	d := filepath.Join("..", "..", "models", "testdata", "commission")
	nights := []struct {
		epoch string
		files [][2]string // kind, file
	}{
		{"1794106800", [][2]string{{"streams", "streams.csv"}, {"drops", "drops.csv"}, {"links", "links.csv"},
			{"orders", "network.csv"}, {"orders", "shop.csv"}}}, // 2026-11-08T03:00:00Z
		{"1794452400", [][2]string{{"orders", "network-update.csv"}}},   // 2026-11-12T03:00:00Z
		{"1794711600", [][2]string{{"orders", "network-update-2.csv"}}}, // 2026-11-15T03:00:00Z
	}
	for _, n := range nights {
		t.Setenv("SOURCE_DATE_EPOCH", n.epoch)
		for _, f := range n.files {
			if code, _, errOut := postlive(t, "-w", ws, "import", f[0], filepath.Join(d, f[1])); code != 0 {
				t.Fatalf("import %s exited %d: %s", f[1], code, errOut)
			}
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1795230000")
	if code, out, errOut := postlive(t, "-w", ws, "build"); code != 0 {
		t.Fatalf("build exited %d:\n%s%s", code, out, errOut)
	}
	return ws
}

func TestReconcileCommissionsAndSince(t *testing.T) {
	ws := commissionWorkspace(t)
	code, out, errOut := postlive(t, "-w", ws, "reconcile", "--merchant", "m1", "--since", "2026-11-10")
	if code != 0 {
		t.Fatalf("reconcile exited %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Commission per affiliate (commission_totals)",
		// a1 × m1: 12 orders, 76.06 expected, 79.34 reported, gap 4.28
		"a1            m1           USD           12                76.06                79.34            4.28",
		"Commission gaps",
		"n3        a1            S1         approved        60.00              0.1                 6.00                 9.00            3.00           0.15  rate_mismatch",
		"reported_on_reversed", "missing_in_report", "amount_mismatch", "not_attributed",
		"Codes with leak signals (coupon_leaks)",
		// n7 was approved and n8 reversed by the import of 2026-11-12; n1's approval (11-08) is older
		"Status changes since 2026-11-10: 1 order reversed, 1 order approved",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("reconcile output lacks %q:\n%s", want, out)
		}
	}

	// since before the first import: the orders it brought are first
	// statuses, not changes
	code, out, errOut = postlive(t, "-w", ws, "reconcile", "--merchant", "m1", "--since", "2026-11-01")
	if code != 0 || !strings.Contains(out, "first imported since 2026-11-01, not listed") || !strings.Contains(out, "Status changes since 2026-11-01: 1 order reversed") {
		t.Errorf("reconcile --since before the first import = %d:\n%s%s", code, out, errOut)
	}

	code, out, errOut = postlive(t, "-w", ws, "reconcile", "--since", "2026-11-10", "--format", "json")
	if code != 0 {
		t.Fatalf("reconcile --format json exited %d: %s", code, errOut)
	}
	var changes []map[string]any
	if err := json.Unmarshal([]byte(out), &changes); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(changes) != 2 || changes[0]["order_id"] != "n7" || changes[1]["order_id"] != "n8" ||
		changes[1]["status"] != "reversed" || changes[1]["previous_status"] != "approved" || changes[1]["first_seen_at"] != "2026-11-12T03:00:00Z" {
		t.Errorf("status changes since 2026-11-10 = %v; want n7 approved and n8 reversed on 2026-11-12", changes)
	}

	code, out, _ = postlive(t, "-w", ws, "reconcile", "--table", "commissions", "--format", "json")
	var comm []map[string]any
	if err := json.Unmarshal([]byte(out), &comm); code != 0 || err != nil {
		t.Fatalf("reconcile --table commissions exited %d (%v):\n%s", code, err, out)
	}
	reasons := map[string]string{}
	for _, r := range comm {
		reasons[r["order_id"].(string)] = r["reason"].(string)
	}
	for order, want := range map[string]string{"n3": "rate_mismatch", "n5": "missing_in_report", "n8": "reported_on_reversed",
		"n9": "not_attributed", "n13": "no_rate", "s2": "not_reported_by_source", "n10": "ok"} {
		if reasons[order] != want {
			t.Errorf("commission reason of %s = %q; want %q", order, reasons[order], want)
		}
	}

	code, out, _ = postlive(t, "-w", ws, "reconcile", "--table", "leaks", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil {
		t.Fatalf("reconcile --table leaks exited %d (%v):\n%s", code, err, out)
	}
	leaked := map[string]string{}
	for _, r := range recs[1:] {
		leaked[r[0]] = r[len(r)-1]
	}
	// leak_min_redemptions 1, leak_share 0.5: D2, D3, D4 (1 of 2), not D1 (1 of 8)
	for drop, want := range map[string]string{"D1": "false", "D2": "true", "D3": "true", "D4": "true"} {
		if leaked[drop] != want {
			t.Errorf("is_leaked of %s = %q; want %s", drop, leaked[drop], want)
		}
	}

	// --out and the report's merchant CSV have the same columns
	csvOut := filepath.Join(t.TempDir(), "m1.csv")
	if code, _, errOut := postlive(t, "-w", ws, "reconcile", "--merchant", "m1", "--out", csvOut); code != 0 {
		t.Fatalf("reconcile --out exited %d: %s", code, errOut)
	}
	if code, _, errOut := postlive(t, "-w", ws, "report"); code != 0 {
		t.Fatalf("report exited %d: %s", code, errOut)
	}
	fromReconcile := readCSVHeader(t, csvOut)
	fromReport := readCSVHeader(t, filepath.Join(ws, "reports", "merchant-m1-reconciliation.csv"))
	if strings.Join(fromReconcile, ",") != strings.Join(fromReport, ",") {
		t.Errorf("reconcile --out columns\n%v\ndiffer from the report's CSV\n%v", fromReconcile, fromReport)
	}
	page, err := os.ReadFile(filepath.Join(ws, "reports", "merchant-m1.html"))
	if err != nil {
		t.Fatal(err)
	}
	// the report is as of the newest import (11-15 03:00): n8's reversal (11-12) is recent
	if !strings.Contains(string(page), "1 order reversed in the 7 days up to 15 Nov 2026 03:00 UTC (by the import that first carried the reversal); 1 order reversed in all.") {
		t.Error("merchant-m1.html does not count the reversal")
	}
}

func readCSVHeader(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := csv.NewReader(f).Read()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestReconcileUsageErrors(t *testing.T) {
	dir := demoWorkspace(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "14/11/2026"}, `--since "14/11/2026" is not a date like 2026-11-14`},
		{[]string{"--table", "payouts", "--format", "csv"}, `--table "payouts" is not one of redemptions, drops, commissions`},
		{[]string{"--table", "leaks"}, "--table chooses what --format csv or json prints"},
		{[]string{"--format", "xml"}, `--format "xml" is not one of table, csv, json`},
		{[]string{"--merchant", "nobody"}, `no drops, redemptions or commissions for merchant "nobody"`},
	} {
		code, _, errOut := postlive(t, append([]string{"-w", dir, "reconcile"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("reconcile %v = %d %q; want exit 2 with %q", tc.args, code, errOut, tc.want)
		}
	}
}
