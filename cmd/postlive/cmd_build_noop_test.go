package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildWithNothingNewDoesNothing: a build after a build of the same
// lake, settings, SQL and binary changes no file and says so; --full builds
// again; a warehouse replaced by hand is not trusted; and a run after a
// build writes the reports the build did not (the build's skip must not
// make the run skip them too).
func TestBuildWithNothingNewDoesNothing(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "plan.csv"),
		"stream_id,affiliate_id,started_at,ended_at\ns1,a1,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\n")
	if code, out, errOut := postlive(t, "-w", ws, "import", "streams", filepath.Join(ws, "plan.csv")); code != 0 {
		t.Fatalf("import = %d %q %q", code, out, errOut)
	}
	if code, out, errOut := postlive(t, "-w", ws, "build"); code != 0 || !strings.Contains(out, "built ") {
		t.Fatalf("first build = %d %q %q", code, out, errOut)
	}
	wh := filepath.Join(ws, "warehouse.duckdb")
	before, _ := os.ReadFile(wh)
	fi, _ := os.Stat(wh)
	code, out, errOut := postlive(t, "-w", ws, "build")
	if code != 0 || !strings.Contains(out, "nothing changed since the last build") {
		t.Fatalf("second build = %d %q %q; want nothing done", code, out, errOut)
	}
	if fi2, _ := os.Stat(wh); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Error("a build with nothing new replaced the warehouse")
	}
	if after, _ := os.ReadFile(wh); !bytes.Equal(before, after) {
		t.Error("a build with nothing new changed the warehouse")
	}
	if code, out, _ := postlive(t, "-w", ws, "build", "--full"); code != 0 || !strings.Contains(out, "built ") {
		t.Fatalf("build --full = %d %q; want a build", code, out)
	}
	// the run after those builds has no reports yet: it writes them
	code, out, errOut = postlive(t, "-w", ws, "run")
	if code != 0 || !strings.Contains(out, "nothing changed since the last build") || !strings.Contains(out, "report files written") {
		t.Fatalf("run after a build = %d %q %q; want the build skipped and the reports written", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(ws, "reports", "index.html")); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := postlive(t, "-w", ws, "run"); code != 0 || !strings.Contains(out, "nothing new") {
		t.Fatalf("second run = %d %q; want a no-op", code, out)
	}
	// a warehouse that is not the one the last build wrote is built again
	if err := os.WriteFile(wh, append(before, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(wh, before, 0o644)
	if code, out, _ := postlive(t, "-w", ws, "build"); code != 0 || !strings.Contains(out, "built ") {
		t.Fatalf("build after the warehouse was replaced = %d %q; want a build", code, out)
	}
	// a new import is built
	writeFile(t, filepath.Join(ws, "more.csv"),
		"stream_id,affiliate_id,started_at,ended_at\ns2,a1,2026-11-06T19:00:00Z,2026-11-06T19:30:00Z\n")
	postlive(t, "-w", ws, "import", "streams", filepath.Join(ws, "more.csv"))
	if code, out, _ := postlive(t, "-w", ws, "build"); code != 0 || !strings.Contains(out, "built ") {
		t.Fatalf("build after an import = %d %q; want a build", code, out)
	}
}
