package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postlive/postlive/models"
)

// TestRunHostileInbox: a night with broken files among good ones — a
// truncated .gz, an access log with a line over the bound and personal data
// in an unparseable line, a file whose header matches no format, clicks
// whose URLs carry e-mail and name parameters and a rejected row full of
// personal data. Every other file is imported, the build, the reports and
// the summary are done, each problem is reported with FILE:LINE, the run
// exits 3 — and no planted personal value is anywhere in the workspace
// (lake, rejects, warehouse, reports) or the output.
func TestRunHostileInbox(t *testing.T) {
	ws := demoInbox(t, "\nimport:\n  max_record_bytes: 64KiB\n")

	// a click log cut short in its gzip stream
	var plain strings.Builder
	plain.WriteString("click_id,ts,url,ip,user_agent\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&plain, "hx%05d,2026-11-03T00:%02d:%02dZ,https://shop.glowlab.example/p?utm_content=s-2026-11-02-ana,198.51.100.%d,Mozilla/5.0\n", i, i/60%60, i%60, i%250)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(plain.String()))
	zw.Close()
	writeFile(t, filepath.Join(ws, "inbox", "clicks", "cut.csv.gz"), gz.String()[:gz.Len()/2])
	// an access log: a line over 64 KiB, an unparseable line with personal data
	writeFile(t, filepath.Join(ws, "inbox", "clicks", "access.log"),
		`203.0.113.7 - - [03/Nov/2026:19:03:12 -0500] "GET /p?utm_content=s-2026-11-02-ana HTTP/1.1" 302 0 "-" "Mozilla/5.0"`+"\n"+
			`203.0.113.7 - - [03/Nov/2026:19:03:13 -0500] "GET /p?utm_content=s-2026-11-02-ana&q=`+strings.Repeat("x", 100<<10)+` HTTP/1.1" 302 0 "-" "Mozilla/5.0"`+"\n"+
			"oops planted.log@example.org from 192.0.2.201 garbled\n")
	// clicks with personal URL parameters, and a rejected row holding personal data
	writeFile(t, filepath.Join(ws, "inbox", "clicks", "pii.csv"), "click_id,ts,url,ip,user_agent,referrer\n"+
		"pii1,2026-11-03T00:01:00Z,https://shop.glowlab.example/p?utm_content=s-2026-11-02-ana&email=planted.url%40example.org&name=Plantedname+Person,198.51.100.9,Mozilla/5.0,https://www.tiktok.com/\n"+
		"pii2,0001-01-01T00:00:00Z,https://shop.glowlab.example/p?utm_content=s-2026-11-02-ana,192.0.2.202,Mozilla/5.0,mailto planted.reject@example.org tel +1 555 010 9999\n")
	// a file no format reads
	writeFile(t, filepath.Join(ws, "inbox", "streams", "mystery.csv"), "mood,colour\nhappy,blue\n")

	code, out, errOut := postlive(t, "-w", ws, "run")
	if code != exitData {
		t.Fatalf("run exited %d; want %d (data problems):\n%s%s", code, exitData, out, errOut)
	}
	for _, want := range []string{
		"inbox/clicks/cut.csv.gz: partial: unexpected end of file at line ",
		"inbox/clicks/access.log:2:1: is longer than 64 KiB",
		"inbox/streams/mystery.csv:1",
		"inbox/clicks/pii.csv:3:1: \"ts\"",
		"2 inbox file(s) with problems",
	} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("output lacks %q:\n%s%s", want, out, errOut)
		}
	}
	if !strings.Contains(out, "run summary: 12 files imported") {
		t.Errorf("summary: %s", out)
	}
	if _, err := os.Stat(filepath.Join(ws, "reports", "index.html")); err != nil {
		t.Errorf("reports not written: %v", err)
	}

	planted := []string{"planted.url", "plantedname", "planted.log", "192.0.2.201", "planted.reject", "192.0.2.202", "555 010 9999"}
	grepWorkspace(t, ws, out+errOut, planted)

	// a second night: the partial file is in the manifest and not read
	// again; the unreadable one is reported again and the night goes on
	code, out, errOut = postlive(t, "-w", ws, "run")
	if code != exitData || !strings.Contains(out+errOut, "1 inbox file(s) with problems (inbox/streams/mystery.csv not imported)") {
		t.Errorf("second run exited %d:\n%s%s", code, out, errOut)
	}
}

// grepWorkspace fails when any planted value is in a file of the workspace
// (read as bytes, case-insensitively), in a text column of the warehouse,
// or in the output.
func grepWorkspace(t *testing.T, ws, output string, planted []string) {
	t.Helper()
	files := 0
	var parquets []string
	filepath.WalkDir(ws, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+"inbox"+string(filepath.Separator)) {
			return err
		}
		files++
		if strings.HasSuffix(p, ".parquet") {
			parquets = append(parquets, p) // compressed: read below
		}
		b, _ := os.ReadFile(p)
		low := bytes.ToLower(b)
		for _, s := range planted {
			if bytes.Contains(low, []byte(strings.ToLower(s))) {
				t.Errorf("%s holds %q", p, s)
			}
		}
		return nil
	})
	if files < 20 {
		t.Errorf("grepped %d files; the workspace should hold many more", files)
	}
	for _, s := range planted {
		if strings.Contains(strings.ToLower(output), strings.ToLower(s)) {
			t.Errorf("the output holds %q", s)
		}
	}
	// the warehouse compresses text: ask it
	ctx := context.Background()
	db, err := models.Open(ctx, filepath.Join(ws, "warehouse.duckdb"), ws, 1, "", true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `select table_name, column_name from information_schema.columns where data_type = 'VARCHAR' and table_schema = 'main'`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var c [2]string
		rows.Scan(&c[0], &c[1])
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 50 {
		t.Fatalf("the warehouse has %d text columns; want the marts' and staging's", len(cols))
	}
	// every row of every Parquet file (lake tables, rejects, manifest, marts)
	for _, p := range parquets {
		for _, s := range planted {
			var n int
			q := `select count(*) from read_parquet(?) t where lower(cast(t as varchar)) like '%' || ? || '%'`
			if err := db.QueryRowContext(ctx, q, p, strings.ToLower(s)).Scan(&n); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if n > 0 {
				t.Errorf("%s holds %q in %d rows", p, s, n)
			}
		}
	}
	for _, c := range cols {
		for _, s := range planted {
			var n int
			q := fmt.Sprintf(`select count(*) from "%s" where lower("%s") like '%%' || ? || '%%'`, c[0], c[1])
			if err := db.QueryRowContext(ctx, q, strings.ToLower(s)).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if n > 0 {
				t.Errorf("warehouse %s.%s holds %q in %d rows", c[0], c[1], s, n)
			}
		}
	}
}

// TestMartsReproducible: two builds of the same lake write every mart with
// the same bytes (stream_baselines came out in another row order).
func TestMartsReproducible(t *testing.T) {
	ws := demoInbox(t, "")
	marts := func() map[string][]byte {
		files, _ := filepath.Glob(filepath.Join(ws, "lake", "marts", "*.parquet"))
		out := map[string][]byte{}
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(p)] = b
		}
		return out
	}
	if code, out, errOut := postlive(t, "-w", ws, "run"); code != 0 {
		t.Fatalf("run exited %d: %s%s", code, out, errOut)
	}
	first := marts()
	if len(first) < 10 {
		t.Fatalf("%d marts written", len(first))
	}
	for i := 0; i < 2; i++ {
		// from nothing: no warehouse, no marts, no run state to reuse
		for _, p := range []string{"warehouse.duckdb", "lake/marts", ".postlive/run-state.json"} {
			if err := os.RemoveAll(filepath.Join(ws, p)); err != nil {
				t.Fatal(err)
			}
		}
		if code, out, errOut := postlive(t, "-w", ws, "build"); code != 0 {
			t.Fatalf("build exited %d: %s%s", code, out, errOut)
		}
		for name, b := range marts() {
			if !bytes.Equal(b, first[name]) {
				t.Errorf("build %d: lake/marts/%s differs from the first build's", i+2, name)
			}
		}
	}
}
