package main

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryRelationRoundTrips: every table and view of the demo warehouse
// prints as JSON that encoding/json parses and as CSV that encoding/csv
// reads, each with as many rows as count(*) says.
func TestEveryRelationRoundTrips(t *testing.T) {
	dir := demoWorkspace(t)
	code, out, errOut := postlive(t, "-w", dir, "query", "--format", "csv",
		"select table_name from information_schema.tables where table_schema = 'main' order by 1")
	if code != 0 {
		t.Fatalf("listing relations = %d %s", code, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 60 {
		t.Fatalf("only %d relations in the demo warehouse", len(recs)-1)
	}
	for _, r := range recs[1:] {
		name := r[0]
		_, n, _ := postlive(t, "-w", dir, "query", "--format", "csv", "select count(*) as n from "+name)
		want := strings.TrimSpace(strings.TrimPrefix(n, "n\n"))
		code, js, errOut := postlive(t, "-w", dir, "query", "--format", "json", "select * from "+name)
		if code != 0 {
			t.Errorf("%s: json exit %d %s", name, code, errOut)
			continue
		}
		var rows []map[string]any
		if err := json.Unmarshal([]byte(js), &rows); err != nil {
			t.Errorf("%s: --format json is not JSON: %v\n%.300s", name, err, js)
			continue
		}
		code, cs, errOut := postlive(t, "-w", dir, "query", "--format", "csv", "select * from "+name)
		if code != 0 {
			t.Errorf("%s: csv exit %d %s", name, code, errOut)
			continue
		}
		crecs, err := csv.NewReader(strings.NewReader(cs)).ReadAll()
		if err != nil {
			t.Errorf("%s: --format csv is not CSV: %v", name, err)
			continue
		}
		if got := len(rows); strings.TrimSpace(want) != itoa(got) || len(crecs)-1 != got {
			t.Errorf("%s: count(*) %s, json %d rows, csv %d rows", name, want, got, len(crecs)-1)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestQueryTypes: each DuckDB type as RFC 8259 JSON and as CSV, values
// checked one by one.
func TestQueryTypes(t *testing.T) {
	dir := demoWorkspace(t)
	q := `select [1, 2] as l, {'a': 1, 'b': 'x'} as s, map {'k': 1} as m, interval 2 hour + interval 3 day as i,
	2352.80::decimal(18,2) as money, 'nan'::double as n, 'inf'::double as inf, -'inf'::double as ninf,
	2352.80 / 50.0::double as aov, 0.1::double + 0.2::double as noise, 1e308::double * 10 as big,
	uuid '5b0f6a4e-1cf0-4a2b-8d1a-1f0e3e9a0b1c' as u, date '2026-11-02' as d, time '19:00:00' as tm,
	timestamp '2026-11-02 10:00:01.5' as ts, 'a"b\c' as text, '\x1b'::blob as raw, 170141183460469231731687303715884105727::hugeint as h,
	[{'x': [1.50::decimal(4,2)], 'y': null}] as nest, 1.5::float as f, true as ok, null as nothing`
	code, out, errOut := postlive(t, "-w", dir, "query", "--format", "json", q)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	want := map[string]string{
		"l": `[1,2]`, "s": `{"a":1,"b":"x"}`, "m": `{"k":1}`, "i": `"P3DT2H"`,
		"money": `2352.80`, "n": `null`, "inf": `null`, "ninf": `null`,
		"aov": `47.056`, "noise": `0.3`, "u": `"5b0f6a4e-1cf0-4a2b-8d1a-1f0e3e9a0b1c"`,
		"d": `"2026-11-02"`, "tm": `"19:00:00"`, "ts": `"2026-11-02T10:00:01.5Z"`, "text": `"a\"b\\c"`,
		"h": `170141183460469231731687303715884105727`, "nest": `[{"x":[1.50],"y":null}]`, "f": `1.5`,
		"ok": `true`, "nothing": `null`, "big": `null`,
	}
	for k, w := range want {
		if got := string(rows[0][k]); got != w {
			t.Errorf("json %s = %s; want %s", k, got, w)
		}
	}
	code, out, _ = postlive(t, "-w", dir, "query", "--format", "csv", q)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 2 {
		t.Fatalf("csv = %d %v %q", code, err, out)
	}
	cell := map[string]string{}
	for i, c := range recs[0] {
		cell[c] = recs[1][i]
	}
	for k, w := range map[string]string{"l": "[1,2]", "s": `{"a":1,"b":"x"}`, "i": "P3DT2H", "money": "2352.80", "n": "", "inf": "", "aov": "47.056",
		"noise": "0.3", "d": "2026-11-02", "ts": "2026-11-02T10:00:01.5Z", "nothing": "", "raw": `\x1B`, "text": `a"b\c`} {
		if cell[k] != w {
			t.Errorf("csv %s = %q; want %q", k, cell[k], w)
		}
	}
}

// TestQueryMessages: one statement, postlive's messages, exit 2.
func TestQueryMessages(t *testing.T) {
	dir := demoWorkspace(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "select 1; select 2"}, "query: 2 SQL statements given; postlive query runs one statement"},
		{[]string{"query", "  -- nothing\n"}, "query: no SQL statement given"},
		{[]string{"query"}, "postlive query needs the SQL to run"},
		{[]string{"query", "select", "1"}, "quote the SQL as one argument"},
		{[]string{"query", "--format", "xml", "select 1"}, `--format "xml" is not one of table, csv, json`},
		{[]string{"query", "--format", "jsn", "select 1"}, `(did you mean json?)`},
		{[]string{"query", "--formt", "json", "select 1"}, "postlive query has no flag --formt (did you mean --format?)"},
		{[]string{"query", "--format"}, "--format needs a value"},
	} {
		code, out, errOut := postlive(t, append([]string{"-w", dir}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%q = %d, stdout %q, stderr %q; want exit 2 saying %q", c.args, code, out, errOut, c.want)
		}
	}
	// a query that prints: ; inside a string is no second statement
	code, out, _ := postlive(t, "-w", dir, "query", "select 'a;b' as s;")
	if code != 0 || !strings.Contains(out, "a;b") {
		t.Errorf("one statement with a ; in a string = %d %q", code, out)
	}
}

// TestCLIMessages: every usage mistake a newcomer makes gets postlive's
// message and exit 2; --version works.
func TestCLIMessages(t *testing.T) {
	ws := t.TempDir()
	empty := writeFile(t, filepath.Join(t.TempDir(), "empty.csv"), "")
	folder := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "postlive import needs a KIND and at least one FILE"},
		{[]string{"import", "streams"}, "postlive import streams needs at least one FILE to import"},
		{[]string{"import", "order", "x.csv"}, `unknown import kind "order" (did you mean orders?)`},
		{[]string{"improt"}, `unknown command "improt" (did you mean import?)`},
		{[]string{"import", "drops", "--input-format", "nope", "x.csv"}, `--input-format "nope" is not a drops format; drops formats: generic`},
		{[]string{"import", "orders", "--input-format", "shopfy", "x.csv"}, `(did you mean shopify?)`},
		{[]string{"import", "streams", filepath.Join(folder, "missing.csv")}, "missing.csv: no such file; check the path"},
		{[]string{"import", "streams", folder}, "is a folder; name the files in it"},
		{[]string{"import", "streams", empty}, "is empty; export it again with its header row"},
		{[]string{"probe", filepath.Join(folder, "missing.csv")}, "missing.csv: no such file; check the path"},
		{[]string{"probe", folder}, "is a folder"},
		{[]string{"probe", empty}, "is empty"},
		{[]string{"probe"}, "postlive probe needs FILE"},
		{[]string{"probe", "--format", "csv", empty}, `--format "csv" is not one of text, json`},
		{[]string{"build", "now"}, `postlive build takes no arguments, got "now"`},
		{[]string{"build"}, "nothing imported in " + ws + " (its lake is empty): wrong folder? pass --workspace DIR"},
		{[]string{"reconcile", "--format", "xml"}, `--format "xml" is not one of table, csv, json`},
		{[]string{"build", "--wait", "soon"}, `--wait "soon" time: invalid duration`},
	} {
		code, _, errOut := postlive(t, append([]string{"-w", ws}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%q = %d %q; want exit 2 saying %q", c.args, code, errOut, c.want)
		}
		if strings.Contains(errOut, "arg(s)") || strings.Contains(errOut, "invalid argument") || strings.Contains(errOut, "Run 'postlive") {
			t.Errorf("%q: cobra's message leaked: %q", c.args, errOut)
		}
	}
	code, out, _ := postlive(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "postlive ") || !strings.Contains(out, "chart bundle: built in") {
		t.Errorf("--version = %d %q", code, out)
	}
	// --format on import is the old name of --input-format: it still works, with a note
	plan := writeFile(t, filepath.Join(t.TempDir(), "plan.csv"), "stream_id,affiliate_id,started_at,ended_at\ns1,a1,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\n")
	code, out, errOut := postlive(t, "-w", ws, "import", "--format", "generic", "streams", plan)
	if code != 0 || !strings.Contains(out, "1 accepted") || !strings.Contains(errOut, "--input-format") {
		t.Errorf("import --format generic = %d %q %q; want it imported with a note about --input-format", code, out, errOut)
	}
	code, out, errOut = postlive(t, "-w", ws, "build")
	if code != 0 {
		t.Fatalf("build = %d %s", code, errOut)
	}
	for _, w := range []string{"warning: links never imported", "fix: postlive import links FILE", "warning: stream_metrics never imported", "warning: orders never imported"} {
		if !strings.Contains(out, w) {
			t.Errorf("build of a plan alone lacks %q:\n%s", w, out)
		}
	}
}

// TestBuildWarningsReadmeFlow: the README's first flow without links,
// stream metrics and chat is told what it misses and what that costs.
func TestBuildWarningsReadmeFlow(t *testing.T) {
	ws := t.TempDir()
	sample := filepath.Join("..", "..", "fixtures", "sample")
	for _, imp := range [][]string{
		{"streams", "streams.csv"}, {"drops", "drops.csv"}, {"clicks", "clicks.csv"},
		{"orders", "--merchant", "glowlab", "orders-shopify-glowlab.csv"}, {"spend", "spend-meta.csv"},
	} {
		args := append([]string{"-w", ws, "import"}, imp[:len(imp)-1]...)
		args = append(args, filepath.Join(sample, imp[len(imp)-1]))
		if code, _, errOut := postlive(t, args...); code != 0 {
			t.Fatalf("%v = %d %s", args, code, errOut)
		}
	}
	code, out, errOut := postlive(t, "-w", ws, "build")
	if code != 0 {
		t.Fatalf("build = %d %s", code, errOut)
	}
	for _, w := range []string{
		"matched to a stream: 86.9 % of clicks (2905 of 3342)",
		"12 of 15 streams have viewers",
		"warning: links never imported: a click reaches its stream only through its stream parameter (utm_content)",
		"(now 13.1 % of clicks match no stream); fix: postlive import links FILE",
		"warning: stream_metrics never imported", "(now 3 streams without viewers)",
		"warning: chat never imported",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("build lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "warning: spend") || strings.Contains(out, "warning: drops") {
		t.Errorf("warned about an imported kind:\n%s", out)
	}
	// the demo imports everything: no warning
	if demo := demoWorkspace(t); strings.Contains(demoOut, "warning:") {
		t.Errorf("demo (%s) warns:\n%s", demo, demoOut)
	}
}

// TestTerminalEscapes: control characters in data do not reach the
// terminal from a query table, a data test's rows or an import's rejects.
func TestTerminalEscapes(t *testing.T) {
	dir := demoWorkspace(t)
	code, out, _ := postlive(t, "-w", dir, "query", "select chr(27) || ']0;owned' || chr(7) || 'title' as title, 'a' || chr(10) || 'INFO forged' as line")
	if code != 0 || strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `\x1b]0;owned\x07title`) || !strings.Contains(out, `a\nINFO forged`) {
		t.Errorf("query table output = %q", out)
	}
	ws := t.TempDir()
	f := writeFile(t, filepath.Join(t.TempDir(), "streams.csv"), "stream_id,affiliate_id,started_at,ended_at\n\x1b[2Js1,a1,not a time\x1b[H,2026-11-05T19:30:00Z\n")
	code, _, errOut := postlive(t, "-w", ws, "import", "streams", f)
	if code != 0 || strings.Contains(errOut, "\x1b") {
		t.Errorf("import reject = %d %q; want escapes escaped", code, errOut)
	}
}

// TestReconcileSinceFirstImport: right after a first import no order has
// changed status; reconcile --since says so instead of listing every order.
func TestReconcileSinceFirstImport(t *testing.T) {
	dir := demoWorkspace(t)
	code, out, errOut := postlive(t, "-w", dir, "reconcile", "--merchant", "glowlab", "--since", "2026-11-14")
	want := "Status changes since 2026-11-14: none. The 214 orders seen since then were imported for the first time ("
	if code != 0 || !strings.Contains(out, want) || strings.Contains(out, "previous_status") {
		t.Errorf("reconcile --since after a first import = %d, want %q:\n%s%s", code, want, out, errOut)
	}
}

// planWorkspace is a workspace with a one-stream plan imported: the least
// a build accepts (an empty workspace is a usage error).
func planWorkspace(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	plan := writeFile(t, filepath.Join(t.TempDir(), "plan.csv"), "stream_id,affiliate_id,started_at,ended_at\ns1,a1,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\n")
	if code, _, errOut := postlive(t, "-w", ws, "import", "streams", plan); code != 0 {
		t.Fatalf("import of a plan = %d %s", code, errOut)
	}
	return ws
}
