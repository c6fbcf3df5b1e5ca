package main

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postlive/postlive/models"
	"github.com/postlive/postlive/reports/browsertest"
	sqlfiles "github.com/postlive/postlive/sql"
)

// at sets the clock of the next postlive commands (imports, the build,
// recorded payments) to t.
func at(t *testing.T, when string) {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, when)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", strconv.FormatInt(ts.Unix(), 10))
}

// mustRun runs postlive and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := postlive(t, args...)
	if code != 0 {
		t.Fatalf("postlive %s = %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// statementWorkspace imports models/testdata/statement (its README tells the
// story) night by night through the CLI, builds on 11-20 and records October
// as paid then, as the operator would.
func statementWorkspace(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), `payouts:
  close_after: 15d
email:
  from: postlive reports <reports@example.com>
  to:
    ana: Ana <ana@example.com>
    ben: ben@example.com
`)
	data := func(name string) string { return filepath.Join("..", "..", "models", "testdata", "statement", name) }
	at(t, "2026-10-06T03:00:00Z")
	mustRun(t, "-w", ws, "import", "streams", data("streams.csv"))
	mustRun(t, "-w", ws, "import", "drops", data("drops.csv"))
	mustRun(t, "-w", ws, "import", "orders", data("orders-1006.csv"))
	at(t, "2026-10-20T03:00:00Z")
	mustRun(t, "-w", ws, "import", "orders", data("orders-1020.csv"))
	at(t, "2026-11-13T03:00:00Z")
	mustRun(t, "-w", ws, "import", "orders", data("orders-1113.csv"))
	at(t, "2026-11-20T03:00:00Z")
	mustRun(t, "-w", ws, "build")

	// October closed on 11-16: its 80.00 (fee 50.00 + a1 20.00 + a2 10.00)
	// is due and is paid on 11-20.
	at(t, "2026-11-20T10:00:00Z")
	out := mustRun(t, "-w", ws, "payouts", "--mark-paid", "2026-10", "--reference", "WISE 1001")
	_, tests, err := models.Load(sqlfiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Recorded in payouts-paid.csv (paid on 2026-11-20, through 2026-10):",
		"2026-11-20/ana/USD  ana           USD        80.00      3  2026-11-20  2026-10  WISE 1001",
		fmt.Sprintf("data tests: %d passed, 0 failed", len(tests)),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--mark-paid 2026-10 output lacks %q:\n%s", want, out)
		}
	}
	at(t, "2026-11-25T03:00:00Z")
	mustRun(t, "-w", ws, "import", "orders", data("orders-1125.csv"))
	at(t, "2026-12-20T03:00:00Z")
	mustRun(t, "-w", ws, "import", "orders", data("orders-1220.csv"))
	mustRun(t, "-w", ws, "build")
	return ws
}

// TestStatementCommand runs the statement and the payment record through the
// CLI. The amounts are worked out in models/statement_test.go; here: the
// command shows them, its formats agree with payouts, and a payment is
// recorded only for closed periods and only once.
func TestStatementCommand(t *testing.T) {
	ws := statementWorkspace(t)

	at(t, "2026-12-21T09:00:00Z")
	out := mustRun(t, "-w", ws, "payouts", "--statement", "--affiliate", "ana")
	for _, want := range []string{
		"Statement for ana, as of 2026-12-20 03:00 UTC (the newest import or recorded payment)",
		// USD: 40.00 pending (d1) clears 2027-01-16; 30.00 November − 25.00
		// deducted = 5.00 awaiting since 12-16, the next payout; 80.00 paid
		"USD         40.00  2027-01-16      5.00  2026-12-16      80.00         5.00  2026-12-16      due               -25.00     -23.00",
		"EUR          0.00  —              54.80  2026-12-16       0.00        54.80  2026-12-16      due                 0.00      -3.20",
		"2026-10  USD       paid       80.00  2026-11-16  2026-11-20  2026-11-20/ana/USD",
		"2026-12-20 03:00  USD       -20.00  reversal        clawed back after 2026-10 closed  a1        S1         OCT",
		"2026-10-20 03:00  USD        -8.00  cancellation    withdrawn before 2026-10 closed   a3        S1         OCT",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--statement output lacks %q:\n%s", want, out)
		}
	}

	// JSON: the balances, and per creator and currency pending + approved +
	// paid = Σ payouts.total.
	js := mustRun(t, "-w", ws, "payouts", "--statement", "--format", "json")
	var balances []map[string]any
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&balances); err != nil {
		t.Fatalf("--statement --format json: %v\n%s", err, js)
	}
	js = mustRun(t, "-w", ws, "payouts", "--format", "json")
	var payouts []map[string]any
	dec = json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&payouts); err != nil {
		t.Fatal(err)
	}
	owed := map[string]int64{}
	for _, p := range payouts {
		owed[p["affiliate_id"].(string)+" "+p["currency"].(string)] += cents(t, p["total"])
	}
	if len(balances) != 3 {
		t.Fatalf("balances of %d creator × currency; want ana USD, ana EUR, ben USD:\n%v", len(balances), balances)
	}
	for _, b := range balances {
		key := b["affiliate_id"].(string) + " " + b["currency"].(string)
		if got := cents(t, b["pending"]) + cents(t, b["approved"]) + cents(t, b["paid"]); got != owed[key] {
			t.Errorf("%s: pending + approved + paid = %d cents; payouts owe %d", key, got, owed[key])
		}
	}

	// A period still open cannot be paid.
	at(t, "2026-12-22T10:00:00Z")
	code, out, errOut := postlive(t, "-w", ws, "payouts", "--mark-paid", "2026-12")
	if code != exitUsage || !strings.Contains(errOut, "2026-12 is open until 2027-01-16 00:00 UTC (payouts.close_after 15d)") {
		t.Errorf("--mark-paid 2026-12 = %d\n%s%s", code, out, errOut)
	}

	// November, paid on 12-22: what is due, deductions included.
	js = mustRun(t, "-w", ws, "payouts", "--mark-paid", "2026-11", "--reference", "WISE 1002", "--format", "json")
	var recorded []map[string]any
	dec = json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&recorded); err != nil {
		t.Fatalf("--mark-paid --format json: %v\n%s", err, js)
	}
	got := map[string]string{}
	for _, r := range recorded {
		got[r["payment_id"].(string)] = fmt.Sprint(r["amount"], " ", r["lines"])
	}
	// ana USD: n1 30.00 − a1 20.00 − n1 5.00 = 5.00 (3 lines); ana EUR:
	// 30.00 + 20.00 + 4.80 = 54.80 (3 lines); ben: b1 30.00 − 30.00 = 0.00
	// (2 lines settled)
	want := map[string]string{"2026-12-22/ana/USD": "5.00 3", "2026-12-22/ana/EUR": "54.80 3", "2026-12-22/ben/USD": "0.00 2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("recorded %v; want %v", got, want)
	}
	out = mustRun(t, "-w", ws, "payouts", "--mark-paid", "2026-11")
	if !strings.Contains(out, "Nothing to record: nothing is due through 2026-11.") {
		t.Errorf("a second --mark-paid 2026-11:\n%s", out)
	}
	out = mustRun(t, "-w", ws, "payouts", "--statement", "--affiliate", "ana", "--currency", "USD")
	if !strings.Contains(out, "USD         40.00  2027-01-16      0.00  —               85.00        40.00  2027-01-16      when it clears    -25.00     -23.00") {
		t.Errorf("ana's statement after November's payment:\n%s", out)
	}

	// The record is the workspace's: a warehouse built before its last
	// payments refuses to record more, and a damaged row names its place.
	paidCSV := filepath.Join(ws, "payouts-paid.csv")
	rec, err := os.ReadFile(paidCSV)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(rec), "\n"); n != 1+3+8 {
		t.Errorf("payouts-paid.csv has %d lines; want the header, October's 3 and November's 8", n)
	}
	writeFile(t, paidCSV, string(rec)+"2026-12-23/ana/USD,2026-12-23,ana,USD,2026-12,commission:m1:d1:close,40.00,,2026-12-23T10:00:00Z\n")
	at(t, "2027-01-20T10:00:00Z")
	code, _, errOut = postlive(t, "-w", ws, "payouts", "--mark-paid", "2026-12")
	if code != exitUsage || !strings.Contains(errOut, "payouts-paid.csv holds 12 paid lines, the warehouse 11") {
		t.Errorf("--mark-paid with a record the warehouse does not know = %d\n%s", code, errOut)
	}
	writeFile(t, paidCSV, string(rec)+"2026-12-23/ana/USD,23/12/2026,ana,USD,2026-12,commission:m1:d1:close,40,,2026-12-23T10:00:00Z\n")
	code, _, errOut = postlive(t, "-w", ws, "build")
	if code != exitUsage || !strings.Contains(errOut, paidCSV+`:13:20: paid_on: "23/12/2026" is not a date; write it like 2026-12-20`) {
		t.Errorf("build with a damaged payouts-paid.csv = %d\n%s", code, errOut)
	}
	writeFile(t, paidCSV, string(rec))

	for _, bad := range [][]string{
		{"payouts", "--paid-on", "2026-12-20"},
		{"payouts", "--mark-paid", "Nov"},
		{"payouts", "--mark-paid", "2026-11", "--statement"},
		{"payouts", "--statement", "--period", "2026-11"},
		{"payouts", "--statement", "--currency", "usd"},
		{"payouts", "--statement", "--affiliate", "nobody"},
	} {
		if code, _, errOut := postlive(t, append([]string{"-w", ws}, bad...)...); code != exitUsage {
			t.Errorf("postlive %s = %d; want 2\n%s", strings.Join(bad, " "), code, errOut)
		}
	}
}

// TestStatementPageAndEmail writes the statement pages and the affiliate's
// e-mail from the workspace after November's payment, checks the numbers a
// creator acts on, and opens both in headless Chromium at 390 and 1280 px:
// no horizontal page scrolling, no visible text under 11 px, a screenshot
// of each in artifacts/.
func TestStatementPageAndEmail(t *testing.T) {
	ws := statementWorkspace(t)
	at(t, "2026-12-22T10:00:00Z")
	mustRun(t, "-w", ws, "payouts", "--mark-paid", "2026-11")
	mustRun(t, "-w", ws, "report")
	page, err := os.ReadFile(filepath.Join(ws, "reports", "statement-ana.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{
		"<h1>Statement — ana</h1>",
		"As of Tue 22 Dec 2026, 10:00 UTC (the newest import or recorded payment) · money in EUR and USD",
		// USD: d1's 40.00 is the next payout, when December clears
		"Next payout: $40.00</p>\n<p>on 16 Jan 2027, when the month clears",
		`<p class="value">$85.00</p><p class="note">last payment $5.00 on 22 Dec 2026</p>`,
		`<p class="value">−$25.00</p><p class="note">clawed back or returned, deducted from payouts; besides, $23.00 was withdrawn before it cleared (never paid)</p>`,
		`<p class="value">€54.80</p><p class="note">last payment €54.80 on 22 Dec 2026</p>`,
		`<td class="num nw" data-v="-20">−$20.00</td><td>reversed by the merchant or network</td><td>commission on order a1</td><td>OCT</td><td>clawed back after Oct 2026 closed: taken from the next payout</td>`,
		`<td class="num nw" data-v="-8">−$8.00</td><td>order cancelled</td><td>commission on order a3</td><td>OCT</td><td>withdrawn before Oct 2026 cleared: never paid</td>`,
		// October opener: fee 50 + a1 20 + a2 10 − a1's clawback 20 = 60.00
		`<a href="stream-S1.html">October opener</a>`, `data-v="60">$60.00</td>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("statement-ana.html lacks %q", want)
		}
	}

	dir := t.TempDir()
	mustRun(t, "-w", ws, "send", "--to-dir", dir)
	eml, err := os.ReadFile(filepath.Join(dir, "ana-2026-12-22.eml"))
	if err != nil {
		t.Fatal(err)
	}
	_, root := parseMail(t, eml)
	var body string
	var attached []string
	var walk func(p *mimePart)
	walk = func(p *mimePart) {
		switch {
		case strings.HasPrefix(p.get("Content-Disposition"), "attachment"):
			_, params, _ := mime.ParseMediaType(p.get("Content-Disposition"))
			attached = append(attached, params["filename"])
		case p.typ == "text/html" && body == "":
			body = string(p.body)
		}
		for _, c := range p.children {
			walk(c)
		}
	}
	walk(root)
	if len(attached) == 0 || attached[len(attached)-1] != "statement-ana.html" {
		t.Errorf("attachments %v; want the statement last", attached)
	}
	for _, want := range []string{"Your money", "Next payout: $40.00", "Next payout: €0.00", "$85.00", "statement-ana.html"} {
		if !strings.Contains(body, want) {
			t.Errorf("ana's e-mail body lacks %q", want)
		}
	}
	mail := filepath.Join(t.TempDir(), "email-ana.html")
	if err := os.WriteFile(mail, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}

	browser := browsertest.Start(t)
	for _, c := range []struct{ file, name string }{
		{filepath.Join(ws, "reports", "statement-ana.html"), "statement-ana"},
		{mail, "email-statement-ana"},
	} {
		for _, width := range []int64{390, 1280} {
			checkOnScreen(t, browser, c.file, c.name, width)
		}
	}
}

// layout is what checkOnScreen measures in the browser.
type layout struct {
	Wide  int      `json:"wide"`
	Small []string `json:"small"`
}

// layoutJS opens every <details>, then measures the page's width and lists
// the visible text set under 11 px.
const layoutJS = `(function () {
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  var small = [];
  var w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    var n = w.currentNode, e = n.parentElement;
    if (!n.textContent.trim() || !e) { continue; }
    var cs = getComputedStyle(e), r = e.getBoundingClientRect();
    if (cs.display === "none" || cs.visibility === "hidden" || r.width === 0 || r.height === 0) { continue; }
    if (parseFloat(cs.fontSize) < 11) { small.push(e.tagName + " " + cs.fontSize + ": " + n.textContent.trim().slice(0, 40)); }
  }
  return { wide: document.documentElement.scrollWidth, small: small };
})()`

// checkOnScreen opens file at width with every network blocked, fails on
// horizontal page scrolling or visible text under 11 px, and keeps a full
// screenshot as artifacts/<name>-<width>px.png.
func checkOnScreen(t *testing.T, browser context.Context, file, name string, width int64) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()
	u := (&url.URL{Scheme: "file", Path: file}).String()
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(u), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("open %s: %v", file, err)
	}
	got, err := chromedp.Run(tctx, chromedp.Evaluate[layout](layoutJS))
	if err != nil {
		t.Fatal(err)
	}
	if int64(got.Wide) > width {
		t.Errorf("%s at %d px is %d px wide (horizontal scrolling)", name, width, got.Wide)
	}
	if len(got.Small) > 0 {
		t.Errorf("%s at %d px has text under 11 px: %q", name, width, got.Small)
	}
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(browsertest.ArtifactsDir(t), fmt.Sprintf("%s-%dpx.png", name, width))
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", out)
}
