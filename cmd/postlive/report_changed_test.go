package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// generatedAt is a page's "generated …" stamp (the time of the newest
// import), the one part of a kept report that is older than a fresh one.
var generatedAt = regexp.MustCompile(`\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC`)

// TestRunWritesOnlyChangedReports: a night that brings one new stream
// rewrites the index and the reports whose content changed, keeps the
// others as they are (same file, same modification time), and what it
// keeps equals what writing every report from the same warehouse gives
// (but for the generation stamp). A report removed by hand is written
// again; postlive report writes every file.
func TestRunWritesOnlyChangedReports(t *testing.T) {
	ws := demoInbox(t, "")
	if code, out, errOut := postlive(t, "-w", ws, "run"); code != 0 {
		t.Fatalf("first run = %d %q %q", code, out, errOut)
	}
	dir := filepath.Join(ws, "reports")
	mtimes := func() map[string]int64 {
		out := map[string]int64{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			fi, _ := e.Info()
			out[e.Name()] = fi.ModTime().UnixNano()
		}
		return out
	}
	before := mtimes()

	writeFile(t, filepath.Join(ws, "inbox", "streams", "late.csv"), "stream_id,affiliate_id,started_at,ended_at\ns-late,dora,2026-11-16T19:00:00Z,2026-11-16T19:20:00Z\n")
	code, out, errOut := postlive(t, "-w", ws, "run")
	if code != 0 {
		t.Fatalf("run with a new stream = %d %q %q", code, out, errOut)
	}
	after := mtimes()
	var written, kept []string
	for name, m := range after {
		if before[name] == m {
			kept = append(kept, name)
		} else {
			written = append(written, name)
		}
	}
	if !strings.Contains(out, "unchanged, kept") || len(kept) < 10 {
		t.Fatalf("kept %d files (%v), wrote %v; want most reports kept:\n%s", len(kept), kept, written, out)
	}
	for _, want := range []string{"index.html", "stream-s-late.html"} {
		if before[want] == after[want] {
			t.Errorf("%s was not written; wrote %v", want, written)
		}
	}
	t.Logf("wrote %d report files, kept %d", len(written), len(kept))

	// what was kept is what writing everything gives
	all := t.TempDir()
	if code, out, errOut := postlive(t, "-w", ws, "report", "--out", all); code != 0 {
		t.Fatalf("report = %d %q %q", code, out, errOut)
	}
	fresh := readReports(t, all)
	got := readReports(t, dir)
	if len(fresh) != len(got) {
		t.Errorf("report files: %d kept and written, %d when writing all", len(got), len(fresh))
	}
	for name, b := range fresh {
		if generatedAt.ReplaceAllString(string(got[name]), "") != generatedAt.ReplaceAllString(string(b), "") {
			t.Errorf("%s differs from the report written from the same warehouse", name)
		}
	}

	// a report removed by hand is written by the next night that writes
	// reports; postlive report writes every file
	kill := kept[0]
	os.Remove(filepath.Join(dir, kill))
	writeFile(t, filepath.Join(ws, "inbox", "streams", "later.csv"), "stream_id,affiliate_id,started_at,ended_at\ns-later,dora,2026-11-17T19:00:00Z,2026-11-17T19:20:00Z\n")
	if code, out, errOut := postlive(t, "-w", ws, "run"); code != 0 {
		t.Fatalf("third run = %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, kill)); err != nil {
		t.Errorf("%s removed by hand was not written again: %v", kill, err)
	}
	if code, out, _ := postlive(t, "-w", ws, "report"); code != 0 || strings.Contains(out, "kept") {
		t.Errorf("report = %d %q; want every file written", code, out)
	}
}

// TestRunWritesExactlyTheChangedReports: nights that bring a new stream, a
// late order and a changed setting a page shows (report.currency) each
// write exactly the index and the report files whose content differs from
// what the folder held, and leave the folder equal (but for the stamps) to
// what writing every report from the same warehouse gives. The run state
// records what each file was rendered from.
func TestRunWritesExactlyTheChangedReports(t *testing.T) {
	ws := demoInbox(t, "")
	if code, out, errOut := postlive(t, "-w", ws, "run"); code != 0 {
		t.Fatalf("first run = %d %q %q", code, out, errOut)
	}
	dir := filepath.Join(ws, "reports")
	strip := func(files map[string][]byte) map[string]string {
		out := map[string]string{}
		for name, b := range files {
			out[name] = generatedAt.ReplaceAllString(string(b), "")
		}
		return out
	}
	orders, err := os.ReadFile(filepath.Join(demoWorkspace(t), "inbox", "orders", "glowlab", "orders-shopify-glowlab.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(orders), "\n", 3)
	nights := []struct {
		name  string
		apply func()
	}{
		{"a new stream", func() {
			writeFile(t, filepath.Join(ws, "inbox", "streams", "late.csv"), "stream_id,affiliate_id,started_at,ended_at\ns-late,dora,2026-11-16T19:00:00Z,2026-11-16T19:20:00Z\n")
		}},
		{"a late order", func() {
			writeFile(t, filepath.Join(ws, "inbox", "orders", "glowlab", "late.csv"), lines[0]+"\n"+strings.Replace(lines[1], "#1001,", "#1999,", 1)+"\n")
		}},
		{"report.currency", func() { t.Setenv("POSTLIVE_REPORT_CURRENCY", "EUR") }},
	}
	for _, n := range nights {
		before := strip(readReports(t, dir))
		mtimes := map[string]int64{}
		for name := range before {
			fi, _ := os.Stat(filepath.Join(dir, name))
			mtimes[name] = fi.ModTime().UnixNano()
		}
		n.apply()
		if code, out, errOut := postlive(t, "-w", ws, "run"); code != 0 {
			t.Fatalf("%s: run = %d %q %q", n.name, code, out, errOut)
		}
		all := t.TempDir()
		if code, out, errOut := postlive(t, "-w", ws, "report", "--out", all); code != 0 {
			t.Fatalf("%s: report = %d %q %q", n.name, code, out, errOut)
		}
		fresh, got := strip(readReports(t, all)), strip(readReports(t, dir))
		var want, wrote []string
		for name, b := range fresh {
			if got[name] != b {
				t.Errorf("%s: %s differs from the report written from the same warehouse", n.name, name)
			}
			if name == "index.html" || before[name] != b {
				want = append(want, name)
			}
			fi, err := os.Stat(filepath.Join(dir, name))
			if err == nil && fi.ModTime().UnixNano() != mtimes[name] {
				wrote = append(wrote, name)
			}
		}
		sort.Strings(want)
		sort.Strings(wrote)
		if strings.Join(want, " ") != strings.Join(wrote, " ") {
			t.Errorf("%s: wrote %v; want exactly the files whose content changed: %v", n.name, wrote, want)
		}
		t.Logf("%s: wrote %d of %d report files", n.name, len(wrote), len(fresh))
	}
	// every file is recorded with what it was rendered from
	b, err := os.ReadFile(filepath.Join(ws, ".postlive", "report-state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st reportState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for name, f := range st.Files {
		if f.Inputs == "" && name != "index.html" {
			t.Errorf("report state: %s has no inputs recorded", name)
		}
	}
}
