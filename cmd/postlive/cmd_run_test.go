package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies the files under src into dst.
// copyTree copies the files under src to dst, keeping their modification
// times.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// with its modification time: a build fingerprints lake files by it
		return os.Chtimes(writeFile(t, filepath.Join(dst, rel), string(b)), fi.ModTime(), fi.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readReports(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestRunImportsInboxOnceAndIsIdempotent(t *testing.T) {
	ws := demoInbox(t, "")

	code, out, errOut := postlive(t, "-w", ws, "run")
	if code != 0 {
		t.Fatalf("run exited %d: %s%s", code, out, errOut)
	}
	if !strings.Contains(out, "run summary: 9 files imported (0 already imported), 6498 rows accepted, 0 rejected") {
		t.Errorf("summary: %s", out)
	}
	first := readReports(t, filepath.Join(ws, "reports"))
	wh, _ := os.ReadFile(filepath.Join(ws, "warehouse.duckdb"))

	code, out, _ = postlive(t, "-w", ws, "run")
	if code != 0 || !strings.Contains(out, "nothing new: 9 inbox files already imported") {
		t.Fatalf("second run = %d %q; want a no-op", code, out)
	}
	if wh2, _ := os.ReadFile(filepath.Join(ws, "warehouse.duckdb")); !bytes.Equal(wh, wh2) {
		t.Error("a no-op run changed the warehouse")
	}

	// Forget the run state: everything is rebuilt, and the same data must give
	// byte-identical reports.
	os.Remove(filepath.Join(ws, ".postlive", "run-state.json"))
	code, out, _ = postlive(t, "-w", ws, "run")
	if code != 0 || !strings.Contains(out, "0 files imported (9 already imported)") {
		t.Fatalf("rebuild run = %d %q", code, out)
	}
	second := readReports(t, filepath.Join(ws, "reports"))
	if len(first) != len(second) || len(first) < 20 {
		t.Fatalf("report files: %d then %d", len(first), len(second))
	}
	for name, b := range first {
		if !bytes.Equal(b, second[name]) {
			t.Errorf("%s differs after a rebuild of the same data", name)
		}
	}

	// A new file arrives: it alone is imported.
	writeFile(t, filepath.Join(ws, "inbox", "streams", "late.csv"), "stream_id,affiliate_id,started_at,ended_at\ns-late,dora,2026-11-16T19:00:00Z,2026-11-16T19:20:00Z\n")
	code, out, _ = postlive(t, "-w", ws, "run")
	if code != 0 || !strings.Contains(out, "run summary: 1 files imported (9 already imported), 1 rows accepted") {
		t.Fatalf("run with a new file = %d %q", code, out)
	}
}

func TestRunRejectsMisplacedInboxFile(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "inbox", "stuff", "x.csv"), "a\n")
	code, _, errOut := postlive(t, "-w", ws, "run")
	if code != exitUsage || !strings.Contains(errOut, "put inbox files under inbox/<kind>/") {
		t.Fatalf("misplaced file = %d %q", code, errOut)
	}
}

// TestRunTrustsTheManifestOverItsState: the run state remembers inbox files
// it saw, but the manifest says what is imported. A file whose manifest
// entry is gone — taken back by hand (docs/operations.md), or a lake
// restored from a backup older than .postlive/run-state.json — is imported
// again, not skipped as seen.
func TestRunTrustsTheManifestOverItsState(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "inbox", "streams", "plan.csv"),
		"stream_id,affiliate_id,started_at,ended_at\ns1,a1,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\ns2,a1,2026-11-06T19:00:00Z,2026-11-06T19:30:00Z\n")
	if code, out, errOut := postlive(t, "-w", ws, "run"); code != 0 || !strings.Contains(out, "run summary: 1 files imported (0 already imported), 2 rows accepted") {
		t.Fatalf("first run = %d %q %q", code, out, errOut)
	}
	entries, _ := filepath.Glob(filepath.Join(ws, "lake", "_manifest", "[0-9a-f]*.parquet"))
	if len(entries) != 1 {
		t.Fatalf("manifest files = %v", entries)
	}
	os.Remove(entries[0])
	code, out, errOut := postlive(t, "-w", ws, "run")
	if code != 0 || !strings.Contains(out, "run summary: 1 files imported (0 already imported), 2 rows accepted") {
		t.Fatalf("run after the manifest entry was removed = %d %q %q; want the file imported again", code, out, errOut)
	}
	code, out, _ = postlive(t, "-w", ws, "query", "--format", "csv", "select count(*) as n from stg_streams")
	if code != 0 || out != "n\n2\n" {
		t.Errorf("streams after the re-import = %q; want 2", out)
	}
	if code, out, _ := postlive(t, "-w", ws, "run"); code != 0 || !strings.Contains(out, "nothing new: 1 inbox files already imported") {
		t.Errorf("third run = %d %q; want a no-op", code, out)
	}
}
