package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// a fixed clock: imports, and so reports, carry this time
	os.Setenv("SOURCE_DATE_EPOCH", "1795230000") // 2026-11-21T03:00:00Z
	os.Exit(m.Run())
}

// postlive runs the CLI in-process and returns exit status, stdout and stderr.
func postlive(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

var (
	demoOnce sync.Once
	demoDir  string
	demoOut  string
	demoCode int
)

// demoWorkspace runs `postlive demo` once for the package's tests.
func demoWorkspace(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		d, err := os.MkdirTemp("", "postlive-demo-test-")
		if err != nil {
			t.Fatal(err)
		}
		demoDir = filepath.Join(d, "demo")
		demoCode, demoOut, _ = postlive(t, "demo", "--out", demoDir)
	})
	if demoCode != 0 {
		t.Fatalf("demo exited %d:\n%s", demoCode, demoOut)
	}
	return demoDir
}

// demoInbox is a new workspace holding the demo's inbox, not yet run, and
// its postlive.yaml with extraYAML appended.
func demoInbox(t *testing.T, extraYAML string) string {
	t.Helper()
	demo := demoWorkspace(t)
	ws := t.TempDir()
	copyTree(t, filepath.Join(demo, "inbox"), filepath.Join(ws, "inbox"))
	yaml, err := os.ReadFile(filepath.Join(demo, "postlive.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(ws, "postlive.yaml"), string(yaml)+extraYAML)
	return ws
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDemo(t *testing.T) {
	dir := demoWorkspace(t)
	for _, want := range []string{
		"inbox/orders/glowlab/orders-shopify-glowlab.csv: 323 read, 323 accepted, 0 rejected (format shopify; 214 orders, 179 redemptions)",
		"data tests: ", " 0 failed",
		"Stream KPIs (stream_kpis)",
		"Creator payouts, 2026-11 (payouts;",
		"Campaigns (campaign_performance)",
		"Compliance checks (stream_compliance)",
		// s-2026-11-13-ben never discloses, s-2026-11-14-chloe only at 4:10
		"disclosure       13       2     0            0",
		// late or early redemptions are information, not a failure
		"drop_window       0       0    15            0",
		"s-2026-11-02-ana    tiktok          4542     335  0.0738      50  2352.80",
		"open " + filepath.Join(dir, "reports", "index.html"),
	} {
		if !strings.Contains(demoOut, want) {
			t.Errorf("demo output lacks %q:\n%s", want, demoOut)
		}
	}
	for _, f := range []string{"warehouse.duckdb", "lake/marts/stream_kpis.parquet", "reports/index.html", "reports/stream-s-2026-11-02-ana.html", "reports/merchant-glowlab-reconciliation.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("demo did not write %s: %v", f, err)
		}
	}
}

func TestDemoRefusesForeignFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "thesis.txt"), "precious")
	code, _, errOut := postlive(t, "demo", "--out", dir)
	if code != exitUsage || !strings.Contains(errOut, "is not a postlive demo workspace") {
		t.Fatalf("demo into a foreign folder = %d, %q; want exit 2 refusing", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "thesis.txt")); string(b) != "precious" {
		t.Fatal("demo touched a file it did not write")
	}
}

func TestQueryFormats(t *testing.T) {
	dir := demoWorkspace(t)
	code, out, errOut := postlive(t, "-w", dir, "query", "--format", "json", "select stream_id, revenue, rpv, viewer_basis from stream_kpis where stream_id = 's-2026-11-03-ben'")
	if code != 0 {
		t.Fatalf("query exited %d: %s", code, errOut)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("query --format json is not JSON: %v\n%s", err, out)
	}
	if len(got) != 1 || got[0]["stream_id"] != "s-2026-11-03-ben" || got[0]["revenue"] != 713.15 || got[0]["viewer_basis"] != "unique" {
		t.Errorf("json = %v", got)
	}
	if !strings.Contains(out, `"revenue": 713.15`) {
		t.Errorf("decimal not written exactly: %s", out)
	}

	// CSV: formula cells in text columns are neutralised, negative numbers stay numbers.
	code, out, _ = postlive(t, "-w", dir, "query", "--format", "csv", "select '=HYPERLINK(\"x\")' as title, '@SUM(A1)' as code, -5.25::decimal(18,2) as gap, 'plain' as note")
	if code != 0 {
		t.Fatalf("csv query exited %d", code)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`'=HYPERLINK("x")`, "'@SUM(A1)", "-5.25", "plain"}
	for i, w := range want {
		if recs[1][i] != w {
			t.Errorf("csv cell %d = %q; want %q", i, recs[1][i], w)
		}
	}

	code, _, errOut = postlive(t, "-w", dir, "query", "select * from no_such_table")
	if code != exitUsage || !strings.Contains(errOut, "no_such_table") {
		t.Errorf("bad query = %d %q; want exit 2 naming the table", code, errOut)
	}
}

func TestImportReportsRejectsAndExitCodes(t *testing.T) {
	ws := t.TempDir()
	f := writeFile(t, filepath.Join(t.TempDir(), "streams.csv"),
		"stream_id,affiliate_id,started_at,ended_at\n"+
			"s1,a1,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\n"+
			"s2,a1,05/11/2026 19:00,2026-11-05T19:30:00Z\n"+
			"s3,a1,2026-11-05T19:00:00Z,2026-11-05T18:00:00Z\n")
	code, out, errOut := postlive(t, "-w", ws, "import", "streams", f)
	if code != 0 {
		t.Fatalf("import with rejects exited %d; want 0: %s", code, errOut)
	}
	if !strings.Contains(out, f+": 3 read, 1 accepted, 2 rejected") {
		t.Errorf("summary: %s", out)
	}
	for _, want := range []string{
		f + `:3:3: "started_at": "05/11/2026 19:00" is ambiguous (day/month or month/day); write dates as 2026-11-05 (ISO 8601)`,
		f + `:4:4: "ended_at": "2026-11-05T18:00:00Z" is not after started_at; check the two timestamps and their UTC offsets`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	code, out, _ = postlive(t, "-w", ws, "import", "streams", f)
	if code != 0 || !strings.Contains(out, "already imported") {
		t.Errorf("second import = %d %q; want skipped", code, out)
	}
	g := writeFile(t, filepath.Join(t.TempDir(), "streams2.csv"), "stream_id,affiliate_id,started_at,ended_at\ns9,a1,not a time,2026-11-05T19:30:00Z\n")
	if code, _, _ := postlive(t, "-w", ws, "import", "--strict", "streams", g); code != exitData {
		t.Errorf("--strict with a reject exited %d; want 3", code)
	}
}

func TestImportUsageErrors(t *testing.T) {
	ws := t.TempDir()
	shop := writeFile(t, filepath.Join(t.TempDir(), "orders.csv"), "Name,Email,Financial Status,Created at,Subtotal,Currency,Lineitem quantity\n#1,a@example.com,paid,2026-11-05 19:00:00 -0500,10.00,USD,1\n")
	code, _, errOut := postlive(t, "-w", ws, "import", "orders", shop)
	if code != exitUsage || !strings.Contains(errOut, "pass --merchant ID or set default_merchant") {
		t.Errorf("shopify without merchant = %d %q; want exit 2 saying so", code, errOut)
	}
	if code, _, _ := postlive(t, "-w", ws, "import", "--merchant", "m1", "orders", shop); code != 0 {
		t.Errorf("shopify with --merchant exited %d", code)
	}
	if code, _, errOut := postlive(t, "-w", ws, "import", "widgets", shop); code != exitUsage || !strings.Contains(errOut, "unknown import kind") {
		t.Errorf("unknown kind = %d %q", code, errOut)
	}
	odd := writeFile(t, filepath.Join(t.TempDir(), "s.csv"), "stream_id,affiliate_id,started_at,ended_at,mood\n")
	if code, _, errOut := postlive(t, "-w", ws, "import", "streams", odd); code != exitUsage || !strings.Contains(errOut, `unknown column "mood"`) {
		t.Errorf("unknown column = %d %q", code, errOut)
	}
	if code, _, _ := postlive(t, "-w", ws, "import", "--bogus"); code != exitUsage {
		t.Errorf("unknown flag exited %d; want 2", code)
	}
}

func TestConfigUnknownKeyNamesLine(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), "attribution:\n  window: 24h\n  windw: 48h\nreport:\n  currency: EUR\n")
	code, _, errOut := postlive(t, "-w", ws, "build")
	want := filepath.Join(ws, "postlive.yaml") + `:3:3: unknown key "attribution.windw"`
	if code != exitUsage || !strings.Contains(errOut, want) {
		t.Fatalf("build with unknown key = %d %q; want exit 2 with %q", code, errOut, want)
	}
}

func TestLockHeldExits4(t *testing.T) {
	ws := t.TempDir()
	e := &env{workspace: ws, now: time.Now}
	holder, err := e.openWorkspace(true, 0)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := postlive(t, "-w", ws, "build")
	holder.close()
	if code != exitLockHeld || !strings.Contains(errOut, "holds the workspace lock (pid ") {
		t.Fatalf("build while locked = %d %q; want exit 4 naming the holder", code, errOut)
	}
	plan := writeFile(t, filepath.Join(t.TempDir(), "plan.csv"), "stream_id,affiliate_id,started_at,ended_at\ns1,a1,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\n")
	if code, _, errOut := postlive(t, "-w", ws, "import", "streams", plan); code != 0 {
		t.Fatalf("import after release = %d %s", code, errOut)
	}
	if code, _, errOut := postlive(t, "-w", ws, "build"); code != 0 {
		t.Fatalf("build after release = %d %s", code, errOut)
	}
}

func TestFailedDataTestExits3(t *testing.T) {
	ws := t.TempDir()
	d := writeFile(t, filepath.Join(t.TempDir(), "drops.csv"), "drop_id,stream_id,starts_at,ends_at\nd1,ghost,2026-11-05T19:00:00Z,2026-11-05T19:10:00Z\n")
	if code, _, errOut := postlive(t, "-w", ws, "import", "drops", d); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := postlive(t, "-w", ws, "build")
	if code != exitData {
		t.Fatalf("build with an orphan drop exited %d; want 3\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"FAIL relationships_drops_streams (sql/tests/relationships_drops_streams.sql): 1 offending rows", "d1 | ghost"} {
		if !strings.Contains(out, want) {
			t.Errorf("build output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(ws, "warehouse.duckdb")); err != nil {
		t.Error("the marts must still be built when a data test fails")
	}
}

func TestHelpListsExitStatus(t *testing.T) {
	for _, cmd := range []string{"import", "build", "query", "reconcile", "demo", "report", "send", "run"} {
		code, out, _ := postlive(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "EXIT STATUS") || !strings.Contains(out, "4  another postlive process holds the workspace lock") {
			t.Errorf("%s --help lacks EXIT STATUS (exit %d)", cmd, code)
		}
	}
}

func TestReconcileCSV(t *testing.T) {
	dir := demoWorkspace(t)
	out := filepath.Join(t.TempDir(), "glowlab.csv")
	code, stdout, errOut := postlive(t, "-w", dir, "reconcile", "--merchant", "glowlab", "--out", out)
	if code != 0 {
		t.Fatalf("reconcile exited %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "Drop results") || !strings.Contains(stdout, "d-2026-11-02-ana-1") {
		t.Errorf("reconcile output: %s", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	status := -1
	for i, c := range recs[0] {
		if c == "status" {
			status = i
		}
	}
	if status < 0 {
		t.Fatalf("no status column in %v", recs[0])
	}
	counts := map[string]int{}
	for _, r := range recs[1:] {
		if r[0] != "glowlab" {
			t.Fatalf("row of another merchant: %v", r)
		}
		counts[r[status]]++
	}
	if counts["over_quantity"] != 4 {
		t.Errorf("over_quantity rows = %d; want 4 (fixtures README: d-2026-11-02-ana-1)", counts["over_quantity"])
	}
}

// TestReimportAfterFixingConfig: a file whose rows were rejected for want of
// a time zone is imported again once the zone is configured, by `import` and
// by `run`, and replaces its first import.
func TestReimportAfterFixingConfig(t *testing.T) {
	for _, viaRun := range []bool{false, true} {
		ws := t.TempDir()
		f := writeFile(t, filepath.Join(ws, "inbox", "streams", "plan.csv"),
			"stream_id,affiliate_id,started_at,ended_at\ns1,a1,2026-11-05 19:00,2026-11-05 19:30\ns2,a1,2026-11-06T19:00:00Z,2026-11-06T19:30:00Z\n")
		importOnce := func() (int, string, string) {
			if viaRun {
				return postlive(t, "-w", ws, "run")
			}
			return postlive(t, "-w", ws, "import", "streams", f)
		}
		code, out, errOut := importOnce()
		if code != 0 || !strings.Contains(out, "2 read, 1 accepted, 1 rejected") || !strings.Contains(errOut, "has no UTC offset") {
			t.Fatalf("first import (run=%v) = %d %q %q", viaRun, code, out, errOut)
		}
		writeFile(t, filepath.Join(ws, "postlive.yaml"), "time_zones:\n  generic: America/New_York\n")
		code, out, errOut = importOnce()
		if code != 0 || !strings.Contains(out, "2 read, 2 accepted, 0 rejected") || !strings.Contains(out, "imported again: the previous import had 1 rejected") {
			t.Fatalf("import after setting the zone (run=%v) = %d %q %q", viaRun, code, out, errOut)
		}
		postlive(t, "-w", ws, "build")
		code, out, _ = postlive(t, "-w", ws, "query", "--format", "csv", "select stream_id, started_at from stg_streams order by 1")
		if code != 0 || !strings.Contains(out, "s1,2026-11-06T00:00:00Z") || strings.Count(out, "\n") != 3 {
			t.Errorf("streams after the re-import (run=%v) = %q", viaRun, out)
		}
		code, out, _ = postlive(t, "-w", ws, "query", "--format", "csv", "select count(*) as n from stg_rejects")
		if code != 0 || !strings.Contains(out, "n\n0\n") {
			t.Errorf("rejects of the replaced import remain (run=%v): %q", viaRun, out)
		}
		code, out, _ = importOnce()
		if code != 0 || !(strings.Contains(out, "already imported") || strings.Contains(out, "nothing new")) {
			t.Errorf("third import (run=%v) = %d %q; want a skip", viaRun, code, out)
		}
	}
}
