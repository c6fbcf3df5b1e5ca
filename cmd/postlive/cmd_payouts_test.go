package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPayoutsCommand runs `postlive payouts` on the demo workspace (whose
// postlive.yaml configures the campaigns glow-gift and kitchen-weekend). The
// amounts are checked by hand in models/payouts_test.go; here: the command's
// formats agree with each other and with the mart, and bad flags exit 2.
func TestPayoutsCommand(t *testing.T) {
	ws := demoWorkspace(t)
	code, out, errOut := postlive(t, "-w", ws, "payouts", "--period", "2026-11")
	if code != 0 {
		t.Fatalf("payouts exited %d: %s", code, errOut)
	}
	// the test clock is 2026-11-21: November closes 2026-12-01 + 15d
	for _, want := range []string{
		"Payouts 2026-11 (closes 2026-12-16 00:00 UTC; open: provisional until it closes)",
		"affiliate_id  currency  flat_fees  commission  performance_bonus  first_n_bonus  clawback",
		"(3 rows)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("payouts output lacks %q:\n%s", want, out)
		}
	}

	code, js, errOut := postlive(t, "-w", ws, "payouts", "--period", "2026-11", "--format", "json")
	if code != 0 {
		t.Fatalf("payouts --format json exited %d: %s", code, errOut)
	}
	var payouts []map[string]any
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&payouts); err != nil {
		t.Fatalf("payouts json: %v\n%s", err, js)
	}
	totals := map[string]int64{}
	for _, p := range payouts {
		var parts int64
		for _, k := range []string{"flat_fees", "commission", "performance_bonus", "first_n_bonus", "clawback"} {
			parts += cents(t, p[k])
		}
		total := cents(t, p["total"])
		if parts != total {
			t.Errorf("%v: the kinds add up to %d cents; total %d", p["affiliate_id"], parts, total)
		}
		if p["status"] != "open" || p["period"] != "2026-11" {
			t.Errorf("%v: status %v period %v; want open 2026-11", p["affiliate_id"], p["status"], p["period"])
		}
		totals[p["affiliate_id"].(string)] = total
	}
	if len(totals) != 3 {
		t.Fatalf("payouts for %v; want ana, ben and chloe", totals)
	}

	// the lines of ana, as CSV written by --out, add up to her total
	file := filepath.Join(t.TempDir(), "ana.csv")
	code, out, errOut = postlive(t, "-w", ws, "payouts", "--period", "2026-11", "--affiliate", "ana", "--lines", "--format", "csv", "--out", file)
	if code != 0 {
		t.Fatalf("payouts --lines exited %d: %s", code, errOut)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "wrote "+strconv.Itoa(len(recs)-1)+" payout lines to "+file+"\n") {
		t.Errorf("--out said %q", strings.SplitN(out, "\n", 2)[0])
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	var sum int64
	kinds := map[string]int{}
	for _, r := range recs[1:] {
		if r[col["affiliate_id"]] != "ana" || r[col["period"]] != "2026-11" {
			t.Fatalf("line of %s %s in ana's 2026-11 lines", r[col["affiliate_id"]], r[col["period"]])
		}
		sum += cents(t, json.Number(r[col["amount"]]))
		kinds[r[col["line_kind"]]]++
	}
	if sum != totals["ana"] {
		t.Errorf("ana's lines add up to %d cents; her payout is %d", sum, totals["ana"])
	}
	// ana: flat fee of s-2026-11-03-ana, commission per order, glow-gift
	// performance bonuses, first-N bonuses of the GLOWGIFT drops (first 10 × 2)
	if kinds["flat_fee"] != 1 || kinds["commission"] == 0 || kinds["performance_bonus"] == 0 || kinds["first_n_bonus"] != 20 {
		t.Errorf("ana's line kinds = %v; want 1 flat_fee, commission, performance_bonus and 20 first_n_bonus lines", kinds)
	}

	code, out, _ = postlive(t, "-w", ws, "payouts", "--period", "2026-10")
	if code != 0 || !strings.Contains(out, "No payouts for 2026-10.") {
		t.Errorf("an empty period = %d %q", code, out)
	}
	for _, bad := range [][]string{
		{"--period", "2026-13"},
		{"--period", "Nov 2026"},
		{"--format", "xml"},
		{"--affiliate", "nobody"},
	} {
		code, _, errOut := postlive(t, append([]string{"-w", ws, "payouts"}, bad...)...)
		if code != exitUsage || errOut == "" {
			t.Errorf("payouts %v = exit %d %q; want 2 with a message", bad, code, errOut)
		}
	}
	_, help, _ := postlive(t, "payouts", "--help")
	if !strings.Contains(help, "EXIT STATUS") {
		t.Errorf("payouts --help has no EXIT STATUS section")
	}
}

// TestPayoutsClosedPeriod: with the clock after November's close the
// period reads closed.
func TestPayoutsClosedPeriod(t *testing.T) {
	ws := demoWorkspace(t)
	var out strings.Builder
	e := &env{stdout: &out, stderr: &out, workspace: ws, now: func() time.Time { return time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC) }}
	w, err := e.openWorkspace(false, 0)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openWarehouse(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := runPayouts(t.Context(), e, db, payoutsOptions{period: "2026-11", format: "table"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Payouts 2026-11 (closes 2026-12-16 00:00 UTC; closed)") {
		t.Errorf("payouts at the close:\n%s", out.String())
	}
}

// cents reads an exact amount like "-102.00" or 881.64 (a JSON number).
func cents(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	s := n.String()
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	c, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || len(strings.TrimPrefix(whole, "-")) == 0 {
		t.Fatalf("%q is not an amount", s)
	}
	if strings.HasPrefix(whole, "-") && c > 0 {
		c = -c
	}
	return c
}
