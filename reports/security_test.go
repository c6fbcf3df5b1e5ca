package reports

import (
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postlive/postlive/escape"
)

// xssPayloads are tried in every text field that comes from input.
var xssPayloads = []string{
	`</script><script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(1)`,
}

// payloadText prefixes a text value with the payload, keeping values distinct
// (ids must stay unique) and recognisable.
func payloadText(p string) func(string) string {
	return func(s string) string { return p + s }
}

func TestXSSEscaped(t *testing.T) {
	requireBundle(t)
	for _, p := range xssPayloads {
		t.Run(p, func(t *testing.T) {
			db := newTestWarehouse(t, fixture{text: payloadText(p)})
			out := t.TempDir()
			res := writeReports(t, db, out)
			if len(res.Files) < 10 {
				t.Fatalf("Write wrote %d files; want at least 10", len(res.Files))
			}
			for _, f := range res.Files {
				name := filepath.Base(f)
				if strings.ContainsAny(name, `<>"' /\`) || strings.Contains(name, "..") || filepath.Dir(f) != out {
					t.Errorf("unsafe file name %q", f)
				}
				if !strings.HasSuffix(name, ".html") {
					continue
				}
				body := stripBundle(t, readFile(t, f))
				for _, bad := range []string{"<script>alert", "</script><script>", "<img", `href="javascript:`, `src="javascript:`, "href='javascript:"} {
					if strings.Contains(strings.ToLower(body), bad) {
						i := strings.Index(strings.ToLower(body), bad)
						t.Errorf("%s contains %q unescaped: …%s…", name, bad, body[max(0, i-80):min(len(body), i+80)])
					}
				}
				// Exactly our own script elements, nothing injected.
				if n, want := strings.Count(body, "<script"), scriptCount(body); n != want {
					t.Errorf("%s has %d <script elements; want %d", name, n, want)
				}
				// The payload must still be visible as text (escaped), e.g. in the title.
				if strings.HasPrefix(name, "stream-") && !strings.Contains(body, "alert(1)") {
					t.Errorf("%s does not show the payload text at all; the test data did not reach it", name)
				}
				// The decision sentence names the variants: escaped, and there.
				if strings.HasPrefix(name, "experiment-") {
					i := strings.Index(body, `<p class="advice">`)
					if i < 0 || !strings.Contains(body[i:i+strings.Index(body[i:], "</p>")], "alert(1)") {
						t.Errorf("%s has no decision sentence naming the (escaped) variants", name)
					}
				}
			}
		})
	}
}

// scriptCount is how many <script elements our template writes for a page:
// one JSON block per chart, the bundle and chart setup when there are charts,
// and the table sorter.
func scriptCount(body string) int {
	charts := strings.Count(body, `type="application/json"`)
	n := charts + 1
	if charts > 0 {
		n += 2
	}
	return n
}

func TestCSVNeutralised(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{})
	out := t.TempDir()
	writeReports(t, db, out)
	f, err := os.Open(filepath.Join(out, "merchant-m1-reconciliation.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	numeric := map[string]bool{"rank_in_window": true, "net_revenue": true, "commission_expected": true,
		"commission_reported": true, "commission_gap": true, "redeemed_at": true, "bonus_eligible": true}
	head := recs[0]
	sawNegative := false
	for _, r := range recs[1:] {
		for i, c := range r {
			if c == "" {
				continue
			}
			if numeric[head[i]] {
				if strings.HasPrefix(c, "'") {
					t.Errorf("numeric column %s = %q was neutralised", head[i], c)
				}
				if strings.HasPrefix(c, "-") {
					sawNegative = true
				}
				continue
			}
			if strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("text column %s = %q starts with a formula character", head[i], c)
			}
		}
	}
	if !sawNegative {
		t.Error("no negative number in the numeric columns; the test data should have one (-12.50)")
	}
	for _, tc := range []struct{ in, want string }{
		{"=1+1", "'=1+1"}, {"+SUM(A1)", "'+SUM(A1)"}, {"-2", "'-2"}, {"@cmd", "'@cmd"}, {"\t=1", "'\t=1"},
		{"COATS20", "COATS20"}, {"", ""}, {"a=b", "a=b"},
	} {
		if got := escape.CSV(tc.in); got != tc.want {
			t.Errorf("escape.CSV(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{})
	a, b := t.TempDir(), t.TempDir()
	ra := writeReports(t, db, a)
	rb := writeReports(t, db, b)
	if len(ra.Files) != len(rb.Files) {
		t.Fatalf("first run wrote %d files, second %d", len(ra.Files), len(rb.Files))
	}
	for i := range ra.Files {
		x, y := readFile(t, ra.Files[i]), readFile(t, rb.Files[i])
		if filepath.Base(ra.Files[i]) != filepath.Base(rb.Files[i]) || x != y {
			t.Errorf("%s differs between two runs on the same data", filepath.Base(ra.Files[i]))
		}
	}
}

func TestNoExperimentTable(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{noExperiments: true})
	out := t.TempDir()
	res := writeReports(t, db, out)
	for _, f := range res.Files {
		if strings.HasPrefix(filepath.Base(f), "experiment-") {
			t.Errorf("wrote %s without an experiment_results table", f)
		}
	}
	s := readFile(t, filepath.Join(out, "stream-s5.html"))
	if !strings.Contains(s, "there are no results for it yet") {
		t.Error("stream-s5.html does not say that its experiment has no results")
	}
	if strings.Contains(readFile(t, filepath.Join(out, "index.html")), `id="experiments"`) {
		t.Error("index.html lists experiments without an experiment_results table")
	}
}

func TestFileID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"s5", "s5"},
		{"2026-11-05_host.a", "2026-11-05_host.a"},
		{"../etc/passwd", "etc_passwd-"},
		{"a b", "a_b-"},
		{"", "id-"},
		{"</script>", "script-"},
		{"a_b-c14cddc0", "a_b-c14cddc0-"}, // looks like a hashed name: hashed itself
		{"run-2026", "run-2026"},
	} {
		got := FileID(tc.in)
		if strings.HasSuffix(tc.want, "-") {
			if !strings.HasPrefix(got, tc.want) || len(got) != len(tc.want)+8 {
				t.Errorf("FileID(%q) = %q; want %q followed by 8 hex digits", tc.in, got, tc.want)
			}
		} else if got != tc.want {
			t.Errorf("FileID(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	if FileID("a b") == FileID("a_b") {
		t.Error("FileID maps distinct ids to the same name")
	}
}

func TestFormatNull(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  string
	}{
		{"fmtPct", fmtPct(nullF())}, {"fmtMoney", fmtMoney(nullF(), "USD")}, {"fmtTimes", fmtTimes(nullF())},
		{"fmtCount", fmtCount(nullF())}, {"fmtP", fmtP(nullF())}, {"fmtSignedPct", fmtSignedPct(nullF())},
	} {
		if tc.got != "—" {
			t.Errorf("%s(NULL) = %q; want %q", tc.name, tc.got, "—")
		}
	}
	for _, tc := range []struct{ got, want string }{
		{fmtMoney(nf(1234.5), "USD"), "$1,234.50"},
		{fmtMoney(nf(-12.5), "EUR"), "−€12.50"},
		{fmtMoney(nf(7), "SEK"), "7.00 SEK"},
		{fmtPct(nf(0.0345)), "3.5%"},
		{fmtSignedPct(nf(0.12)), "+12.0%"},
		{fmtCount(nf(1234567)), "1,234,567"},
		{clock(754e9), "12:34"},
		{minuteClock(65), "65:00"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
}

func nullF() sql.NullFloat64 { return sql.NullFloat64{} }

func TestExperimentContractColumnsOnly(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{contractOnly: true})
	out := t.TempDir()
	writeReports(t, db, out)
	s := readFile(t, filepath.Join(out, "experiment-exp1.html"))
	for _, extra := range []string{"always-valid", ">Power<", ">Control<"} {
		if strings.Contains(s, extra) {
			t.Errorf("experiment-exp1.html shows %q without that column in experiment_results", extra)
		}
	}
	if !strings.Contains(s, "No clear winner yet on revenue per viewer.") {
		t.Error("experiment-exp1.html has no verdict on revenue per viewer")
	}
	// without stream_compliance and the tier columns the stream report leaves them out
	st := readFile(t, filepath.Join(out, "stream-s5.html"))
	if strings.Contains(st, `id="compliance"`) || strings.Contains(st, " creator, ") {
		t.Error("stream-s5.html shows compliance or a tier without stream_compliance or stream_kpis.follower_tier")
	}
}

// TestComplianceSection: each check's result in words, with the mart's detail.
func TestComplianceSection(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{})
	out := t.TempDir()
	writeReports(t, db, out)
	s6 := readFile(t, filepath.Join(out, "stream-s6.html"))
	for _, want := range []string{
		`<tr><td>Affiliate disclosure early in the stream</td><td class="nw bad">✗ failed</td><td>no host message or pinned note says #ad, affiliate, commission, paid partnership, sponsored</td></tr>`,
		`<tr><td>Stream length</td><td class="nw bad">✗ failed</td><td>ran 20 min; the tiktok guidance is at least 30 min</td></tr>`,
		`<tr><td>Codes redeemed inside their drop windows</td><td class="nw flat">not checked</td><td>the stream has no drops</td></tr>`,
	} {
		if !strings.Contains(s6, want) {
			t.Errorf("stream-s6.html lacks %s", want)
		}
	}
	if strings.Contains(s6, " creator, ") {
		t.Error("stream-s6.html names a tier for a host without a follower count")
	}
	s5 := readFile(t, filepath.Join(out, "stream-s5.html"))
	if !strings.Contains(s5, "host h1 (micro creator, 48,200 followers)") {
		t.Error("stream-s5.html does not name the host's tier")
	}
	// Redemptions outside the windows are information, in neutral grey, not a failure.
	if want := `<tr><td>Codes redeemed inside their drop windows</td><td class="nw flat">ℹ for information</td><td>2 redemptions outside the announced window (information, not a breach): COATS20: 1 before, 1 after the window</td></tr>`; !strings.Contains(s5, want) {
		t.Errorf("stream-s5.html lacks %s", want)
	}
}

// TestFileNamesUnique: ids that FileID alone, or a case-insensitive file
// system, would give one name get distinct files, the same ones every run,
// and every link points at the right one (issue 21 item 10).
func TestFileNamesUnique(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{})
	for _, id := range []string{"a/b", "a_b-c14cddc0", "S7", "s7"} {
		mustExec(t, db, `insert into stream_kpis (stream_id, affiliate_id, merchant_id, platform, started_at, title, host, currency)
			values (?, 'h3', 'm1', 'youtube', timestamp '2026-11-01 12:00:00', ?, 'h3', 'USD')`, id, "Title of "+id)
	}
	out := t.TempDir()
	res := writeReports(t, db, out)
	names := map[string]bool{}
	for _, f := range res.Files {
		names[strings.ToLower(filepath.Base(f))] = true
	}
	if len(names) != len(res.Files) {
		t.Fatalf("%d files but %d names ignoring case: %q", len(res.Files), len(names), res.Files)
	}
	want := map[string]string{
		"a/b":          "stream-a_b-c14cddc0.html",
		"a_b-c14cddc0": "stream-a_b-c14cddc0-" + idHash("a_b-c14cddc0", 4) + ".html",
		"S7":           "stream-S7.html",
		"s7":           "stream-s7-" + idHash("s7", 4) + ".html",
	}
	index := readFile(t, filepath.Join(out, "index.html"))
	for id, file := range want {
		page := readFile(t, filepath.Join(out, file))
		if !strings.Contains(page, "<h1>Title of "+id+"</h1>") {
			t.Errorf("%s is not the report of %q", file, id)
		}
		if !strings.Contains(index, `href="`+file+`">Title of `+id+`<`) {
			t.Errorf("index.html does not link %q to %s", id, file)
		}
	}
}

// TestWarningWithSemicolonStaysWhole: a warning whose own text holds "; "
// (the interim warning does) is one item on the experiment page when the
// mart has the warnings list, not two cut halves.
func TestWarningWithSemicolonStaysWhole(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{})
	mustExec(t, db, `alter table experiment_results add column warnings varchar[]`)
	mustExec(t, db, `update experiment_results set warnings = ['interim: 8 of the 12 planned streams; read it once, at the plan', 'a second warning']
		where experiment_id = 'exp1'`)
	out := t.TempDir()
	writeReports(t, db, out)
	s := readFile(t, filepath.Join(out, "experiment-exp1.html"))
	if !strings.Contains(s, "interim: 8 of the 12 planned streams; read it once, at the plan") {
		t.Error("experiment-exp1.html cut the interim warning at its semicolon")
	}
	if !strings.Contains(s, "a second warning") {
		t.Error("experiment-exp1.html lacks the second warning")
	}
}
